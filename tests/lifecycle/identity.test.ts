import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import { PolicyConflictError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import type { Clock } from "../../provider/time";
import { useEmulatorEnv } from "../support/env";

// Whose write it is (issue 15, items 1 and 2): the client token of a create is derived from the resource's identity
// too, so only the same resource's re-run after a crash adopts a write; a replacement onto the same workspace deletes
// first; a re-create after many destroys costs what the first create costs.

const remoteWrite = (account: string) =>
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

const urn = (name: string, stack = "dev") =>
  `urn:pulumi:${stack}::ownership::pulumi-nodejs:dynamic/amp:ResourcePolicy::${name}`;

/** The inputs the dynamic door's `ResourcePolicy` gives its provider: the identity as a hidden input. */
const dynamicInputs = (workspaceId: string, name: string, account = "111122223333") =>
  ({
    workspaceId,
    policyDocument: remoteWrite(account),
    waitTimeoutSeconds: 20,
    [lifecycle.IDENTITY_INPUT]: urn(name),
  }) as lifecycle.ResourcePolicyInputs;

/** A wall clock shifted by `offsetMs` (a later run of the program). */
const shiftedClock = (offsetMs: number): Clock => ({
  now: () => Date.now() + offsetMs,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  random: () => Math.random(),
});

describe("whose write it is: the resource's identity in the client token", function () {
  this.timeout(120_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;
  let ws: string;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 50 });
    restoreEnv = useEmulatorEnv(await emulator.start());
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.updateSettings({ transitionDelayMs: 50, deleteVisibilityLagMs: 0 });
    emulator.clearRequestLog();
    ws = emulator.createWorkspace();
  });

  const puts = () => emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");

  describe("item 1: another resource's write is never adopted", () => {
    it("dynamic door: a second resource with the same inputs fails its create; the first keeps its policy", async () => {
      const first = await lifecycle.create(dynamicInputs(ws, "policy"), { visibilityGraceMs: 0 });
      await assert.rejects(
        lifecycle.create(dynamicInputs(ws, "policy-renamed"), { visibilityGraceMs: 0 }),
        (err: Error) =>
          PolicyConflictError.isInstance(err) && /already exists/.test(err.message) && /aliases/.test(err.message),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, first.outs.revisionId, "the first resource's policy stays");
      // The first resource's state is still right: its delete removes the policy.
      await lifecycle.remove(ws, first.outs);
      assert.equal(emulator.getPolicy(ws), undefined);
    });

    it("plugin door: two URNs on one workspace; the second create fails and the workspace keeps the policy", async () => {
      const inputs = { workspaceId: ws, policyDocument: remoteWrite("111122223333"), waitTimeoutSeconds: 20 };
      const first = await lifecycle.create(inputs, { identity: urn("a"), visibilityGraceMs: 0 });
      await assert.rejects(
        lifecycle.create(inputs, { identity: urn("b"), visibilityGraceMs: 0 }),
        (err: Error) => PolicyConflictError.isInstance(err) && /aliases/.test(err.message),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, first.outs.revisionId);
    });

    it("the same resource in two stacks: the second stack's create fails", async () => {
      const inputs = { workspaceId: ws, policyDocument: remoteWrite("111122223333"), waitTimeoutSeconds: 20 };
      const dev = await lifecycle.create(inputs, { identity: urn("policy", "dev"), visibilityGraceMs: 0 });
      await assert.rejects(
        lifecycle.create(inputs, { identity: urn("policy", "prod"), visibilityGraceMs: 0 }),
        (err: Error) => PolicyConflictError.isInstance(err),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, dev.outs.revisionId);
    });

    it("the same resource's re-run (its write answered, then lost) adopts its own write with one replayed Put", async () => {
      const first = await lifecycle.create(dynamicInputs(ws, "policy"));
      emulator.clearRequestLog();
      const again = await lifecycle.create(dynamicInputs(ws, "policy"));
      assert.equal(again.outs.revisionId, first.outs.revisionId, "its own write, replayed by AMP, is adopted");
      assert.equal(puts().length, 1);
    });

    it("a re-run an hour later (another token epoch) still adopts its own write", async () => {
      const first = await lifecycle.create(dynamicInputs(ws, "policy"));
      const later = await lifecycle.create(dynamicInputs(ws, "policy"), { clock: shiftedClock(50 * 60_000) });
      assert.equal(later.outs.revisionId, first.outs.revisionId);
      assert.equal(emulator.appliedWrites().filter((w) => w.workspaceId === ws).length, 1, "one write in all");
    });

    it("a re-run days later fails safely (nothing written), and says how to take the policy", async () => {
      const first = await lifecycle.create(dynamicInputs(ws, "policy"));
      await assert.rejects(
        lifecycle.create(dynamicInputs(ws, "policy"), { clock: shiftedClock(3 * 86_400_000), visibilityGraceMs: 0 }),
        (err: Error) =>
          PolicyConflictError.isInstance(err) && /interrupted/.test(err.message) && /import/.test(err.message),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, first.outs.revisionId, "nothing was written");
    });

    it("a delete that meets another's policy says to remove the old resource from the state, not to refresh", async () => {
      const old = await lifecycle.create(dynamicInputs(ws, "policy"));
      // Another resource takes the policy over (e.g. a new name with revisionId set).
      const taken = await lifecycle.create({
        ...dynamicInputs(ws, "policy-new", "444455556666"),
        revisionId: old.outs.revisionId,
      });
      await assert.rejects(
        lifecycle.remove(ws, old.outs),
        (err: Error) =>
          PolicyConflictError.isInstance(err) &&
          /pulumi state delete/.test(err.message) &&
          /rename|take-over|took it over/.test(err.message),
      );
      assert.equal(emulator.getPolicy(ws)!.revisionId, taken.outs.revisionId, "the new owner's policy stays");
    });
  });

  describe("item 1: a replacement onto the same workspace deletes first", () => {
    const state = (workspaceId: string) => ({
      workspaceId,
      policyDocument: remoteWrite("111122223333"),
      policyStatus: "ACTIVE",
      revisionId: "r1",
    });

    it("diff asks for delete-before-replace while the workspace stays (a forced replacement, up --replace)", () => {
      const d = lifecycle.diff(state("ws-a"), { workspaceId: "ws-a", policyDocument: remoteWrite("111122223333") });
      assert.equal(d.changes, false);
      assert.equal(d.deleteBeforeReplace, true);
    });

    it("diff asks for delete-before-replace when the new workspace is not known yet", () => {
      const d = lifecycle.diff(state("ws-a"), {
        workspaceId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        policyDocument: remoteWrite("111122223333"),
      });
      assert.deepEqual([d.replaces, d.deleteBeforeReplace], [["workspaceId"], true]);
    });

    it("diff keeps create-before-delete for a move to another known workspace", () => {
      const d = lifecycle.diff(state("ws-a"), { workspaceId: "ws-b", policyDocument: remoteWrite("111122223333") });
      assert.deepEqual([d.replaces, d.deleteBeforeReplace], [["workspaceId"], false]);
    });

    it("a create-before-delete replacement of the same resource (up --replace) keeps the workspace's policy", async () => {
      const old = await lifecycle.create(dynamicInputs(ws, "policy"));
      // The engine creates the replacement first (it does not ask diff for up --replace), then deletes the old one,
      // in the same provider process.
      const replacement = await lifecycle.create(dynamicInputs(ws, "policy"));
      await lifecycle.remove(ws, old.outs);
      const live = emulator.getPolicy(ws);
      assert.ok(live, "the workspace ended without its policy");
      assert.equal(live.revisionId, replacement.outs.revisionId, "the replacement's state names the live revision");
      assert.equal(live.policyStatus, "ACTIVE");
      // And the replacement's own delete removes it.
      await lifecycle.remove(ws, replacement.outs);
      assert.equal(emulator.getPolicy(ws), undefined);
    });

    it("the hidden identity is no change", () => {
      const olds = { ...state("ws-a"), [lifecycle.IDENTITY_INPUT]: urn("old") };
      const news = {
        workspaceId: "ws-a",
        policyDocument: remoteWrite("111122223333"),
        [lifecycle.IDENTITY_INPUT]: urn("new"),
      };
      assert.equal(lifecycle.diff(olds, news).changes, false);
    });
  });

  describe("item 2: a re-create after many destroys costs what the first create costs", () => {
    it("the 30th re-create of one resource sends at most 3 PutResourcePolicy calls", async () => {
      emulator.updateSettings({ transitionDelayMs: 0 });
      for (let i = 1; i <= 30; i++) {
        emulator.clearRequestLog();
        const { outs } = await lifecycle.create(dynamicInputs(ws, "policy"));
        const sent = puts().length;
        assert.equal(outs.revisionId, emulator.getPolicy(ws)!.revisionId);
        if (i === 30) {
          assert.ok(sent <= 3, `the 30th re-create sent ${sent} PutResourcePolicy calls`);
        }
        await lifecycle.remove(ws, outs);
      }
    });
  });
});
