import assert from "node:assert/strict";
import { DescribeResourcePolicyCommand, DescribeWorkspaceCommand, PutResourcePolicyCommand } from "@aws-sdk/client-amp";
import { admin, Harness, policyDocument, rejectionOf, startHarness } from "./helpers";

describe("AMP emulator admin endpoints over HTTP", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("answers health unsigned", async () => {
    assert.deepEqual(await admin(h.url, "GET", "/_emulator/health"), { status: 200, body: { status: "ok" } });
  });

  it("creates an ACTIVE workspace with a chosen id, visible to the SDK", async () => {
    const created = await admin(h.url, "POST", "/_emulator/workspaces", { workspaceId: "ws-fixed", alias: "x" });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, {
      workspaceId: "ws-fixed",
      arn: "arn:aws:aps:us-east-1:123456789012:workspace/ws-fixed",
    });
    const out = await h.client.send(new DescribeWorkspaceCommand({ workspaceId: "ws-fixed" }));
    assert.equal(out.workspace?.status?.statusCode, "ACTIVE");
    const again = await admin(h.url, "POST", "/_emulator/workspaces", { workspaceId: "ws-fixed" });
    assert.equal(again.status, 400);
    assert.match(again.body.message, /already exists/);
  });

  it("puts, reads and deletes a policy out of band, and reads the raw stored text", async () => {
    const workspaceId = h.emulator.createWorkspace();
    const doc = `{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": "*", "Action": "aps:QueryMetrics", "Resource": "*" } ] }`;
    const put = await admin(h.url, "PUT", `/_emulator/workspaces/${workspaceId}/policy`, { policyDocument: doc });
    assert.equal(put.status, 200);
    const read = await admin(h.url, "GET", `/_emulator/workspaces/${workspaceId}/policy`);
    assert.deepEqual(read.body, { policyDocument: doc, policyStatus: "ACTIVE", revisionId: put.body.revisionId });
    const described = await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
    assert.equal(described.revisionId, put.body.revisionId);
    assert.equal((await admin(h.url, "DELETE", `/_emulator/workspaces/${workspaceId}/policy`)).status, 200);
    const missing = await admin(h.url, "GET", `/_emulator/workspaces/${workspaceId}/policy`);
    assert.equal(missing.status, 404);
  });

  it("deletes a workspace out of band", async () => {
    const workspaceId = h.emulator.createWorkspace();
    assert.equal((await admin(h.url, "DELETE", `/_emulator/workspaces/${workspaceId}`)).status, 200);
    const error = await rejectionOf(h.client.send(new DescribeWorkspaceCommand({ workspaceId })));
    assert.equal(error.name, "ResourceNotFoundException");
    assert.equal((await admin(h.url, "DELETE", `/_emulator/workspaces/${workspaceId}`)).status, 404);
  });

  it("freezes and unfreezes a policy's transition", async () => {
    const workspaceId = h.emulator.createWorkspace();
    assert.deepEqual(
      (await admin(h.url, "PUT", `/_emulator/workspaces/${workspaceId}/policy/frozen`, { frozen: true })).body,
      {
        frozen: true,
      },
    );
    await h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") }));
    assert.equal((await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }))).policyStatus, "CREATING");
    await admin(h.url, "PUT", `/_emulator/workspaces/${workspaceId}/policy/frozen`, { frozen: false });
    assert.equal((await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }))).policyStatus, "ACTIVE");
  });

  it("injects, lists and clears faults", async () => {
    const workspaceId = h.emulator.createWorkspace();
    const injected = await admin(h.url, "POST", "/_emulator/faults", [
      { kind: "error", operation: "DescribeWorkspace", status: 429, retryAfterSeconds: 3 },
      { kind: "latency", operation: "*", latencyMs: 1, count: 4 },
    ]);
    assert.equal(injected.status, 200);
    assert.equal(injected.body.faults.length, 2);
    const error = await rejectionOf(h.client.send(new DescribeWorkspaceCommand({ workspaceId })));
    assert.equal(error.name, "ThrottlingException");
    assert.equal(error.retryAfterSeconds, 3);
    const listed = await admin(h.url, "GET", "/_emulator/faults");
    assert.deepEqual(listed.body.faults, [{ kind: "latency", operation: "*", latencyMs: 1, count: 4, remaining: 3 }]);
    await admin(h.url, "DELETE", "/_emulator/faults");
    assert.deepEqual((await admin(h.url, "GET", "/_emulator/faults")).body.faults, []);
    const bad = await admin(h.url, "POST", "/_emulator/faults", { kind: "error", operation: "*", status: 200 });
    assert.equal(bad.status, 400);
  });

  it("drops connections on request", async () => {
    const workspaceId = h.emulator.createWorkspace();
    await admin(h.url, "POST", "/_emulator/faults", { kind: "drop", operation: "DescribeWorkspace" });
    const error = await rejectionOf(h.client.send(new DescribeWorkspaceCommand({ workspaceId })));
    assert.equal((error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode, undefined);
    const ok = await h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
    assert.equal(ok.workspace?.workspaceId, workspaceId);
  });

  it("reads and patches settings: transition delay and rate limit", async () => {
    const patched = await admin(h.url, "PATCH", "/_emulator/settings", { transitionDelayMs: 60000, rateLimitRps: 1 });
    assert.equal(patched.body.transitionDelayMs, 60000);
    assert.equal(patched.body.rateLimitRps, 1);
    const workspaceId = h.emulator.createWorkspace();
    await h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") }));
    const throttled = await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })));
    assert.equal(throttled.name, "ThrottlingException");
    await admin(h.url, "PATCH", "/_emulator/settings", { rateLimitRps: null });
    assert.equal((await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }))).policyStatus, "CREATING");
    const read = await admin(h.url, "GET", "/_emulator/settings");
    assert.equal(read.body.rateLimitRps, null);
    assert.equal(read.body.region, "us-east-1");
    assert.equal((await admin(h.url, "PATCH", "/_emulator/settings", { bogus: 1 })).status, 400);
  });

  it("reads and resets call counters and the request log", async () => {
    const workspaceId = h.emulator.createWorkspace();
    await h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
    await rejectionOf(h.client.send(new DescribeResourcePolicyCommand({ workspaceId })));
    assert.deepEqual((await admin(h.url, "GET", "/_emulator/calls")).body, {
      counts: { DescribeWorkspace: 1, DescribeResourcePolicy: 1 },
    });
    const log = (await admin(h.url, "GET", "/_emulator/requests")).body.requests as Array<{
      operation: string;
      statusCode: number;
    }>;
    assert.deepEqual(
      log.map((entry) => [entry.operation, entry.statusCode]),
      [
        ["DescribeWorkspace", 200],
        ["DescribeResourcePolicy", 404],
      ],
    );
    await admin(h.url, "DELETE", "/_emulator/calls");
    await admin(h.url, "DELETE", "/_emulator/requests");
    assert.deepEqual((await admin(h.url, "GET", "/_emulator/calls")).body, { counts: {} });
    assert.deepEqual((await admin(h.url, "GET", "/_emulator/requests")).body, { requests: [] });
  });

  it("shows the whole state and resets it", async () => {
    const workspaceId = h.emulator.createWorkspace({ alias: "s" });
    h.emulator.putPolicyOutOfBand(workspaceId, "{}");
    const state = await admin(h.url, "GET", "/_emulator/state");
    assert.equal(state.body.workspaces.length, 1);
    assert.equal(state.body.workspaces[0].policy.policyDocument, "{}");
    assert.equal((await admin(h.url, "POST", "/_emulator/reset")).status, 200);
    assert.deepEqual((await admin(h.url, "GET", "/_emulator/workspaces")).body, { workspaces: [] });
  });

  it("answers unknown admin paths and methods as JSON errors", async () => {
    assert.equal((await admin(h.url, "GET", "/_emulator/nothing")).status, 404);
    assert.equal((await admin(h.url, "DELETE", "/_emulator/health")).status, 405);
    assert.equal((await admin(h.url, "GET", "/_emulator/workspaces/ws-none/policy")).status, 404);
  });
});
