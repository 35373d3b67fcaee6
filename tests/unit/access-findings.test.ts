import assert from "node:assert/strict";

import {
  FINDING_TYPES,
  ISSUE_CODES,
  type PolicyFinding,
  UNKNOWN,
  suppressFindings,
  validatePolicy,
} from "../../provider/policy";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const WS_ARN = "arn:aws:aps:us-east-1:999988887777:workspace/ws-1";

function stmt(overrides: JsonObject = {}, drop: string[] = []): JsonObject {
  const base: JsonObject = {
    Sid: "Write",
    Effect: "Allow",
    Principal: { AWS: "111122223333" },
    Action: "aps:RemoteWrite",
    Resource: WS_ARN,
    ...overrides,
  };
  for (const key of drop) {
    delete base[key];
  }
  return base;
}

function doc(...statements: JsonObject[]): JsonObject {
  return { Version: "2012-10-17", Statement: statements };
}

/** The findings as [type, code, path], without the KMS note every granting policy carries. */
function shape(findings: readonly PolicyFinding[]): Array<[string, string, string]> {
  return findings
    .filter((finding) => finding.issueCode !== "KMS_KEY_GRANTS")
    .map((finding) => [finding.findingType, finding.issueCode, finding.path]);
}

const KMS_NOTE: PolicyFinding = {
  findingType: "SUGGESTION",
  issueCode: "KMS_KEY_GRANTS",
  message:
    "grants access to principals: if the workspace is encrypted with a customer-managed KMS key, each of them must " +
    "also be allowed to use that key (in its key policy or by a grant), or their requests fail",
  path: "",
};

interface Row {
  name: string;
  policy: unknown;
  workspaceId?: string;
  findings: Array<[string, string, string]>;
}

const rows: Row[] = [
  { name: "a tight policy", policy: doc(stmt()), findings: [] },
  {
    name: "public access without a restricting condition",
    policy: doc(stmt({ Principal: "*" })),
    findings: [["SECURITY_WARNING", "PUBLIC_ACCESS", "Statement[0]"]],
  },
  {
    name: "public access restricted to an organization",
    policy: doc(stmt({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } })),
    findings: [],
  },
  {
    name: "an action AMP ignores",
    policy: doc(stmt({ Action: ["aps:RemoteWrite", "aps:CreateWorkspace"] })),
    findings: [["WARNING", "IGNORED_ACTION", "Statement[0].Action"]],
  },
  {
    name: "a Resource naming another workspace",
    policy: doc(stmt({ Resource: WS_ARN.replace("ws-1", "ws-2") })),
    workspaceId: "ws-1",
    findings: [["WARNING", "OTHER_WORKSPACE_RESOURCE", "Statement[0].Resource"]],
  },
  {
    name: "Allow with NotPrincipal (a check failure)",
    policy: doc(stmt({ NotPrincipal: { AWS: "111122223333" } }, ["Principal"])),
    findings: [["ERROR", "ALLOW_WITH_NOT_PRINCIPAL", "Statement[0].NotPrincipal"]],
  },
  {
    name: "no Version",
    policy: { Statement: [stmt()] },
    findings: [["WARNING", "MISSING_VERSION", ""]],
  },
  {
    name: "a wildcard and an action it covers",
    policy: doc(stmt({ Action: ["aps:Get*", "aps:GetSeries"] })),
    findings: [
      ["WARNING", "WILDCARD_ACTION", "Statement[0].Action"],
      ["SUGGESTION", "REDUNDANT_ACTION", "Statement[0].Action[1]"],
    ],
  },
  {
    name: "an action listed twice in two cases",
    policy: doc(stmt({ Action: ["aps:RemoteWrite", "APS:remotewrite"] })),
    findings: [["SUGGESTION", "REDUNDANT_ACTION", "Statement[0].Action[1]"]],
  },
  {
    name: "a statement repeated under another Sid",
    policy: doc(stmt(), stmt({ Sid: "Again", Principal: { AWS: "arn:aws:iam::111122223333:root" } })),
    findings: [["SUGGESTION", "REDUNDANT_STATEMENT", "Statement[1]"]],
  },
  {
    name: "a statement whose principals and actions another grants",
    policy: doc(
      stmt({ Sid: "Narrow", Action: "aps:QueryMetrics" }),
      stmt({ Sid: "Broad", Principal: { AWS: ["111122223333", "444455556666"] }, Action: "aps:*" }),
    ),
    findings: [
      ["WARNING", "WILDCARD_ACTION", "Statement[1].Action"],
      ["SUGGESTION", "REDUNDANT_STATEMENT", "Statement[0]"],
    ],
  },
  {
    name: "statements that differ in condition (not redundant)",
    policy: doc(stmt(), stmt({ Sid: "Org", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } })),
    findings: [],
  },
  {
    name: "an empty Condition, operator block and Sid",
    policy: doc(
      stmt({ Sid: "", Condition: {} }),
      stmt({ Sid: "Q", Action: "aps:QueryMetrics", Condition: { StringEquals: {} } }),
    ),
    findings: [
      ["SUGGESTION", "EMPTY_ELEMENT", "Statement[0].Sid"],
      ["SUGGESTION", "EMPTY_ELEMENT", "Statement[0].Condition"],
      ["SUGGESTION", "EMPTY_ELEMENT", "Statement[1].Condition.StringEquals"],
    ],
  },
  {
    name: "an empty list (a check failure)",
    policy: doc(stmt({ Action: [] })),
    findings: [["ERROR", "EMPTY_VALUE", "Statement[0].Action"]],
  },
  {
    name: "a statement without Effect",
    policy: doc(stmt({}, ["Effect"])),
    findings: [["ERROR", "MISSING_EFFECT", "Statement[0]"]],
  },
  {
    name: "two statements with one Sid",
    policy: doc(stmt(), stmt({ Action: "aps:QueryMetrics" })),
    findings: [["ERROR", "DUPLICATE_SID", "Statement[1].Sid"]],
  },
  {
    name: "an unknown element and a bad Version",
    policy: { Version: "2020-01-01", Statement: [stmt({ Foo: 1 })] },
    findings: [
      ["ERROR", "INVALID_VERSION", "Version"],
      ["ERROR", "INVALID_ELEMENT", "Statement[0].Foo"],
    ],
  },
  { name: "not JSON", policy: "{", findings: [["ERROR", "INVALID_JSON", ""]] },
  { name: "nothing", policy: "", findings: [["ERROR", "MISSING_POLICY", ""]] },
  {
    name: "a Sid with a space",
    policy: doc(stmt({ Sid: "Remote write" })),
    findings: [["WARNING", "SID_CHARACTERS", "Statement[0].Sid"]],
  },
  {
    name: "a condition operator that is malformed and values of the wrong type",
    policy: doc(stmt({ Condition: { "String-Equals": { "aws:SourceAccount": [{ a: 1 }] } } })),
    findings: [
      ["ERROR", "INVALID_CONDITION", 'Statement[0].Condition["String-Equals"]'],
      ["ERROR", "DATA_TYPE_MISMATCH", 'Statement[0].Condition["String-Equals"]["aws:SourceAccount"]'],
    ],
  },
];

describe("validatePolicy findings", () => {
  for (const row of rows) {
    it(`reports ${row.name}`, () => {
      assert.deepEqual(shape(validatePolicy(row.policy, row.workspaceId).findings), row.findings);
    });
  }

  it("notes, for a policy that grants, that a customer-managed KMS key needs grants too", () => {
    assert.deepEqual(validatePolicy(doc(stmt())).findings, [KMS_NOTE]);
    const denyOnly = doc(stmt({ Effect: "Deny", Principal: "*" }));
    assert.deepEqual(validatePolicy(denyOnly).findings, []);
  });

  it("derives errors and warnings from the findings, messages unchanged", () => {
    const validation = validatePolicy(
      { Statement: [stmt({ Principal: "*", Action: ["aps:*", "s3:GetObject"] }), stmt({ Sid: "B" }, ["Effect"])] },
      "ws-1",
    );
    const messages = (...types: string[]): string[] =>
      validation.findings.filter((f) => types.includes(f.findingType)).map((f) => f.message);
    assert.deepEqual(validation.errors, messages("ERROR"));
    assert.deepEqual(validation.warnings, messages("SECURITY_WARNING", "WARNING"));
    assert.deepEqual(validation.errors, ['Statement[1] has no Effect (must be "Allow" or "Deny")']);
    assert.deepEqual(validation.warnings, [
      'has no Version; IAM then uses "2008-10-17", which does not support policy variables: add "Version": "2012-10-17"',
      'Statement[0].Action "aps:*" is a wildcard: it grants every matching action, including any added later; list the actions instead',
      'Statement[0].Action "s3:GetObject" is not a Prometheus-compatible action; AMP workspace policies ignore or reject it',
      'Statement[0] allows Principal "*" with no condition restricting who (e.g. aws:PrincipalOrgID or aws:SourceAccount): the workspace is open to anyone',
    ]);
  });

  it("gives each finding the type its code has", () => {
    const policies: unknown[] = [...rows.map((row) => row.policy), doc(stmt())];
    for (const policy of policies) {
      for (const finding of validatePolicy(policy).findings) {
        assert.equal(finding.findingType, ISSUE_CODES[finding.issueCode], finding.issueCode);
      }
    }
    assert.deepEqual(new Set(Object.values(ISSUE_CODES)), new Set(FINDING_TYPES));
  });

  it("reports nothing for a document not known yet", () => {
    assert.deepEqual(validatePolicy(UNKNOWN).findings, []);
    assert.deepEqual(shape(validatePolicy(doc(stmt({ Principal: { AWS: UNKNOWN } }))).findings), []);
  });

  describe("suppressFindings", () => {
    const findings = validatePolicy({ Statement: [stmt({ Principal: "*" }), stmt({ Sid: "B" }, ["Effect"])] }).findings;

    it("drops findings by code, in any case, and keeps errors", () => {
      assert.deepEqual(shape(suppressFindings(findings, ["public_access", "MISSING_VERSION", "MISSING_EFFECT"])), [
        ["ERROR", "MISSING_EFFECT", "Statement[1]"],
      ]);
    });

    it("keeps everything for no codes", () => {
      assert.deepEqual(suppressFindings(findings, []), findings);
    });
  });
});
