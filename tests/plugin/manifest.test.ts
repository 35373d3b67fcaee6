import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), "utf8");

describe("the plugin's manifests", () => {
  it("PulumiPlugin.yaml says only `runtime: nodejs`", () => {
    const entries = read("PulumiPlugin.yaml")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
    assert.deepEqual(entries, ["runtime: nodejs"]);
  });

  it("the plugin executable is a node script named after the package, executable, running dist/provider/serve/plugin.js", () => {
    const file = path.join(repoRoot, "bin", "pulumi-resource-amp-resource-policy");
    assert.ok((fs.statSync(file).mode & 0o111) !== 0, "executable");
    const text = fs.readFileSync(file, "utf8");
    assert.ok(text.startsWith("#!/usr/bin/env node\n"));
    assert.match(text, /"dist", "provider", "serve", "plugin\.js"/);
  });

  it("the npm package ships the executable, the manifest, the schema and the compiled plugin", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: repoRoot, encoding: "utf8" });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    for (const needed of [
      "bin/pulumi-resource-amp-resource-policy",
      "PulumiPlugin.yaml",
      "provider/schema.json",
      "dist/provider/serve/plugin.js",
      "dist/provider/lifecycle.js",
    ]) {
      assert.ok(files.includes(needed), `${needed} is not in the package`);
    }
    const manifest = JSON.parse(read("package.json")) as { bin: Record<string, string> };
    assert.equal(manifest.bin["pulumi-resource-amp-resource-policy"], "bin/pulumi-resource-amp-resource-policy");
  });

  it("the schema's inputs are the dynamic resource's arguments: one resource, two front doors", () => {
    const schema = JSON.parse(read("provider/schema.json")) as {
      resources: Record<string, { inputProperties: Record<string, unknown>; requiredInputs: string[] }>;
    };
    const resource = schema.resources["amp-resource-policy:index:ResourcePolicy"];
    const args = /export interface ResourcePolicyArgs \{([\s\S]*?)\n\}/.exec(read("sdk/nodejs/resource.ts"))![1];
    const members = [...args.matchAll(/^ {2}(\w+)(\??):/gm)];
    assert.deepEqual(Object.keys(resource.inputProperties).sort(), members.map((m) => m[1]).sort());
    assert.deepEqual(
      [...resource.requiredInputs].sort(),
      members
        .filter((m) => m[2] === "")
        .map((m) => m[1])
        .sort(),
    );
  });
});
