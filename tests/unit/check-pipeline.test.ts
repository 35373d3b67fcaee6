import assert from "node:assert/strict";

import { REDACTED } from "../../provider/redact";
import { type CheckRequest, check, checkResource, engineFailures } from "../../provider/resource/check";
import { reviewSettingsFromConfig, reviewSettingsFromEnv } from "../../provider/review";

const WS = "ws-12345678-abcd-1234-abcd-123456789012";
const WRITER = "arn:aws:iam::111122223333:root";

/** A policy without Version (a MISSING_VERSION warning) that grants WRITER remote-write. */
const noVersion = JSON.stringify({
  Statement: [{ Sid: "Write", Effect: "Allow", Principal: { AWS: WRITER }, Action: "aps:RemoteWrite" }],
});

async function run(request: Partial<CheckRequest> & Pick<CheckRequest, "news">) {
  const logged: string[] = [];
  const result = await checkResource(
    { olds: {}, settings: {}, secretInputs: [], ...request },
    { warning: (m) => void logged.push(`warning: ${m}`), info: (m) => void logged.push(`info: ${m}`) },
  );
  return { result, logged };
}

describe("check's one pipeline (provider/resource/check.ts): validate, review, suppress, redact, log", () => {
  it("logs the warnings, then the access review, when nothing failed", async () => {
    const { result, logged } = await run({ news: { workspaceId: WS, policyDocument: noVersion } });
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.warnings, check({ workspaceId: WS, policyDocument: noVersion }).warnings);
    assert.ok(
      result.warnings.some((w) => /^policyDocument has no Version/.test(w)),
      result.warnings.join("\n"),
    );
    assert.equal(result.diagnostics.length, 1);
    assert.deepEqual(logged, [
      ...result.warnings.map((w) => `warning: ${w}`),
      ...result.diagnostics.map((d) => `info: ${d}`),
    ]);
    assert.match(logged[logged.length - 1], /access digest: access-[0-9a-f]{12}/);
  });

  it("logs nothing and reviews nothing when a property fails", async () => {
    const { result, logged } = await run({ news: { workspaceId: "ws/1", policyDocument: noVersion } });
    assert.deepEqual(
      result.failures.map((f) => f.property),
      ["workspaceId"],
    );
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(logged, []);
  });

  it("suppresses by finding code, the resource's and the provider's, the same from either door's settings", async () => {
    const news = { workspaceId: WS, policyDocument: noVersion };
    const shown = (await run({ news })).result.warnings;
    assert.ok(shown.length > 0);
    const own = await run({ news: { ...news, suppressFindings: ["missing_version"] } });
    const fromEnv = await run({
      news,
      settings: reviewSettingsFromEnv({ AMP_POLICY_SUPPRESS_FINDINGS: "MISSING_VERSION" }),
    });
    const fromConfig = await run({ news, settings: reviewSettingsFromConfig({ suppressFindings: "MISSING_VERSION" }) });
    const expected = shown.filter((w) => !/has no Version/.test(w));
    assert.notDeepEqual(expected, shown);
    for (const { result, logged } of [own, fromEnv, fromConfig]) {
      assert.deepEqual(result.warnings, expected);
      assert.ok(!logged.some((line) => /has no Version/.test(line)), logged.join("\n"));
    }
  });

  it("keeps the secret inputs' values out of failures and warnings, and withholds a secret document's review", async () => {
    const secretWs = "ws-secret/Zq81";
    const failed = await run({
      news: { workspaceId: secretWs, policyDocument: noVersion },
      secretInputs: ["workspaceId"],
    });
    assert.equal(failed.result.failures.length, 1);
    assert.ok(!failed.result.failures[0].reason.includes(secretWs), failed.result.failures[0].reason);
    assert.ok(failed.result.failures[0].reason.includes(REDACTED), failed.result.failures[0].reason);

    const secret = await run({
      news: { workspaceId: WS, policyDocument: noVersion },
      secretInputs: ["policyDocument"],
    });
    assert.deepEqual(secret.result.failures, []);
    assert.ok(
      secret.logged.every((line) => !line.includes(WRITER)),
      secret.logged.join("\n"),
    );
    assert.match(secret.result.diagnostics.join("\n"), /withheld: the document is a secret/);
  });

  it("fails on the provider's bad settings, naming the setting, before any review", async () => {
    const { result, logged } = await run({
      news: { workspaceId: WS, policyDocument: noVersion },
      settings: reviewSettingsFromEnv({ AMP_POLICY_ACCOUNT_ID: "12" }),
    });
    assert.deepEqual(
      result.failures.map((f) => f.property),
      ["accountId"],
    );
    assert.match(result.failures[0].reason, /^AMP_POLICY_ACCOUNT_ID must be a 12-digit AWS account id/);
    assert.deepEqual(logged, []);
  });

  it("hands the engine the gate's failure without its property (the reason names policyDocument), the others with theirs", async () => {
    const gated = await run({ news: { workspaceId: WS, policyDocument: noVersion, requireApproval: "broadening" } });
    assert.deepEqual(
      engineFailures(gated.result.failures),
      gated.result.failures.map(({ reason }) => ({ property: "", reason })),
    );
    assert.equal(gated.result.failures.length, 1);
    assert.equal(gated.result.failures[0].property, "policyDocument", "the typed failure still names its property");
    assert.match(gated.result.failures[0].reason, /^policyDocument needs approval before it is applied/);

    const invalid = await run({ news: { workspaceId: "ws/1", policyDocument: "{" } });
    assert.deepEqual(
      engineFailures(invalid.result.failures).map((f) => f.property),
      ["workspaceId", "policyDocument"],
    );
  });
});
