import assert from "node:assert/strict";

import { FakeEngine, PluginServer, type Props, policyUrn, secret } from "./support/plugin-server";

const WS = "ws-12345678-abcd-1234-abcd-123456789012";

/** A policy letting each account remote-write. */
const policy = (...accounts: string[]) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: accounts.map((account, i) => ({
      Sid: `Writer${i}`,
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ["aps:RemoteWrite"],
    })),
  });

describe("the access review in the resource plugin, over gRPC", function () {
  this.timeout(60_000);
  let engine: FakeEngine;
  let plugin: PluginServer;

  before(async () => {
    engine = new FakeEngine();
    await engine.start();
    // No AMP endpoint at all: check (and so the review and its gate) never calls AMP.
    plugin = await PluginServer.start(
      { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_AMP: "http://127.0.0.1:9", PULUMI_CONFIG: undefined },
      engine.address,
    );
  });
  after(async () => {
    await plugin?.stop();
    await engine?.stop();
  });

  const logsOf = async (check: () => Promise<unknown>) => {
    const before = engine.logs.length;
    await check();
    return engine.logs.slice(before);
  };

  it("Check logs the verdict, the table and the digest of a real change for the resource's URN; nothing for a cosmetic one", async () => {
    const olds: Props = { workspaceId: WS, policyDocument: policy("111122223333") };
    const logs = await logsOf(() =>
      plugin.check({ workspaceId: WS, policyDocument: policy("111122223333", "444455556666") }, olds, policyUrn("a")),
    );
    assert.equal(logs.length, 1, JSON.stringify(logs));
    assert.equal(logs[0].urn, policyUrn("a"));
    assert.equal(logs[0].severity, "INFO", "what a change does is information; warnings are for risky policies");
    assert.match(logs[0].message, /^broadens access: arn:aws:iam::444455556666:root gains aps:RemoteWrite\n/);
    assert.match(logs[0].message, /│ \+ │ Allow\s+│ aps:RemoteWrite\s+│ arn:aws:iam::444455556666:root/);
    assert.match(logs[0].message, /access digest: access-[0-9a-f]{12}$/);

    const cosmetic = JSON.stringify(JSON.parse(policy("111122223333")), null, 4);
    assert.deepEqual(await logsOf(() => plugin.check({ workspaceId: WS, policyDocument: cosmetic }, olds)), []);
  });

  it("a secret policyDocument is reviewed without printing who gets what", async () => {
    const logs = await logsOf(() =>
      plugin.check(
        { workspaceId: WS, policyDocument: secret(policy("111122223333", "444455556666")) },
        { workspaceId: WS, policyDocument: secret(policy("111122223333")) },
      ),
    );
    assert.equal(logs.length, 1, JSON.stringify(logs));
    assert.doesNotMatch(logs[0].message, /444455556666|111122223333/);
    assert.match(logs[0].message, /withheld: the document is a secret\naccess digest: access-[0-9a-f]{12}$/);
  });

  it("a long Sid of a secret policyDocument (with a dash, used twice) shows no piece of itself in any message", async () => {
    const sid = `Plugin-${"LongSecretSid".repeat(8)}`;
    const document = JSON.stringify({
      Version: "2012-10-17",
      Statement: [0, 1].map(() => ({
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: "560184739201" },
        Action: "aps:RemoteWrite",
      })),
    });
    let plain = "";
    const plainLogs = await logsOf(async () => {
      plain = JSON.stringify((await plugin.check({ workspaceId: WS, policyDocument: document })).failures);
    });
    plain += JSON.stringify(plainLogs);
    assert.ok(plain.includes(`${sid.slice(0, 80)}...`), `not secret, the cut quote shows:\n${plain}`);
    let shown = "";
    const logs = await logsOf(async () => {
      shown = JSON.stringify((await plugin.check({ workspaceId: WS, policyDocument: secret(document) })).failures);
    });
    const once = JSON.stringify({ ...JSON.parse(document), Statement: JSON.parse(document).Statement[0] });
    const warned = await logsOf(() => plugin.check({ workspaceId: WS, policyDocument: secret(once) }));
    shown += JSON.stringify(logs) + JSON.stringify(warned) + plugin.stderr.join("");
    assert.match(shown, /Statement\[1\]\.Sid .* is used by another statement/);
    assert.match(JSON.stringify(warned), /Statement\.Sid .* has characters other than letters and digits/);
    for (const piece of ["LongSecretSid", "Plugin-LongSecret", "560184739201"]) {
      assert.ok(!shown.includes(piece), `"${piece}" shows in:\n${shown}`);
    }
  });

  it("Configure's requireApproval gates every resource, a floor the resource cannot lower; Configure without it lifts it", async () => {
    const olds: Props = { workspaceId: WS, policyDocument: policy("111122223333", "444455556666") };
    const narrowing: Props = { workspaceId: WS, policyDocument: policy("111122223333"), requireApproval: "never" };

    await plugin.configure({ requireApproval: "any-change" });
    const gated = await plugin.check(narrowing, olds);
    // The gate's failure names no property on the wire (the engine would print the whole document before it):
    // its reason names policyDocument in words.
    assert.deepEqual(
      gated.failures.map((f) => f.property),
      [""],
    );
    assert.match(
      gated.failures[0].reason,
      /^policyDocument needs approval before it is applied \(requireApproval: any-change\)/,
    );
    assert.match(gated.failures[0].reason, /narrows access: arn:aws:iam::444455556666:root loses aps:RemoteWrite/);

    await plugin.configure({}, { "amp-resource-policy:requireApproval": "broadening" });
    assert.deepEqual((await plugin.check(narrowing, olds)).failures, [], "broadening lets a narrowing through");

    await plugin.configure({});
    assert.deepEqual((await plugin.check(narrowing, olds)).failures, []);
  });

  it("Configure's accountId pins the workspace's account: a Resource naming this workspace id in another account grants nothing", async () => {
    const foreign = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Query",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::444455556666:root" },
          Action: "aps:QueryMetrics",
          Resource: `arn:aws:aps:us-east-1:111122223333:workspace/${WS}`,
        },
      ],
    });
    const bad = await plugin.checkConfig({ accountId: "1234" });
    assert.deepEqual(
      bad.failures.map((f) => f.reason),
      ['amp-resource-policy:accountId must be a 12-digit AWS account id, not "1234"'],
    );
    await plugin.configure({ accountId: "123456789012" });
    const known = await logsOf(() => plugin.check({ workspaceId: WS, policyDocument: foreign }));
    assert.match(known[known.length - 1].message, /^no change in access/);
    await plugin.configure({});
    const unknown = await logsOf(() => plugin.check({ workspaceId: WS, policyDocument: foreign }));
    assert.doesNotMatch(unknown[unknown.length - 1].message, /^no change in access/);
  });

  it("CheckConfig names a bad requireApproval or suppressFindings; DiffConfig updates, never replaces", async () => {
    const bad = await plugin.checkConfig({ requireApproval: "always", suppressFindings: "[not json" });
    assert.deepEqual(
      bad.failures.map((f) => f.property),
      ["requireApproval", "suppressFindings"],
    );
    assert.match(bad.failures[0].reason, /amp-resource-policy:requireApproval must be one of "never", "broadening"/);
    assert.deepEqual(
      (await plugin.checkConfig({ requireApproval: "broadening", suppressFindings: "A,B" })).failures,
      [],
    );

    const changed = await plugin.diffConfig({ requireApproval: "never" }, { requireApproval: "broadening" });
    assert.equal(changed.changes, "DIFF_SOME");
    assert.deepEqual(changed.replaces, []);
  });
});
