import assert from "node:assert/strict";
import {
  CreateWorkspaceCommand,
  DeleteResourcePolicyCommand,
  DeleteWorkspaceCommand,
  DescribeResourcePolicyCommand,
  DescribeWorkspaceCommand,
  ListWorkspacesCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-amp";
import { delay, Harness, policyDocument, rejectionOf, startHarness } from "./helpers";

describe("AMP emulator operations over the AWS SDK", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("creates a workspace with a ws- id, its ARN and CREATING status", async () => {
    const out = await h.client.send(new CreateWorkspaceCommand({ alias: "prod", tags: { team: "obs" } }));
    assert.match(out.workspaceId ?? "", /^ws-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(out.arn, `arn:aws:aps:us-east-1:123456789012:workspace/${out.workspaceId}`);
    assert.equal(out.status?.statusCode, "CREATING");
    assert.deepEqual(out.tags, { team: "obs" });
    assert.equal(out.$metadata.httpStatusCode, 202);
  });

  it("describes a workspace with createdAt parsed from epoch seconds", async () => {
    const before = Date.now();
    const workspaceId = h.emulator.createWorkspace({
      alias: "a",
      kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
    });
    const out = await h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
    const ws = out.workspace;
    assert.ok(ws);
    assert.equal(ws.workspaceId, workspaceId);
    assert.equal(ws.alias, "a");
    assert.equal(ws.status?.statusCode, "ACTIVE");
    assert.equal(ws.kmsKeyArn, "arn:aws:kms:us-east-1:123456789012:key/k");
    assert.equal(ws.prometheusEndpoint, `https://aps-workspaces.us-east-1.amazonaws.com/workspaces/${workspaceId}/`);
    assert.ok(ws.createdAt instanceof Date);
    assert.ok(Math.abs(ws.createdAt.getTime() - before) < 5000, `createdAt ${ws.createdAt.toISOString()}`);
  });

  it("reports an unknown workspace as ResourceNotFoundException with resourceId and resourceType", async () => {
    const error = await rejectionOf(h.client.send(new DescribeWorkspaceCommand({ workspaceId: "ws-missing" })));
    assert.equal(error.name, "ResourceNotFoundException");
    assert.equal(error.resourceId, "ws-missing");
    assert.equal(error.resourceType, "Workspace");
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 404);
  });

  it("lists workspaces by alias prefix and paginates with nextToken", async () => {
    const ids = ["one", "two", "three"].map((n) => h.emulator.createWorkspace({ alias: `team-${n}` }));
    h.emulator.createWorkspace({ alias: "other" });
    const first = await h.client.send(new ListWorkspacesCommand({ alias: "team-", maxResults: 2 }));
    assert.equal(first.workspaces?.length, 2);
    assert.ok(first.nextToken);
    const second = await h.client.send(
      new ListWorkspacesCommand({ alias: "team-", maxResults: 2, nextToken: first.nextToken }),
    );
    assert.equal(second.workspaces?.length, 1);
    assert.equal(second.nextToken, undefined);
    const listed = [...(first.workspaces ?? []), ...(second.workspaces ?? [])].map((w) => w.workspaceId);
    assert.deepEqual([...listed].sort(), [...ids].sort());
    assert.ok(second.workspaces?.[0].createdAt instanceof Date);
  });

  it("puts, describes and deletes a policy with 202/200 answers", async () => {
    const workspaceId = h.emulator.createWorkspace();
    const doc = policyDocument(h.emulator.workspaceArn(workspaceId));
    const put = await h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: doc }));
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.policyStatus, "CREATING");
    assert.ok(put.revisionId);
    const described = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
    assert.equal(described.policyStatus, "ACTIVE");
    assert.equal(described.revisionId, put.revisionId);
    assert.deepEqual(JSON.parse(described.policyDocument ?? ""), JSON.parse(doc));
    const deleted = await h.client.send(new DeleteResourcePolicyCommand({ workspaceId }));
    assert.equal(deleted.$metadata.httpStatusCode, 202);
    const error = await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })));
    assert.equal(error.name, "ResourceNotFoundException");
    assert.equal(error.resourceType, "ResourcePolicy");
    assert.equal(error.resourceId, workspaceId);
  });

  it("answers ResourceNotFoundException for Describe and Delete without a policy", async () => {
    const workspaceId = h.emulator.createWorkspace();
    const describe = await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })));
    const del = await rejectionOf(h.client.send(new DeleteResourcePolicyCommand({ workspaceId })));
    assert.equal(describe.name, "ResourceNotFoundException");
    assert.equal(del.name, "ResourceNotFoundException");
  });

  it("answers ResourceNotFoundException for a policy call on an unknown workspace", async () => {
    const error = await rejectionOf(
      h.client.send(new PutResourcePolicyCommand({ workspaceId: "ws-nope", policyDocument: policyDocument("*") })),
    );
    assert.equal(error.name, "ResourceNotFoundException");
    assert.equal(error.resourceType, "Workspace");
  });

  it("updates a policy through UPDATING with a new revision", async () => {
    const workspaceId = h.emulator.createWorkspace();
    const first = await h.client.send(
      new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") }),
    );
    const second = await h.client.send(
      new PutResourcePolicyCommand({
        workspaceId,
        policyDocument: policyDocument("*", { Sid: "B" }),
        revisionId: first.revisionId,
      }),
    );
    assert.equal(second.policyStatus, "UPDATING");
    assert.notEqual(second.revisionId, first.revisionId);
    assert.equal(h.emulator.getPolicy(workspaceId)?.revisionId, second.revisionId);
  });

  it("moves a workspace CREATING → ACTIVE and DELETING → gone after the delay, removing its policy at delete", async () => {
    h.emulator.setTransitionDelay(80);
    const { workspaceId } = await h.client.send(new CreateWorkspaceCommand({}));
    assert.ok(workspaceId);
    const creating = await h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
    assert.equal(creating.workspace?.status?.statusCode, "CREATING");
    const early = await rejectionOf(
      h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") })),
    );
    assert.equal(early.name, "ConflictException");
    await delay(120);
    const active = await h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
    assert.equal(active.workspace?.status?.statusCode, "ACTIVE");
    h.emulator.putPolicyOutOfBand(workspaceId, policyDocument("*"));
    await h.client.send(new DeleteWorkspaceCommand({ workspaceId }));
    const deleting = await h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
    assert.equal(deleting.workspace?.status?.statusCode, "DELETING");
    const policy = await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })));
    assert.equal(policy.name, "ResourceNotFoundException");
    await delay(120);
    const gone = await rejectionOf(h.client.send(new DescribeWorkspaceCommand({ workspaceId })));
    assert.equal(gone.name, "ResourceNotFoundException");
  });

  it("answers an unknown route with a JSON UnknownOperationException", async () => {
    const response = await fetch(`${h.url}/workspaces/ws-1/rulegroupsnamespaces`, { method: "GET" });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("x-amzn-errortype"), "UnknownOperationException");
    assert.match(((await response.json()) as { message: string }).message, /does not serve/);
  });
});
