import assert from "node:assert/strict";
import { AmpError } from "../../emulator/errors";
import { arnPatternMatches, reserializePolicyDocument } from "../../emulator/policy";
import { AmpState, StateSettings } from "../../emulator/state";

const settings: StateSettings = {
  region: "us-east-1",
  accountId: "123456789012",
  transitionDelayMs: 1000,
  deleteVisibilityLagMs: 0,
  rejectUnsupportedActions: false,
  maxPolicyBytes: 20480,
  clientTokenTtlMs: 60_000,
};
const doc =
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"aps:RemoteWrite","Resource":"*"}}';

function thrown(fn: () => unknown): AmpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AmpError) return error;
    throw error;
  }
  throw new Error("expected an AmpError");
}

describe("AMP emulator state machine (fake clock)", () => {
  let clock: number;
  let state: AmpState;
  beforeEach(() => {
    clock = 1_700_000_000_000;
    state = new AmpState(settings, () => clock);
  });

  it("settles CREATING → ACTIVE exactly at the transition delay", () => {
    const workspaceId = state.createWorkspaceOutOfBand();
    state.putResourcePolicy({ workspaceId, policyDocument: doc });
    clock += 999;
    assert.equal(state.describeResourcePolicy(workspaceId).policyStatus, "CREATING");
    clock += 1;
    assert.equal(state.describeResourcePolicy(workspaceId).policyStatus, "ACTIVE");
  });

  it("keeps a frozen transition until unfrozen, then completes after a fresh delay", () => {
    const workspaceId = state.createWorkspaceOutOfBand();
    state.freezePolicy(workspaceId, true);
    state.putResourcePolicy({ workspaceId, policyDocument: doc });
    clock += 3_600_000;
    assert.equal(state.getPolicy(workspaceId)?.policyStatus, "CREATING");
    state.freezePolicy(workspaceId, false);
    clock += 500;
    assert.equal(state.getPolicy(workspaceId)?.policyStatus, "CREATING");
    clock += 500;
    assert.equal(state.getPolicy(workspaceId)?.policyStatus, "ACTIVE");
  });

  it("forgets client tokens after their time to live", () => {
    const workspaceId = state.createWorkspaceOutOfBand();
    const first = state.putResourcePolicy({ workspaceId, policyDocument: doc, clientToken: "t" });
    clock += 1000;
    assert.equal(
      state.putResourcePolicy({ workspaceId, policyDocument: doc, clientToken: "t" }).revisionId,
      first.revisionId,
    );
    clock += 60_000;
    const fresh = state.putResourcePolicy({ workspaceId, policyDocument: doc, clientToken: "t" });
    assert.notEqual(fresh.revisionId, first.revisionId);
    assert.equal(fresh.policyStatus, "UPDATING");
  });

  it("refuses to delete a workspace that is still CREATING", () => {
    const { workspaceId } = state.createWorkspace({});
    const error = thrown(() => state.deleteWorkspace({ workspaceId }));
    assert.equal(error.errorType, "ConflictException");
    assert.equal(error.statusCode, 409);
    clock += 1000;
    state.deleteWorkspace({ workspaceId });
    assert.equal(state.describeWorkspace(workspaceId).workspace.status.statusCode, "DELETING");
  });

  it("replays CreateWorkspace for the same client token", () => {
    const first = state.createWorkspace({ clientToken: "c", alias: "a" });
    const again = state.createWorkspace({ clientToken: "c", alias: "a" });
    assert.equal(again.workspaceId, first.workspaceId);
    assert.equal(state.snapshot().length, 1);
    assert.equal(thrown(() => state.createWorkspace({ clientToken: "c", alias: "b" })).errorType, "ConflictException");
  });

  it("validates ListWorkspaces paging parameters", () => {
    assert.equal(thrown(() => state.listWorkspaces({ maxResults: "0" })).errorType, "ValidationException");
    assert.equal(thrown(() => state.listWorkspaces({ maxResults: "1001" })).errorType, "ValidationException");
    assert.equal(thrown(() => state.listWorkspaces({ nextToken: "garbage" })).errorType, "ValidationException");
  });

  it("reports createdAt in epoch seconds", () => {
    const workspaceId = state.createWorkspaceOutOfBand();
    assert.equal(state.describeWorkspace(workspaceId).workspace.createdAt, 1_700_000_000);
  });

  it("rejects an out-of-band workspace id that is taken or too long", () => {
    state.createWorkspaceOutOfBand({ workspaceId: "ws-a" });
    assert.throws(() => state.createWorkspaceOutOfBand({ workspaceId: "ws-a" }), /already exists/);
    assert.throws(() => state.createWorkspaceOutOfBand({ workspaceId: "x".repeat(65) }), /1 to 64/);
    assert.throws(() => state.getPolicy("ws-none"), /does not exist/);
  });
});

describe("AMP emulator policy helpers", () => {
  it("re-serializes to the same JSON value but never the same text", () => {
    const inputs = [
      doc,
      JSON.stringify(JSON.parse(doc), null, 2),
      reserializePolicyDocument(doc),
      '{"Statement":{"Effect":"Allow"}}',
      '{"Version":"2012-10-17","Statement":{"Resource":"*","Effect":"Allow","Action":"a"}}',
    ];
    for (const input of inputs) {
      const output = reserializePolicyDocument(input);
      assert.notEqual(output, input);
      assert.deepEqual(JSON.parse(output), JSON.parse(input));
    }
  });

  it("matches ARNs with IAM wildcards", () => {
    const arn = "arn:aws:aps:us-east-1:123456789012:workspace/ws-1";
    assert.equal(arnPatternMatches("*", arn), true);
    assert.equal(arnPatternMatches(arn, arn), true);
    assert.equal(arnPatternMatches("arn:aws:aps:*:*:workspace/ws-?", arn), true);
    assert.equal(arnPatternMatches("arn:aws:aps:us-east-1:123456789012:workspace/ws-2", arn), false);
    assert.equal(arnPatternMatches("arn:aws:aps:us-east-1:123456789012:workspace/WS-1", arn), false);
    assert.equal(arnPatternMatches("arn:aws:aps:us-east-1:123456789012:workspace/ws-1.", arn), false);
  });
});
