import assert from "node:assert/strict";
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

  it("only exports when a program requires it", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(path.join(repoRoot, "dist/sdk/nodejs/index.js")) as Record<string, unknown>;
    assert.equal(typeof pkg.ResourcePolicy, "function");
  });
});
