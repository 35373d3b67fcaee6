/**
 * The one harness for an engine project: the real Pulumi CLI (built from Go modules into .pulumi-cli/bin)
 * driving a copy of an example program on a local file backend, against an emulator. A TypeScript example gets
 * the packed package from npm (the dynamic provider); a YAML or Python example gets the resource plugin of the
 * packed package installed with npm. Processes are spawned asynchronously: the emulator usually runs in the
 * test's own process and must keep answering while the CLI works.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { AmpEmulator, type EmulatorOptions } from "../../emulator";
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

/**
 * The version of `@pulumi/pulumi` installed in this checkout: the pinned development version, or the one the
 * version matrix (scripts/version-matrix.sh) installed. Programs get the same one, from the npm cache.
 */
export function installedPulumiVersion(): string {
  const manifest = require.resolve("@pulumi/pulumi/package.json", { paths: [repoRoot] });
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

let packed: string | undefined;
/** The package tarball, packed once per test process. */
export function packedTarball(): string {
  packed ??= packPackage();
  return packed;
}

/** Fails with the command's output unless it succeeded. */
export function assertOk(result: RunResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed:\n${result.output}`);
}

/** `base` with `overrides` applied; an `undefined` override removes the variable. */
export function mergeEnv(base: NodeJS.ProcessEnv, overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

/** The AWS settings of a program that talks to the emulator at `url`, with its default credentials. */
export function emulatorEnv(url: string): NodeJS.ProcessEnv {
  return {
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_AMP: url,
    AWS_ENDPOINT_URL: undefined,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
  };
}

/** Runs a command to completion, collecting its output; `echo` also streams it. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  options: { echo?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
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

let installedPlugin: Promise<string> | undefined;

/** The plugin folder of the packed package installed with npm (once per process), as a user's program has it. */
export function installedPluginDir(): Promise<string> {
  installedPlugin ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-plugin-install-"));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const manifest = {
      name: "amp-plugin-install",
      private: true,
      dependencies: {
        "pulumi-amp-resource-policy": `file:${packedTarball()}`,
        "@pulumi/pulumi": installedPulumiVersion(),
      },
    };
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    const install = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
      dir,
      process.env,
    );
    if (install.code !== 0) {
      throw new Error(`npm install of the packed package failed:\n${install.output}`);
    }
    return path.join(dir, "node_modules", "pulumi-amp-resource-policy", "bin");
  })();
  return installedPlugin;
}

/** Where a project goes and what it runs with, besides its example. */
export interface ProjectOptions {
  /** The folder of the temporary project folder (default: the system's). */
  parent?: string;
  /** Folders to put before the CLI on PATH (e.g. a Python virtualenv). */
  pathFirst?: string[];
}

/**
 * A copy of an example program, installed, with its own Pulumi home and state backend and a stack `dev`. A
 * TypeScript example (`runtime: nodejs`) uses the dynamic provider of the packed package; any other uses the
 * resource plugin, its `plugins: providers:` path (`../../bin`) pointed at the packed package installed with npm.
 */
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
   * Copies `examples/<example>` to a temporary folder, installs what it uses of this package, and prepares an
   * isolated `PULUMI_HOME` and file backend. `env` adds (or, with `undefined`, removes) variables.
   */
  static async create(
    example: string,
    env: NodeJS.ProcessEnv,
    options: ProjectOptions | string = {},
  ): Promise<PulumiProject> {
    const { parent = os.tmpdir(), pathFirst = [] } = typeof options === "string" ? { parent: options } : options;
    ensureCli();
    fs.mkdirSync(parent, { recursive: true });
    // An example may be a folder of one (`central-workspace/source`): one level of temporary folder all the same.
    const root = fs.mkdtempSync(path.join(parent, `amp-${example.replace(/[\\/]/g, "-")}-`));
    const dir = path.join(root, "program");
    fs.cpSync(path.join(repoRoot, "examples", example), dir, {
      recursive: true,
      filter: (src) => !/(^|[/\\])(venv|__pycache__|node_modules)$/.test(src),
    });
    fs.mkdirSync(path.join(root, "home"));
    fs.mkdirSync(path.join(root, "state"));
    const fullEnv = mergeEnv(process.env, {
      PATH: [...pathFirst, cliBin, process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_HOME: path.join(root, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      ...env,
    });
    const project = new PulumiProject(root, fullEnv);
    if (/^runtime:\s*(?:\n\s+name:\s*)?nodejs\b/m.test(project.read("Pulumi.yaml"))) {
      await project.installPackage();
    } else {
      project.pointAtPlugin(await installedPluginDir());
    }
    const init = await project.pulumi(["stack", "init", "dev"]);
    if (init.code !== 0) {
      throw new Error(`pulumi stack init failed:\n${init.output}`);
    }
    return project;
  }

  /** A TypeScript example: its dependency on this package becomes the packed package, installed with npm. */
  private async installPackage(): Promise<void> {
    const manifest = JSON.parse(this.read("package.json")) as { dependencies: Record<string, string> };
    manifest.dependencies["pulumi-amp-resource-policy"] = `file:${packedTarball()}`;
    // The same SDK this checkout has, so the npm cache already has it.
    manifest.dependencies["@pulumi/pulumi"] = installedPulumiVersion();
    this.write("package.json", JSON.stringify(manifest, null, 2));
    const install = await this.exec("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
    ]);
    if (install.code !== 0) {
      throw new Error(`npm install of the example failed:\n${install.output}`);
    }
  }

  /** A plugin example: its `plugins: providers:` path (`../../bin`) becomes `pluginDir`. */
  private pointAtPlugin(pluginDir: string): void {
    const text = this.read("Pulumi.yaml");
    const pointed = text.replace(/^(\s+path:) \.\.\/\.\.\/bin$/m, `$1 ${pluginDir}`);
    if (pointed === text) {
      throw new Error(`${this.dir}/Pulumi.yaml has no plugin path ../../bin to point at the installed plugin`);
    }
    this.write("Pulumi.yaml", pointed);
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

  /** The stack's resources, as `pulumi stack export` prints them (secrets encrypted). */
  async resources(): Promise<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown> }[]> {
    const result = await this.pulumi(["stack", "export"]);
    if (result.code !== 0) {
      throw new Error(result.output);
    }
    return (JSON.parse(result.stdout) as { deployment: { resources: [] } }).deployment.resources ?? [];
  }

  /** Removes the temporary folder, after ending what the CLI left running. */
  dispose(): void {
    this.killRunning();
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  exec(command: string, args: string[], options: { echo?: boolean } = {}): Promise<RunResult> {
    return run(command, args, this.dir, this.env, options);
  }
}

/** An emulator and a project of an example pointed at it. */
export interface EmulatedProject {
  emulator: AmpEmulator;
  url: string;
  project: PulumiProject;
  dispose: () => Promise<void>;
}

/**
 * The set-up of an engine test: an emulator (started), and a project of `example` whose AWS settings point at
 * it (`emulatorEnv`, then `env(url)` on top). `dispose` removes the project and stops the emulator.
 */
export async function emulatedProject(
  example: string,
  options: ProjectOptions & { emulator?: EmulatorOptions; env?: (url: string) => NodeJS.ProcessEnv } = {},
): Promise<EmulatedProject> {
  const emulator = new AmpEmulator(options.emulator);
  const url = await emulator.start();
  try {
    const project = await PulumiProject.create(example, { ...emulatorEnv(url), ...options.env?.(url) }, options);
    const dispose = async () => {
      project.dispose();
      await emulator.stop();
    };
    return { emulator, url, project, dispose };
  } catch (err) {
    await emulator.stop();
    throw err;
  }
}
