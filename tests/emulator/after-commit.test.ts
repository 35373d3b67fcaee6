import assert from "node:assert/strict";
import { DeleteResourcePolicyCommand, PutResourcePolicyCommand } from "@aws-sdk/client-amp";
import { Harness, admin, policyDocument, rejectionOf, startHarness } from "./helpers";

// Faults that let the service apply a call and then lose its answer: what a client token is for.

function statusOf(error: Record<string, unknown>): number | undefined {
  return (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
}

describe("AMP emulator faults after commit: the call is applied, its answer lost", () => {
  let h: Harness;
  let workspaceId: string;
  beforeEach(async () => {
    h = await startHarness();
    workspaceId = h.emulator.createWorkspace();
  });
  afterEach(async () => {
    await h.close();
  });

  const put = (clientToken = "tok-1") =>
    h.client.send(
      new PutResourcePolicyCommand({
        workspaceId,
        policyDocument: policyDocument("*"),
        clientToken,
        revisionId: "NO_POLICY",
      }),
    );

  it("a 500 after commit: the client sees InternalServerException, the policy was written, a retry replays it", async () => {
    h.emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 500, afterCommit: true });
    const error = await rejectionOf(put());
    assert.equal(error.name, "InternalServerException");
    assert.equal(statusOf(error), 500);
    const written = h.emulator.getPolicy(workspaceId);
    assert.ok(written, "the call was applied");
    const [entry] = h.emulator.requestLog();
    assert.deepEqual(
      [entry.statusCode, entry.fault, entry.afterCommit, entry.committedStatusCode],
      [500, "error", true, 202],
    );

    const retried = await put();
    assert.equal(retried.revisionId, written.revisionId, "the same token replays the first answer");
    const writes = h.emulator.appliedWrites();
    assert.equal(writes.length, 1, "one write applied for two calls");
    assert.deepEqual(
      [
        writes[0].operation,
        writes[0].workspaceId,
        writes[0].clientToken,
        writes[0].revisionId,
        writes[0].expectedRevisionId,
      ],
      ["PutResourcePolicy", workspaceId, "tok-1", written.revisionId, "NO_POLICY"],
    );
  });

  it("a dropped connection after commit: no answer at all, yet the policy was written", async () => {
    h.emulator.injectFault({ kind: "drop", operation: "PutResourcePolicy", afterCommit: true });
    const error = await rejectionOf(put());
    assert.equal(statusOf(error), undefined);
    assert.match(`${error.name} ${String(error.code)} ${error.message}`, /ECONNRESET|socket hang up/i);
    assert.ok(h.emulator.getPolicy(workspaceId), "the call was applied");
    const [entry] = h.emulator.requestLog();
    assert.deepEqual(
      [entry.statusCode, entry.fault, entry.afterCommit, entry.committedStatusCode],
      [0, "drop", true, 202],
    );
    assert.equal(h.emulator.appliedWrites().length, 1);
  });

  it("an answer slower than the client's deadline: the client gives up, the write is already applied", async () => {
    h.emulator.injectFault({ kind: "latency", operation: "PutResourcePolicy", latencyMs: 1500, afterCommit: true });
    const controller = new AbortController();
    const sent = h.client.send(
      new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*"), clientToken: "tok-1" }),
      { abortSignal: controller.signal },
    );
    // The client's deadline, well before the answer: by then the service has already applied the call.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(h.emulator.getPolicy(workspaceId), "applied before the answer");
    controller.abort();
    const error = await rejectionOf(sent);
    assert.match(`${error.name} ${error.message}`, /abort/i);
    assert.equal(h.emulator.appliedWrites().length, 1);
  });

  it("a fault before the call applies nothing; a replay of a token applies nothing either", async () => {
    h.emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 500 });
    await rejectionOf(put());
    assert.equal(h.emulator.getPolicy(workspaceId), undefined);
    assert.equal(h.emulator.appliedWrites().length, 0);
    await put();
    await put();
    assert.equal(h.emulator.appliedWrites().length, 1);
  });

  it("a 500 after commit on DeleteResourcePolicy: the delete was applied, and it is journalled with its revision", async () => {
    const revisionId = h.emulator.putPolicyOutOfBand(workspaceId, policyDocument("*"));
    h.emulator.injectFault({ kind: "error", operation: "DeleteResourcePolicy", status: 500, afterCommit: true });
    const error = await rejectionOf(
      h.client.send(new DeleteResourcePolicyCommand({ workspaceId, revisionId, clientToken: "del-1" })),
    );
    assert.equal(error.name, "InternalServerException");
    assert.notEqual(h.emulator.getPolicy(workspaceId)?.policyStatus, "ACTIVE", "the delete was applied");
    const [write] = h.emulator.appliedWrites();
    assert.deepEqual(
      [write.operation, write.revisionId, write.clientToken],
      ["DeleteResourcePolicy", revisionId, "del-1"],
    );
  });

  it("is served over HTTP too: afterCommit faults through /_emulator/faults, applied writes at /_emulator/writes", async () => {
    const injected = await admin(h.url, "POST", "/_emulator/faults", {
      kind: "error",
      operation: "PutResourcePolicy",
      status: 500,
      afterCommit: true,
    });
    assert.equal(injected.status, 200);
    assert.equal(injected.body.faults[0].afterCommit, true);
    await rejectionOf(put());
    const writes = await admin(h.url, "GET", "/_emulator/writes");
    assert.equal(writes.body.writes.length, 1);
    assert.equal(writes.body.writes[0].clientToken, "tok-1");
    assert.equal((await admin(h.url, "DELETE", "/_emulator/writes")).status, 200);
    assert.deepEqual((await admin(h.url, "GET", "/_emulator/writes")).body.writes, []);
    const bad = await admin(h.url, "POST", "/_emulator/faults", { kind: "drop", operation: "*", afterCommit: "yes" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /afterCommit must be a boolean/);
  });
});
