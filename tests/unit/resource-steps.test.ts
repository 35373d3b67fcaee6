import assert from "node:assert/strict";

import { ConflictException, ResourceNotFoundException, ThrottlingException } from "@aws-sdk/client-amp";

import { type AmpApi, type LivePolicy, fromAwsError } from "../../provider/aws/amp";
import { AmpConflictError, NotFoundError, WaitTimeoutError } from "../../provider/errors";
import { findPolicy, waitDeleted, waitSettled, waitWorkspaceActive, waitWritten } from "../../provider/resource/finder";
import { type Operation, beginOperation } from "../../provider/resource/operation";
import { NO_POLICY } from "../../provider/resource/types";
import { type WriteRequest, deletePolicy, settleConflict, writePolicy } from "../../provider/resource/write";
import type { Clock } from "../../provider/time";

/** A clock whose sleeps advance time instantly. */
function fakeClock(): Clock {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
    },
    random: () => 0.5,
  };
}

/** A policy of the fake seam: it moves to `then` (a status, or "gone") at `until` on the fake clock. */
interface FakePolicy extends LivePolicy {
  until?: number;
  then?: string;
}

/**
 * A fake of the AMP seam (STYLE 5: tests of the core may fake the seam) on the fake clock: conditional writes and
 * deletes as AMP makes them, a write UPDATING for `settleMs`, a delete DELETING for `settleMs`, and the seam's own
 * error types. `putAnswers` scripts answers to the next puts before the model applies.
 */
class FakeAmp implements AmpApi {
  policy: FakePolicy | undefined;
  workspace: string | ((now: number) => string) = "ACTIVE";
  settleMs = 2000;
  calls: string[] = [];
  putAnswers: Array<() => { policyStatus: string; revisionId: string }> = [];
  private revisions = 0;

  constructor(private readonly clock: Clock) {}

  live(): FakePolicy | undefined {
    const policy = this.policy;
    if (policy?.until !== undefined && this.clock.now() >= policy.until) {
      this.policy = policy.then === "gone" ? undefined : { ...policy, policyStatus: policy.then ?? "ACTIVE" };
      delete this.policy?.until;
    }
    return this.policy;
  }

  async findResourcePolicy(): Promise<LivePolicy> {
    this.calls.push("find");
    const live = this.live();
    if (live === undefined) {
      throw new NotFoundError("no policy");
    }
    return { policyDocument: live.policyDocument, policyStatus: live.policyStatus, revisionId: live.revisionId };
  }

  async putResourcePolicy(request: {
    policyDocument: string;
    clientToken: string;
    revisionId?: string;
  }): Promise<{ policyStatus: string; revisionId: string }> {
    this.calls.push(`put ${request.revisionId}`);
    const scripted = this.putAnswers.shift();
    if (scripted !== undefined) {
      return scripted();
    }
    const live = this.live();
    if (live !== undefined && live.policyStatus !== "ACTIVE") {
      throw new AmpConflictError("policyState", `policy is ${live.policyStatus}`);
    }
    if (request.revisionId === NO_POLICY ? live !== undefined : live?.revisionId !== request.revisionId) {
      throw new AmpConflictError("policyState", "revision does not match");
    }
    const revisionId = `r${++this.revisions}`;
    this.policy = {
      policyDocument: request.policyDocument,
      policyStatus: live === undefined ? "CREATING" : "UPDATING",
      revisionId,
      until: this.clock.now() + this.settleMs,
      then: "ACTIVE",
    };
    return { policyStatus: this.policy.policyStatus, revisionId };
  }

  async deleteResourcePolicy(request: { revisionId?: string }): Promise<void> {
    this.calls.push(`delete ${request.revisionId}`);
    const live = this.live();
    if (live === undefined) {
      throw new NotFoundError("no policy");
    }
    if (live.policyStatus !== "ACTIVE") {
      throw new AmpConflictError("policyState", `policy is ${live.policyStatus}`);
    }
    if (request.revisionId !== undefined && request.revisionId !== live.revisionId) {
      throw new AmpConflictError("policyState", "revision does not match");
    }
    this.policy = { ...live, policyStatus: "DELETING", until: this.clock.now() + this.settleMs, then: "gone" };
  }

  async findWorkspaceStatus(): Promise<string> {
    this.calls.push("workspace");
    return typeof this.workspace === "function" ? this.workspace(this.clock.now()) : this.workspace;
  }
}

/** An operation on `ws-1` over a fake seam and a fake clock, with a fixed poll schedule. */
function setup(waitTimeoutSeconds = 60): { op: Operation; amp: FakeAmp; clock: Clock } {
  const clock = fakeClock();
  const amp = new FakeAmp(clock);
  const op = beginOperation(
    "testing resource policy for AMP workspace ws-1",
    { workspaceId: "ws-1", waitTimeoutSeconds },
    { api: amp, clock, schedule: { firstDelayMs: 100, fraction: 0.1, minIntervalMs: 100 } },
  );
  return { op, amp, clock };
}

const active = (revisionId: string, policyDocument = "{}"): FakePolicy => ({
  policyDocument,
  policyStatus: "ACTIVE",
  revisionId,
});

/** A write request of `document` at `expected`, with a token per expected revision and epoch. */
function request(expected: string, extra: Partial<WriteRequest> = {}): WriteRequest {
  return { document: '{"v":2}', expected, clientToken: (at, epoch) => `token-${at}-${epoch}`, ...extra };
}

describe("the AMP seam's errors", () => {
  it("maps ResourceNotFoundException to NotFoundError and ConflictException to AmpConflictError of its kind, keeping AWS's error as the cause", () => {
    const missing = new ResourceNotFoundException({
      message: "Workspace ws-1 not found",
      $metadata: {},
      resourceId: "ws-1",
      resourceType: "Workspace",
    });
    const notFound = fromAwsError(missing, "AMP workspace ws-1 has no resource policy");
    assert.ok(NotFoundError.isInstance(notFound));
    assert.equal(notFound.message, "AMP workspace ws-1 has no resource policy");
    assert.equal(notFound.cause, missing);
    const put = fromAwsError(missing);
    assert.ok(NotFoundError.isInstance(put));
    assert.equal(put.message, "Workspace ws-1 not found");

    const token = new ConflictException({
      message: "Client token t-1 was already used with different request parameters",
      $metadata: {},
      resourceId: "ws-1",
      resourceType: "ResourcePolicy",
    });
    const reused = fromAwsError(token);
    assert.ok(AmpConflictError.isInstance(reused));
    assert.equal(reused.kind, "clientToken");
    assert.equal(reused.cause, token);
    const revision = new ConflictException({
      message: "Revision r-1 does not match the current revision of the resource policy",
      $metadata: {},
      resourceId: "ws-1",
      resourceType: "ResourcePolicy",
    });
    const state = fromAwsError(revision);
    assert.ok(AmpConflictError.isInstance(state));
    assert.equal(state.kind, "policyState");
  });

  it("passes any other AWS error through unchanged, for the retry policy and the user", () => {
    const throttled = new ThrottlingException({ message: "Rate exceeded", $metadata: {} });
    assert.equal(fromAwsError(throttled), throttled);
  });
});

describe("the lifecycle's steps, on a fake seam and a fake clock", () => {
  describe("findPolicy", () => {
    it("returns the live policy, and undefined when the seam says there is none", async () => {
      const { op, amp } = setup();
      assert.equal(await findPolicy(op), undefined);
      amp.policy = active("r-7");
      assert.deepEqual(await findPolicy(op), { policyDocument: "{}", policyStatus: "ACTIVE", revisionId: "r-7" });
    });

    it("retries a throttled read on the fake clock and returns the policy", async () => {
      const { op, amp, clock } = setup();
      amp.policy = active("r-7");
      const start = clock.now();
      let throttles = 2;
      const find = amp.findResourcePolicy.bind(amp);
      amp.findResourcePolicy = async () => {
        if (throttles-- > 0) {
          throw new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });
        }
        return find();
      };
      assert.equal((await findPolicy(op))?.revisionId, "r-7");
      assert.ok(clock.now() > start, "the retries waited on the fake clock");
    });
  });

  describe("waitSettled", () => {
    it("polls a transitioning policy until it settles, and returns it", async () => {
      const { op, amp, clock } = setup();
      const start = clock.now();
      amp.policy = { ...active("r-2"), policyStatus: "UPDATING", until: start + 3000, then: "ACTIVE" };
      const live = await waitSettled(op);
      assert.equal(live?.policyStatus, "ACTIVE");
      assert.ok(clock.now() >= start + 3000);
      assert.ok(amp.calls.length >= 2 && amp.calls.length < 30, `${amp.calls.length} reads`);
    });

    it("returns undefined once a deleting policy is gone, and at once for a settled one", async () => {
      const { op, amp, clock } = setup();
      amp.policy = { ...active("r-2"), policyStatus: "DELETING", until: clock.now() + 1000, then: "gone" };
      assert.equal(await waitSettled(op), undefined);
      amp.policy = active("r-3");
      amp.calls = [];
      assert.equal((await waitSettled(op))?.revisionId, "r-3");
      assert.deepEqual(amp.calls, ["find"]);
    });
  });

  describe("waitWorkspaceActive", () => {
    it("waits out a CREATING workspace, and fails at once on one that is DELETING, naming its status", async () => {
      const { op, amp, clock } = setup();
      const ready = clock.now() + 5000;
      amp.workspace = (now) => (now >= ready ? "ACTIVE" : "CREATING");
      await waitWorkspaceActive(op);
      assert.ok(clock.now() >= ready);
      amp.workspace = "DELETING";
      await assert.rejects(waitWorkspaceActive(op), /AMP workspace ws-1 is DELETING, not ACTIVE/);
    });
  });

  describe("waitWritten", () => {
    it("returns at once for a write already ACTIVE, and says AMP accepted the write when the deadline passes", async () => {
      const { op, amp } = setup(5);
      amp.policy = active("r-9");
      amp.calls = [];
      assert.equal((await waitWritten(op, "r-9", "r-8", active("r-9")))?.revisionId, "r-9");
      assert.deepEqual(amp.calls, [], "no read for a write seen ACTIVE");

      amp.policy = { ...active("r-10"), policyStatus: "UPDATING" };
      await assert.rejects(
        waitWritten(op, "r-10", "r-9", amp.policy),
        (err: Error) =>
          WaitTimeoutError.isInstance(err) &&
          /^AMP accepted the write \(revision r-10\), but it was not seen ACTIVE before the deadline/.test(
            err.message,
          ) &&
          /A larger waitTimeoutSeconds gives AMP more time$/.test(err.message),
      );
    });
  });

  describe("waitDeleted", () => {
    it("ends when the policy is gone, or when another revision replaced the one deleted", async () => {
      const { op, amp, clock } = setup();
      amp.policy = { ...active("r-1"), policyStatus: "DELETING", until: clock.now() + 2000, then: "gone" };
      await waitDeleted(op, "r-1");
      assert.equal(amp.live(), undefined);
      amp.policy = active("r-2");
      amp.calls = [];
      await waitDeleted(op, "r-1");
      assert.deepEqual(amp.calls, ["find"]);
    });
  });

  describe("settleConflict", () => {
    it("tells unchanged, gone and moved apart, after the policy settles", async () => {
      const { op, amp, clock } = setup();
      amp.policy = { ...active("r-1"), policyStatus: "UPDATING", until: clock.now() + 1000, then: "ACTIVE" };
      assert.deepEqual(await settleConflict(op, "r-1"), { kind: "unchanged", live: active("r-1") });
      assert.deepEqual(await settleConflict(op, undefined), { kind: "unchanged", live: active("r-1") });
      assert.deepEqual(await settleConflict(op, "r-0"), { kind: "moved", live: active("r-1") });
      amp.policy = undefined;
      assert.deepEqual(await settleConflict(op, NO_POLICY), { kind: "unchanged", live: undefined });
      assert.deepEqual(await settleConflict(op, "r-1"), { kind: "gone" });
    });
  });

  describe("writePolicy", () => {
    it("answers written with the revision AMP answered, once it is ACTIVE", async () => {
      const { op, amp, clock } = setup();
      const start = clock.now();
      const outcome = await writePolicy(op, request(NO_POLICY));
      assert.deepEqual(outcome, { kind: "written", policyStatus: "ACTIVE", revisionId: "r1" });
      assert.equal(amp.live()?.policyDocument, '{"v":2}');
      assert.ok(clock.now() >= start + amp.settleMs, "waited for ACTIVE on the fake clock");
    });

    it("waits out a conflict from a transition of the expected revision, then writes", async () => {
      const { op, amp, clock } = setup();
      amp.policy = { ...active("r-1"), policyStatus: "UPDATING", until: clock.now() + 4000, then: "ACTIVE" };
      const outcome = await writePolicy(op, request("r-1"));
      assert.equal(outcome.kind, "written");
      assert.equal(amp.calls.filter((call) => call === "put r-1").length, 2, amp.calls.join(", "));
      assert.ok(amp.calls.includes("workspace"), "the workspace was checked before writing again");
    });

    it("answers conflict, writing nothing, when another revision is live", async () => {
      const { op, amp } = setup();
      amp.policy = active("r-5");
      const outcome = await writePolicy(op, request("r-4"));
      assert.equal(outcome.kind, "conflict");
      assert.ok(outcome.kind === "conflict" && outcome.live.revisionId === "r-5" && outcome.expected === "r-4");
      assert.equal(amp.live()?.revisionId, "r-5");
    });

    it("answers gone, writing nothing, when the revision expected no longer exists", async () => {
      const { op, amp } = setup();
      const outcome = await writePolicy(op, request("r-4"));
      assert.ok(outcome.kind === "gone" && outcome.expected === "r-4", JSON.stringify(outcome));
      assert.equal(amp.live(), undefined);
    });

    it("answers tokenReused at once for a client-token conflict, without reading the policy", async () => {
      const { op, amp } = setup();
      amp.putAnswers.push(() => {
        throw new AmpConflictError("clientToken", "Client token already used");
      });
      const outcome = await writePolicy(op, request(NO_POLICY));
      assert.equal(outcome.kind, "tokenReused");
      assert.ok(outcome.kind === "tokenReused" && /^token-NO_POLICY-\d+$/.test(outcome.clientToken));
      assert.deepEqual(amp.calls, ["put NO_POLICY"]);
    });

    it("answers replaced when another writer's revision replaced its write before it was seen ACTIVE", async () => {
      // AMP accepts the write (r-mine); the read after the write sees it UPDATING, the next sees another writer's.
      const replacedRun = setup();
      replacedRun.amp.policy = active("r-1");
      replacedRun.amp.putAnswers.push(() => {
        replacedRun.amp.policy = { ...active("r-mine"), policyStatus: "UPDATING" };
        return { policyStatus: "UPDATING", revisionId: "r-mine" };
      });
      const find = replacedRun.amp.findResourcePolicy.bind(replacedRun.amp);
      let reads = 0;
      replacedRun.amp.findResourcePolicy = async () => {
        if (++reads === 2) {
          replacedRun.amp.policy = active("r-theirs");
        }
        return find();
      };
      const replaced = await writePolicy(replacedRun.op, request("r-1"));
      assert.ok(
        replaced.kind === "replaced" && replaced.revisionId === "r-mine" && replaced.live.revisionId === "r-theirs",
        JSON.stringify(replaced),
      );
    });

    it("with rebase, writes where there is none when the policy to take over is gone", async () => {
      const { op, amp } = setup();
      const outcome = await writePolicy(op, request("r-gone", { rebase: true }));
      assert.equal(outcome.kind, "written");
      assert.deepEqual(
        amp.calls.filter((call) => call.startsWith("put")),
        ["put r-gone", "put NO_POLICY"],
      );
    });
  });

  describe("deletePolicy", () => {
    it("answers deleted once the policy is gone, gone when there is none, and conflict for another revision", async () => {
      const { op, amp } = setup();
      amp.policy = active("r-1");
      assert.deepEqual(await deletePolicy(op, { expected: "r-1", clientToken: "t" }), { kind: "deleted" });
      assert.equal(amp.live(), undefined);
      assert.deepEqual(await deletePolicy(op, { expected: "r-1", clientToken: "t" }), { kind: "gone" });
      amp.policy = active("r-2");
      const outcome = await deletePolicy(op, { expected: "r-1", clientToken: "t" });
      assert.ok(outcome.kind === "conflict" && outcome.live.revisionId === "r-2" && outcome.expected === "r-1");
      assert.equal(amp.live()?.revisionId, "r-2", "nothing was deleted");
    });

    it("shares the write's conflict resolution: a transition is waited out, then the delete is sent again", async () => {
      const { op, amp, clock } = setup();
      amp.policy = { ...active("r-1"), policyStatus: "UPDATING", until: clock.now() + 3000, then: "ACTIVE" };
      assert.deepEqual(await deletePolicy(op, { expected: "r-1", clientToken: "t" }), { kind: "deleted" });
      assert.equal(amp.calls.filter((call) => call === "delete r-1").length, 2, amp.calls.join(", "));
    });

    it("answers tokenReused for a client-token conflict", async () => {
      const { op, amp } = setup();
      amp.policy = active("r-1");
      amp.deleteResourcePolicy = async () => {
        throw new AmpConflictError("clientToken", "Client token already used");
      };
      const outcome = await deletePolicy(op, { expected: "r-1", clientToken: "t-9" });
      assert.ok(outcome.kind === "tokenReused" && outcome.clientToken === "t-9");
    });
  });
});
