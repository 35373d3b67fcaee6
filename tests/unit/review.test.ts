import assert from "node:assert/strict";

import { accessChange, accessDigest } from "../../provider/access";
import { check, diff } from "../../provider/lifecycle";
import { type PolicyFinding, UNKNOWN, suppressFindings } from "../../provider/policy";
import { type CheckRequest, type CheckedResource, checkResource, warningsOf } from "../../provider/resource/check";
import {
  type ReviewSettings,
  approvalDigest,
  changesAccess,
  checkReviewConfig,
  checkReviewInputs,
  partitionOf,
  reviewAccess,
  reviewSettingsFromConfig,
  reviewSettingsFromEnv,
  suppressedCodes,
} from "../../provider/review";

/** Runs check's pipeline as a door does (no secret input), with what it logged. */
async function checkChange(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  settings: ReviewSettings = {},
  request: Partial<CheckRequest> = {},
): Promise<{ result: CheckedResource; logged: string[] }> {
  const logged: string[] = [];
  const result = await checkResource(
    { olds, news, settings, secretInputs: [], ...request },
    { warning: (m) => void logged.push(`warning: ${m}`), info: (m) => void logged.push(`info: ${m}`) },
  );
  return { result, logged };
}

const WS = "ws-12345678-abcd-1234-abcd-123456789012";
const WS2 = "ws-87654321-abcd-1234-abcd-123456789012";
const WRITER = "arn:aws:iam::111122223333:root";
const READER = "arn:aws:iam::444455556666:root";

const statement = (sid: string, principal: string, actions: string[], effect = "Allow") => ({
  Sid: sid,
  Effect: effect,
  Principal: { AWS: principal },
  Action: actions,
});
/** The basic example's policy: account 111122223333 may remote-write. */
const writeOnly = { Version: "2012-10-17", Statement: [statement("Write", WRITER, ["aps:RemoteWrite"])] };
/** writeOnly plus a new principal that may query. */
const withReader = {
  Version: "2012-10-17",
  Statement: [...writeOnly.Statement, statement("Read", READER, ["aps:QueryMetrics"])],
};
/** writeOnly as a reformatted, reordered string: the same meaning. */
const writeOnlyReformatted = `{
  "Statement": { "Action": "APS:REMOTEWRITE", "Principal": { "AWS": ["111122223333"] }, "Effect": "Allow", "Sid": "Write" },
  "Version": "2012-10-17"
}`;

const inputs = (policyDocument: unknown, extra: Record<string, unknown> = {}) => ({
  workspaceId: WS,
  policyDocument,
  ...extra,
});

describe("access review (provider/review.ts)", () => {
  describe("reviewAccess: what preview shows", () => {
    it("shows the verdict, the table and the digest of the new access for a new principal", () => {
      const review = reviewAccess(inputs(writeOnly), inputs(withReader));
      assert.equal(review.failure, undefined);
      assert.equal(review.diagnostics.length, 1);
      const [text] = review.diagnostics;
      const lines = text.split("\n");
      assert.equal(lines[0], `broadens access: ${READER} gains aps:QueryMetrics`);
      assert.ok(
        lines.some((l) => /^│ \+ │ Allow\s+│ aps:QueryMetrics\s+│ arn:aws:iam::444455556666:root\s+│/.test(l)),
        text,
      );
      assert.ok(!lines.some((l) => l.startsWith("│ - ")), "nothing is removed");
      assert.equal(
        lines.at(-1),
        `access digest: ${approvalDigest(accessDigest(withReader, { workspaceId: WS }), { workspaceId: WS })}`,
      );
    });

    it("says nothing when the change is cosmetic (reformatted, reordered, account id for its root)", () => {
      assert.deepEqual(reviewAccess(inputs(writeOnly), inputs(writeOnlyReformatted)), { diagnostics: [] });
    });

    it("reviews a create (no old inputs) as access granted from nothing", () => {
      const review = reviewAccess({}, inputs(writeOnly));
      assert.match(review.diagnostics[0], /^broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite\n/);
      assert.match(review.diagnostics[0], /│ \+ │ Allow\s+│ aps:RemoteWrite/);
    });

    it("reviews a narrowing as a narrowing, with the removed statement", () => {
      const review = reviewAccess(inputs(withReader), inputs(writeOnly));
      assert.match(review.diagnostics[0], /^narrows access: arn:aws:iam::444455556666:root loses aps:QueryMetrics/);
      assert.match(review.diagnostics[0], /│ - │ Allow\s+│ aps:QueryMetrics/);
    });

    it("reviews a new workspaceId as a create on the new workspace, and says the old policy goes", () => {
      const review = reviewAccess(inputs(writeOnly), { workspaceId: WS2, policyDocument: writeOnly });
      assert.match(review.diagnostics[0], /^broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite/);
      assert.match(review.diagnostics[0], new RegExp(`the policy of ${WS} is deleted`));
    });

    it("reviews drift against the live policy: olds are whatever refresh read", () => {
      const live = JSON.stringify({ Version: "2012-10-17", Statement: [statement("X", "*", ["aps:*"])] });
      const review = reviewAccess(inputs(live), inputs(writeOnly));
      assert.match(review.diagnostics[0], /^narrows access: /);
    });

    it("defers a document not known yet, and gates nothing then", () => {
      const review = reviewAccess(inputs(writeOnly), inputs(UNKNOWN, { requireApproval: "any-change" }));
      assert.equal(review.failure, undefined);
      assert.match(review.diagnostics[0], /access review deferred: policyDocument is not known yet/);
    });

    it("withholds who gets what when the document is a secret, and keeps the digest", () => {
      const review = reviewAccess(inputs(writeOnly), inputs(withReader), {}, { secret: true });
      assert.doesNotMatch(review.diagnostics[0], /444455556666|QueryMetrics/);
      assert.match(review.diagnostics[0], /withheld: the document is a secret/);
      assert.match(review.diagnostics[0], /access digest: access-[0-9a-f]{12}$/);
    });
  });

  describe("the requireApproval gate", () => {
    const digest = approvalDigest(accessDigest(withReader, { workspaceId: WS }), { workspaceId: WS });

    it("broadening: fails a broadening change naming policyDocument, with the table and how to approve", () => {
      const review = reviewAccess(inputs(writeOnly), inputs(withReader, { requireApproval: "broadening" }));
      assert.deepEqual(review.diagnostics, []);
      assert.equal(review.failure?.property, "policyDocument");
      const reason = review.failure.reason;
      assert.match(reason, /^policyDocument needs approval before it is applied \(requireApproval: broadening\): /);
      assert.match(reason, /broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics/);
      assert.match(reason, /│ \+ │ Allow\s+│ aps:QueryMetrics/);
      assert.ok(reason.includes(`set the input approvedAccess: "${digest}"`), reason);
    });

    it("the digest the failure printed lets the change through, and says it was approved", () => {
      const review = reviewAccess(
        inputs(writeOnly),
        inputs(withReader, { requireApproval: "broadening", approvedAccess: digest }),
      );
      assert.equal(review.failure, undefined);
      assert.match(review.diagnostics[0], new RegExp(`access digest: ${digest}, approved by approvedAccess`));
    });

    it("an approval stops matching when the policy changes again", () => {
      const more = {
        ...withReader,
        Statement: [...withReader.Statement, statement("Alerts", READER, ["aps:GetAlertManagerStatus"])],
      };
      const review = reviewAccess(
        inputs(withReader),
        inputs(more, { requireApproval: "broadening", approvedAccess: digest }),
      );
      assert.equal(review.failure?.property, "policyDocument");
      assert.match(review.failure.reason, new RegExp(`approvedAccess "${digest}" approves other access`));
      assert.ok(
        review.failure.reason.includes(
          `approvedAccess: "${approvalDigest(accessDigest(more, { workspaceId: WS }), { workspaceId: WS })}"`,
        ),
      );
    });

    it("an approval survives a cosmetic rewrite of the approved policy (the digest is of the access)", () => {
      const reformatted = JSON.stringify({ Statement: [...withReader.Statement].reverse(), Version: "2012-10-17" });
      const review = reviewAccess({}, inputs(reformatted, { requireApproval: "broadening", approvedAccess: digest }));
      assert.equal(review.failure, undefined);
    });

    it("broadening lets a narrowing through; any-change does not", () => {
      assert.equal(
        reviewAccess(inputs(withReader), inputs(writeOnly, { requireApproval: "broadening" })).failure,
        undefined,
      );
      const strict = reviewAccess(inputs(withReader), inputs(writeOnly, { requireApproval: "any-change" }));
      assert.match(strict.failure!.reason, /requireApproval: any-change/);
    });

    it("never (the default) gates nothing; a cosmetic change needs no approval even under any-change", () => {
      assert.equal(reviewAccess(inputs(writeOnly), inputs(withReader)).failure, undefined);
      assert.deepEqual(
        reviewAccess(inputs(writeOnly), inputs(writeOnlyReformatted, { requireApproval: "any-change" })),
        { diagnostics: [] },
      );
    });

    it("the provider's setting is a floor: a resource may be stricter, never looser", () => {
      const floor = { requireApproval: "broadening" as const };
      assert.ok(reviewAccess(inputs(writeOnly), inputs(withReader, { requireApproval: "never" }), floor).failure);
      assert.equal(reviewAccess(inputs(withReader), inputs(writeOnly), floor).failure, undefined);
      assert.ok(reviewAccess(inputs(withReader), inputs(writeOnly, { requireApproval: "any-change" }), floor).failure);
    });

    it("an approvedAccess not known yet (preview) is compared during up", () => {
      const review = reviewAccess(
        inputs(writeOnly),
        inputs(withReader, { requireApproval: "broadening", approvedAccess: UNKNOWN }),
      );
      assert.equal(review.failure, undefined);
      assert.match(review.diagnostics[0], /approvedAccess is not known yet/);
    });

    it("changing approvedAccess, requireApproval or suppressFindings alone is no change for diff (no API call)", () => {
      const olds = { ...inputs(withReader), policyStatus: "ACTIVE", revisionId: "r1" };
      const news = inputs(withReader, {
        requireApproval: "any-change",
        approvedAccess: digest,
        suppressFindings: ["MISSING_VERSION"],
      });
      assert.deepEqual(diff(olds, news), { changes: false, replaces: [], diffs: [], deleteBeforeReplace: true });
    });
  });

  describe("inputs and settings", () => {
    it("check validates the review inputs, each failure naming its property", () => {
      const failures = check(
        inputs(writeOnly, { requireApproval: "sometimes", approvedAccess: "two words", suppressFindings: "X" }),
      ).failures;
      assert.deepEqual(
        failures.map((f) => f.property),
        ["requireApproval", "approvedAccess", "suppressFindings"],
      );
      assert.match(failures[0].reason, /^requireApproval must be one of "never", "broadening", "any-change"/);
      assert.deepEqual(
        checkReviewInputs(
          inputs(writeOnly, { requireApproval: UNKNOWN, approvedAccess: UNKNOWN, suppressFindings: [UNKNOWN] }),
        ),
        [],
      );
    });

    it("reads AMP_POLICY_REQUIRE_APPROVAL and AMP_POLICY_SUPPRESS_FINDINGS, and the partition from AWS_REGION", () => {
      assert.deepEqual(
        reviewSettingsFromEnv({
          AMP_POLICY_REQUIRE_APPROVAL: "broadening",
          AMP_POLICY_SUPPRESS_FINDINGS: "MISSING_VERSION, IGNORED_ACTION",
          AWS_REGION: "cn-north-1",
        }),
        {
          requireApproval: "broadening",
          suppressFindings: ["MISSING_VERSION", "IGNORED_ACTION"],
          region: "cn-north-1",
          partition: "aws-cn",
        },
      );
      assert.deepEqual(reviewSettingsFromEnv({}), {});
      assert.equal(partitionOf("us-gov-west-1"), "aws-us-gov");
      assert.equal(partitionOf("eu-west-1"), "aws");
    });

    it("a bad AMP_POLICY_REQUIRE_APPROVAL fails check rather than silently opening the gate", async () => {
      const settings = reviewSettingsFromEnv({ AMP_POLICY_REQUIRE_APPROVAL: "broad" });
      const { result, logged } = await checkChange(inputs(writeOnly), inputs(withReader), settings);
      assert.deepEqual(result.diagnostics, []);
      assert.deepEqual(logged, []);
      assert.equal(result.failures.length, 1);
      assert.equal(result.failures[0].property, "requireApproval");
      assert.match(result.failures[0].reason, /^AMP_POLICY_REQUIRE_APPROVAL must be one of/);
    });

    it("reads the plugin's amp-resource-policy:requireApproval / suppressFindings config, and checks it", () => {
      assert.deepEqual(
        reviewSettingsFromConfig({
          requireApproval: "any-change",
          suppressFindings: '["A_CODE"]',
          region: "us-east-1",
        }),
        { requireApproval: "any-change", suppressFindings: ["A_CODE"], region: "us-east-1", partition: "aws" },
      );
      assert.deepEqual(checkReviewConfig({ requireApproval: "never", suppressFindings: "A,B" }), []);
      assert.deepEqual(
        checkReviewConfig({ requireApproval: "always", suppressFindings: "[oops" }).map((f) => f.reason),
        [
          'amp-resource-policy:requireApproval must be one of "never", "broadening", "any-change", not "always"',
          "amp-resource-policy:suppressFindings must be finding codes separated by commas, or a JSON list of them",
        ],
      );
    });

    it("withAccessReview adds the gate's failure to check's and reviews nothing when check already failed", async () => {
      const gated = await checkChange(inputs(writeOnly), inputs(withReader), { requireApproval: "broadening" });
      assert.deepEqual(
        gated.result.failures.map((f) => f.property),
        ["policyDocument"],
      );
      const invalid = inputs({ Statement: [{ Effect: "Permit" }] });
      const failed = await checkChange(inputs(writeOnly), invalid, { requireApproval: "broadening" });
      assert.ok(failed.result.failures.length > 0);
      assert.deepEqual(failed.result.failures, check(invalid).failures, "check's own failures, and no gate's");
      assert.ok(failed.result.failures.every((f) => !f.reason.includes("needs approval")));
      assert.deepEqual(failed.result.diagnostics, []);
      assert.deepEqual(failed.logged, []);
    });
  });

  describe("suppressFindings", () => {
    const noVersion = { Statement: writeOnly.Statement };
    const findings: PolicyFinding[] = [
      { findingType: "WARNING", issueCode: "MISSING_VERSION", message: "has no Version; add one", path: "" },
      {
        findingType: "SECURITY_WARNING",
        issueCode: "PUBLIC_ACCESS",
        message: "Statement[0] lets anyone in",
        path: "Statement[0]",
      },
      {
        findingType: "ERROR",
        issueCode: "INVALID_EFFECT",
        message: "Statement[1].Effect is wrong",
        path: "Statement[1]",
      },
    ];
    const warnings = ["policyDocument has no Version; add one", "policyDocument Statement[0] lets anyone in"];

    it("drops the warnings of the suppressed codes, case-insensitively, and keeps the others", () => {
      assert.deepEqual(warningsOf(findings), warnings);
      assert.deepEqual(warningsOf(suppressFindings(findings, ["missing_version"])), [warnings[1]]);
      assert.deepEqual(warningsOf(suppressFindings(findings, ["MISSING_VERSION", "PUBLIC_ACCESS"])), []);
      assert.deepEqual(warningsOf(suppressFindings(findings, ["OTHER"])), warnings);
    });

    it("never drops an error, whatever its code", async () => {
      assert.deepEqual(suppressFindings(findings, ["INVALID_EFFECT"]), findings);
      const invalid = inputs({ Version: "2012-10-17", Statement: [{ ...writeOnly.Statement[0], Effect: "Permit" }] });
      const failures = check(invalid).failures;
      assert.deepEqual(
        failures.map((f) => f.property),
        ["policyDocument"],
      );
      const suppressed = await checkChange(
        {},
        { ...invalid, suppressFindings: ["INVALID_EFFECT"] },
        {
          suppressFindings: ["INVALID_EFFECT"],
        },
      );
      assert.deepEqual(suppressed.result.failures, failures);
    });

    it("the codes are the resource's and the provider's together", () => {
      assert.deepEqual(suppressedCodes({ suppressFindings: ["a_code"] }, { suppressFindings: ["B_CODE", "A_CODE"] }), [
        "A_CODE",
        "B_CODE",
      ]);
      assert.deepEqual(suppressedCodes({}), []);
    });

    it("keeps every warning of check when nothing is suppressed", async () => {
      const checked = check(inputs(noVersion));
      assert.ok(
        checked.warnings.some((w) => /has no Version/.test(w)),
        checked.warnings.join("\n"),
      );
      const { result } = await checkChange(inputs(noVersion), inputs(noVersion));
      assert.deepEqual(result.warnings, checked.warnings);
    });
  });
});

describe("issue 15: the workspace's partition, account and identity in diff, the review and the gate", () => {
  const ACCOUNT = "777788889999";
  const principalDoc = (principal: string) => ({
    Version: "2012-10-17",
    Statement: [statement("Write", principal, ["aps:RemoteWrite"])],
  });
  const state = (policyDocument: unknown) => ({ ...inputs(policyDocument), policyStatus: "ACTIVE", revisionId: "r1" });

  for (const [region, partition] of [
    ["cn-north-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
  ] as const) {
    it(`diff in ${region}: a bare id vs arn:aws:iam::id:root is a change; vs arn:${partition}:iam::id:root is not`, () => {
      const options = { partition: reviewSettingsFromEnv({ AWS_REGION: region }).partition };
      const bare = state(principalDoc(ACCOUNT));
      assert.deepEqual(diff(bare, inputs(principalDoc(`arn:aws:iam::${ACCOUNT}:root`)), options).diffs, [
        "policyDocument",
      ]);
      assert.deepEqual(
        diff(state(principalDoc(`arn:aws:iam::${ACCOUNT}:root`)), inputs(principalDoc(ACCOUNT)), options).diffs,
        ["policyDocument"],
      );
      assert.equal(diff(bare, inputs(principalDoc(`arn:${partition}:iam::${ACCOUNT}:root`)), options).changes, false);
      assert.equal(
        diff(state(principalDoc(`arn:${partition}:iam::${ACCOUNT}:root`)), inputs(principalDoc(ACCOUNT)), options)
          .changes,
        false,
      );
    });
  }

  it("diff without a partition keeps the aws reading (states and callers of 0.1.0)", () => {
    assert.equal(
      diff(state(principalDoc(ACCOUNT)), inputs(principalDoc(`arn:aws:iam::${ACCOUNT}:root`))).changes,
      false,
    );
  });

  it("the review and the any-change gate in cn-north-1 see a bare id turned into an aws-partition root", () => {
    const settings = { ...reviewSettingsFromEnv({ AWS_REGION: "cn-north-1" }), requireApproval: "any-change" as const };
    const review = reviewAccess(
      inputs(principalDoc(ACCOUNT)),
      inputs(principalDoc(`arn:aws:iam::${ACCOUNT}:root`)),
      settings,
    );
    assert.equal(review.failure?.property, "policyDocument", JSON.stringify(review));
    assert.match(review.failure.reason, /arn:aws-cn:iam::777788889999:root loses aps:RemoteWrite/);
  });

  it("an approval for one workspace never approves the same access on another (a replace)", () => {
    const gate = { requireApproval: "broadening" } as const;
    const onWs = reviewAccess({}, inputs(withReader, gate));
    const approval = /approvedAccess: "(access-[0-9a-f]{12})"/.exec(onWs.failure!.reason)![1];
    assert.equal(reviewAccess({}, inputs(withReader, { ...gate, approvedAccess: approval })).failure, undefined);
    const replaced = reviewAccess(inputs(withReader), {
      ...inputs(withReader, { ...gate, approvedAccess: approval }),
      workspaceId: WS2,
    });
    assert.equal(replaced.failure?.property, "policyDocument", JSON.stringify(replaced));
    assert.match(replaced.failure.reason, /approves other access than this change grants/);
  });

  it("the approval binds the workspace's region, partition and account where they are known", () => {
    const digestIn = (settings: ReviewSettings) =>
      /approvedAccess: "(access-[0-9a-f]{12})"/.exec(
        reviewAccess({}, inputs(withReader, { requireApproval: "broadening" }), settings).failure!.reason,
      )![1];
    const digests = [
      digestIn({}),
      digestIn(reviewSettingsFromEnv({ AWS_REGION: "us-east-1" })),
      digestIn(reviewSettingsFromEnv({ AWS_REGION: "eu-west-1" })),
      digestIn(reviewSettingsFromEnv({ AWS_REGION: "cn-north-1" })),
      digestIn(reviewSettingsFromEnv({ AWS_REGION: "us-east-1", AMP_POLICY_ACCOUNT_ID: "123456789012" })),
    ];
    assert.equal(new Set(digests).size, digests.length, digests.join(" "));
  });

  it("a workspaceId not known at preview defers the review and the gate to up, and says so", () => {
    const review = reviewAccess(inputs(writeOnly), {
      ...inputs(withReader, { requireApproval: "broadening", approvedAccess: "access-000000000000" }),
      workspaceId: UNKNOWN,
    });
    assert.equal(review.failure, undefined);
    assert.equal(review.diagnostics.length, 1);
    assert.match(review.diagnostics[0], /workspaceId is not known yet/);
    assert.match(review.diagnostics[0], /review and the requireApproval gate run during up/);
  });

  it("any-change: a statement split in two, or an action AMP ignores, is no change of access (as amp-policy diff says)", () => {
    const split = {
      Version: "2012-10-17",
      Statement: [
        statement("Write", WRITER, ["aps:RemoteWrite"]),
        statement("Read", READER, ["aps:QueryMetrics", "aps:GetSeries"]),
      ],
    };
    const splitInTwo = {
      Version: "2012-10-17",
      Statement: [
        statement("Write", WRITER, ["aps:RemoteWrite"]),
        statement("Read1", READER, ["aps:QueryMetrics"]),
        statement("Read2", READER, ["aps:GetSeries"]),
      ],
    };
    const ignored = {
      Version: "2012-10-17",
      Statement: [statement("Write", WRITER, ["aps:RemoteWrite", "aps:CreateWorkspace"])],
    };
    const gate = { requireApproval: "any-change" } as const;
    for (const [before, after] of [
      [split, splitInTwo],
      [writeOnly, ignored],
    ]) {
      const change = accessChange(before, after, { workspaceId: WS });
      assert.equal(changesAccess(change), false);
      const review = reviewAccess(inputs(before), inputs(after, gate));
      assert.equal(review.failure, undefined, review.failure?.reason);
    }
    assert.ok(reviewAccess(inputs(writeOnly), inputs(withReader, gate)).failure, "a real change still needs approval");
  });

  it("reads the workspace's account from AMP_POLICY_ACCOUNT_ID and amp-resource-policy:accountId, and checks it", () => {
    assert.equal(reviewSettingsFromEnv({ AMP_POLICY_ACCOUNT_ID: "123456789012" }).accountId, "123456789012");
    assert.equal(reviewSettingsFromConfig({ accountId: "123456789012" }).accountId, "123456789012");
    assert.deepEqual(
      reviewSettingsFromEnv({ AMP_POLICY_ACCOUNT_ID: "12345" }).problems?.map((p) => p.reason),
      ['AMP_POLICY_ACCOUNT_ID must be a 12-digit AWS account id, not "12345"'],
    );
    assert.deepEqual(
      checkReviewConfig({ accountId: "acct" }).map((p) => p.property),
      ["accountId"],
    );
  });

  it("with the account known, a Resource naming this workspace id in another account grants nothing", () => {
    const foreign = {
      Version: "2012-10-17",
      Statement: [
        {
          ...statement("Read", READER, ["aps:QueryMetrics"]),
          Resource: `arn:aws:aps:us-east-1:111122223333:workspace/${WS}`,
        },
      ],
    };
    const settings = reviewSettingsFromEnv({ AWS_REGION: "us-east-1", AMP_POLICY_ACCOUNT_ID: "123456789012" });
    const review = reviewAccess({}, inputs(foreign), settings);
    assert.match(review.diagnostics[0], /^no change in access/);
  });
});
