import assert from "node:assert/strict";

import { AmpClient, DeleteResourcePolicyCommand } from "@aws-sdk/client-amp";

import { AmpEmulator } from "../../emulator";
import { ampApi } from "../../provider/aws/amp";
import { PolicyConflictError, WaitTimeoutError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { policiesEquivalent } from "../../provider/policy";
import type { Clock } from "../../provider/time";
import { useEmulatorEnv } from "../support/env";

// What success means and whose policy Pulumi may take: a create's success always leaves a live policy at the
// revision in state; only the program's own earlier write is adopted without opt-in; a client token is never
// a reason to wait; a changed waitTimeoutSeconds reaches the state.

const remoteWrite = (account: string, sid = "RemoteWrite") =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: sid, Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ["aps:RemoteWrite"] },
    ],
  });

/** The same meaning as `remoteWrite(account)`, written differently. */
const remoteWriteReformatted = (account: string) =>
  JSON.stringify({
    Statement: { Action: "APS:remotewrite", Principal: { AWS: [account] }, Effect: "Allow", Sid: "RemoteWrite" },
    Version: "2012-10-17",
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("what a create's success means, whose policy it takes, and what it waits for", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;
  let ws: string;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 200 });
    restoreEnv = useEmulatorEnv(await emulator.start());
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.updateSettings({ transitionDelayMs: 200, deleteVisibilityLagMs: 0 });
    emulator.clearRequestLog();
    emulator.resetCallCounts();
    ws = emulator.createWorkspace();
  });

  const calls = (operation: string) => emulator.requestLog().filter((e) => e.operation === operation);

  describe("a deletion AMP still shows as ACTIVE (deleteVisibilityLagMs)", () => {
    it("a create right after an out-of-band delete never adopts the doomed revision: it waits and writes its own", async () => {
      const lagMs = 1500;
      emulator.updateSettings({ deleteVisibilityLagMs: lagMs });
      const doomed = emulator.putPolicyOutOfBand(ws, remoteWrite("111122223333"));
      await new AmpClient({}).send(new DeleteResourcePolicyCommand({ workspaceId: ws, revisionId: doomed }));

      const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
      assert.notEqual(outs.revisionId, doomed, "the revision being deleted was reported as the program's");
      // Long after the lag and the deletion's transition, the policy in state is still the live one.
      await sleep(lagMs + 500);
      const live = emulator.getPolicy(ws);
      assert.ok(live, "the workspace ended with no policy although the create succeeded");
      assert.equal(live.revisionId, outs.revisionId);
      assert.equal(live.policyStatus, "ACTIVE");
      assert.ok(policiesEquivalent(live.policyDocument, remoteWrite("111122223333")));
    });
  });

  describe("a user-given clientToken", () => {
    it("two resources given the same clientToken both succeed", async () => {
      const other = emulator.createWorkspace();
      const inputs = { policyDocument: remoteWrite("111122223333"), clientToken: "team-token", waitTimeoutSeconds: 8 };
      const first = await lifecycle.create({ workspaceId: ws, ...inputs });
      const second = await lifecycle.create({ workspaceId: other, ...inputs });
      assert.equal(first.outs.revisionId, emulator.getPolicy(ws)!.revisionId);
      assert.equal(second.outs.revisionId, emulator.getPolicy(other)!.revisionId);
      assert.equal(emulator.getPolicy(other)!.policyStatus, "ACTIVE");
    });

    it("a re-create after a destroy succeeds, with the same document and with another one", async () => {
      const inputs = { workspaceId: ws, clientToken: "my-token", waitTimeoutSeconds: 8 };
      const first = await lifecycle.create({ ...inputs, policyDocument: remoteWrite("111122223333") });
      await lifecycle.remove(ws, first.outs);
      assert.equal(emulator.getPolicy(ws), undefined);

      const again = await lifecycle.create({ ...inputs, policyDocument: remoteWrite("111122223333") });
      assert.notEqual(again.outs.revisionId, first.outs.revisionId, "an answer replayed for a deleted revision");
      assert.equal(again.outs.revisionId, emulator.getPolicy(ws)!.revisionId);
      await lifecycle.remove(ws, again.outs);

      const changed = await lifecycle.create({ ...inputs, policyDocument: remoteWrite("444455556666") });
      assert.equal(changed.outs.revisionId, emulator.getPolicy(ws)!.revisionId);
      assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, remoteWrite("444455556666")));
    });

    it("a client token AMP says was used with other parameters fails at once, naming clientToken, without waiting", async () => {
      emulator.injectFault({
        kind: "error",
        operation: "PutResourcePolicy",
        status: 409,
        count: 1_000_000,
        message: "Client token abc was already used with different request parameters",
      });
      await assert.rejects(
        lifecycle.create({
          workspaceId: ws,
          policyDocument: remoteWrite("111122223333"),
          clientToken: "abc",
          waitTimeoutSeconds: 5,
        }),
        (err: Error) =>
          err.message.includes(ws) && /clientToken/.test(err.message) && !WaitTimeoutError.isInstance(err.cause),
      );
      assert.equal(calls("PutResourcePolicy").length, 1, "a token mismatch was retried as if it could clear");
    });
  });

  describe("adoption", () => {
    it("refuses to adopt an equivalent policy it cannot show is its own, and writes nothing", async () => {
      const revision = emulator.putPolicyOutOfBand(ws, remoteWrite("111122223333"));
      await assert.rejects(
        lifecycle.create({ workspaceId: ws, policyDocument: remoteWriteReformatted("111122223333") }),
        (err: Error) =>
          PolicyConflictError.isInstance(err) &&
          /a resource policy already exists/.test(err.message) &&
          /overwriteExisting: true/.test(err.message) &&
          err.message.includes(revision),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, revision, "nothing was written");
    });
  });

  describe("waitTimeoutSeconds", () => {
    it("a changed waitTimeoutSeconds is recorded by an update with no API call, and the delete then uses it", async () => {
      const { outs } = await lifecycle.create({
        workspaceId: ws,
        policyDocument: remoteWrite("111122223333"),
        waitTimeoutSeconds: 1,
      });
      const news = { workspaceId: ws, policyDocument: remoteWrite("111122223333"), waitTimeoutSeconds: 60 };
      const d = lifecycle.diff(outs as never, news);
      assert.deepEqual([d.changes, d.diffs, d.replaces], [true, ["waitTimeoutSeconds"], []]);
      emulator.resetCallCounts();
      const { outs: updated } = await lifecycle.update(outs, news);
      assert.equal(
        Object.values(emulator.callCounts()).reduce((a, b) => a + b, 0),
        0,
        "no API call",
      );
      assert.equal(updated.waitTimeoutSeconds, 60);
      assert.equal(updated.revisionId, outs.revisionId);

      // A delete slower than the old timeout (1 s) finishes under the recorded one.
      emulator.freezePolicy(ws, true);
      const thaw = setTimeout(() => emulator.freezePolicy(ws, false), 2500);
      try {
        await lifecycle.remove(ws, updated);
      } finally {
        clearTimeout(thaw);
        emulator.freezePolicy(ws, false);
      }
      assert.equal(emulator.getPolicy(ws), undefined);
    });
  });

  describe("messages", () => {
    it("a conflict while taking over with overwriteExisting does not speak of a revisionId never given", async () => {
      emulator.putPolicyOutOfBand(ws, remoteWrite("999999999999"));
      // Another writer changes the policy between the provider's read and its write.
      emulator.injectFault({ kind: "latency", operation: "PutResourcePolicy", latencyMs: 800 });
      const creating = lifecycle.create({
        workspaceId: ws,
        policyDocument: remoteWrite("111122223333"),
        overwriteExisting: true,
      });
      while ((emulator.callCounts().PutResourcePolicy ?? 0) === 0) {
        await sleep(10);
      }
      const theirs = emulator.putPolicyOutOfBand(ws, remoteWrite("888888888888"));
      await assert.rejects(
        creating,
        (err: Error) =>
          PolicyConflictError.isInstance(err) &&
          !/given in revisionId/.test(err.message) &&
          err.message.includes(theirs) &&
          /overwriteExisting/.test(err.message),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, theirs, "nothing was overwritten");
    });

    it("a write accepted right at the deadline says what was accepted, what is unknown, and to run pulumi refresh", async () => {
      // A clock that jumps to just before the deadline once AMP has accepted the write.
      let offset = 0;
      const clock: Clock = {
        now: () => Date.now() + offset,
        sleep: async (ms) => {
          await sleep(ms);
        },
        random: () => 0.5,
      };
      const real = ampApi({});
      const timeoutSeconds = 30;
      let deadline = 0;
      const api = {
        ...real,
        putResourcePolicy: async (...args: Parameters<typeof real.putResourcePolicy>) => {
          const result = await real.putResourcePolicy(...args);
          offset += deadline - clock.now() - 50;
          return result;
        },
      };
      deadline = clock.now() + timeoutSeconds * 1000;
      const error = await lifecycle
        .create(
          { workspaceId: ws, policyDocument: remoteWrite("111122223333"), waitTimeoutSeconds: timeoutSeconds },
          { api, clock },
        )
        .then(
          () => assert.fail("the create succeeded"),
          (err: Error) => err,
        );
      const live = emulator.getPolicy(ws)!;
      assert.ok(WaitTimeoutError.isInstance(error.cause), error.message);
      assert.ok(error.message.includes(live.revisionId), `names the accepted revision: ${error.message}`);
      assert.match(error.message, /accepted/);
      assert.match(error.message, /unknown/);
      assert.match(error.message, /pulumi refresh/);
      assert.doesNotMatch(error.message, /0 polls/);
    });
  });
});
