import assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import path from "node:path";
import { parseCliArgs } from "../../emulator/cli";

const repoRoot = path.resolve(__dirname, "../..");
const cliPath = path.join(repoRoot, "emulator", "cli.ts");

interface Started {
  child: ChildProcess;
  line: Record<string, unknown> & { url: string; env: Record<string, string> };
  stderr: () => string;
}

/** Spawns the command through ts-node and resolves with its first stdout line, parsed. */
function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", cliPath, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const newline = stdout.indexOf("\n");
      if (newline >= 0) resolve({ child, line: JSON.parse(stdout.slice(0, newline)), stderr: () => stderr });
    });
    child.once("exit", (code) => reject(new Error(`amp-emulator exited with ${code} before printing: ${stderr}`)));
    child.once("error", reject);
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/** Runs a separate Node process that uses the default AmpClient configuration with only `env`. */
function describeWithEnv(env: Record<string, string>, workspaceId: string): Promise<string> {
  const script = `
    const { AmpClient, DescribeWorkspaceCommand } = require("@aws-sdk/client-amp");
    new AmpClient({}).send(new DescribeWorkspaceCommand({ workspaceId: ${JSON.stringify(workspaceId)} }))
      .then((out) => { process.stdout.write(out.workspace.status.statusCode); })
      .catch((error) => { process.stdout.write("ERROR " + error.name); });`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", script],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", AWS_CONFIG_FILE: "/dev/null", ...env },
      },
      (error, stdout) => {
        if (error) reject(new Error(`node -e failed: ${error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}

describe("amp-emulator command", function () {
  this.timeout(30000);

  it("starts on a free port, prints its URL and env as one JSON line, serves the SDK and stops on SIGTERM", async () => {
    const { child, line, stderr } = await startCli([
      "--port",
      "0",
      "--workspace",
      "ws-cli-1",
      "--workspace",
      "ws-cli-2",
    ]);
    try {
      assert.match(line.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(line.url, "http://127.0.0.1:0");
      assert.deepEqual(line.workspaces, ["ws-cli-1", "ws-cli-2"]);
      assert.deepEqual(line.env, {
        AWS_ENDPOINT_URL_AMP: line.url,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
      });
      assert.equal(await describeWithEnv(line.env, "ws-cli-2"), "ACTIVE");
      assert.equal(await describeWithEnv(line.env, "ws-cli-3"), "ERROR ResourceNotFoundException");
      const health = await fetch(`${line.url}/_emulator/health`);
      assert.equal(health.status, 200);
      assert.match(stderr(), /AMP emulator listening on http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exitOf(child), 0);
    assert.match(stderr(), /stopped on SIGTERM/);
  });

  it("honours --region and --no-verify-signature", async () => {
    const { child, line } = await startCli(["--region", "eu-west-1", "--no-verify-signature", "--delay", "5"]);
    try {
      assert.equal(line.region, "eu-west-1");
      assert.equal(line.env.AWS_REGION, "eu-west-1");
      const settings = (await (await fetch(`${line.url}/_emulator/settings`)).json()) as Record<string, unknown>;
      assert.equal(settings.verifySignature, false);
      assert.equal(settings.transitionDelayMs, 5);
      const unsigned = await fetch(`${line.url}/workspaces`);
      assert.equal(unsigned.status, 200);
    } finally {
      child.kill("SIGINT");
    }
    assert.equal(await exitOf(child), 0);
  });

  it("exits with status 2 and the usage on a bad option", async () => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", cliPath, "--port", "abc"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    assert.equal(await exitOf(child), 2);
    assert.match(stderr, /--port must be a non-negative integer/);
    assert.match(stderr, /Usage: amp-emulator/);
  });

  it("parses its options", () => {
    const config = parseCliArgs([
      "--port",
      "4510",
      "--host",
      "0.0.0.0",
      "--delay",
      "250",
      "--workspace",
      "ws-a",
      "--credential",
      "AKID=secret=with=equals",
      "--max-policy-bytes",
      "100",
      "--reject-unsupported-actions",
    ]);
    assert.equal(config.port, 4510);
    assert.equal(config.host, "0.0.0.0");
    assert.deepEqual(config.workspaces, ["ws-a"]);
    assert.deepEqual(config.options, {
      verifySignature: true,
      rejectUnsupportedActions: true,
      transitionDelayMs: 250,
      maxPolicyBytes: 100,
      credentials: { AKID: "secret=with=equals" },
    });
    assert.equal(parseCliArgs([]).port, 0);
    assert.equal(parseCliArgs([]).host, "127.0.0.1");
    assert.throws(() => parseCliArgs(["--bogus"]), /Unknown option/);
    assert.throws(() => parseCliArgs(["--credential", "nosecret"]), /KEY=SECRET/);
  });
});
