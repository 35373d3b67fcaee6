import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";
import { PluginServer } from "./support/plugin-server";

// A language host that runs a PulumiPlugin.yaml folder (`runtime: nodejs`) starts @pulumi/pulumi's run-plugin
// with the folder, which requires the folder's package.json `main`: the library entry must then serve.
describe("the package folder as a PulumiPlugin.yaml plugin, started the way a Node language host does", function () {
  this.timeout(60_000);
  let server: PluginServer | undefined;
  after(async () => server?.stop());

  it("serves the resource plugin from the package's main, under run-plugin", async () => {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin/index.js");
    server = await PluginServer.start({}, undefined, [process.execPath, runPlugin, repoRoot]);
    const schema = JSON.parse(await server.getSchema()) as { name: string; resources: Record<string, unknown> };
    assert.equal(schema.name, "amp-resource-policy");
    assert.ok("amp-resource-policy:index:ResourcePolicy" in schema.resources);
  });

  it("only exports when a program requires it", async () => {
    // A program (or anything but run-plugin) requiring the package: it must get the exports, print nothing on
    // stdout (the engine would read a port there) and leave no server keeping the process alive.
    const entry = path.join(repoRoot, "dist/sdk/nodejs/index.js");
    const script = `const pkg = require(${JSON.stringify(entry)}); console.error(typeof pkg.ResourcePolicy);`;
    const child = spawn(process.execPath, ["-e", script], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 20_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, `the process did not exit by itself (a server kept it alive?): ${stderr}`);
    assert.equal(stdout, "", "nothing on stdout, where a plugin prints its port");
    assert.equal(stderr.trim(), "function", "the exports are there");
  });
});
