import assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { AmpEmulator } from "../../emulator";
import { installPackedPackage, installedDir, uninstallPackage } from "../../scripts/lib/package";
import { DynamicProviderServer } from "../support/dynamic-server";

const urn = "urn:pulumi:test::amp::pulumi-nodejs:dynamic/amp:ResourcePolicy::policy";
const ACCOUNT = "777788889999";
const policy = (principal: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "Write", Effect: "Allow", Principal: { AWS: principal }, Action: "aps:RemoteWrite" }],
  });

describe("the dynamic provider in cn-north-1 (AWS_REGION read when it runs), real server against the emulator", function () {
  this.timeout(120_000);
  let emulator: AmpEmulator;
  let server: DynamicProviderServer;
  let provider: string;
  let ws: string;
  let state: Record<string, unknown>;

  before(async () => {
    installPackedPackage();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(installedDir) as typeof import("../../sdk/nodejs");
    const p = pkg.resourcePolicyProvider;
    // Serialized here, where AWS_REGION is not cn-north-1: the region must come from the server's environment.
    provider = (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: false })).text;
    emulator = new AmpEmulator({ region: "cn-north-1", transitionDelayMs: 50 });
    const url = await emulator.start();
    server = await DynamicProviderServer.start({
      AWS_REGION: "cn-north-1",
      AWS_DEFAULT_REGION: undefined,
      AWS_ENDPOINT_URL_AMP: url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    ws = emulator.createWorkspace();
    const created = await server.create(urn, {
      __provider: provider,
      workspaceId: ws,
      policyDocument: policy(ACCOUNT),
    });
    state = created.props;
  });
  after(async () => {
    await server?.stop();
    await emulator?.stop();
    uninstallPackage();
  });

  const news = (principal: string) => ({
    __provider: provider,
    __secretInputs: [],
    workspaceId: ws,
    policyDocument: policy(principal),
  });

  it("diff: the bare id to arn:aws:iam::id:root is a change; to arn:aws-cn:iam::id:root is not", async () => {
    const toAws = await server.diff(urn, ws, state, news(`arn:aws:iam::${ACCOUNT}:root`));
    assert.equal(toAws.changes, "DIFF_SOME");
    const own = await server.diff(urn, ws, state, news(`arn:aws-cn:iam::${ACCOUNT}:root`));
    assert.equal(own.changes, "DIFF_NONE");
  });

  it("check's review and gate (any-change) say the account's aws-cn root loses access", async () => {
    const { failures } = await server.check(urn, state, {
      ...news(`arn:aws:iam::${ACCOUNT}:root`),
      requireApproval: "any-change",
    });
    // The gate's failure names no property on the wire (the engine would print the whole document before it):
    // its reason names policyDocument in words.
    assert.deepEqual(
      failures.map((f) => f.property),
      [""],
    );
    assert.match(
      failures[0].reason,
      /^policyDocument needs approval before it is applied \(requireApproval: any-change\)/,
    );
    assert.match(failures[0].reason, /arn:aws-cn:iam::777788889999:root loses aps:RemoteWrite/);
  });

  it("update writes the new principal, and read of the live text records it", async () => {
    const revision = emulator.getPolicy(ws)!.revisionId;
    const outs = await server.update(urn, ws, state, news(`arn:aws:iam::${ACCOUNT}:root`));
    assert.notEqual(outs.revisionId, revision);
    assert.equal(emulator.getPolicy(ws)!.policyDocument, policy(`arn:aws:iam::${ACCOUNT}:root`));
    // A state that still says the bare id: in aws-cn it is another principal than the live policy's.
    const read = await server.read(urn, ws, { ...state, revisionId: outs.revisionId });
    assert.notEqual(read.props.policyDocument, state.policyDocument, "refresh records the live principal");
    assert.match(String(read.props.policyDocument), /"AWS":"arn:aws:iam::777788889999:root"/);
  });
});
