import assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { AmpEmulator } from "../../emulator";
import { UNKNOWN, policiesEquivalent } from "../../provider/policy";
import { DynamicProviderServer } from "../support/dynamic-server";
import { installPackedPackage, installedDir, uninstallPackage } from "../../scripts/lib/package";

const urn = "urn:pulumi:test::amp::pulumi-nodejs:dynamic/amp:ResourcePolicy::policy";
const policy = (account: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "aps:RemoteWrite" }],
  });

describe("the real dynamic-provider server, driven over gRPC against the emulator", function () {
  this.timeout(120_000);
  let emulator: AmpEmulator;
  let server: DynamicProviderServer;
  let provider: string;
  let ws: string;

  before(async () => {
    installPackedPackage();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(installedDir) as typeof import("../../sdk/nodejs");
    const p = pkg.resourcePolicyProvider;
    provider = (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: false })).text;
    emulator = new AmpEmulator({ transitionDelayMs: 200 });
    const url = await emulator.start();
    server = await DynamicProviderServer.start({
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_AMP: url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    ws = emulator.createWorkspace();
  });
  after(async () => {
    await server?.stop();
    await emulator?.stop();
    uninstallPackage();
  });

  const props = (extra: Record<string, unknown>) => ({ __provider: provider, ...extra });

  it("check fails a bad policy, naming policyDocument", async () => {
    const { failures } = await server.check(urn, {}, props({ workspaceId: ws, policyDocument: "{not json" }));
    assert.equal(failures.length, 1);
    assert.equal(failures[0].property, "policyDocument");
    assert.match(failures[0].reason, /policyDocument is not valid JSON/);
  });

  it("check fails a missing workspaceId and a statement without Effect", async () => {
    const { failures } = await server.check(
      urn,
      {},
      props({ policyDocument: JSON.stringify({ Statement: [{ Principal: "*", Action: "aps:RemoteWrite" }] }) }),
    );
    assert.deepEqual(failures.map((f) => f.property).sort(), ["policyDocument", "workspaceId"]);
    assert.match(failures.find((f) => f.property === "policyDocument")!.reason, /Statement\[0\] has no Effect/);
  });

  it("check accepts the unknown sentinel during preview, and warns about an open policy", async () => {
    const unknownDoc = await server.check(urn, {}, props({ workspaceId: UNKNOWN, policyDocument: UNKNOWN }));
    assert.deepEqual(unknownDoc.failures, []);
    const open = await server.check(
      urn,
      {},
      props({
        workspaceId: ws,
        policyDocument: {
          Version: "2012-10-17",
          Statement: { Effect: "Allow", Principal: "*", Action: "aps:QueryMetrics" },
        },
      }),
    );
    assert.deepEqual(open.failures, []);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(server.stderr.join(""), /open to anyone/);
  });

  it("diff: no change for a reformatted policy, an update for a new meaning, a replacement for a new workspace", async () => {
    const olds = props({
      workspaceId: ws,
      policyDocument: policy("111122223333"),
      revisionId: "r1",
      policyStatus: "ACTIVE",
    });
    const same = await server.diff(
      urn,
      ws,
      olds,
      props({ workspaceId: ws, policyDocument: JSON.parse(policy("111122223333")) }),
    );
    assert.equal(same.changes, "DIFF_NONE");
    const changed = await server.diff(
      urn,
      ws,
      olds,
      props({ workspaceId: ws, policyDocument: policy("444455556666") }),
    );
    assert.equal(changed.changes, "DIFF_SOME");
    assert.deepEqual(changed.replaces, []);
    const moved = await server.diff(
      urn,
      ws,
      olds,
      props({ workspaceId: "ws-other", policyDocument: policy("111122223333") }),
    );
    assert.deepEqual([moved.changes, moved.replaces], ["DIFF_SOME", ["workspaceId"]]);
    const unknown = await server.diff(urn, ws, olds, props({ workspaceId: ws, policyDocument: UNKNOWN }));
    assert.equal(unknown.changes, "DIFF_SOME");
  });

  it("create, read, update and delete go through to the emulator", async () => {
    const created = await server.create(urn, props({ workspaceId: ws, policyDocument: policy("111122223333") }));
    assert.equal(created.id, ws);
    assert.equal(created.props.policyStatus, "ACTIVE");
    assert.equal(created.props.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.equal(created.props.__provider, provider);

    const read = await server.read(urn, ws, created.props);
    assert.equal(read.id, ws);
    assert.equal(read.props.policyDocument, policy("111122223333"));
    assert.equal(read.inputs!.policyDocument, policy("111122223333"));

    const updated = await server.update(
      urn,
      ws,
      created.props,
      props({ workspaceId: ws, policyDocument: policy("444455556666") }),
    );
    assert.equal(updated.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.notEqual(updated.revisionId, created.props.revisionId);

    emulator.putPolicyOutOfBand(ws, policy("999999999999"));
    await assert.rejects(
      server.update(urn, ws, updated, props({ workspaceId: ws, policyDocument: policy("555555555555") })),
      /changed outside Pulumi[\s\S]*pulumi refresh/,
    );
    const refreshed = await server.read(urn, ws, updated);
    assert.ok(
      policiesEquivalent(refreshed.props.policyDocument, policy("999999999999")),
      "refresh adopts the live policy",
    );
    assert.equal(refreshed.props.revisionId, emulator.getPolicy(ws)!.revisionId);

    await server.delete(urn, ws, refreshed.props);
    assert.equal(emulator.getPolicy(ws), undefined);
    const gone = await server.read(urn, ws, refreshed.props);
    assert.equal(gone.id, "");
  });
});
