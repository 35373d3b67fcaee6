import assert from "node:assert/strict";
import { DescribeResourcePolicyCommand, DescribeWorkspaceCommand, PutResourcePolicyCommand } from "@aws-sdk/client-amp";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { Harness, policyDocument, rejectionOf, startHarness } from "./helpers";

function statusOf(error: Record<string, unknown>): number | undefined {
  return (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
}

describe("AMP emulator fault injection", () => {
  let h: Harness;
  let workspaceId: string;
  beforeEach(async () => {
    h = await startHarness();
    workspaceId = h.emulator.createWorkspace();
  });
  afterEach(async () => {
    await h.close();
  });

  const describeWorkspace = () => h.client.send(new DescribeWorkspaceCommand({ workspaceId }));
  const put = () => h.client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") }));

  it("answers 429 ThrottlingException with serviceCode, quotaCode and Retry-After", async () => {
    h.emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 429, retryAfterSeconds: 7 });
    const error = await rejectionOf(put());
    assert.equal(error.name, "ThrottlingException");
    assert.equal(statusOf(error), 429);
    assert.equal(error.retryAfterSeconds, 7);
    assert.equal(error.serviceCode, "AmazonPrometheusService");
    assert.equal(typeof error.quotaCode, "string");
    assert.equal(h.emulator.getPolicy(workspaceId), undefined);
    assert.equal((await put()).policyStatus, "CREATING");
  });

  it("answers 500 InternalServerException with Retry-After", async () => {
    h.emulator.injectFault({ kind: "error", operation: "DescribeWorkspace", status: 500, retryAfterSeconds: 2 });
    const error = await rejectionOf(describeWorkspace());
    assert.equal(error.name, "InternalServerException");
    assert.equal(error.retryAfterSeconds, 2);
    assert.equal(statusOf(error), 500);
  });

  it("answers 409 ConflictException with resourceId and resourceType", async () => {
    h.emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 409 });
    const error = await rejectionOf(put());
    assert.equal(error.name, "ConflictException");
    assert.equal(error.resourceId, workspaceId);
    assert.equal(error.resourceType, "ResourcePolicy");
  });

  it("answers 503 ServiceUnavailableException as JSON", async () => {
    h.emulator.injectFault({ kind: "error", operation: "*", status: 503 });
    const error = await rejectionOf(describeWorkspace());
    assert.equal(error.name, "ServiceUnavailableException");
    assert.equal(statusOf(error), 503);
    assert.equal(error.message, "Service unavailable");
  });

  it("answers 403 AccessDeniedException and 402 ServiceQuotaExceededException", async () => {
    h.emulator.injectFault({ kind: "error", operation: "*", status: 403, message: "nope" });
    h.emulator.injectFault({ kind: "error", operation: "*", status: 402 });
    const denied = await rejectionOf(describeWorkspace());
    assert.equal(denied.name, "AccessDeniedException");
    assert.equal(denied.message, "nope");
    const quota = await rejectionOf(describeWorkspace());
    assert.equal(quota.name, "ServiceQuotaExceededException");
  });

  it("affects exactly the next N calls of the targeted operation only", async () => {
    h.emulator.injectFault({ kind: "error", operation: "DescribeWorkspace", status: 500, count: 2 });
    h.emulator.putPolicyOutOfBand(workspaceId, policyDocument("*"));
    await h.client.send(new DescribeResourcePolicyCommand({ workspaceId }));
    assert.equal((await rejectionOf(describeWorkspace())).name, "InternalServerException");
    assert.equal((await rejectionOf(describeWorkspace())).name, "InternalServerException");
    const ok = await describeWorkspace();
    assert.equal(ok.workspace?.workspaceId, workspaceId);
    assert.deepEqual(h.emulator.faults(), []);
  });

  it("is retried away by the SDK's own retries, and the calls are counted", async () => {
    h.emulator.injectFault({ kind: "error", operation: "PutResourcePolicy", status: 429, count: 2 });
    const client = h.clientWith({ retryStrategy: new ConfiguredRetryStrategy(3, 0) });
    const out = await client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") }));
    assert.equal(out.$metadata.attempts, 3);
    assert.equal(h.emulator.callCounts().PutResourcePolicy, 3);
    const tokens = new Set(h.emulator.requestLog().map((entry) => entry.clientToken));
    assert.equal(tokens.size, 1, "the SDK resends the same client token");
  });

  it("adds latency to the next calls", async () => {
    h.emulator.injectFault({ kind: "latency", operation: "DescribeWorkspace", latencyMs: 250 });
    const started = Date.now();
    await describeWorkspace();
    const slow = Date.now() - started;
    const second = Date.now();
    await describeWorkspace();
    const fast = Date.now() - second;
    assert.ok(slow >= 240, `first call took ${slow} ms`);
    assert.ok(fast < 200, `second call took ${fast} ms`);
    assert.equal(h.emulator.requestLog()[0].fault, "latency");
  });

  it("drops the connection without answering", async () => {
    h.emulator.injectFault({ kind: "drop", operation: "PutResourcePolicy" });
    const error = await rejectionOf(put());
    assert.equal(statusOf(error), undefined);
    assert.match(`${error.name} ${String(error.code)} ${error.message}`, /ECONNRESET|socket hang up|TimeoutError/i);
    assert.equal(h.emulator.getPolicy(workspaceId), undefined, "a dropped call is not processed");
    assert.equal(h.emulator.requestLog()[0].statusCode, 0);
    assert.equal(h.emulator.callCounts().PutResourcePolicy, 1);
  });

  it("answers 429 above the rate limit and recovers after a second", async () => {
    h.emulator.setRateLimit(2);
    await describeWorkspace();
    await describeWorkspace();
    const error = await rejectionOf(describeWorkspace());
    assert.equal(error.name, "ThrottlingException");
    assert.ok(typeof error.retryAfterSeconds === "number" && error.retryAfterSeconds >= 1);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    await describeWorkspace();
    h.emulator.setRateLimit(undefined);
    for (let i = 0; i < 5; i++) await describeWorkspace();
    assert.equal(h.emulator.callCounts().DescribeWorkspace, 9);
  });

  it("counts calls per operation and resets the counters", async () => {
    h.emulator.injectFault({ kind: "error", operation: "*", status: 500 });
    await rejectionOf(describeWorkspace());
    await put();
    await put();
    assert.deepEqual(h.emulator.callCounts(), { DescribeWorkspace: 1, PutResourcePolicy: 2 });
    h.emulator.resetCallCounts();
    assert.deepEqual(h.emulator.callCounts(), {});
  });

  it("logs operation, workspace, client token, revision and status, and clears faults", async () => {
    h.emulator.injectFault({ kind: "error", operation: "*", status: 500, count: 5 });
    h.emulator.clearFaults();
    await h.client.send(
      new PutResourcePolicyCommand({
        workspaceId,
        policyDocument: policyDocument("*"),
        clientToken: "tok-1",
        revisionId: "NO_POLICY",
      }),
    );
    const [entry] = h.emulator.requestLog();
    assert.equal(entry.operation, "PutResourcePolicy");
    assert.equal(entry.workspaceId, workspaceId);
    assert.equal(entry.clientToken, "tok-1");
    assert.equal(entry.revisionId, "NO_POLICY");
    assert.equal(entry.statusCode, 202);
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
  });

  it("rejects a malformed fault", () => {
    assert.throws(
      () => h.emulator.injectFault({ kind: "error", operation: "*", status: 418 as 500 }),
      /status must be one of/,
    );
    assert.throws(() => h.emulator.injectFault({ kind: "drop", operation: "Nope" as "*" }), /fault operation/);
  });
});
