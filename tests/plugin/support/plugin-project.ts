/**
 * The real Pulumi CLI driving a copy of a YAML or Python example through the resource plugin, installed from the
 * packed package the way a user gets it (node_modules/pulumi-amp-resource-policy/bin), on a local file backend.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { repoRoot } from "../../../scripts/lib/package";
import { type RunResult, cliBin, ensureCli, packedTarball } from "../../../scripts/lib/pulumi-project";

export type { RunResult };

/** Runs a command to completion, collecting its output. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      output += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      output += d;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, output }));
  });
}

/** `base` with `overrides` applied; an `undefined` override removes the variable. */
function mergeEnv(base: NodeJS.ProcessEnv, overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
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

let installedPlugin: Promise<string> | undefined;

/** The plugin folder of the packed package installed with npm (once per test process). */
export function installedPluginDir(): Promise<string> {
  installedPlugin ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-plugin-install-"));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const manifest = {
      name: "amp-plugin-install",
      private: true,
      dependencies: { "pulumi-amp-resource-policy": `file:${packedTarball()}`, "@pulumi/pulumi": "3.248.0" },
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

/** The virtualenv for the Python examples, kept between runs in .pulumi-cli/ (git-ignored). */
export const venvDir = path.join(repoRoot, ".pulumi-cli", "python-venv");
let pythonReady: Promise<string> | undefined;

/**
 * A virtualenv with the `pulumi` package from PyPI (the range the generated SDK requires) and this checkout's
 * sdk/python installed; returns its bin folder. The venv is reused while Python and the range stay the same.
 */
export function pythonBin(): Promise<string> {
  pythonReady ??= (async () => {
    const bin = path.join(venvDir, "bin");
    const pyproject = fs.readFileSync(path.join(repoRoot, "sdk/python/pyproject.toml"), "utf8");
    const pulumiRequirement = /"(pulumi[<>=~!][^"]*)"/.exec(pyproject)?.[1];
    if (pulumiRequirement === undefined) {
      throw new Error("sdk/python/pyproject.toml names no pulumi requirement");
    }
    const python = await run("python3", ["--version"], repoRoot, process.env);
    if (python.code !== 0) {
      throw new Error(`python3 is needed for the Python example: ${python.output}`);
    }
    // setuptools >= 70.1 builds wheels without the `wheel` package, so the SDK installs without network.
    const wanted = [pulumiRequirement, "setuptools>=70.1"];
    const stamp = JSON.stringify({ python: python.output.trim(), wanted });
    const stampFile = path.join(venvDir, ".stamp");
    const pip = path.join(bin, "pip");
    if (!fs.existsSync(pip) || !fs.existsSync(stampFile) || fs.readFileSync(stampFile, "utf8") !== stamp) {
      fs.rmSync(venvDir, { recursive: true, force: true });
      const steps: [string, string[]][] = [
        ["python3", ["-m", "venv", venvDir]],
        [pip, ["install", "--quiet", "--disable-pip-version-check", ...wanted]],
      ];
      for (const [command, args] of steps) {
        const result = await run(command, args, repoRoot, process.env);
        if (result.code !== 0) {
          throw new Error(`${command} ${args.join(" ")} failed:\n${result.output}`);
        }
      }
      fs.writeFileSync(stampFile, stamp);
    }
    // pip builds a local folder in place: install from a copy, so sdk/python stays as generated.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "amp-python-sdk-"));
    try {
      fs.cpSync(path.join(repoRoot, "sdk", "python"), copy, { recursive: true });
      const install = await run(
        pip,
        [
          "install",
          "--quiet",
          "--disable-pip-version-check",
          "--no-deps",
          "--no-build-isolation",
          "--no-index",
          "--force-reinstall",
          copy,
        ],
        repoRoot,
        process.env,
      );
      if (install.code !== 0) {
        throw new Error(`installing sdk/python failed:\n${install.output}`);
      }
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
    return bin;
  })();
  return pythonReady;
}

/** A copy of examples/yaml or examples/python using the installed plugin, with its own Pulumi home and backend. */
export class PluginProject {
  private constructor(
    readonly root: string,
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * Copies `examples/<example>`, points its `plugins: providers:` entry at the installed plugin, and inits a stack
   * `dev`. `env` adds (or, with `undefined`, removes) variables; `pathFirst` goes before the CLI on PATH.
   */
  static async create(example: string, env: NodeJS.ProcessEnv, pathFirst: string[] = []): Promise<PluginProject> {
    ensureCli();
    const pluginDir = await installedPluginDir();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `amp-${example}-`));
    const dir = path.join(root, "program");
    fs.cpSync(path.join(repoRoot, "examples", example), dir, {
      recursive: true,
      filter: (src) => !/(^|[/\\])(venv|__pycache__|node_modules)$/.test(src),
    });
    const manifest = path.join(dir, "Pulumi.yaml");
    const text = fs.readFileSync(manifest, "utf8");
    const pointed = text.replace(/^(\s+path:) \.\.\/\.\.\/bin$/m, `$1 ${pluginDir}`);
    if (pointed === text) {
      throw new Error(`examples/${example}/Pulumi.yaml has no plugin path ../../bin to point at the installed plugin`);
    }
    fs.writeFileSync(manifest, pointed);
    fs.mkdirSync(path.join(root, "home"));
    fs.mkdirSync(path.join(root, "state"));
    const fullEnv = mergeEnv(process.env, {
      PATH: [...pathFirst, cliBin, process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_HOME: path.join(root, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      ...env,
    });
    const project = new PluginProject(root, dir, fullEnv);
    const init = await project.pulumi(["stack", "init", "dev"]);
    if (init.code !== 0) {
      throw new Error(`pulumi stack init failed:\n${init.output}`);
    }
    return project;
  }

  /** Runs `pulumi <args>` non-interactively in the program folder. */
  pulumi(args: string[]): Promise<RunResult> {
    return run(path.join(cliBin, "pulumi"), [...args, "--non-interactive"], this.dir, this.env);
  }

  /** Reads a file of the program. */
  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), "utf8");
  }

  /** Writes a file of the program. */
  write(file: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, file), text);
  }

  /** The stack's resources, as `pulumi stack export` prints them (secrets encrypted). */
  async resources(): Promise<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown> }[]> {
    const result = await this.pulumi(["stack", "export"]);
    if (result.code !== 0) {
      throw new Error(result.output);
    }
    return (JSON.parse(result.stdout) as { deployment: { resources: [] } }).deployment.resources ?? [];
  }

  /** Removes the temporary folder. */
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The ops a `pulumi preview --json` plans for ResourcePolicy resources, with their detailed diffs. */
export function policySteps(
  previewJson: string,
): { op: string; urn: string; detailedDiff?: Record<string, { kind: string; inputDiff: boolean }> }[] {
  const { steps } = JSON.parse(previewJson) as {
    steps: { op: string; urn: string; detailedDiff?: Record<string, { kind: string; inputDiff: boolean }> }[];
  };
  return steps.filter((s) => s.urn.includes("amp-resource-policy:index:ResourcePolicy"));
}
