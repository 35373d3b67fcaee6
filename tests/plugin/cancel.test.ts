import assert from "node:assert/strict";

import { Empty } from "google-protobuf/google/protobuf/empty_pb";

import { AmpEmulator } from "../../emulator";
import { PluginServer } from "./support/plugin-server";
import { emulatorEnv } from "../../scripts/lib/pulumi-project";

const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "RemoteWrite",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "aps:RemoteWrite",
    },
  ],
});

describe("the engine's Cancel ends the plugin's waits at once (issue 15.13)", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let plugin: PluginServer;

  beforeEach(async () => {
    // A transition far longer than the test: only Cancel can end the wait in time.
    emulator = new AmpEmulator({ transitionDelayMs: 40_000 });
    const url = await emulator.start();
    plugin = await PluginServer.start({ ...emulatorEnv(url), PULUMI_CONFIG: undefined });
  });
  afterEach(async () => {
    await plugin?.stop();
    await emulator?.stop();
  });

  /** Resolves once the emulator has received a call of `operation`. */
  const received = async (operation: string): Promise<void> => {
    while (!emulator.requestLog().some((e) => e.operation === operation)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("a Create waiting for ACTIVE fails within 2 s of Cancel, saying AMP accepted the write, the status is unknown, and how to converge", async () => {
    const ws = emulator.createWorkspace();
    const create = plugin.create({ workspaceId: ws, policyDocument: policy }).then(
      () => undefined,
      (err: Error) => err,
    );
    await received("PutResourcePolicy");
    await new Promise((resolve) => setTimeout(resolve, 300)); // well into the wait
    const cancelledAt = Date.now();
    await plugin.call("cancel", new Empty());
    const err = await create;
    const took = Date.now() - cancelledAt;
    assert.ok(err instanceof Error, "the Create succeeded though it was cancelled before AMP settled");
    assert.ok(took < 2000, `the Create ended ${took} ms after Cancel`);
    const revisionId = emulator.getPolicy(ws)!.revisionId;
    assert.match(err.message, new RegExp(`AMP accepted the write \\(revision ${revisionId}\\)`));
    assert.match(err.message, /cancel/i);
    assert.match(err.message, /unknown/);
    assert.match(err.message, /pulumi refresh/);
    assert.match(err.message, /same client token/);
  });

  it("a Delete waiting for the policy to go fails within 2 s of Cancel, saying the status is unknown", async () => {
    emulator.setTransitionDelay(0);
    const ws = emulator.createWorkspace();
    const { props } = await plugin.create({ workspaceId: ws, policyDocument: policy });
    emulator.setTransitionDelay(40_000);
    const remove = plugin.delete(ws, props).then(
      () => undefined,
      (err: Error) => err,
    );
    await received("DeleteResourcePolicy");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelledAt = Date.now();
    await plugin.call("cancel", new Empty());
    const err = await remove;
    const took = Date.now() - cancelledAt;
    assert.ok(err instanceof Error, "the Delete succeeded though it was cancelled before AMP settled");
    assert.ok(took < 2000, `the Delete ended ${took} ms after Cancel`);
    assert.match(err.message, /deleting resource policy for AMP workspace/);
    assert.match(err.message, /cancel/i);
  });
});
