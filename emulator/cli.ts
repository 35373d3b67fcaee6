#!/usr/bin/env node
/**
 * `amp-emulator`: runs the AMP emulator until SIGINT or SIGTERM.
 *
 * Prints one line of JSON on stdout once listening:
 * `{"url":…,"region":…,"accountId":…,"workspaces":[…],"env":{"AWS_ENDPOINT_URL_AMP":…,"AWS_REGION":…,
 * "AWS_ACCESS_KEY_ID":…,"AWS_SECRET_ACCESS_KEY":…}}`, and a human-readable line on stderr.
 */
import { parseArgs } from "node:util";
import { AmpEmulator, DEFAULT_CREDENTIALS, EmulatorOptions } from "./index";

/** The usage text. */
export const USAGE = `Usage: amp-emulator [options]

Runs a local Amazon Managed Service for Prometheus (AMP) emulator (workspaces and resource policies).

Options:
  --port <n>                      TCP port (default 0: a free port, printed)
  --host <address>                interface to listen on (default 127.0.0.1)
  --delay <ms>                    duration of CREATING/UPDATING/DELETING transitions (default 0)
  --workspace <id>                pre-create an ACTIVE workspace with this id (repeatable)
  --region <region>               region of ARNs and of accepted signatures (default us-east-1)
  --account-id <id>               account id of ARNs (default 123456789012)
  --credential <key=secret>       accepted access key and secret (repeatable; default test=test)
  --no-verify-signature           accept unsigned or wrongly signed requests
  --reject-unsupported-actions    reject policy actions that are not Prometheus-compatible
  --max-policy-bytes <n>          largest accepted policy document (default 20480)
  --help                          print this text

Prints one JSON line on stdout with "url" and the "env" variables to point the AWS SDK at it.
Admin endpoints (unsigned JSON) live under <url>/_emulator/.`;

/** What the command line asks for. */
export interface CliConfig {
  /** TCP port (0 = any). */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** Workspaces to pre-create. */
  workspaces: string[];
  /** Emulator options. */
  options: EmulatorOptions;
  /** Print the usage and exit. */
  help: boolean;
}

function nonNegativeInteger(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Parses the arguments (without `node` and the script). Throws an `Error` with a readable message when invalid. */
export function parseCliArgs(argv: string[]): CliConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      delay: { type: "string" },
      workspace: { type: "string", multiple: true },
      region: { type: "string" },
      "account-id": { type: "string" },
      credential: { type: "string", multiple: true },
      "no-verify-signature": { type: "boolean" },
      "reject-unsupported-actions": { type: "boolean" },
      "max-policy-bytes": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const port = values.port === undefined ? 0 : nonNegativeInteger(values.port, "--port");
  if (port > 65535) throw new Error("--port must be at most 65535");
  const options: EmulatorOptions = {
    verifySignature: values["no-verify-signature"] !== true,
    rejectUnsupportedActions: values["reject-unsupported-actions"] === true,
  };
  if (values.delay !== undefined) options.transitionDelayMs = nonNegativeInteger(values.delay, "--delay");
  if (values.region !== undefined) options.region = values.region;
  if (values["account-id"] !== undefined) options.accountId = values["account-id"];
  if (values["max-policy-bytes"] !== undefined) {
    options.maxPolicyBytes = nonNegativeInteger(values["max-policy-bytes"], "--max-policy-bytes");
  }
  if (values.credential !== undefined) {
    const credentials: Record<string, string> = {};
    for (const pair of values.credential) {
      const index = pair.indexOf("=");
      if (index < 1 || index === pair.length - 1) throw new Error(`--credential must be KEY=SECRET`);
      credentials[pair.slice(0, index)] = pair.slice(index + 1);
    }
    options.credentials = credentials;
  }
  return {
    port,
    host: values.host ?? "127.0.0.1",
    workspaces: values.workspace ?? [],
    options,
    help: values.help === true,
  };
}

/** Starts an emulator as configured; resolves with it and the line to print. */
export async function startFromCli(
  config: CliConfig,
): Promise<{ emulator: AmpEmulator; line: string; message: string }> {
  const emulator = new AmpEmulator(config.options);
  for (const workspaceId of config.workspaces) emulator.createWorkspace({ workspaceId });
  const url = await emulator.start(config.port, config.host);
  const [accessKeyId, secretAccessKey] = Object.entries(config.options.credentials ?? DEFAULT_CREDENTIALS)[0] ?? [
    "",
    "",
  ];
  const env = {
    AWS_ENDPOINT_URL_AMP: url,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
  };
  const line = JSON.stringify({
    url,
    region: emulator.region,
    accountId: emulator.accountId,
    workspaces: config.workspaces,
    env,
  });
  const exports = Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return { emulator, line, message: `AMP emulator listening on ${url} (stop with Ctrl-C); use: export ${exports}` };
}

async function main(): Promise<void> {
  let config: CliConfig;
  try {
    config = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`amp-emulator: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { emulator, line, message } = await startFromCli(config);
  process.stdout.write(`${line}\n`);
  process.stderr.write(`${message}\n`);
  const shutdown = (signal: NodeJS.Signals): void => {
    emulator.stop().then(
      () => {
        process.stderr.write(`amp-emulator: stopped on ${signal}\n`);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`amp-emulator: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`amp-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
