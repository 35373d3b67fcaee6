import assert from "node:assert/strict";

import { UNKNOWN } from "../../provider/policy";
import { type CheckRequest, engineFailures } from "../../provider/resource/check";
import {
  OTHER_STATEMENTS_NOTE,
  checkStatement,
  diffStatement,
  parseStatementId,
  previewStatementUpdate,
  statementId,
} from "../../provider/statement";
import { mergedDocument } from "../../provider/statement/document";

const WS = "ws-12345678-abcd-1234-abcd-123456789012";
const writer = (account = "111122223333") => ({
  Effect: "Allow" as const,
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: "aps:RemoteWrite",
});
/** The same statement as `writer()`, reformatted: account id, list, action case, key order. */
const writerReformatted = `{"Action":["APS:remotewrite"],"Principal":{"AWS":["111122223333"]},"Effect":"Allow"}`;

async function check(news: Record<string, unknown>, request: Partial<CheckRequest> = {}) {
  const logged: string[] = [];
  const result = await checkStatement(
    { olds: {}, settings: {}, secretInputs: [], ...request, news },
    { warning: (m) => void logged.push(`warning: ${m}`), info: (m) => void logged.push(`info: ${m}`) },
  );
  return { failures: result.failures, logged, inputs: result.inputs };
}

describe("ResourcePolicyStatement: id, check, diff, preview (pure)", () => {
  it("builds and parses the id <workspaceId>/<sid>, splitting at the first /", () => {
    assert.equal(statementId(WS, "TeamA"), `${WS}/TeamA`);
    assert.deepEqual(parseStatementId(`${WS}/TeamA`), { workspaceId: WS, sid: "TeamA" });
    assert.deepEqual(parseStatementId("ws-1/a/b"), { workspaceId: "ws-1", sid: "a/b" });
    for (const bad of ["", WS, `${WS}/`, "/TeamA"]) {
      assert.throws(
        () => parseStatementId(bad),
        /is not the id of a ResourcePolicyStatement: expected "<workspaceId>\/<sid>"/,
      );
    }
  });

  describe("check", () => {
    it("accepts a statement without Sid, or with the same Sid, and logs the review with the note on other statements", async () => {
      for (const statement of [writer(), { Sid: "TeamA", ...writer() }, JSON.stringify(writer())]) {
        const { failures, logged, inputs } = await check({ workspaceId: WS, sid: "TeamA", statement });
        assert.deepEqual(failures, []);
        assert.deepEqual(inputs.statement, statement, "the inputs are returned as given");
        const review = logged.find((line) => line.startsWith("info: "));
        assert.ok(review !== undefined && review.endsWith(OTHER_STATEMENTS_NOTE), logged.join("\n"));
        assert.match(review, /access digest: access-[0-9a-f]{12}/);
        assert.doesNotMatch(review, /policyDocument/);
      }
    });

    it("fails a missing or invalid sid, naming sid", async () => {
      for (const [sid, reason] of [
        [undefined, /^sid is required/],
        ["", /^sid is required/],
        [7, /^sid must be a string, not number/],
        ["Team A", /^sid "Team A" is not a valid Sid: 1-128 ASCII letters and digits/],
        ["a/b", /is not a valid Sid/],
      ] as const) {
        const { failures, logged } = await check({ workspaceId: WS, sid, statement: writer() });
        assert.ok(
          failures.some((f) => f.property === "sid" && reason.test(f.reason)),
          JSON.stringify(failures),
        );
        assert.deepEqual(logged, [], "nothing is logged when check fails");
      }
    });

    it("fails a statement whose Sid differs from sid, naming statement", async () => {
      const { failures } = await check({ workspaceId: WS, sid: "TeamA", statement: { Sid: "TeamB", ...writer() } });
      assert.deepEqual(
        failures.map((f) => f.property),
        ["statement"],
      );
      assert.match(failures[0].reason, /^statement has Sid "TeamB", not the sid input "TeamA"/);
    });

    it("fails a missing statement, a list, a policy document and bad JSON, naming statement", async () => {
      for (const [statement, reason] of [
        [undefined, /^statement is required/],
        [[writer()], /^statement must be one IAM statement .*not an array/],
        [{ Version: "2012-10-17", Statement: [writer()] }, /^statement is a policy document, not one statement/],
        ["{not json", /^statement is not a JSON object/],
      ] as const) {
        const { failures } = await check({ workspaceId: WS, sid: "TeamA", statement });
        assert.ok(failures.length > 0 && failures.every((f) => f.property === "statement"), JSON.stringify(failures));
        assert.ok(
          failures.some((f) => reason.test(f.reason)),
          JSON.stringify(failures),
        );
      }
    });

    it("validates the statement as validatePolicy does a one-statement policy, in the statement's words", async () => {
      const { failures } = await check({
        workspaceId: WS,
        sid: "TeamA",
        statement: { Principal: "*", Action: "aps:RemoteWrite" },
      });
      assert.ok(failures.length > 0);
      for (const failure of failures) {
        assert.equal(failure.property, "statement");
        assert.match(failure.reason, /^statement /);
        assert.doesNotMatch(failure.reason, /policyDocument|Statement\[0\]/);
      }
      assert.ok(
        failures.some((f) => /Effect/.test(f.reason)),
        JSON.stringify(failures),
      );
    });

    it("fails a bad workspaceId and waitTimeoutSeconds, naming them", async () => {
      const { failures } = await check({ workspaceId: "", sid: "TeamA", statement: writer(), waitTimeoutSeconds: -1 });
      assert.deepEqual(failures.map((f) => f.property).sort(), ["waitTimeoutSeconds", "workspaceId"]);
    });

    it("gates a broadening statement with requireApproval, naming statement", async () => {
      const { failures } = await check({
        workspaceId: WS,
        sid: "TeamA",
        statement: writer(),
        requireApproval: "broadening",
      });
      assert.equal(failures.length, 1);
      assert.equal(failures[0].property, "statement");
      assert.match(failures[0].reason, /^statement needs approval before it is applied/);
      // The engine prints the reason alone (no statement value before it), as it does for ResourcePolicy's gate.
      assert.deepEqual(
        engineFailures(failures).map((f) => f.property),
        [""],
      );
    });

    it("says nothing of access when the statement only changes its wording", async () => {
      const { failures, logged } = await check(
        { workspaceId: WS, sid: "TeamA", statement: writerReformatted },
        { olds: { workspaceId: WS, sid: "TeamA", statement: writer() } },
      );
      assert.deepEqual(failures, []);
      assert.deepEqual(
        logged.filter((l) => l.startsWith("info")),
        [],
      );
    });

    it("keeps a secret statement out of its messages, and the non-secret sid in them readable", async () => {
      const secret = {
        ...writer(),
        Principal: { AWS: "arn:aws:iam::111122223333:user/alice-ops" },
        Action: "aps:Bogus",
      };
      const { failures, logged } = await check(
        { workspaceId: WS, sid: "A", statement: secret },
        { secretInputs: ["statement"] },
      );
      assert.deepEqual(failures, []);
      const text = logged.join("\n");
      assert.doesNotMatch(text, /alice-ops|aps:Bogus/);
      assert.match(text, /the access review of statement is withheld/);
      assert.match(text, /statement\.Action "\[secret\]" is not a Prometheus-compatible action/, text);
    });

    it("accepts values not known yet (preview)", async () => {
      const { failures } = await check({ workspaceId: WS, sid: UNKNOWN, statement: UNKNOWN });
      assert.deepEqual(failures, []);
    });
  });

  describe("diff", () => {
    const olds = { workspaceId: WS, sid: "TeamA", statement: writer(), waitTimeoutSeconds: 60, revisionId: "r1" };

    it("sees no change when the statement means the same (wording, Sid given, client token, review inputs)", () => {
      for (const news of [
        { ...olds, statement: writerReformatted },
        { ...olds, statement: { Sid: "TeamA", ...writer() } },
        { ...olds, clientToken: "t", approvedAccess: "access-0123456789ab", __identity: "urn" },
      ]) {
        assert.deepEqual(diffStatement(olds, news), {
          changes: false,
          replaces: [],
          diffs: [],
          deleteBeforeReplace: true,
        });
      }
    });

    it("updates when the statement means something else, or is not known yet", () => {
      for (const statement of [writer("444455556666"), UNKNOWN, { ...writer(), Action: UNKNOWN }]) {
        assert.deepEqual(diffStatement(olds, { ...olds, statement }), {
          changes: true,
          replaces: [],
          diffs: ["statement"],
          deleteBeforeReplace: true,
        });
      }
    });

    it("replaces when workspaceId or sid changes, deleting first only when neither does", () => {
      assert.deepEqual(diffStatement(olds, { ...olds, sid: "TeamB" }), {
        changes: true,
        replaces: ["sid"],
        diffs: ["sid"],
        deleteBeforeReplace: false,
      });
      assert.deepEqual(diffStatement(olds, { ...olds, workspaceId: "ws-2" }).replaces, ["workspaceId"]);
      assert.equal(diffStatement(olds, { ...olds, workspaceId: "ws-2" }).deleteBeforeReplace, false);
      const unknown = diffStatement(olds, { ...olds, sid: UNKNOWN });
      assert.deepEqual([unknown.replaces, unknown.deleteBeforeReplace], [["sid"], true]);
    });

    it("updates the state only when waitTimeoutSeconds changes, and compares in the partition", () => {
      assert.deepEqual(diffStatement(olds, { ...olds, waitTimeoutSeconds: 30 }).diffs, ["waitTimeoutSeconds"]);
      // A bare account id is the root of that account in the workspace's partition.
      const cn = { ...olds, statement: { ...writer(), Principal: { AWS: "arn:aws-cn:iam::111122223333:root" } } };
      const bare = { ...cn, statement: { ...writer(), Principal: { AWS: "111122223333" } } };
      assert.equal(diffStatement(cn, bare, { partition: "aws-cn" }).changes, false);
      assert.equal(diffStatement(cn, bare).changes, true);
    });
  });

  describe("preview of an update", () => {
    it("keeps the outputs when only waitTimeoutSeconds changes, else shows the revision and status unknown", () => {
      const olds = { workspaceId: WS, sid: "TeamA", statement: writer(), policyStatus: "ACTIVE", revisionId: "r1" };
      const kept = previewStatementUpdate(olds, { ...olds, statement: writerReformatted, waitTimeoutSeconds: 9 });
      assert.deepEqual([kept.revisionId, kept.policyStatus, kept.waitTimeoutSeconds], ["r1", "ACTIVE", 9]);
      const changed = previewStatementUpdate(olds, { ...olds, statement: writer("444455556666") });
      assert.deepEqual([changed.revisionId, changed.policyStatus], [UNKNOWN, UNKNOWN]);
    });
  });

  describe("the merge (document.ts)", () => {
    it("adds last, replaces in place, removes, and keeps Version, Id and others' numbers as written", () => {
      const other = `{"Sid":"Other","Effect":"Allow","Principal":"*","Action":"aps:GetSeries","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":1.50}}}`;
      const policy = {
        policyDocument: `{"Version":"2008-10-17","Id":"central","Statement":[${other}]}`,
        policyStatus: "ACTIVE",
        revisionId: "r1",
      };
      const added = mergedDocument(policy, "TeamA", { Sid: "TeamA", ...writer() })!;
      assert.equal(
        added,
        `{"Version":"2008-10-17","Id":"central","Statement":[${other},${JSON.stringify({ Sid: "TeamA", ...writer() })}]}`,
      );
      const replaced = mergedDocument({ ...policy, policyDocument: added }, "Other", { Sid: "Other", Effect: "Deny" });
      assert.deepEqual(
        JSON.parse(replaced!).Statement.map((s: { Sid: string }) => s.Sid),
        ["Other", "TeamA"],
      );
      assert.equal(mergedDocument({ ...policy, policyDocument: added }, "TeamA", undefined), policy.policyDocument);
      assert.equal(mergedDocument(policy, "Other", undefined), undefined, "no statement left");
    });

    it("writes Version 2012-10-17 where there is no policy, or where the live one has none", () => {
      const own = { Sid: "TeamA", ...writer() };
      assert.deepEqual(JSON.parse(mergedDocument(undefined, "TeamA", own)!), {
        Version: "2012-10-17",
        Statement: [own],
      });
      const single = {
        policyDocument: JSON.stringify({ Statement: { Sid: "X", Effect: "Deny" } }),
        policyStatus: "ACTIVE",
        revisionId: "r",
      };
      assert.deepEqual(JSON.parse(mergedDocument(single, "TeamA", own)!), {
        Version: "2012-10-17",
        Statement: [{ Sid: "X", Effect: "Deny" }, own],
      });
    });
  });
});
