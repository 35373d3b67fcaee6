import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

import * as pulumi from "@pulumi/pulumi";

import { installPackedPackage, installedDir, packageName, repoRoot, uninstallPackage } from "../../scripts/lib/package";

/** Serializes the provider the way `pulumi.dynamic.Resource` does, from the installed package. */
async function serializeInstalledProvider(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(installedDir) as typeof import("../../sdk/nodejs");
  const provider = pkg.resourcePolicyProvider;
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
  return serialized.text;
}

describe("serialization of the dynamic provider (real serializer, installed package)", function () {
  this.timeout(120_000);
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY";
  const accessKey = "AKIAZZZZZZZZSERIALIZE";
  let text: string;
  let saved: NodeJS.ProcessEnv;

  before(async () => {
    saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = accessKey;
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    process.env.AWS_SESSION_TOKEN = "FQoGZXIvYXdzSESSIONTOKEN";
    installPackedPackage();
    text = await serializeInstalledProvider();
  });
  after(() => {
    process.env = saved;
    uninstallPackage();
  });

  it("captures the provider by reference to its own module of the installed package: at most 1 KB per policy", () => {
    assert.match(text, new RegExp(`require\\("${packageName}/dist/sdk/nodejs/provider\\.js"\\)`));
    // As the file backend stores it: a JSON string, once in the inputs and once in the outputs of each policy.
    const perPolicy = 2 * Buffer.byteLength(JSON.stringify(text));
    assert.ok(perPolicy <= 1024, `__provider takes ${perPolicy} bytes per policy`);
    for (const copied of ["function waitFor", "lifecycle", "async check", "limiter", "TokenBucket"]) {
      assert.ok(!text.includes(copied), `${copied} is copied by value`);
    }
  });

  it("is the same text after the provider has made calls (the shared limiter's state is not captured)", async () => {
    // Module-level state of the core (the rate limiter, the learned transition times) must stay out of state.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const limiter = require(
      `${installedDir}/dist/provider/time/limiter.js`,
    ) as typeof import("../../provider/time/limiter");
    const shared = limiter.sharedLimiter();
    for (let i = 0; i < 5; i++) await shared.acquire();
    shared.onThrottled(await shared.acquire(), 1000);
    assert.ok(shared.state().pace !== undefined, "the limiter learned a pace");
    // A fresh serialization (the SDK caches one per provider object; the serializer itself does not).
    assert.equal(await serializeInstalledProvider(), text);
  });

  it("contains no credentials, client or settings", () => {
    for (const needle of [accessKey, secret, "SESSIONTOKEN", "AmpClient", "127.0.0.1"]) {
      assert.ok(!text.includes(needle), `found ${needle}`);
    }
  });

  it("loads in a fresh Node process and answers diff by IAM meaning", () => {
    const script = `
      const p = require("require-from-string")(process.argv[1]).handler();
      p.diff("ws-1",
        { workspaceId: "ws-1", policyDocument: '{"Statement":{"Effect":"Allow","Principal":"*","Action":"aps:RemoteWrite"}}' },
        { workspaceId: "ws-1", policyDocument: { Statement: [{ Action: ["APS:REMOTEWRITE"], Principal: { AWS: "*" }, Effect: "Allow" }] } })
        .then((d) => console.log(JSON.stringify(d)));`;
    const out = execFileSync(process.execPath, ["-e", script, text], { cwd: repoRoot, encoding: "utf8" });
    const result = JSON.parse(out.trim().split("\n").at(-1)!);
    assert.equal(result.changes, false);
  });
});
