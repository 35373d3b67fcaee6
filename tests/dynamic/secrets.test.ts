import assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { installPackedPackage, installedDir, uninstallPackage } from "../../scripts/lib/package";
import { DynamicProviderServer } from "../support/dynamic-server";

const urn = "urn:pulumi:test::amp::pulumi-nodejs:dynamic/amp:ResourcePolicy::secret";

/** A policy with a bad Effect, an action AMP ignores and a foreign Resource: each quoted by a message. */
const leaky = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DynSecretSid42",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::560184739201:root" },
      Action: ["aps:RemoteWrite", "aps:DynHiddenAction"],
      Resource: "arn:aws:aps:us-east-1:560184739201:workspace/ws-dyn-hidden",
    },
  ],
});
const badEffect = leaky.replace('"Allow"', '"DynHiddenEffect"');
const distinctive = ["DynSecretSid42", "560184739201", "DynHiddenAction", "ws-dyn-hidden", "DynHiddenEffect"];

describe("secrets in the dynamic door's diagnostics (real serializer, real dynamic-provider server)", function () {
  this.timeout(120_000);
  let server: DynamicProviderServer;
  let provider: string;

  before(async () => {
    installPackedPackage();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(installedDir) as typeof import("../../sdk/nodejs");
    const p = pkg.resourcePolicyProvider;
    provider = (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: false })).text;
    server = await DynamicProviderServer.start({ AWS_REGION: "us-east-1" });
  });
  after(async () => {
    await server?.stop();
    uninstallPackage();
  });

  const check = async (props: Record<string, unknown>) => {
    const before = server.stderr.length;
    const result = await server.check(urn, {}, { __provider: provider, ...props });
    await new Promise((r) => setTimeout(r, 300)); // warnings reach stderr asynchronously
    return { failures: result.failures, warned: server.stderr.slice(before).join("") };
  };

  it("a secret policy's failures and warnings name the path and the problem, and quote none of its values", async () => {
    const warned = await check({ workspaceId: "ws-shown", policyDocument: leaky, __secretInputs: ["policyDocument"] });
    assert.match(warned.warned, /amp:ResourcePolicy \(ws-shown\): policyDocument Statement\[0\]\.Action "\[secret\]"/);
    assert.match(warned.warned, /Statement\[0\]\.Resource "\[secret\]" does not name workspace ws-shown/);
    const failed = await check({ workspaceId: "ws-1", policyDocument: badEffect, __secretInputs: ["policyDocument"] });
    assert.match(
      failed.failures[0].reason,
      /^policyDocument Statement\[0\]\.Effect must be "Allow" or "Deny", not "\[secret\]"$/,
    );
    const shown = warned.warned + failed.warned + JSON.stringify(failed.failures);
    for (const value of distinctive) {
      assert.ok(!shown.includes(value), `"${value}" shows in:\n${shown}`);
    }
  });

  it("the same policy, not secret, is quoted (so the test above is not vacuous)", async () => {
    const warned = await check({ workspaceId: "ws-shown", policyDocument: leaky, __secretInputs: [] });
    assert.match(warned.warned, /"aps:DynHiddenAction" is not a Prometheus-compatible action/);
    const failed = await check({ workspaceId: "ws-1", policyDocument: badEffect, __secretInputs: [] });
    assert.match(failed.failures[0].reason, /not "DynHiddenEffect"/);
  });

  it("without the list of secret inputs (a resource of the user's own), every value is treated as secret", async () => {
    const warned = await check({ workspaceId: "ws-unsure", policyDocument: leaky });
    assert.match(
      warned.warned,
      /amp:ResourcePolicy \(\[secret\]\): policyDocument Statement\[0\]\.Action "\[secret\]"/,
    );
    assert.ok(!distinctive.some((v) => warned.warned.includes(v)), warned.warned);
  });

  it("a long Sid of a secret policy (with a dash, used twice) is quoted cut to 80 characters, and no piece of it shows", async () => {
    const sid = `Dyn-${"LongSecretSid".repeat(8)}`;
    const document = JSON.stringify({
      Version: "2012-10-17",
      Statement: [0, 1].map(() => ({
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: "560184739201" },
        Action: "aps:RemoteWrite",
      })),
    });
    const plain = await check({ workspaceId: "ws-shown", policyDocument: document, __secretInputs: [] });
    const plainShown = plain.warned + JSON.stringify(plain.failures);
    assert.ok(plainShown.includes(`${sid.slice(0, 80)}...`), `not secret, the cut quote shows:\n${plainShown}`);
    const secret = await check({
      workspaceId: "ws-shown",
      policyDocument: document,
      __secretInputs: ["policyDocument"],
    });
    const once = JSON.stringify({ ...JSON.parse(document), Statement: JSON.parse(document).Statement[0] });
    const warning = await check({ workspaceId: "ws-shown", policyDocument: once, __secretInputs: ["policyDocument"] });
    const shown = secret.warned + JSON.stringify(secret.failures) + warning.warned;
    assert.match(shown, /Statement\[1\]\.Sid .* is used by another statement/);
    assert.match(warning.warned, /Statement\.Sid .* has characters other than letters and digits/);
    for (const piece of ["LongSecretSid", "Dyn-LongSecret", "560184739201"]) {
      assert.ok(!shown.includes(piece), `"${piece}" shows in:\n${shown}`);
    }
  });

  it("ResourcePolicy names exactly its secret arguments in __secretInputs", async () => {
    const registered: Record<string, Record<string, unknown>> = {};
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered[args.name] = args.inputs as Record<string, unknown>;
          return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
        },
        call: () => ({}),
      },
      "amp",
      "test",
      true,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ResourcePolicy } = require("../../sdk/nodejs") as typeof import("../../sdk/nodejs");
    const secretDoc = new ResourcePolicy("secret-doc", { workspaceId: "ws-1", policyDocument: pulumi.secret(leaky) });
    const plain = new ResourcePolicy("plain", { workspaceId: pulumi.output("ws-2"), policyDocument: leaky });
    const both = new ResourcePolicy("both", {
      workspaceId: pulumi.secret("ws-3"),
      policyDocument: { Version: "2012-10-17", Statement: [{ Sid: pulumi.secret("Nested") }] } as never,
    });
    await new Promise<void>((resolve) => pulumi.all([secretDoc.urn, plain.urn, both.urn]).apply(() => resolve()));
    assert.deepEqual(registered["secret-doc"].__secretInputs, ["policyDocument"]);
    assert.deepEqual(registered.plain.__secretInputs, []);
    assert.deepEqual(registered.both.__secretInputs, ["workspaceId", "policyDocument"]);
  });
});
