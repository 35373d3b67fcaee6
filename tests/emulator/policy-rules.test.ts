import assert from "node:assert/strict";
import {
  DeleteResourcePolicyCommand,
  DescribeResourcePolicyCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-amp";
import { delay, Harness, policyDocument, rejectionOf, startHarness } from "./helpers";

describe("AMP emulator policy rules", () => {
  let h: Harness;
  let workspaceId: string;
  let arn: string;
  beforeEach(async () => {
    h = await startHarness();
    workspaceId = h.emulator.createWorkspace();
    arn = h.emulator.workspaceArn(workspaceId);
  });
  afterEach(async () => {
    await h.close();
  });

  const put = (input: { policyDocument?: string; revisionId?: string; clientToken?: string; workspaceId?: string }) =>
    h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument(arn), ...input }));

  describe("revisionId", () => {
    it("NO_POLICY creates when the workspace has no policy", async () => {
      const out = await put({ revisionId: "NO_POLICY" });
      assert.equal(out.policyStatus, "CREATING");
    });

    it("NO_POLICY is a ConflictException when a policy exists, and leaves it alone", async () => {
      const existing = h.emulator.putPolicyOutOfBand(workspaceId, policyDocument("*"));
      const error = await rejectionOf(put({ revisionId: "NO_POLICY" }));
      assert.equal(error.name, "ConflictException");
      assert.equal(error.resourceId, workspaceId);
      assert.equal(error.resourceType, "ResourcePolicy");
      assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 409);
      assert.equal(h.emulator.getPolicy(workspaceId)?.revisionId, existing);
    });

    it("a stale revision is a ConflictException on put and on delete", async () => {
      const first = await put({});
      const second = await put({ policyDocument: policyDocument(arn, { Sid: "Two" }) });
      assert.notEqual(first.revisionId, second.revisionId);
      const putError = await rejectionOf(put({ revisionId: first.revisionId }));
      assert.equal(putError.name, "ConflictException");
      const deleteError = await rejectionOf(
        h.client.send(new DeleteResourcePolicyCommand({ workspaceId, revisionId: first.revisionId })),
      );
      assert.equal(deleteError.name, "ConflictException");
      assert.equal(h.emulator.getPolicy(workspaceId)?.revisionId, second.revisionId);
    });

    it("a revision when no policy exists is a ConflictException", async () => {
      const error = await rejectionOf(put({ revisionId: "0f1e2d3c" }));
      assert.equal(error.name, "ConflictException");
    });

    it("the current revision updates; an omitted revision overwrites", async () => {
      const first = await put({});
      const second = await put({ revisionId: first.revisionId, policyDocument: policyDocument(arn, { Sid: "S2" }) });
      h.emulator.putPolicyOutOfBand(workspaceId, policyDocument("*", { Sid: "Drift" }));
      const third = await put({ policyDocument: policyDocument(arn, { Sid: "S3" }) });
      assert.notEqual(second.revisionId, third.revisionId);
      assert.match(h.emulator.getPolicy(workspaceId)?.policyDocument ?? "", /"S3"/);
    });

    it("Delete with the current revision deletes", async () => {
      const { revisionId } = await put({});
      await h.client.send(new DeleteResourcePolicyCommand({ workspaceId, revisionId }));
      assert.equal(h.emulator.getPolicy(workspaceId), undefined);
    });
  });

  describe("transitions", () => {
    it("Put and Delete while the policy is CREATING/UPDATING/DELETING are ConflictException", async () => {
      h.emulator.freezePolicy(workspaceId, true);
      const created = await put({});
      assert.equal(h.emulator.getPolicy(workspaceId)?.policyStatus, "CREATING");
      assert.equal((await rejectionOf(put({}))).name, "ConflictException");
      assert.equal(
        (await rejectionOf(h.client.send(new DeleteResourcePolicyCommand({ workspaceId })))).name,
        "ConflictException",
      );
      h.emulator.freezePolicy(workspaceId, false);
      const described = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
      assert.equal(described.policyStatus, "ACTIVE");
      h.emulator.freezePolicy(workspaceId, true);
      await put({ revisionId: created.revisionId, policyDocument: policyDocument(arn, { Sid: "U" }) });
      const updating = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
      assert.equal(updating.policyStatus, "UPDATING");
      assert.equal((await rejectionOf(put({}))).name, "ConflictException");
      h.emulator.freezePolicy(workspaceId, false);
      h.emulator.freezePolicy(workspaceId, true);
      await h.client.send(new DeleteResourcePolicyCommand({ workspaceId }));
      const deleting = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
      assert.equal(deleting.policyStatus, "DELETING");
      assert.equal((await rejectionOf(put({}))).name, "ConflictException");
      h.emulator.freezePolicy(workspaceId, false);
      assert.equal(
        (await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })))).name,
        "ResourceNotFoundException",
      );
    });

    it("settles CREATING → ACTIVE only after the transition delay", async () => {
      h.emulator.setTransitionDelay(100);
      await put({});
      const early = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
      assert.equal(early.policyStatus, "CREATING");
      await delay(150);
      const late = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
      assert.equal(late.policyStatus, "ACTIVE");
    });

    it("shows the previous status for deleteVisibilityLagMs after a delete, then DELETING", async () => {
      await h.close();
      h = await startHarness({ deleteVisibilityLagMs: 80, transitionDelayMs: 80 });
      workspaceId = h.emulator.createWorkspace();
      arn = h.emulator.workspaceArn(workspaceId);
      h.emulator.putPolicyOutOfBand(workspaceId, policyDocument(arn));
      await h.client.send(new DeleteResourcePolicyCommand({ workspaceId }));
      assert.equal((await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }))).policyStatus, "ACTIVE");
      await delay(110);
      assert.equal((await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }))).policyStatus, "DELETING");
      await delay(100);
      assert.equal(
        (await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })))).name,
        "ResourceNotFoundException",
      );
    });
  });

  describe("clientToken", () => {
    it("replays the first answer for the same token and request, without a new write", async () => {
      const first = await put({ clientToken: "token-1" });
      const moved = await put({ policyDocument: policyDocument(arn, { Sid: "Moved" }) });
      const replay = await put({ clientToken: "token-1" });
      assert.equal(replay.revisionId, first.revisionId);
      assert.equal(replay.policyStatus, first.policyStatus);
      assert.equal(h.emulator.getPolicy(workspaceId)?.revisionId, moved.revisionId);
    });

    it("rejects the same token with a different request as ConflictException", async () => {
      await put({ clientToken: "token-2" });
      const error = await rejectionOf(
        put({ clientToken: "token-2", policyDocument: policyDocument(arn, { Sid: "Other" }) }),
      );
      assert.equal(error.name, "ConflictException");
      assert.match(error.message, /already used/);
    });

    it("a failed call does not consume its token", async () => {
      h.emulator.putPolicyOutOfBand(workspaceId, policyDocument(arn));
      assert.equal(
        (await rejectionOf(put({ clientToken: "token-3", revisionId: "NO_POLICY" }))).name,
        "ConflictException",
      );
      h.emulator.deletePolicyOutOfBand(workspaceId);
      const retried = await put({ clientToken: "token-3", revisionId: "NO_POLICY" });
      assert.equal(retried.policyStatus, "CREATING");
    });

    it("replays a Delete with the same token even though the policy is gone", async () => {
      await put({});
      await h.client.send(new DeleteResourcePolicyCommand({ workspaceId, clientToken: "del-1" }));
      const replay = await h.client.send(new DeleteResourcePolicyCommand({ workspaceId, clientToken: "del-1" }));
      assert.equal(replay.$metadata.httpStatusCode, 202);
      const fresh = await rejectionOf(
        h.client.send(new DeleteResourcePolicyCommand({ workspaceId, clientToken: "del-2" })),
      );
      assert.equal(fresh.name, "ResourceNotFoundException");
    });
  });

  describe("validation", () => {
    const cases: Array<[string, () => Promise<unknown>, string, string]> = [
      ["an empty workspaceId", () => put({ workspaceId: "" }), "workspaceId", "FIELD_VALIDATION_FAILED"],
      [
        "a 65-character workspaceId",
        () => put({ workspaceId: "w".repeat(65) }),
        "workspaceId",
        "FIELD_VALIDATION_FAILED",
      ],
      ["an empty clientToken", () => put({ clientToken: "" }), "clientToken", "FIELD_VALIDATION_FAILED"],
      [
        "a 65-character clientToken",
        () => put({ clientToken: "t".repeat(65) }),
        "clientToken",
        "FIELD_VALIDATION_FAILED",
      ],
      ["a clientToken with a space", () => put({ clientToken: "a b" }), "clientToken", "FIELD_VALIDATION_FAILED"],
      [
        "a document that is not JSON",
        () => put({ policyDocument: "{not json" }),
        "policyDocument",
        "FIELD_VALIDATION_FAILED",
      ],
      [
        "a document that is a JSON array",
        () => put({ policyDocument: "[]" }),
        "policyDocument",
        "FIELD_VALIDATION_FAILED",
      ],
      [
        "a document without Statement",
        () => put({ policyDocument: '{"Version":"2012-10-17"}' }),
        "policyDocument",
        "FIELD_VALIDATION_FAILED",
      ],
    ];
    for (const [label, call, field, reason] of cases) {
      it(`rejects ${label} with ValidationException naming ${field}`, async () => {
        const error = await rejectionOf(call());
        assert.equal(error.name, "ValidationException");
        assert.equal(error.reason, reason);
        assert.deepEqual(
          (error.fieldList as Array<{ name: string }>).map((f) => f.name),
          [field],
        );
        assert.equal(h.emulator.getPolicy(workspaceId), undefined);
      });
    }

    it("calls a structurally bad document malformed", async () => {
      const error = await rejectionOf(put({ policyDocument: '{"Statement":[{"Effect":"Maybe"}]}' }));
      assert.equal(error.message, "Workspace resource policy cannot be malformed");
    });

    it("rejects a missing policyDocument", async () => {
      const error = await rejectionOf(
        h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: undefined })),
      );
      assert.equal(error.name, "ValidationException");
      assert.equal(error.message, "policyDocument is required");
    });

    it("rejects a Resource naming another workspace, accepts * and matching wildcards", async () => {
      const other = `arn:aws:aps:us-east-1:123456789012:workspace/ws-other`;
      const error = await rejectionOf(put({ policyDocument: policyDocument(other) }));
      assert.equal(error.name, "ValidationException");
      assert.equal(error.message, "Resource in policy does not match workspace resource ARN");
      const listError = await rejectionOf(put({ policyDocument: policyDocument([arn, other] as unknown as string) }));
      assert.equal(listError.message, "Resource in policy does not match workspace resource ARN");
      await put({ policyDocument: policyDocument("*") });
      await put({ policyDocument: policyDocument("arn:aws:aps:*:123456789012:workspace/*") });
      await put({ policyDocument: policyDocument(arn) });
    });

    it("accepts any action by default and rejects unsupported ones with rejectUnsupportedActions", async () => {
      await put({ policyDocument: policyDocument(arn, { Action: "aps:DeleteWorkspace" }) });
      h.emulator.updateSettings({ rejectUnsupportedActions: true });
      const error = await rejectionOf(
        put({ policyDocument: policyDocument(arn, { Action: ["aps:RemoteWrite", "aps:*"] }) }),
      );
      assert.equal(error.name, "ValidationException");
      assert.equal(error.message, "Resource policy contains actions that are not supported");
      await put({ policyDocument: policyDocument(arn, { Action: ["APS:remotewrite", "aps:QueryMetrics"] }) });
    });

    it("rejects a document longer than maxPolicyBytes", async () => {
      h.emulator.updateSettings({ maxPolicyBytes: 300 });
      const long = policyDocument(arn, { Sid: "x".repeat(300) });
      const error = await rejectionOf(put({ policyDocument: long }));
      assert.equal(error.name, "ValidationException");
      assert.match(error.message, /maximum size of 300 bytes/);
      await put({ policyDocument: policyDocument(arn) });
    });
  });

  describe("documents handed back", () => {
    it("are re-serialized: same meaning, different text, while the stored text is the raw input", async () => {
      const pretty = JSON.stringify(JSON.parse(policyDocument(arn)), null, 2);
      const minified = policyDocument(arn);
      for (const doc of [pretty, minified]) {
        await put({ policyDocument: doc });
        const described = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
        assert.notEqual(described.policyDocument, doc);
        assert.deepEqual(JSON.parse(described.policyDocument ?? ""), JSON.parse(doc));
        assert.equal(h.emulator.getPolicy(workspaceId)?.policyDocument, doc);
      }
    });
  });
});
