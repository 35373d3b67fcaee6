/**
 * The built `amp-policy` bin as the CLI and engine tests run it: a separate Node process, no TTY, and a build first
 * when a source is newer than its compiled form (the bin would run stale code).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "../..");

/** The bin a user runs. */
export const AMP_POLICY_BIN = path.join(root, "bin", "amp-policy");

/** What a run of the bin gave. */
export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin with `args`, `input` on its standard input, in `cwd`, with `env` over this process's. */
export function runAmpPolicy(
  args: readonly string[],
  options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): BinRun {
  const run = spawnSync(process.execPath, [AMP_POLICY_BIN, ...args], {
    cwd: options.cwd,
    input: options.input,
    encoding: "utf8",
    env: { ...process.env, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Compiles the package when a source under provider/ is newer than `dist/provider/cli.js`. */
export function ensureCliBuilt(): void {
  const compiled = path.join(root, "dist", "provider", "cli.js");
  const newest = Math.max(
    ...fs
      .readdirSync(path.join(root, "provider"), { recursive: true })
      .map(String)
      .filter((name) => name.endsWith(".ts"))
      .map((name) => fs.statSync(path.join(root, "provider", name)).mtimeMs),
  );
  if (!fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs < newest) {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: "inherit",
    });
  }
}
