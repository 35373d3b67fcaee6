/**
 * The real Pulumi CLI on the benchmark program `bench/programs/many`, installed once in a temporary folder with
 * the packed package, with an isolated PULUMI_HOME and file backend. Each measurement uses its own stack.
 *
 * The same program serves both front doors: config `frontDoor: dynamic` declares `ResourcePolicy` (the dynamic
 * provider); `frontDoor: plugin` declares `amp-resource-policy:index:ResourcePolicy`, served by the provider
 * plugin, which the harness registers in Pulumi.yaml (`plugins: providers:`) when it finds one.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { cliBin, ensureCli, packedTarball } from "../../scripts/lib/pulumi-project";
import { repoRoot } from "../../scripts/lib/package";
import { type MeasuredRun, measure } from "./process-tree";

/** The two ways the engine reaches the provider. */
export type FrontDoor = "dynamic" | "plugin";

/** The plugin's executable name, as the engine looks for it. */
export const pluginExecutable = "pulumi-resource-amp-resource-policy";

/**
 * Where the plugin front door can be loaded from: a folder holding `pulumi-resource-amp-resource-policy`, or
 * undefined (with the reason) when the plugin is not built in this checkout.
 */
export function findPlugin(installedPackage?: string): { dir?: string; reason: string } {
  const candidates = [
    installedPackage && path.join(installedPackage, "bin"),
    installedPackage && path.join(installedPackage, "dist", "bin"),
    path.join(repoRoot, "bin"),
    path.join(repoRoot, "dist", "bin"),
  ].filter((dir): dir is string => typeof dir === "string");
  for (const dir of candidates) {
    const file = path.join(dir, pluginExecutable);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return { dir, reason: `found ${path.relative(repoRoot, file) || file}` };
    } catch {
      // Not there.
    }
  }
  const source = fs.existsSync(path.join(repoRoot, "provider", "serve", "plugin.ts"));
  return {
    reason: source
      ? `provider/serve/plugin.ts exists but no executable ${pluginExecutable} was found (in bin/ or dist/bin/)`
      : `the plugin front door is not in this checkout (no provider/serve/plugin.ts, no ${pluginExecutable})`,
  };
}

/** The benchmark program, installed once; stacks are created on it as needed. */
export class BenchProgram {
  private constructor(
    readonly root: string,
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    /** The folder of the plugin executable, when the plugin front door is available. */
    readonly pluginDir: string | undefined,
    readonly pluginReason: string,
  ) {}

  /** Copies and installs `bench/programs/many` under `parent`; `env` adds the AWS settings. */
  static async install(parent: string, env: NodeJS.ProcessEnv): Promise<BenchProgram> {
    ensureCli();
    fs.mkdirSync(parent, { recursive: true });
    const root = fs.mkdtempSync(path.join(parent, "amp-bench-"));
    const dir = path.join(root, "program");
    fs.cpSync(path.join(repoRoot, "bench", "programs", "many"), dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules"),
    });
    const manifestPath = path.join(dir, "package.json");
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies["pulumi-amp-resource-policy"] = `file:${packedTarball()}`;
    manifest.dependencies["@pulumi/pulumi"] = pinnedPulumiVersion();
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
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
      PULUMI_SKIP_CONFIRMATIONS: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // No type check of the program on every command: a fixed cost of the program, not of the provider.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      NO_COLOR: "1",
      ...env,
    };
    await installDependencies(dir, fullEnv, manifestPath);
    const plugin = findPlugin(path.join(dir, "node_modules", "pulumi-amp-resource-policy"));
    if (plugin.dir !== undefined) {
      // The engine loads the provider `amp-resource-policy` from this folder instead of looking it up.
      fs.appendFileSync(
        path.join(dir, "Pulumi.yaml"),
        `plugins:\n  providers:\n    - name: amp-resource-policy\n      path: ${plugin.dir}\n`,
      );
    }
    return new BenchProgram(root, dir, fullEnv, plugin.dir, plugin.reason);
  }

  /** Runs `pulumi <args> --non-interactive` in the program folder, measured. */
  pulumi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<MeasuredRun> {
    return measure(path.join(cliBin, "pulumi"), [...args, "--non-interactive"], {
      cwd: this.dir,
      env: { ...this.env, ...env },
    });
  }

  /** Like `pulumi`, but throws with the output when the command fails. */
  async pulumiOk(args: string[]): Promise<MeasuredRun> {
    const run = await this.pulumi(args);
    if (run.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
    return run;
  }

  /** Creates (and selects) stack `name` with the given config. */
  async newStack(name: string, config: Record<string, string | number>): Promise<void> {
    await this.pulumiOk(["stack", "init", name]);
    const pairs = Object.entries(config).flatMap(([key, value]) => ["--plaintext", `${key}=${String(value)}`]);
    await this.pulumiOk(["config", "set-all", ...pairs]);
  }

  /** Sets one config value of the selected stack. */
  async setConfig(key: string, value: string | number): Promise<void> {
    await this.pulumiOk(["config", "set", key, String(value)]);
  }

  /** Removes the selected stack (and its history) once its resources are gone. */
  async removeStack(name: string): Promise<void> {
    await this.pulumiOk(["stack", "rm", name, "--yes", "--force"]);
  }

  /** The selected stack's deployment, as `pulumi stack export` prints it. */
  async exportState(): Promise<string> {
    return (await this.pulumiOk(["stack", "export", "--show-secrets"])).stdout;
  }

  /** Removes the temporary folder. */
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The `@pulumi/pulumi` version this repository pins, so that the npm cache already has it. */
function pinnedPulumiVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    devDependencies?: Record<string, string>;
  };
  return manifest.devDependencies?.["@pulumi/pulumi"] ?? "3.248.0";
}

const cacheRoot = path.join(repoRoot, ".bench", "cache");

/**
 * Installs the program's dependencies. An `npm install` takes 10-15 s here, so the result is kept in
 * `.bench/cache/<hash of the package tarball and the manifest>/` and later runs copy it as hard links: a real
 * `node_modules` folder, as a user's install gives, for the same package bytes.
 */
async function installDependencies(dir: string, env: NodeJS.ProcessEnv, manifestPath: string): Promise<void> {
  const key = createHash("sha256")
    .update(fs.readFileSync(packedTarball()))
    .update(fs.readFileSync(manifestPath, "utf8").replace(/"file:[^"]*"/g, '"file:"'))
    .digest("hex")
    .slice(0, 16);
  const cached = path.join(cacheRoot, key, "node_modules");
  const target = path.join(dir, "node_modules");
  if (fs.existsSync(path.join(cacheRoot, key, "complete"))) {
    try {
      execFileSync("cp", ["-al", cached, target]);
      return;
    } catch {
      fs.rmSync(target, { recursive: true, force: true });
    }
  }
  const install = await measure("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: dir,
    env,
  });
  if (install.code !== 0) {
    throw new Error(`npm install of the bench program failed:\n${install.stdout}${install.stderr}`);
  }
  try {
    fs.rmSync(cacheRoot, { recursive: true, force: true });
    fs.mkdirSync(path.join(cacheRoot, key), { recursive: true });
    execFileSync("cp", ["-al", target, cached]);
    fs.writeFileSync(path.join(cacheRoot, key, "complete"), "");
  } catch {
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  }
}

/** A resource of an exported deployment. */
interface StateResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** Sizes in an exported deployment: the whole, the policy resources, and their `__provider` text. */
export function stateSizes(exported: string): {
  totalBytes: number;
  policyResources: number;
  policyBytes: number;
  providerBytes: number;
} {
  const resources =
    (JSON.parse(exported) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
  const policies = resources.filter((r) => r.type.endsWith("ResourcePolicy"));
  let policyBytes = 0;
  let providerBytes = 0;
  for (const resource of policies) {
    policyBytes += Buffer.byteLength(JSON.stringify(resource));
    for (const bag of [resource.inputs, resource.outputs]) {
      const provider = bag?.__provider;
      if (typeof provider === "string") {
        providerBytes += Buffer.byteLength(JSON.stringify(provider));
      }
    }
  }
  return { totalBytes: Buffer.byteLength(exported), policyResources: policies.length, policyBytes, providerBytes };
}
