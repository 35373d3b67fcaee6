import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import { FakeEngine, PluginServer, policyUrn } from "./support/plugin-server";
import { emulatorEnv } from "../../scripts/lib/pulumi-project";

// The plugin door of issue 15 items 1 and 14, over gRPC as the engine drives it: the URN is the resource's identity
// in the client token; a replacement onto the same workspace deletes first; an update that makes no call previews
// the outputs it will keep.

const policyText = (account: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RemoteWrite",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["aps:RemoteWrite"],
      },
    ],
  });

/** The unknown sentinel the plugin's Struct carries for a value only the service will know. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("the plugin door: whose write it is, delete-before-replace, and a preview of an update that makes no call", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let engine: FakeEngine;
  let plugin: PluginServer;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 50 });
    const url = await emulator.start();
    engine = new FakeEngine();
    await engine.start();
    plugin = await PluginServer.start({ ...emulatorEnv(url), PULUMI_CONFIG: undefined }, engine.address);
  });
  after(async () => {
    await plugin?.stop();
    await engine?.stop();
    await emulator?.stop();
  });

  it("a second URN with the same inputs fails its create, naming aliases; the first keeps the policy", async () => {
    const ws = emulator.createWorkspace();
    const inputs = { workspaceId: ws, policyDocument: policyText("111122223333"), waitTimeoutSeconds: 20 };
    const first = await plugin.create(inputs, policyUrn("policy"));
    await assert.rejects(plugin.create(inputs, policyUrn("policy-renamed")), /aliases/);
    assert.equal(emulator.getPolicy(ws)!.revisionId, first.props.revisionId);
  });

  it("Diff asks for delete-before-replace while the workspace stays, not for a move to another", async () => {
    const state = {
      workspaceId: "ws-a",
      policyDocument: policyText("111122223333"),
      policyStatus: "ACTIVE",
      revisionId: "r1",
    };
    const same = await plugin.diff("ws-a", state, { workspaceId: "ws-a", policyDocument: policyText("111122223333") });
    assert.equal(same.deleteBeforeReplace, true);
    const moved = await plugin.diff("ws-a", state, { workspaceId: "ws-b", policyDocument: policyText("111122223333") });
    assert.deepEqual([moved.replaces, moved.deleteBeforeReplace], [["workspaceId"], false]);
  });

  it("a waitTimeoutSeconds-only Update previews the revisionId and policyStatus it keeps", async () => {
    const ws = emulator.createWorkspace();
    const inputs = { workspaceId: ws, policyDocument: policyText("111122223333"), waitTimeoutSeconds: 20 };
    const { props: state } = await plugin.create(inputs);
    emulator.resetCallCounts();
    const preview = await plugin.update(ws, state, { ...inputs, waitTimeoutSeconds: 60 }, policyUrn(), true);
    assert.equal(preview.revisionId, state.revisionId);
    assert.equal(preview.policyStatus, "ACTIVE");
    assert.equal(preview.waitTimeoutSeconds, 60);
    // A real change of policy still previews them as unknown.
    const changed = await plugin.update(
      ws,
      state,
      { ...inputs, policyDocument: policyText("444455556666") },
      policyUrn(),
      true,
    );
    assert.equal(changed.revisionId, UNKNOWN);
    assert.deepEqual(emulator.callCounts(), {}, "a preview makes no call");
  });
});
