import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { ListWorkspacesCommand, PutResourcePolicyCommand } from "@aws-sdk/client-amp";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256, parseAuthorization } from "../../emulator/sigv4";
import { Harness, policyDocument, rejectionOf, startHarness } from "./helpers";

interface RawAnswer {
  status: number;
  errorType: string | undefined;
  body: { message?: string };
}

/** Sends a request signed by a SignatureV4 for `service`/`region`, or unsigned when `service` is undefined. */
async function sendSigned(
  url: string,
  service: string | undefined,
  region = "us-east-1",
  body?: string,
  tamper?: string,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string> = { host: `${hostname}:${port}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let signedHeaders = headers;
  const method = body === undefined ? "GET" : "PUT";
  const path = body === undefined ? "/workspaces" : "/workspaces/ws-x/policy";
  if (service !== undefined) {
    const signer = new SignatureV4({
      service,
      region,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      sha256: NodeSha256,
    });
    const signed = await signer.sign({
      method,
      protocol: "http:",
      hostname,
      port: Number(port),
      path,
      query: {},
      headers,
      body,
    });
    signedHeaders = signed.headers;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port: Number(port), method, path, headers: signedHeaders }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          errorType: res.headers["x-amzn-errortype"] as string | undefined,
          body: JSON.parse(text),
        }),
      );
    });
    req.on("error", reject);
    req.end(tamper ?? body);
  });
}

describe("AMP emulator SigV4 check", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("accepts a request signed for aps with the right secret", async () => {
    const answer = await sendSigned(h.url, "aps");
    assert.equal(answer.status, 200);
  });

  it("rejects a wrong secret with 403 InvalidSignatureException", async () => {
    const client = h.clientWith({ credentials: { accessKeyId: "test", secretAccessKey: "wrong" } });
    const error = await rejectionOf(client.send(new ListWorkspacesCommand({})));
    assert.equal(error.name, "InvalidSignatureException");
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 403);
    assert.match(error.message, /signature we calculated does not match/);
  });

  it("rejects an unknown access key with 403 UnrecognizedClientException", async () => {
    const client = h.clientWith({ credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "test" } });
    const error = await rejectionOf(client.send(new ListWorkspacesCommand({})));
    assert.equal(error.name, "UnrecognizedClientException");
  });

  it("rejects a signature for another service with 403", async () => {
    const answer = await sendSigned(h.url, "foo");
    assert.equal(answer.status, 403);
    assert.equal(answer.errorType, "InvalidSignatureException");
    assert.match(answer.body.message ?? "", /correct service: 'aps'/);
  });

  it("rejects a signature scoped to another region with 403", async () => {
    const answer = await sendSigned(h.url, "aps", "eu-west-1");
    assert.equal(answer.status, 403);
    assert.match(answer.body.message ?? "", /valid region/);
  });

  it("rejects an unsigned request with 403 and a JSON message", async () => {
    const answer = await sendSigned(h.url, undefined);
    assert.equal(answer.status, 403);
    assert.equal(answer.errorType, "InvalidSignatureException");
    assert.equal(answer.body.message, "Missing Authentication Token");
  });

  it("rejects a body changed after signing", async () => {
    const body = JSON.stringify({ policyDocument: policyDocument("*") });
    const tampered = body.replace("Allow", "Deny ");
    assert.equal(tampered.length, body.length);
    const answer = await sendSigned(h.url, "aps", "us-east-1", body, tampered);
    assert.equal(answer.status, 403);
    assert.equal(answer.errorType, "InvalidSignatureException");
  });

  it("accepts other configured credentials", async () => {
    await h.close();
    h = await startHarness({ credentials: { AKIDEXAMPLE: "s3cret" } });
    const good = h.clientWith({ credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s3cret" } });
    const out = await good.send(new ListWorkspacesCommand({}));
    assert.deepEqual(out.workspaces, []);
    assert.equal((await rejectionOf(h.client.send(new ListWorkspacesCommand({})))).name, "UnrecognizedClientException");
  });

  it("skips the check with verifySignature: false", async () => {
    await h.close();
    h = await startHarness({ verifySignature: false });
    const workspaceId = h.emulator.createWorkspace();
    const client = h.clientWith({ credentials: { accessKeyId: "anyone", secretAccessKey: "anything" } });
    const out = await client.send(new PutResourcePolicyCommand({ workspaceId, policyDocument: policyDocument("*") }));
    assert.equal(out.policyStatus, "CREATING");
    assert.equal((await sendSigned(h.url, undefined)).status, 200);
  });

  it("never records the Authorization header or secrets in the request log", async () => {
    const client = h.clientWith({ credentials: { accessKeyId: "test", secretAccessKey: "wrong" } });
    await rejectionOf(client.send(new ListWorkspacesCommand({})));
    await h.client.send(new ListWorkspacesCommand({}));
    const log = JSON.stringify(h.emulator.requestLog());
    assert.equal(h.emulator.requestLog().length, 2);
    assert.doesNotMatch(log, /AWS4-HMAC-SHA256|Signature=|wrong|Credential/);
  });

  it("rejects a request signed too far from the server clock, which the SDK corrects on retry", async () => {
    await h.close();
    h = await startHarness({ now: () => Date.now() + 60 * 60 * 1000 });
    const error = await rejectionOf(h.client.send(new ListWorkspacesCommand({})));
    assert.equal(error.name, "InvalidSignatureException");
    assert.match(error.message, /Signature expired/);
    const retrying = h.clientWith({ maxAttempts: 2 });
    const out = await retrying.send(new ListWorkspacesCommand({}));
    assert.equal(out.$metadata.attempts, 2);
  });

  it("parses an Authorization header into its parts", () => {
    const parsed = parseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/aps/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
        "a".repeat(64),
    );
    assert.deepEqual(parsed, {
      accessKeyId: "AKID",
      date: "20240101",
      region: "us-east-1",
      service: "aps",
      signedHeaders: ["host", "x-amz-date"],
      signature: "a".repeat(64),
    });
    assert.equal(parseAuthorization("Bearer abc"), undefined);
  });
});
