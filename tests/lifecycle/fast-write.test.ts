import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import * as lifecycle from "../../provider/lifecycle";
import { type Clock, systemClock } from "../../provider/time";
import { useEmulatorEnv } from "../support/env";

const remoteWrite = JSON.stringify({
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

/** Real time, recording every sleep the lifecycle asks for (a clock of its own also keeps the process's learning out). */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { ...systemClock, sleeps, sleep: (ms) => (sleeps.push(ms), systemClock.sleep(ms)) };
}

describe("a write AMP settles at once returns at once (issue 15.15)", function () {
  this.timeout(30_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 0 });
    restoreEnv = useEmulatorEnv(await emulator.start());
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
  });
  beforeEach(() => emulator.clearRequestLog());

  /** The calls of `ws` after its first call of `operation`, by name. */
  const callsAfter = (ws: string, operation: string): string[] => {
    const calls = emulator.requestLog().filter((e) => e.workspaceId === ws);
    return calls.slice(calls.findIndex((e) => e.operation === operation)).map((e) => e.operation);
  };

  it("create: the read after the Put shows ACTIVE, so no further status poll and no sleep", async () => {
    const ws = emulator.createWorkspace();
    const clock = recordingClock();
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite }, { clock });
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.deepEqual(callsAfter(ws, "PutResourcePolicy"), ["PutResourcePolicy", "DescribeResourcePolicy"]);
    assert.deepEqual(clock.sleeps, [], "the lifecycle slept though AMP had settled");
  });

  it("update: the read after the Put shows ACTIVE, so no further status poll and no sleep", async () => {
    const ws = emulator.createWorkspace();
    const { outs: before } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite });
    emulator.clearRequestLog();
    const clock = recordingClock();
    const changed = remoteWrite.replace("111122223333", "444455556666");
    const { outs } = await lifecycle.update(before, { workspaceId: ws, policyDocument: changed }, { clock });
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.deepEqual(callsAfter(ws, "PutResourcePolicy"), ["PutResourcePolicy", "DescribeResourcePolicy"]);
    assert.deepEqual(clock.sleeps, []);
  });

  it("delete: polls at once after the Delete, and makes one status poll and no sleep when the policy is gone", async () => {
    const ws = emulator.createWorkspace();
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite });
    emulator.clearRequestLog();
    const clock = recordingClock();
    await lifecycle.remove(ws, outs, { clock });
    assert.deepEqual(callsAfter(ws, "DeleteResourcePolicy"), ["DeleteResourcePolicy", "DescribeResourcePolicy"]);
    assert.deepEqual(clock.sleeps, [], "the lifecycle slept though AMP had settled");
    assert.equal(emulator.getPolicy(ws), undefined);
  });
});
