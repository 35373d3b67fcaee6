/** What the figures were measured on. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { cliBin } from "../../scripts/lib/pulumi-project";
import { repoRoot } from "../../scripts/lib/package";

/** The machine and the software versions, as lines of the report. */
export function machineLines(): string[] {
  const cpus = os.cpus();
  const version = (pkg: string): string => {
    try {
      const manifest = path.join(repoRoot, "node_modules", ...pkg.split("/"), "package.json");
      return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  const run = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "?";
    }
  };
  const commit = run("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = run("git", ["status", "--porcelain", "--", "provider", "sdk", "emulator"]) !== "";
  return [
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? "?"}; memory ${Math.round(os.totalmem() / 1024 ** 3)} GiB; ` +
      `${os.type()} ${os.release()} (${os.arch()})`,
    `- Node ${process.version}; Pulumi CLI ${run(path.join(cliBin, "pulumi"), ["version"])} ` +
      `(built from Go modules, .pulumi-cli/bin); @pulumi/pulumi ${version("@pulumi/pulumi")}; ` +
      `@aws-sdk/client-amp ${version("@aws-sdk/client-amp")}; TypeScript ${version("typescript")}`,
    `- Load average at the start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")} (1, 5, 15 min; other work on the machine adds noise to wall times)`,
    `- Code: commit ${commit}${dirty ? " plus uncommitted changes in provider/, sdk/ or emulator/" : ""}; ` +
      `measured ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  ];
}

/** Engine parallelism the CLI uses by default: 4 × GOMAXPROCS (pkg/cmd/pulumi/operations/up.go). */
export function engineDefaultParallelism(): number {
  return 4 * os.cpus().length;
}
