/**
 * The real Pulumi CLI (built from Go modules into .pulumi-cli/bin) driving a copy of an example program on a
 * local file backend, against an emulator. Processes are spawned asynchronously: the emulator usually runs in
 * the test's own process and must keep answering while the CLI works.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { packPackage, repoRoot } from "./package";

export const cliBin = path.join(repoRoot, ".pulumi-cli", "bin");

/** Builds the CLI and language hosts if they are missing (the script reuses a previous build). */
export function ensureCli(): void {
  if (!fs.existsSync(path.join(cliBin, "pulumi")) || !fs.existsSync(path.join(cliBin, "pulumi-language-nodejs"))) {
    execFileSync("bash", [path.join(repoRoot, "scripts/build-pulumi-cli.sh")], { stdio: "inherit" });
  }
}

/** The outcome of one CLI run. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages that may land in either. */
  output: string;
}

let packed: string | undefined;
/** The package tarball, packed once per test process. */
export function packedTarball(): string {
  packed ??= packPackage();
  return packed;
}

/** A copy of an example program, installed and with its own Pulumi home and state backend. */
export class PulumiProject {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private running?: ChildProcess;

  private constructor(
    readonly root: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.dir = path.join(root, "program");
    this.env = env;
  }

  /**
   * Copies `examples/<example>` to a temporary folder, points its dependency at the packed package, installs
   * it, and prepares an isolated `PULUMI_HOME` and file backend. `env` adds AWS settings and the like.
   */
  static async create(example: string, env: NodeJS.ProcessEnv, parent = os.tmpdir()): Promise<PulumiProject> {
    ensureCli();
    fs.mkdirSync(parent, { recursive: true });
    const root = fs.mkdtempSync(path.join(parent, `amp-${example}-`));
    const dir = path.join(root, "program");
    fs.cpSync(path.join(repoRoot, "examples", example), dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules"),
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies["pulumi-amp-resource-policy"] = `file:${packedTarball()}`;
    // The same SDK the repository pins, so the npm cache already has it.
    manifest.dependencies["@pulumi/pulumi"] = "3.248.0";
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    fs.mkdirSync(path.join(root, "home"));
    fs.mkdirSync(path.join(root, "state"));
    const fullEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${cliBin}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(root, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      ...env,
    };
    const project = new PulumiProject(root, fullEnv);
    const install = await project.exec("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
    ]);
    if (install.code !== 0) {
      throw new Error(`npm install of the example failed:\n${install.output}`);
    }
    const init = await project.pulumi(["stack", "init", "dev"]);
    if (init.code !== 0) {
      throw new Error(`pulumi stack init failed:\n${init.output}`);
    }
    return project;
  }

  /** Runs `pulumi <args>` non-interactively in the program folder; `echo` also streams its output. */
  pulumi(args: string[], options: { echo?: boolean } = {}): Promise<RunResult> {
    return this.exec(path.join(cliBin, "pulumi"), [...args, "--non-interactive"], options);
  }

  /** Starts `pulumi <args>` and returns the child, for tests that interrupt it. */
  startPulumi(args: string[]): ChildProcess {
    const child = spawn(path.join(cliBin, "pulumi"), [...args, "--non-interactive"], {
      cwd: this.dir,
      env: this.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.running = child;
    return child;
  }

  /**
   * Kills a process started by `startPulumi`, with everything it started. Plugins the engine launched run in
   * process groups of their own and would outlive it: they are found by the program folder in their command line.
   */
  killRunning(): void {
    const pids = new Set<number>();
    if (this.running?.pid !== undefined) {
      pids.add(-this.running.pid);
    }
    for (const entry of fs.existsSync("/proc") ? fs.readdirSync("/proc") : []) {
      if (/^\d+$/.test(entry) && Number(entry) !== process.pid) {
        try {
          if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(this.root)) {
            pids.add(Number(entry));
          }
        } catch {
          // The process ended meanwhile.
        }
      }
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  /** Writes a file of the program (e.g. a changed index.ts). */
  write(file: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, file), text);
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), "utf8");
  }

  /** The stack's state, as `pulumi stack export` prints it. */
  async exportState(): Promise<string> {
    const result = await this.pulumi(["stack", "export", "--show-secrets"]);
    if (result.code !== 0) {
      throw new Error(result.output);
    }
    return result.stdout;
  }

  /** Every file of the file backend, concatenated (state, history, backups). */
  backendText(): string {
    const files = fs.readdirSync(path.join(this.root, "state"), { recursive: true, withFileTypes: true });
    return files
      .filter((f) => f.isFile())
      .map((f) => fs.readFileSync(path.join(f.parentPath, f.name), "utf8"))
      .join("\n");
  }

  /** Removes the temporary folder. */
  dispose(): void {
    this.killRunning();
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  exec(command: string, args: string[], options: { echo?: boolean } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: this.dir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        output += d;
        if (options.echo) process.stdout.write(d);
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        output += d;
        if (options.echo) process.stderr.write(d);
      });
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stdout, stderr, output }));
    });
  }
}
