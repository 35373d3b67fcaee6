import assert from "node:assert/strict";

import {
  AmpClient,
  DeleteResourcePolicyCommand,
  DeleteWorkspaceCommand,
  CreateWorkspaceCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-amp";

import { AmpEmulator } from "../../emulator";
import { PolicyConflictError, WaitTimeoutError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { policiesEquivalent } from "../../provider/policy";
import { useEmulatorEnv } from "../support/env";
import { Tally, accepted, account, credentials, remoteWrite, sleep, writesTo } from "./support";

// Extends tests/lifecycle (a frozen create, a CREATING workspace, a policy or workspace already gone before
// read, update or delete) to the cases where the service changes under an operation that is already running.

const tally = new Tally();

describe("transitions that never end, and workspaces or policies that vanish mid-operation", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;
  let ws: string;
  const client = () => new AmpClient({});

  before(async () => {
    emulator = new AmpEmulator({ credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } });
    restoreEnv = useEmulatorEnv(await emulator.start(), credentials);
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
    tally.print("scenarios, by outcome:");
  });
  beforeEach(() => {
    emulator.setTransitionDelay(50);
    emulator.clearFaults();
    emulator.clearRequestLog();
    emulator.clearAppliedWrites();
    ws = emulator.createWorkspace();
  });

  async function existing(waitTimeoutSeconds = 2): Promise<lifecycle.ResourcePolicyState> {
    const { outs } = await lifecycle.create({
      workspaceId: ws,
      policyDocument: remoteWrite(account(1)),
      waitTimeoutSeconds,
    });
    emulator.clearRequestLog();
    return outs;
  }

  /** Resolves once the emulator accepted a write of `operation` to the workspace. */
  async function written(operation: "PutResourcePolicy" | "DeleteResourcePolicy"): Promise<void> {
    while (!accepted(writesTo(emulator.requestLog(), ws)).some((e) => e.operation === operation)) {
      await sleep(10);
    }
  }

  describe("a transition that never completes", () => {
    it("times out an update stuck in UPDATING, naming it; the same update re-run later lands on the same revision", async () => {
      const state = await existing();
      emulator.freezePolicy(ws, true);
      const news = { workspaceId: ws, policyDocument: remoteWrite(account(2)), waitTimeoutSeconds: 1.5 };
      await assert.rejects(
        lifecycle.update(state, news),
        (err: Error) =>
          err.message.startsWith(`updating resource policy for AMP workspace ${ws}: `) &&
          /to become ACTIVE; last status seen: UPDATING/.test(err.message) &&
          WaitTimeoutError.isInstance(err.cause),
      );
      const stuck = emulator.getPolicy(ws)!;
      emulator.freezePolicy(ws, false);
      const { outs } = await lifecycle.update(state, news);
      assert.equal(outs.revisionId, stuck.revisionId, "one write: the re-run's Put replayed the first");
      assert.equal(emulator.getPolicy(ws)!.policyStatus, "ACTIVE");
      assert.equal(new Set(writesTo(emulator.requestLog(), ws).map((e) => e.clientToken)).size, 1);
      tally.add("timed out, then converged on a re-run");
    });

    it("times out a delete stuck in DELETING, naming it; the delete re-run later finishes", async () => {
      const state = await existing(1.5);
      emulator.freezePolicy(ws, true);
      await assert.rejects(
        lifecycle.remove(ws, state),
        (err: Error) =>
          err.message.startsWith(`deleting resource policy for AMP workspace ${ws}: `) &&
          /to be deleted; last status seen: DELETING/.test(err.message),
      );
      emulator.freezePolicy(ws, false);
      await lifecycle.remove(ws, state);
      assert.equal(emulator.getPolicy(ws), undefined);
      tally.add("timed out, then converged on a re-run");
    });

    it("times out an update and a delete behind another writer's transition that never ends, writing nothing", async () => {
      const state = await existing(1.5);
      emulator.freezePolicy(ws, true);
      // Another writer overwrites (no revision); its transition hangs.
      await client().send(new PutResourcePolicyCommand({ workspaceId: ws, policyDocument: remoteWrite(account(9)) }));
      const theirs = emulator.getPolicy(ws)!;
      emulator.clearRequestLog();
      await assert.rejects(
        lifecycle.update(state, { workspaceId: ws, policyDocument: remoteWrite(account(2)), waitTimeoutSeconds: 1.5 }),
        (err: Error) => /to finish UPDATING/.test(err.message) && err.message.includes(ws),
      );
      await assert.rejects(lifecycle.remove(ws, state), (err: Error) => /to finish UPDATING/.test(err.message));
      assert.equal(accepted(writesTo(emulator.requestLog(), ws)).length, 0, "nothing of ours was accepted");
      assert.deepEqual(emulator.getPolicy(ws), theirs, "their policy is untouched");
      emulator.freezePolicy(ws, false);
      tally.add("timed out, nothing written", 2);
    });
  });

  describe("a workspace deleted, or not ACTIVE, mid-operation", () => {
    it("fails a create whose workspace is deleted while it waits for ACTIVE, saying so; the re-run says the workspace is gone", async () => {
      emulator.setTransitionDelay(1500);
      const creating = lifecycle.create({
        workspaceId: ws,
        policyDocument: remoteWrite(account(1)),
        waitTimeoutSeconds: 30,
      });
      await written("PutResourcePolicy");
      emulator.deleteWorkspaceOutOfBand(ws);
      await assert.rejects(
        creating,
        (err: Error & { cause?: { name?: string } }) =>
          err.message.startsWith(`creating resource policy for AMP workspace ${ws}: `) &&
          /Workspace .* not found/.test(err.message) &&
          err.cause?.name === "ResourceNotFoundException",
      );
      await assert.rejects(
        lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(1)) }),
        (err: Error & { cause?: { name?: string } }) =>
          err.message.includes(ws) && err.cause?.name === "ResourceNotFoundException",
      );
      tally.add("failed with a clear error", 2);
    });

    it("fails an update whose workspace starts DELETING while it waits; read then reports it gone and delete succeeds", async () => {
      const state = await existing();
      emulator.setTransitionDelay(1000);
      const updating = lifecycle.update(state, {
        workspaceId: ws,
        policyDocument: remoteWrite(account(2)),
        waitTimeoutSeconds: 1.5,
      });
      await written("PutResourcePolicy");
      // Through the API, as another program would: the workspace is DELETING and its policy gone at once.
      await client().send(new DeleteWorkspaceCommand({ workspaceId: ws }));
      await assert.rejects(
        updating,
        (err: Error) =>
          err.message.startsWith(`updating resource policy for AMP workspace ${ws}: `) &&
          /deleted outside Pulumi/.test(err.message) &&
          PolicyConflictError.isInstance(err),
      );
      assert.deepEqual(await lifecycle.read(ws, state), {}, "refresh records that the policy is gone");
      await lifecycle.remove(ws, state);
      tally.add("failed with a clear error");
      tally.add("treated as gone", 2);
    });

    it("refuses to create on a DELETING workspace, naming its status", async () => {
      emulator.setTransitionDelay(3000);
      await client().send(new DeleteWorkspaceCommand({ workspaceId: ws }));
      await assert.rejects(
        lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(1)), waitTimeoutSeconds: 5 }),
        (err: Error) => err.message.includes(`AMP workspace ${ws} is DELETING, not ACTIVE`),
      );
      assert.equal(accepted(writesTo(emulator.requestLog(), ws)).length, 0);
      tally.add("failed with a clear error");
    });

    it("times out a create on a workspace that stays CREATING, naming what it waited for", async () => {
      emulator.setTransitionDelay(10_000);
      const created = await client().send(new CreateWorkspaceCommand({ alias: "slow" }));
      const id = created.workspaceId!;
      await assert.rejects(
        lifecycle.create({ workspaceId: id, policyDocument: remoteWrite(account(1)), waitTimeoutSeconds: 1.5 }),
        (err: Error) =>
          err.message.startsWith(`creating resource policy for AMP workspace ${id}: `) &&
          err.message.includes(`waiting for AMP workspace ${id} to become ACTIVE; last status seen: CREATING`),
      );
      assert.equal(emulator.getPolicy(id), undefined);
      tally.add("timed out, nothing written");
    });

    it("fails a create whose CREATING workspace is deleted while it waits, naming the workspace", async () => {
      emulator.setTransitionDelay(10_000);
      const created = await client().send(new CreateWorkspaceCommand({ alias: "doomed" }));
      const id = created.workspaceId!;
      const creating = lifecycle.create({ workspaceId: id, policyDocument: remoteWrite(account(1)) });
      while (!emulator.requestLog().some((e) => e.operation === "DescribeWorkspace" && e.workspaceId === id)) {
        await sleep(10);
      }
      emulator.deleteWorkspaceOutOfBand(id);
      await assert.rejects(creating, (err: Error) => err.message.includes(`AMP workspace ${id} does not exist`));
      tally.add("failed with a clear error");
    });
  });

  describe("a policy deleted outside Pulumi", () => {
    it("fails an update whose policy is deleted while it waits; the refresh then records it gone", async () => {
      const state = await existing();
      emulator.setTransitionDelay(1000);
      const updating = lifecycle.update(state, {
        workspaceId: ws,
        policyDocument: remoteWrite(account(2)),
        waitTimeoutSeconds: 1.5,
      });
      await written("PutResourcePolicy");
      emulator.deletePolicyOutOfBand(ws);
      await assert.rejects(
        updating,
        (err: Error) =>
          PolicyConflictError.isInstance(err) &&
          /deleted outside Pulumi/.test(err.message) &&
          /pulumi refresh/.test(err.message),
      );
      assert.deepEqual(await lifecycle.read(ws, state), {});
      assert.equal(emulator.getPolicy(ws), undefined, "nothing recreated behind the user's back");
      tally.add("failed with a clear error");
    });

    it("finishes a delete whose policy is deleted by someone else while it waits", async () => {
      const state = await existing();
      emulator.setTransitionDelay(1500);
      const deleting = lifecycle.remove(ws, state);
      await written("DeleteResourcePolicy");
      emulator.deletePolicyOutOfBand(ws);
      await deleting;
      assert.equal(emulator.getPolicy(ws), undefined);
      tally.add("treated as gone");
    });

    it("refuses an update and a delete when the policy was deleted and re-created outside Pulumi with the same text", async () => {
      const state = await existing();
      emulator.deletePolicyOutOfBand(ws);
      const recreated = emulator.putPolicyOutOfBand(ws, remoteWrite(account(1)));
      await assert.rejects(
        lifecycle.update(state, { workspaceId: ws, policyDocument: remoteWrite(account(2)) }),
        (err: Error) => PolicyConflictError.isInstance(err) && err.message.includes(recreated),
      );
      await assert.rejects(
        lifecycle.remove(ws, state),
        (err: Error) => PolicyConflictError.isInstance(err) && /nothing was deleted/.test(err.message),
      );
      const live = emulator.getPolicy(ws)!;
      assert.equal(live.revisionId, recreated, "the re-created policy is untouched");
      assert.ok(policiesEquivalent(live.policyDocument, remoteWrite(account(1))));
      tally.add("refused as drift", 2);
    });

    it("reports an update of a policy whose workspace is gone too, naming the workspace", async () => {
      const state = await existing();
      emulator.deleteWorkspaceOutOfBand(ws);
      await assert.rejects(
        lifecycle.update(state, { workspaceId: ws, policyDocument: remoteWrite(account(2)) }),
        (err: Error & { cause?: { name?: string } }) =>
          err.message.startsWith(`updating resource policy for AMP workspace ${ws}: `) &&
          err.cause?.name === "ResourceNotFoundException",
      );
      tally.add("failed with a clear error");
    });
  });

  describe("a deletion AMP still shows as ACTIVE for a while (deleteVisibilityLagMs)", () => {
    const lagMs = 1000;
    beforeEach(() => emulator.updateSettings({ deleteVisibilityLagMs: lagMs }));
    afterEach(() => emulator.updateSettings({ deleteVisibilityLagMs: 0 }));

    /** The policy is still there, at `revisionId`, long after any lag and transition would have removed it. */
    async function stays(revisionId: string): Promise<void> {
      await sleep(lagMs + 300);
      const live = emulator.getPolicy(ws);
      assert.ok(live, "the workspace ended with no policy although the operation succeeded");
      assert.equal(live.revisionId, revisionId, "the state's revision is the live one");
      assert.equal(live.policyStatus, "ACTIVE");
    }

    it("a create of the same document right after an out-of-band delete waits for the deletion and writes its own", async () => {
      const doomed = emulator.putPolicyOutOfBand(ws, remoteWrite(account(1)));
      await client().send(new DeleteResourcePolicyCommand({ workspaceId: ws, revisionId: doomed }));
      const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(1)) });
      assert.notEqual(outs.revisionId, doomed);
      await stays(outs.revisionId);
      assert.equal(emulator.appliedWrites().filter((w) => w.operation === "PutResourcePolicy").length, 1);
      tally.add("waited for a deletion still shown ACTIVE");
    });

    it("destroy, then the same create again: the replayed answer names a deleted revision, so it writes again", async () => {
      const inputs = { workspaceId: ws, policyDocument: remoteWrite(account(1)) };
      const first = await lifecycle.create(inputs);
      await lifecycle.remove(ws, first.outs);
      const { outs } = await lifecycle.create(inputs);
      assert.notEqual(outs.revisionId, first.outs.revisionId, "a replay of a deleted revision taken for success");
      await stays(outs.revisionId);
      const applied = emulator.appliedWrites().filter((w) => w.workspaceId === ws);
      assert.deepEqual(
        applied.map((w) => w.operation),
        ["PutResourcePolicy", "DeleteResourcePolicy", "PutResourcePolicy"],
      );
      tally.add("waited for a deletion still shown ACTIVE");
    });

    it("an update and a delete of a policy deleted out of band, still shown ACTIVE: drift reported, delete done", async () => {
      const state = await existing(10);
      await client().send(new DeleteResourcePolicyCommand({ workspaceId: ws, revisionId: state.revisionId }));
      await assert.rejects(
        lifecycle.update(state, { workspaceId: ws, policyDocument: remoteWrite(account(2)) }),
        (err: Error) => PolicyConflictError.isInstance(err) && /deleted outside Pulumi/.test(err.message),
      );
      await lifecycle.remove(ws, state);
      assert.equal(emulator.getPolicy(ws), undefined);
      tally.add("waited for a deletion still shown ACTIVE");
    });
  });

  describe("in all", () => {
    it("counts the scenarios", () => {
      assert.equal(tally.get("timed out, then converged on a re-run"), 2);
      assert.equal(tally.get("timed out, nothing written"), 3);
      assert.equal(tally.get("failed with a clear error"), 7);
      assert.equal(tally.get("treated as gone"), 3);
      assert.equal(tally.get("refused as drift"), 2);
      assert.equal(tally.get("waited for a deletion still shown ACTIVE"), 3);
    });
  });
});
