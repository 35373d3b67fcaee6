/**
 * `npm run package:plugin [-- --sea] [-- --out <dir>]`: builds the resource plugin archive that
 * `pulumi plugin install resource amp-resource-policy <version> --file <archive>` accepts, named
 * `pulumi-resource-amp-resource-policy-v<version>-<os>-<arch>.tar.gz`, and prints its path last.
 *
 * The engine runs an installed plugin as the executable `pulumi-resource-amp-resource-policy` at the root of its
 * folder when there is one, and only otherwise asks the runtime's language host (`RunPlugin`); the Node host built
 * here (v3.68) answers that with "not supported". So the archive's root holds the executable: the compiled plugin
 * and its production dependencies bundled into one `node` script (esbuild), beside `PulumiPlugin.yaml`
 * (`runtime: nodejs`), a `package.json` without dependencies and an empty `node_modules/` (the install runs the
 * host's `npm install` there, which then has nothing to fetch; the v3.68 host fails when no `node_modules` is left
 * afterwards), and the schema the plugin serves.
 *
 * `--sea` makes the executable a Node single-executable application (this Node binary with the same bundle
 * injected by postject) for this machine's platform: the plugin then needs no `node` at all. That archive has no
 * `PulumiPlugin.yaml`, so the install asks no language host (and no `npm`) for anything.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { Plugin } from "esbuild";

import { repoRoot } from "./lib/package";

const EXECUTABLE = "pulumi-resource-amp-resource-policy";
/** The fuse Node looks for in its own binary to know that a blob was injected. */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/** A built archive. */
export interface PluginArchive {
  /** The archive's path. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** The size of what it unpacks to, in bytes. */
  unpackedBytes: number;
}

/** Go's names for this machine's platform, as the engine names plugin archives. */
export function platformName(): string {
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;
  return `${process.platform}-${arch}`;
}

/**
 * `provider/serve/server.ts` loads google-protobuf's Struct and Empty "as @pulumi/pulumi resolves it", through a
 * computed `require.resolve` that a bundle cannot follow: the bundle gets literal requires, resolved from the
 * folder of `@pulumi/pulumi`, so they are the very modules the generated stubs use.
 */
function protobufAsPulumiResolvesIt(): Plugin {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [repoRoot] }));
  const computed = /require\(require\.resolve\(id, \{ paths: \[[^\]]*\] \}\)\)/;
  return {
    name: "protobuf-as-pulumi-resolves-it",
    setup(build) {
      build.onLoad({ filter: /[/\\]dist[/\\]provider[/\\]serve[/\\]server\.js$/ }, (args) => {
        const source = fs.readFileSync(args.path, "utf8");
        const ids = [...source.matchAll(/fromPulumi\("([^"]+)"\)/g)].map((m) => m[1]);
        if (!computed.test(source) || ids.length === 0) {
          throw new Error(`${args.path}: the computed google-protobuf require was not found; update ${__filename}`);
        }
        const table = ids.map((id) => `${JSON.stringify(id)}: () => require(${JSON.stringify(`pulumi-dir:${id}`)})`);
        return { contents: source.replace(computed, `({ ${table.join(", ")} })[id]()`), loader: "js" };
      });
      build.onResolve({ filter: /^pulumi-dir:/ }, (args) =>
        build.resolve(args.path.slice("pulumi-dir:".length), { kind: args.kind, resolveDir: pulumiDir }),
      );
    },
  };
}

/** The compiled plugin and its production dependencies as one CommonJS file that serves on start. */
async function bundle(outfile: string, banner: string): Promise<void> {
  const esbuild = await import("esbuild");
  const entry =
    'require("./dist/provider/serve/plugin.js").serve(process.argv.slice(2)).catch((err) => {\n' +
    "  console.error(err && err.stack ? err.stack : String(err));\n" +
    "  process.exit(1);\n" +
    "});\n";
  await esbuild.build({
    stdin: { contents: entry, resolveDir: repoRoot, sourcefile: "plugin-entry.js", loader: "js" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    banner: { js: banner },
    plugins: [protobufAsPulumiResolvesIt()],
    logLevel: "warning",
  });
}

/** Injects `script` into a copy of this Node binary at `target` (a Node single-executable application). */
async function singleExecutable(script: string, target: string, work: string): Promise<void> {
  if (process.platform !== "linux") {
    throw new Error(`--sea is built and tested for linux only, not ${process.platform}`);
  }
  const blob = path.join(work, "sea-prep.blob");
  const config = path.join(work, "sea-config.json");
  fs.writeFileSync(
    config,
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
  );
  execFileSync(process.execPath, ["--experimental-sea-config", config], { stdio: ["ignore", "ignore", "inherit"] });
  fs.copyFileSync(process.execPath, target);
  fs.chmodSync(target, 0o755);
  // postject ships no types; its API is inject(file, resourceName, data, { sentinelFuse }).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const postject = require("postject") as {
    inject(file: string, name: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
  };
  await postject.inject(target, "NODE_SEA_BLOB", fs.readFileSync(blob), { sentinelFuse: SEA_FUSE });
}

/** The total size of the files under `dir`. */
function treeBytes(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + fs.statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/** Builds the package (`npm run build`) and the plugin archive in `outDir`. */
export async function packagePlugin(options: { sea?: boolean; outDir?: string } = {}): Promise<PluginArchive> {
  const { sea = false, outDir = path.join(repoRoot, "dist", "plugin") } = options;
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as Record<string, string>;

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "amp-plugin-package-"));
  try {
    const stage = path.join(work, "stage");
    fs.mkdirSync(path.join(stage, "provider"), { recursive: true });
    const entries = ["LICENSE", "package.json", EXECUTABLE, "provider/schema.json"];
    if (sea) {
      const script = path.join(work, "plugin.js");
      await bundle(script, '"use strict";');
      await singleExecutable(script, path.join(stage, EXECUTABLE), work);
    } else {
      await bundle(path.join(stage, EXECUTABLE), '#!/usr/bin/env node\n"use strict";');
      fs.chmodSync(path.join(stage, EXECUTABLE), 0o755);
      fs.copyFileSync(path.join(repoRoot, "PulumiPlugin.yaml"), path.join(stage, "PulumiPlugin.yaml"));
      fs.mkdirSync(path.join(stage, "node_modules"));
      entries.push("PulumiPlugin.yaml", "node_modules");
    }
    // The plugin reads its version from the package.json above it and serves provider/schema.json.
    const { name, version, description, license } = manifest;
    fs.writeFileSync(
      path.join(stage, "package.json"),
      `${JSON.stringify({ name, version, description, license, private: true }, null, 2)}\n`,
    );
    fs.copyFileSync(path.join(repoRoot, "provider", "schema.json"), path.join(stage, "provider", "schema.json"));
    fs.copyFileSync(path.join(repoRoot, "LICENSE"), path.join(stage, "LICENSE"));

    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${EXECUTABLE}-v${version}-${platformName()}.tar.gz`);
    execFileSync("tar", ["-czf", file, "--owner=0", "--group=0", "-C", stage, ...entries]);
    return { file, bytes: fs.statSync(file).size, unpackedBytes: treeBytes(stage) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The command: `--sea`, `--out <dir>`; the archive's path goes to stdout, its sizes to stderr. */
async function main(args: string[]): Promise<void> {
  let sea = false;
  let outDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--sea") {
      sea = true;
    } else if (args[i] === "--out" && i + 1 < args.length) {
      outDir = path.resolve(args[++i]);
    } else {
      throw new Error(`package-plugin: unknown argument ${args[i]} (usage: package-plugin [--sea] [--out <dir>])`);
    }
  }
  const started = Date.now();
  const archive = await packagePlugin({ sea, outDir });
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.error(
    `package-plugin: ${path.basename(archive.file)}: ${mb(archive.bytes)} (${mb(archive.unpackedBytes)} unpacked), ` +
      `built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(archive.file);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
