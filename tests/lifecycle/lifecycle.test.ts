import assert from "node:assert/strict";

import { AmpClient, CreateWorkspaceCommand } from "@aws-sdk/client-amp";

import { AmpEmulator } from "../../emulator";
import { NotFoundError, PolicyConflictError, WaitTimeoutError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { policiesEquivalent } from "../../provider/policy";
import { useEmulatorEnv } from "../support/env";

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

/** The same policy as `remoteWrite(account)`, reformatted and reordered. */
const remoteWriteReformatted = (account: string) => `{
  "Statement": {
    "Action": "APS:remotewrite",
    "Principal": { "AWS": ["${account}"] },
    "Effect": "Allow",
    "Sid": "RemoteWrite"
  },
  "Version": "2012-10-17"
}`;

describe("ResourcePolicy lifecycle against the AMP emulator", function () {
  this.timeout(30_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;
  let ws: string;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 300 });
    const url = await emulator.start();
    restoreEnv = useEmulatorEnv(url);
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.setTransitionDelay(300);
    emulator.resetCallCounts();
    emulator.clearRequestLog();
    emulator.clearAppliedWrites();
    ws = emulator.createWorkspace();
  });

  const puts = () => emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");

  it("creates with NO_POLICY, waits until ACTIVE, and returns the workspace id with status and revision", async () => {
    const { id, outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    assert.equal(id, ws);
    assert.equal(outs.policyStatus, "ACTIVE");
    const live = emulator.getPolicy(ws)!;
    assert.equal(outs.revisionId, live.revisionId);
    assert.equal(live.policyStatus, "ACTIVE");
    assert.equal(live.policyDocument, remoteWrite("111122223333"), "the user's document is sent as given");
    assert.equal(puts().length, 1);
    assert.equal(puts()[0].revisionId, "NO_POLICY");
    assert.ok(!Object.values(outs).includes(undefined));
    assert.ok(!JSON.stringify(outs).includes("test"), "no credentials in outputs");
  });

  it("accepts a policy given as an object, and sends it as JSON", async () => {
    const doc = JSON.parse(remoteWrite("111122223333"));
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: doc });
    assert.deepEqual(JSON.parse(emulator.getPolicy(ws)!.policyDocument), doc);
    assert.deepEqual(outs.policyDocument, doc);
  });

  it("sees no change in a reformatted and reordered policy (no API call)", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    emulator.resetCallCounts();
    const result = lifecycle.diff(outs as never, {
      workspaceId: ws,
      policyDocument: remoteWriteReformatted("111122223333"),
    });
    assert.equal(result.changes, false);
    const upd = await lifecycle.update(outs, {
      workspaceId: ws,
      policyDocument: remoteWriteReformatted("111122223333"),
    });
    assert.equal(upd.outs.revisionId, outs.revisionId);
    assert.equal(
      Object.values(emulator.callCounts()).reduce((a, b) => a + b, 0),
      0,
    );
  });

  it("updates a changed policy with the stored revision and stores the new one", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    const news = { workspaceId: ws, policyDocument: remoteWrite("444455556666") };
    const d = lifecycle.diff(outs as never, news);
    assert.deepEqual([d.changes, d.diffs, d.replaces], [true, ["policyDocument"], []]);
    const { outs: updated } = await lifecycle.update(outs, news);
    const live = emulator.getPolicy(ws)!;
    assert.equal(updated.revisionId, live.revisionId);
    assert.notEqual(updated.revisionId, outs.revisionId);
    assert.equal(updated.policyStatus, "ACTIVE");
    assert.equal(live.policyDocument, news.policyDocument);
    assert.equal(puts().at(-1)!.revisionId, outs.revisionId, "the update sends the stored revision");
  });

  it("replaces when workspaceId changes", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    const other = emulator.createWorkspace();
    const d = lifecycle.diff(outs as never, { workspaceId: other, policyDocument: remoteWrite("111122223333") });
    assert.deepEqual([d.changes, d.replaces], [true, ["workspaceId"]]);
    await lifecycle.create({ workspaceId: other, policyDocument: remoteWrite("111122223333") });
    await lifecycle.remove(ws, outs);
    assert.equal(emulator.getPolicy(ws), undefined);
    assert.equal(emulator.getPolicy(other)!.policyStatus, "ACTIVE");
  });

  it("refuses an update over a policy changed outside Pulumi, loses nothing, and read sees the change", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    const outOfBand = remoteWrite("999999999999");
    const outOfBandRevision = emulator.putPolicyOutOfBand(ws, outOfBand);
    await assert.rejects(
      lifecycle.update(outs, { workspaceId: ws, policyDocument: remoteWrite("444455556666") }),
      (err: Error) =>
        PolicyConflictError.isInstance(err) &&
        err.message.includes(ws) &&
        /changed outside Pulumi/.test(err.message) &&
        /pulumi refresh/.test(err.message),
    );
    assert.equal(emulator.getPolicy(ws)!.policyDocument, outOfBand, "the out-of-band policy is still there");
    const read = await lifecycle.read(ws, outs);
    assert.equal(read.id, ws);
    assert.equal(read.props!.revisionId, outOfBandRevision);
    assert.ok(
      lifecycle.diff(read.props as never, { workspaceId: ws, policyDocument: remoteWrite("111122223333") }).changes,
    );
    // After the refresh, the program's policy goes back with the live revision.
    const { outs: restored } = await lifecycle.update(read.props!, {
      workspaceId: ws,
      policyDocument: remoteWrite("111122223333"),
    });
    assert.equal(emulator.getPolicy(ws)!.revisionId, restored.revisionId);
    assert.equal(emulator.getPolicy(ws)!.policyDocument, remoteWrite("111122223333"));
  });

  it("keeps the state's text on refresh when the live policy means the same (no spurious diff)", async () => {
    const { outs } = await lifecycle.create({
      workspaceId: ws,
      policyDocument: remoteWriteReformatted("111122223333"),
    });
    const read = await lifecycle.read(ws, outs);
    assert.equal(read.props!.policyDocument, remoteWriteReformatted("111122223333"));
    assert.equal(read.inputs!.policyDocument, remoteWriteReformatted("111122223333"));
    assert.equal(read.props!.revisionId, outs.revisionId);
    assert.notEqual(emulator.getPolicy(ws)!.policyDocument, undefined);
  });

  it("reads a policy with no prior state, by the id alone (import)", async () => {
    const revision = emulator.putPolicyOutOfBand(ws, remoteWrite("111122223333"));
    const read = await lifecycle.read(ws, {});
    assert.equal(read.id, ws);
    assert.equal(read.props!.workspaceId, ws);
    assert.equal(read.props!.revisionId, revision);
    assert.ok(policiesEquivalent(read.inputs!.policyDocument, remoteWrite("111122223333")));
    assert.equal((await lifecycle.read(emulator.createWorkspace(), {})).id, undefined);
    await lifecycle.remove(ws, { revisionId: revision });
    assert.equal(emulator.getPolicy(ws), undefined);
  });

  it("refuses to create over an existing policy, naming the workspace and how to take it over", async () => {
    const existing = remoteWrite("999999999999");
    const revision = emulator.putPolicyOutOfBand(ws, existing);
    await assert.rejects(
      lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") }),
      (err: Error) =>
        PolicyConflictError.isInstance(err) &&
        err.message.includes(ws) &&
        /a resource policy already exists/.test(err.message) &&
        /overwriteExisting: true/.test(err.message) &&
        err.message.includes(revision),
    );
    assert.equal(emulator.getPolicy(ws)!.policyDocument, existing);
    assert.equal(emulator.getPolicy(ws)!.revisionId, revision);
  });

  it("takes over an existing policy when told to, by overwriteExisting or by its revision", async () => {
    emulator.putPolicyOutOfBand(ws, remoteWrite("999999999999"));
    const { outs } = await lifecycle.create({
      workspaceId: ws,
      policyDocument: remoteWrite("111122223333"),
      overwriteExisting: true,
    });
    assert.equal(emulator.getPolicy(ws)!.policyDocument, remoteWrite("111122223333"));
    assert.equal(outs.revisionId, emulator.getPolicy(ws)!.revisionId);

    const ws2 = emulator.createWorkspace();
    const revision = emulator.putPolicyOutOfBand(ws2, remoteWrite("999999999999"));
    await lifecycle.create({ workspaceId: ws2, policyDocument: remoteWrite("111122223333"), revisionId: revision });
    assert.equal(emulator.getPolicy(ws2)!.policyDocument, remoteWrite("111122223333"));
    assert.equal(puts().at(-1)!.revisionId, revision);
  });

  it("adopts its own earlier write, proven by AMP replaying the client token (a re-run after an answer was lost)", async () => {
    // The service applies the write; its answer comes after the operation's deadline, so the run fails.
    emulator.injectFault({ kind: "latency", operation: "PutResourcePolicy", latencyMs: 4000, afterCommit: true });
    const inputs = { workspaceId: ws, policyDocument: remoteWriteReformatted("111122223333") };
    await assert.rejects(lifecycle.create({ ...inputs, waitTimeoutSeconds: 1.5 }), /may still take effect/);
    const written = emulator.getPolicy(ws)!;
    assert.ok(written, "the lost write was applied");

    const { outs } = await lifecycle.create(inputs);
    assert.equal(outs.revisionId, written.revisionId, "the re-run took its own write");
    assert.equal(emulator.getPolicy(ws)!.revisionId, written.revisionId, "nothing else was written");
    const applied = emulator.appliedWrites().filter((w) => w.workspaceId === ws);
    assert.equal(applied.length, 1, "one write applied in all");
  });

  it("deletes with the stored revision and waits until the policy is gone", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    await lifecycle.remove(ws, outs);
    assert.equal(emulator.getPolicy(ws), undefined);
    const del = emulator.requestLog().filter((e) => e.operation === "DeleteResourcePolicy");
    assert.equal(del[0].revisionId, outs.revisionId);
  });

  it("treats a policy already gone as deleted", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    emulator.deletePolicyOutOfBand(ws);
    await lifecycle.remove(ws, outs);
    assert.equal((await lifecycle.read(ws, outs)).id, undefined, "read of a deleted policy returns no id");
  });

  it("treats a deleted workspace as a deleted policy, for read and delete", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    emulator.deleteWorkspaceOutOfBand(ws);
    assert.equal((await lifecycle.read(ws, outs)).id, undefined);
    await lifecycle.remove(ws, outs);
  });

  it("refuses to delete a policy changed outside Pulumi, and leaves it in place", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    emulator.putPolicyOutOfBand(ws, remoteWrite("999999999999"));
    await assert.rejects(
      lifecycle.remove(ws, outs),
      (err: Error) =>
        PolicyConflictError.isInstance(err) && err.message.includes(ws) && /nothing was deleted/.test(err.message),
    );
    assert.equal(emulator.getPolicy(ws)!.policyDocument, remoteWrite("999999999999"));
  });

  it("reports an update of a policy deleted outside Pulumi, with what to do", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    emulator.deletePolicyOutOfBand(ws);
    await assert.rejects(
      lifecycle.update(outs, { workspaceId: ws, policyDocument: remoteWrite("444455556666") }),
      (err: Error) =>
        err.message.includes(ws) && /deleted outside Pulumi/.test(err.message) && /pulumi refresh/.test(err.message),
    );
    assert.equal(emulator.getPolicy(ws), undefined, "nothing was recreated behind the user's back");
  });

  it("retries throttling and 5xx with the same client token", async () => {
    emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 429, count: 2 });
    emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 500, count: 1 });
    emulator.injectFault({ kind: "error", operation: "DescribeResourcePolicy", status: 503, count: 1 });
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    assert.equal(outs.policyStatus, "ACTIVE");
    const attempts = puts();
    assert.equal(attempts.length, 4);
    assert.deepEqual(
      attempts.map((e) => e.statusCode),
      [429, 429, 500, 202],
    );
    assert.equal(new Set(attempts.map((e) => e.clientToken)).size, 1);
  });

  it("retries a dropped connection", async () => {
    emulator.injectFault({ kind: "drop", operation: "PutResourcePolicy", count: 1 });
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    assert.equal(outs.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.equal(puts().length, 2);
  });

  it("waits out a conflict that leaves its expected revision current, instead of reporting it", async () => {
    emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 409, count: 2 });
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.deepEqual(
      puts().map((e) => e.statusCode),
      [409, 409, 202],
    );
  });

  it("waits for a workspace that is still being created", async () => {
    const client = new AmpClient({});
    const created = await client.send(new CreateWorkspaceCommand({ alias: "new" }));
    assert.equal(created.status?.statusCode, "CREATING");
    const { outs } = await lifecycle.create({
      workspaceId: created.workspaceId!,
      policyDocument: remoteWrite("111122223333"),
    });
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.equal(emulator.getPolicy(created.workspaceId!)!.revisionId, outs.revisionId);
  });

  it("reports a change made by another writer while its own update was in flight", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    emulator.setTransitionDelay(1500);
    const updating = lifecycle.update(outs, { workspaceId: ws, policyDocument: remoteWrite("777788889999") });
    // Our write is accepted and UPDATING, and the provider has seen it so; while it waits, another writer replaces it.
    const seenAfterWrite = () => {
      const log = emulator.requestLog();
      const put = log.findIndex(
        (e) => e.operation === "PutResourcePolicy" && e.statusCode === 202 && e.revisionId === outs.revisionId,
      );
      return (
        put >= 0 && log.slice(put + 1).some((e) => e.operation === "DescribeResourcePolicy" && e.statusCode === 200)
      );
    };
    while (!seenAfterWrite()) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(emulator.getPolicy(ws)!.policyStatus, "UPDATING", "our update is in flight");
    const theirs = emulator.putPolicyOutOfBand(ws, remoteWrite("444455556666"));
    await assert.rejects(
      updating,
      (err: Error) =>
        PolicyConflictError.isInstance(err) &&
        /changed outside Pulumi while this update was in flight/.test(err.message) &&
        err.message.includes(theirs) &&
        /pulumi refresh/.test(err.message),
    );
    assert.equal(emulator.getPolicy(ws)!.revisionId, theirs, "theirs is live; ours was not reported as a success");
  });

  it("reports a write replaced the instant AMP accepted it as drift, naming the revision AMP accepted", async () => {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") });
    // The provider's first look after its write is slow; the other writer replaces the write meanwhile.
    emulator.injectFault({ kind: "latency", operation: "DescribeResourcePolicy", latencyMs: 800 });
    emulator.resetCallCounts();
    const updating = lifecycle.update(outs, { workspaceId: ws, policyDocument: remoteWrite("777788889999") });
    while ((emulator.callCounts().DescribeResourcePolicy ?? 0) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ours = emulator.getPolicy(ws)!.revisionId;
    assert.notEqual(ours, outs.revisionId, "our write was accepted");
    const theirs = emulator.putPolicyOutOfBand(ws, remoteWrite("444455556666"));
    await assert.rejects(
      updating,
      (err: Error) =>
        PolicyConflictError.isInstance(err) &&
        /changed outside Pulumi while this update was in flight/.test(err.message) &&
        err.message.includes(ours) &&
        err.message.includes(theirs),
    );
    assert.equal(emulator.getPolicy(ws)!.revisionId, theirs);
  });

  it("times out a transition that never ends, saying what it waited for and the last status", async () => {
    emulator.freezePolicy(ws, true);
    await assert.rejects(
      lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333"), waitTimeoutSeconds: 2 }),
      (err: Error) =>
        /creating resource policy for AMP workspace/.test(err.message) &&
        err.message.includes(ws) &&
        /to become ACTIVE/.test(err.message) &&
        /last status seen: CREATING/.test(err.message) &&
        WaitTimeoutError.isInstance(err.cause),
    );
    emulator.freezePolicy(ws, false);
  });

  it("fails with the workspace and the AWS cause when the workspace does not exist", async () => {
    await assert.rejects(
      lifecycle.create({ workspaceId: "ws-does-not-exist", policyDocument: remoteWrite("111122223333") }),
      (err: Error & { cause?: { name?: string } }) =>
        /creating resource policy for AMP workspace ws-does-not-exist/.test(err.message) &&
        err.cause?.name === "ResourceNotFoundException",
    );
  });

  it("keeps the AWS cause of a validation error", async () => {
    const other = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "111122223333" },
          Action: "aps:RemoteWrite",
          Resource: "arn:aws:aps:us-east-1:123456789012:workspace/ws-someone-else",
        },
      ],
    });
    await assert.rejects(
      lifecycle.create({ workspaceId: ws, policyDocument: other }),
      (err: Error & { cause?: { name?: string } }) =>
        err.message.includes(ws) && err.cause?.name === "ValidationException" && !NotFoundError.isInstance(err),
    );
  });
});
