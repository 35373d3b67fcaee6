import assert from "node:assert/strict";

import { PolicyParseError, canonicalPrincipal, normalizePolicy, policiesEquivalent } from "../../provider/policy";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const WORKSPACE_ARN = "arn:aws:aps:us-east-1:444455556666:workspace/ws-1";
const OTHER_WORKSPACE_ARN = "arn:aws:aps:us-east-1:444455556666:workspace/ws-2";

/** One statement granting remote write to account 111122223333, with some elements replaced. */
function statement(overrides: JsonObject = {}, drop: string[] = []): JsonObject {
  const base: JsonObject = {
    Sid: "RemoteWrite",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::111122223333:root" },
    Action: ["aps:RemoteWrite"],
    Resource: WORKSPACE_ARN,
    ...overrides,
  };
  for (const key of drop) {
    delete base[key];
  }
  return base;
}

/** A 2012-10-17 document holding the given statements, as a list. */
function policy(...statements: JsonObject[]): JsonObject {
  return { Version: "2012-10-17", Statement: statements };
}

/** A second, unrelated statement. */
const QUERY: JsonObject = {
  Sid: "Query",
  Effect: "Allow",
  Principal: { AWS: "444455556666" },
  Action: ["aps:QueryMetrics", "aps:GetSeries"],
  Resource: WORKSPACE_ARN,
};

/** A statement with a condition, for the condition rules. */
function conditioned(condition: Json): JsonObject {
  return statement({ Principal: "*", Condition: condition });
}

/** The same document as pretty-printed JSON text, so each row also runs as string-vs-object. */
function asText(doc: Json): string {
  return JSON.stringify(doc, null, 2);
}

interface Row {
  rule: string;
  a: unknown;
  b: unknown;
}

/** Each row of DESIGN.md 4's "equivalent under IAM semantics" list. */
const equivalent: Row[] = [
  {
    rule: "whitespace in the JSON text",
    a: JSON.stringify(policy(statement())),
    b: `\n\t ${JSON.stringify(policy(statement()), null, 4).replace(/": /g, '"  :\t ')} \r\n`,
  },
  {
    rule: "key order of the document and of a statement",
    a: policy(statement()),
    b: {
      Statement: [
        {
          Resource: WORKSPACE_ARN,
          Action: ["aps:RemoteWrite"],
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Effect: "Allow",
          Sid: "RemoteWrite",
        },
      ],
      Version: "2012-10-17",
    },
  },
  {
    rule: "a single Statement object vs a one-element array",
    a: policy(statement()),
    b: { Version: "2012-10-17", Statement: statement() },
  },
  { rule: "statement order", a: policy(statement(), QUERY), b: policy(QUERY, statement()) },
  {
    rule: "Action: a string vs a one-element array",
    a: policy(statement({ Action: "aps:RemoteWrite" })),
    b: policy(statement({ Action: ["aps:RemoteWrite"] })),
  },
  {
    rule: "Action: order and duplicates",
    a: policy(statement({ Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
    b: policy(statement({ Action: ["aps:QueryMetrics", "aps:RemoteWrite", "aps:QueryMetrics"] })),
  },
  {
    rule: "NotAction: a string vs a one-element array",
    a: policy(statement({ Effect: "Deny", NotAction: "aps:QueryMetrics" }, ["Action"])),
    b: policy(statement({ Effect: "Deny", NotAction: ["aps:QueryMetrics"] }, ["Action"])),
  },
  {
    rule: "NotAction: order and duplicates",
    a: policy(statement({ Effect: "Deny", NotAction: ["aps:QueryMetrics", "aps:GetLabels"] }, ["Action"])),
    b: policy(
      statement({ Effect: "Deny", NotAction: ["aps:GetLabels", "aps:GetLabels", "aps:QueryMetrics"] }, ["Action"]),
    ),
  },
  {
    rule: "Resource: a string vs a one-element array",
    a: policy(statement({ Resource: WORKSPACE_ARN })),
    b: policy(statement({ Resource: [WORKSPACE_ARN] })),
  },
  {
    rule: "Resource: order and duplicates",
    a: policy(statement({ Resource: [WORKSPACE_ARN, OTHER_WORKSPACE_ARN] })),
    b: policy(statement({ Resource: [OTHER_WORKSPACE_ARN, WORKSPACE_ARN, OTHER_WORKSPACE_ARN] })),
  },
  {
    rule: "NotResource: a string vs a one-element array",
    a: policy(statement({ NotResource: OTHER_WORKSPACE_ARN }, ["Resource"])),
    b: policy(statement({ NotResource: [OTHER_WORKSPACE_ARN] }, ["Resource"])),
  },
  {
    rule: "NotResource: order and duplicates",
    a: policy(statement({ NotResource: [WORKSPACE_ARN, OTHER_WORKSPACE_ARN] }, ["Resource"])),
    b: policy(statement({ NotResource: [OTHER_WORKSPACE_ARN, OTHER_WORKSPACE_ARN, WORKSPACE_ARN] }, ["Resource"])),
  },
  {
    rule: "Resource: order of numbers (awspolicyequivalence's case)",
    a: policy(statement({ Resource: [42, 86] })),
    b: policy(statement({ Resource: [86, 42] })),
  },
  {
    rule: "Resource: order and duplicates of mixed element types",
    a: policy(statement({ Resource: [WORKSPACE_ARN, 42, true, null, { a: 1 }] })),
    b: policy(statement({ Resource: [{ a: 1 }, null, true, 42, WORKSPACE_ARN, 42] })),
  },
  {
    rule: "NotResource: order of numbers",
    a: policy(statement({ NotResource: [1, 2, 3] }, ["Resource"])),
    b: policy(statement({ NotResource: [3, 1, 2, 1] }, ["Resource"])),
  },
  {
    rule: "Action: order of mixed element types (strings still case-insensitive)",
    a: policy(statement({ Action: ["aps:RemoteWrite", 7, false] })),
    b: policy(statement({ Action: [false, 7, "APS:remotewrite"] })),
  },
  {
    rule: "NotAction: order of mixed element types",
    a: policy(statement({ Effect: "Deny", NotAction: ["aps:QueryMetrics", 1] }, ["Action"])),
    b: policy(statement({ Effect: "Deny", NotAction: [1, "aps:QueryMetrics"] }, ["Action"])),
  },
  {
    rule: "principal list: order of mixed element types",
    a: policy(statement({ Principal: { AWS: ["111122223333", 5, ["x"]] } })),
    b: policy(statement({ Principal: { AWS: [["x"], 5, "arn:aws:iam::111122223333:root"] } })),
  },
  {
    rule: "condition values: order of mixed element types",
    a: policy(conditioned({ StringEquals: { "aws:SourceAccount": ["111122223333", { a: 1 }, [2]] } })),
    b: policy(conditioned({ StringEquals: { "aws:SourceAccount": [[2], { a: 1 }, "111122223333"] } })),
  },
  {
    rule: "action names are case-insensitive (service prefix too)",
    a: policy(statement({ Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
    b: policy(statement({ Action: ["APS:remotewrite", "Aps:QUERYMETRICS"] })),
  },
  {
    rule: "action case: duplicates that differ only in case collapse",
    a: policy(statement({ Action: "aps:RemoteWrite" })),
    b: policy(statement({ Action: ["aps:RemoteWrite", "aps:remotewrite", "APS:REMOTEWRITE"] })),
  },
  {
    rule: "a 12-digit account id vs arn:aws:iam::<id>:root",
    a: policy(statement({ Principal: { AWS: "111122223333" } })),
    b: policy(statement({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })),
  },
  {
    rule: "a principal as a value vs a one-element array",
    a: policy(statement({ Principal: { AWS: "arn:aws:iam::111122223333:role/Writer" } })),
    b: policy(statement({ Principal: { AWS: ["arn:aws:iam::111122223333:role/Writer"] } })),
  },
  {
    rule: "principal order (and an id and its root ARN collapse)",
    a: policy(statement({ Principal: { AWS: ["111122223333", "arn:aws:iam::444455556666:root"] } })),
    b: policy(
      statement({
        Principal: { AWS: ["444455556666", "arn:aws:iam::111122223333:root", "111122223333"] },
      }),
    ),
  },
  {
    rule: "principal types in any order",
    a: policy(statement({ Principal: { AWS: "111122223333", Service: "grafana.amazonaws.com" } })),
    b: policy(statement({ Principal: { Service: ["grafana.amazonaws.com"], AWS: ["111122223333"] } })),
  },
  {
    rule: '"Principal": "*" vs {"AWS": "*"}',
    a: policy(statement({ Principal: "*" })),
    b: policy(statement({ Principal: { AWS: "*" } })),
  },
  {
    rule: '"Principal": "*" vs {"AWS": ["*"]}',
    a: policy(statement({ Principal: "*" })),
    b: policy(statement({ Principal: { AWS: ["*"] } })),
  },
  {
    rule: "a condition value vs a one-element array",
    a: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
    b: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": ["o-abc123"] } })),
  },
  {
    rule: "order (and duplicates) of condition values",
    a: policy(conditioned({ StringEquals: { "aws:SourceAccount": ["111122223333", "444455556666"] } })),
    b: policy(conditioned({ StringEquals: { "aws:SourceAccount": ["444455556666", "111122223333", "444455556666"] } })),
  },
  {
    rule: 'condition values: true vs "true"',
    a: policy(conditioned({ Bool: { "aws:SecureTransport": true } })),
    b: policy(conditioned({ Bool: { "aws:SecureTransport": ["true"] } })),
  },
  {
    rule: 'condition values: 10 vs "10"',
    a: policy(conditioned({ NumericLessThan: { "aws:MultiFactorAuthAge": 10 } })),
    b: policy(conditioned({ NumericLessThan: { "aws:MultiFactorAuthAge": "10" } })),
  },
  {
    rule: "condition key names are case-insensitive",
    a: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
    b: policy(conditioned({ StringEquals: { "AWS:principalorgid": "o-abc123" } })),
  },
  {
    rule: "operators and keys in any order",
    a: policy(
      conditioned({
        StringEquals: { "aws:PrincipalOrgID": "o-abc123", "aws:SourceAccount": "111122223333" },
        Bool: { "aws:SecureTransport": "true" },
      }),
    ),
    b: policy(
      conditioned({
        Bool: { "aws:SecureTransport": true },
        StringEquals: { "aws:SourceAccount": "111122223333", "aws:PrincipalOrgID": "o-abc123" },
      }),
    ),
  },
  {
    rule: "an empty Condition vs none",
    a: policy(statement()),
    b: policy(statement({ Condition: {} })),
  },
  {
    rule: "duplicate identical statements (in any key order) vs one",
    a: policy(statement(), QUERY),
    b: policy(statement(), QUERY, {
      Resource: WORKSPACE_ARN,
      Action: "APS:RemoteWrite",
      Principal: { AWS: "111122223333" },
      Effect: "Allow",
      Sid: "RemoteWrite",
    }),
  },
  {
    rule: 'a missing Version vs "2008-10-17" (IAM\'s default)',
    a: { Statement: [statement()] },
    b: { Version: "2008-10-17", Statement: [statement()] },
  },
];

/** Each row of DESIGN.md 4's "not equivalent" list. */
const notEquivalent: Row[] = [
  { rule: "Allow vs Deny", a: policy(statement()), b: policy(statement({ Effect: "Deny" })) },
  {
    rule: "Action vs NotAction",
    a: policy(statement({ Action: "aps:RemoteWrite" })),
    b: policy(statement({ NotAction: "aps:RemoteWrite" }, ["Action"])),
  },
  {
    rule: "a changed action",
    a: policy(statement({ Action: "aps:RemoteWrite" })),
    b: policy(statement({ Action: "aps:QueryMetrics" })),
  },
  {
    rule: "an action added",
    a: policy(statement({ Action: "aps:RemoteWrite" })),
    b: policy(statement({ Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
  },
  {
    rule: "a changed principal account",
    a: policy(statement({ Principal: { AWS: "111122223333" } })),
    b: policy(statement({ Principal: { AWS: "111122223334" } })),
  },
  {
    rule: "a bare account id (the root in the workspace's partition, aws by default) vs its root in aws-us-gov",
    a: policy(statement({ Principal: { AWS: "111122223333" } })),
    b: policy(statement({ Principal: { AWS: "arn:aws-us-gov:iam::111122223333:root" } })),
  },
  {
    rule: "the roots of one account in two partitions (aws vs aws-cn)",
    a: policy(statement({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })),
    b: policy(statement({ Principal: { AWS: "arn:aws-cn:iam::111122223333:root" } })),
  },
  {
    rule: "the roots of one account in two partitions (aws-cn vs aws-iso-b)",
    a: policy(statement({ Principal: { AWS: "arn:aws-cn:iam::111122223333:root" } })),
    b: policy(statement({ Principal: { AWS: "arn:aws-iso-b:iam::111122223333:root" } })),
  },
  {
    rule: "a root added in another partition",
    a: policy(statement({ Principal: { AWS: "111122223333" } })),
    b: policy(statement({ Principal: { AWS: ["111122223333", "arn:aws-cn:iam::111122223333:root"] } })),
  },
  {
    rule: "an account id vs a role in that account",
    a: policy(statement({ Principal: { AWS: "111122223333" } })),
    b: policy(statement({ Principal: { AWS: "arn:aws:iam::111122223333:role/Writer" } })),
  },
  {
    rule: '"*" vs a named account',
    a: policy(statement({ Principal: "*" })),
    b: policy(statement({ Principal: { AWS: "111122223333" } })),
  },
  {
    rule: "a changed condition value",
    a: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
    b: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc124" } })),
  },
  {
    rule: "a changed number in a condition",
    a: policy(conditioned({ NumericLessThan: { "aws:MultiFactorAuthAge": 10 } })),
    b: policy(conditioned({ NumericLessThan: { "aws:MultiFactorAuthAge": 100 } })),
  },
  {
    rule: "a changed condition key",
    a: policy(conditioned({ StringEquals: { "aws:SourceAccount": "111122223333" } })),
    b: policy(conditioned({ StringEquals: { "aws:PrincipalAccount": "111122223333" } })),
  },
  {
    rule: "a changed operator",
    a: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
    b: policy(conditioned({ StringLike: { "aws:PrincipalOrgID": "o-abc123" } })),
  },
  {
    rule: "a changed operator modifier (IfExists)",
    a: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
    b: policy(conditioned({ StringEqualsIfExists: { "aws:PrincipalOrgID": "o-abc123" } })),
  },
  {
    rule: "a condition vs none",
    a: policy(statement({ Principal: "*" })),
    b: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
  },
  {
    rule: "a changed principal type",
    a: policy(statement({ Principal: { AWS: "grafana.amazonaws.com" } })),
    b: policy(statement({ Principal: { Service: "grafana.amazonaws.com" } })),
  },
  {
    rule: "Principal vs NotPrincipal",
    a: policy(statement({ Effect: "Deny", Principal: { AWS: "111122223333" } })),
    b: policy(statement({ Effect: "Deny", NotPrincipal: { AWS: "111122223333" } }, ["Principal"])),
  },
  {
    rule: "principal ARN case",
    a: policy(statement({ Principal: { AWS: "arn:aws:iam::111122223333:role/Writer" } })),
    b: policy(statement({ Principal: { AWS: "arn:aws:iam::111122223333:role/writer" } })),
  },
  {
    rule: "condition value case",
    a: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } })),
    b: policy(conditioned({ StringEquals: { "aws:PrincipalOrgID": "o-ABC123" } })),
  },
  {
    rule: 'condition value case: "true" vs "True"',
    a: policy(conditioned({ Bool: { "aws:SecureTransport": "true" } })),
    b: policy(conditioned({ Bool: { "aws:SecureTransport": "True" } })),
  },
  { rule: "a changed Sid", a: policy(statement()), b: policy(statement({ Sid: "RemoteWrite2" })) },
  { rule: "a Sid vs none", a: policy(statement()), b: policy(statement({}, ["Sid"])) },
  {
    rule: "a changed Version",
    a: policy(statement()),
    b: { Version: "2008-10-17", Statement: [statement()] },
  },
  {
    rule: 'a missing Version vs "2012-10-17"',
    a: policy(statement()),
    b: { Statement: [statement()] },
  },
  { rule: "a statement added", a: policy(statement()), b: policy(statement(), QUERY) },
  {
    rule: "a different set of statements of the same size",
    a: policy(statement(), QUERY),
    b: policy(statement(), statement({ Sid: "Other", Effect: "Deny" })),
  },
  {
    rule: "duplicates that change the set: [A, A] vs [A, B]",
    a: policy(statement(), statement()),
    b: policy(statement(), QUERY),
  },
  {
    rule: "resource ARN case",
    a: policy(statement({ Resource: WORKSPACE_ARN })),
    b: policy(statement({ Resource: WORKSPACE_ARN.replace("ws-1", "WS-1") })),
  },
  {
    rule: "Resource vs NotResource",
    a: policy(statement({ Resource: WORKSPACE_ARN })),
    b: policy(statement({ NotResource: WORKSPACE_ARN }, ["Resource"])),
  },
  {
    rule: "a changed number in a Resource list",
    a: policy(statement({ Resource: [42, 86] })),
    b: policy(statement({ Resource: [42, 87] })),
  },
  {
    rule: "a number vs its digits as a string, outside a condition",
    a: policy(statement({ Resource: [42] })),
    b: policy(statement({ Resource: ["42"] })),
  },
  {
    rule: "a list element that is a list vs its elements",
    a: policy(statement({ Resource: [[1, 2]] })),
    b: policy(statement({ Resource: [1, 2] })),
  },
  {
    rule: "null vs the string null in a condition",
    a: policy(conditioned({ StringEquals: { "aws:SourceAccount": [null] } })),
    b: policy(conditioned({ StringEquals: { "aws:SourceAccount": ["null"] } })),
  },
  {
    rule: "a resource removed",
    a: policy(statement({ Resource: [WORKSPACE_ARN, OTHER_WORKSPACE_ARN] })),
    b: policy(statement({ Resource: WORKSPACE_ARN })),
  },
];

/** Each row in three forms: both objects, text vs object, object vs text. */
function forms(row: Row): Array<[string, unknown, unknown]> {
  const text = (value: unknown): unknown => (typeof value === "string" ? value : asText(value as Json));
  return [
    ["as given", row.a, row.b],
    ["text vs given", text(row.a), row.b],
    ["given vs text", row.a, text(row.b)],
  ];
}

describe("policy equivalence (DESIGN.md 4)", () => {
  describe("equivalent under IAM semantics", () => {
    for (const row of equivalent) {
      for (const [form, a, b] of forms(row)) {
        it(`treats as the same: ${row.rule} (${form})`, () => {
          assert.equal(normalizePolicy(a), normalizePolicy(b));
          assert.equal(policiesEquivalent(a, b), true);
          assert.equal(policiesEquivalent(b, a), true);
        });
      }
    }
  });

  describe("not equivalent", () => {
    for (const row of notEquivalent) {
      for (const [form, a, b] of forms(row)) {
        it(`tells apart: ${row.rule} (${form})`, () => {
          assert.notEqual(normalizePolicy(a), normalizePolicy(b));
          assert.equal(policiesEquivalent(a, b), false);
          assert.equal(policiesEquivalent(b, a), false);
        });
      }
    }
  });

  it("keeps every row's inputs distinct as text, so each equivalence row tests something", () => {
    for (const row of equivalent) {
      const text = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));
      assert.notEqual(text(row.a), text(row.b), row.rule);
    }
  });
});

describe("account roots and the workspace's partition", () => {
  const id = "111122223333";
  const root = (partition: string): JsonObject =>
    policy(statement({ Principal: { AWS: `arn:${partition}:iam::${id}:root` } }));
  const bare = policy(statement({ Principal: { AWS: id } }));
  // [partition option, a, b, equivalent]
  const rows: Array<[string | undefined, string, JsonObject, JsonObject, boolean]> = [
    [undefined, "a bare id vs its aws root (aws is the default)", bare, root("aws"), true],
    [undefined, "a bare id vs its aws-cn root", bare, root("aws-cn"), false],
    [undefined, "the aws root vs the aws-us-gov root", root("aws"), root("aws-us-gov"), false],
    ["aws", "a bare id vs its aws root", bare, root("aws"), true],
    ["aws", "a bare id vs its aws-cn root", bare, root("aws-cn"), false],
    ["aws-cn", "a bare id vs its aws-cn root", bare, root("aws-cn"), true],
    ["aws-cn", "a bare id vs its aws root", bare, root("aws"), false],
    ["aws-cn", "the aws root vs the aws-cn root", root("aws"), root("aws-cn"), false],
    ["aws-us-gov", "a bare id vs its aws-us-gov root", bare, root("aws-us-gov"), true],
    ["aws-us-gov", "a bare id vs its aws root", bare, root("aws"), false],
    ["aws-iso-b", "a bare id vs its aws-iso-b root", bare, root("aws-iso-b"), true],
    ["aws-iso-b", "the aws-iso root vs the aws-iso-b root", root("aws-iso"), root("aws-iso-b"), false],
  ];
  for (const [partition, what, a, b, expected] of rows) {
    it(`is ${expected} for ${what} (partition ${partition ?? "not given"})`, () => {
      const options = partition === undefined ? undefined : { partition };
      assert.equal(policiesEquivalent(a, b, options), expected);
      assert.equal(policiesEquivalent(b, a, options), expected);
      assert.equal(policiesEquivalent(asText(a), b, options), expected);
      assert.equal(normalizePolicy(a, options) === normalizePolicy(b, options), expected);
    });
  }

  const names: Array<[string, string | undefined, string]> = [
    ["111122223333", undefined, "arn:aws:iam::111122223333:root"],
    ["111122223333", "aws", "arn:aws:iam::111122223333:root"],
    ["111122223333", "aws-cn", "arn:aws-cn:iam::111122223333:root"],
    ["arn:aws:iam::111122223333:root", "aws-cn", "arn:aws:iam::111122223333:root"],
    ["arn:aws-us-gov:iam::111122223333:root", undefined, "arn:aws-us-gov:iam::111122223333:root"],
    ["arn:aws:iam::111122223333:role/Writer", undefined, "arn:aws:iam::111122223333:role/Writer"],
    ["11112222333", undefined, "11112222333"],
    ["1111222233334", undefined, "1111222233334"],
    ["*", "aws-cn", "*"],
  ];
  for (const [name, partition, expected] of names) {
    it(`canonicalPrincipal(${JSON.stringify(name)}, ${JSON.stringify(partition)}) is ${expected}`, () => {
      assert.equal(canonicalPrincipal(name, partition), expected);
    });
  }

  for (const partition of ["", "AWS", "aws cn", "azure", "aws-", "aws-cn:x"]) {
    it(`refuses the partition ${JSON.stringify(partition)} as a programming error`, () => {
      assert.throws(() => policiesEquivalent(bare, bare, { partition }), RangeError);
      assert.throws(() => normalizePolicy(bare, { partition }), RangeError);
      assert.throws(() => canonicalPrincipal("111122223333", partition), RangeError);
    });
  }
});

describe("normalizePolicy", () => {
  it("gives the exact canonical JSON of a cross-account remote-write policy", () => {
    const text = JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: {
          Sid: "RemoteWrite",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "aps:RemoteWrite",
          Resource: WORKSPACE_ARN,
        },
      },
      null,
      2,
    );
    assert.equal(
      normalizePolicy(text),
      '{"Statement":[{"Action":["aps:remotewrite"],"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},' +
        '"Resource":["arn:aws:aps:us-east-1:444455556666:workspace/ws-1"],"Sid":"RemoteWrite"}],"Version":"2012-10-17"}',
    );
  });

  it("gives the exact canonical JSON of an org-wide policy with conditions and no Version", () => {
    const doc = {
      Statement: [
        {
          Effect: "Allow",
          Principal: "*",
          Action: ["aps:RemoteWrite", "aps:QueryMetrics", "APS:remotewrite"],
          Resource: WORKSPACE_ARN,
          Condition: {
            StringEquals: { "AWS:PrincipalOrgID": ["o-b", "o-a", "o-b"] },
            Bool: { "aws:SecureTransport": true },
          },
        },
      ],
    };
    assert.equal(
      normalizePolicy(doc),
      '{"Statement":[{"Action":["aps:querymetrics","aps:remotewrite"],' +
        '"Condition":[["Bool","aws:securetransport",["true"]],["StringEquals","aws:principalorgid",["o-a","o-b"]]],' +
        '"Effect":"Allow","Principal":{"AWS":["*"]},"Resource":["arn:aws:aps:us-east-1:444455556666:workspace/ws-1"]}],' +
        '"Version":"2008-10-17"}',
    );
  });

  it("is deterministic and returns JSON text", () => {
    const doc = policy(statement(), QUERY);
    const first = normalizePolicy(doc);
    assert.equal(normalizePolicy(asText(doc)), first);
    assert.equal(typeof JSON.parse(first), "object");
  });

  it("does not modify the object it is given", () => {
    const doc = policy(statement({ Principal: "*", Condition: { Bool: { "aws:SecureTransport": true } } }), QUERY);
    const before = JSON.stringify(doc);
    normalizePolicy(doc);
    assert.equal(JSON.stringify(doc), before);
  });

  const unreadable: Array<[string, unknown]> = [
    ["text that is not JSON", "not json"],
    ["truncated JSON", '{"Statement": ['],
    ["single-quoted pseudo-JSON", "{'Statement': []}"],
    ["an empty string", ""],
    ["an array", [policy(statement())]],
    ["JSON text of an array", "[]"],
    ["null", null],
    ["JSON text null", "null"],
    ["a number", 42],
    ["JSON text of a number", "42"],
    ["JSON text of a string", '"policy"'],
    ["a boolean", true],
    ["undefined", undefined],
    ["an object nested 5000 levels deep", { Statement: nested(5000) }],
    ["JSON text nested 5000 levels deep", `{"Statement":${"[".repeat(5000)}${"]".repeat(5000)}}`],
  ];
  for (const [what, input] of unreadable) {
    it(`throws a PolicyParseError for ${what}`, () => {
      assert.throws(() => normalizePolicy(input), PolicyParseError);
    });
  }
});

describe("policiesEquivalent of documents that cannot be read", () => {
  const valid = policy(statement());
  const rows: Array<[string, unknown, unknown, boolean]> = [
    ["the same non-JSON text", "not json", "not json", true],
    ["non-JSON texts that differ in whitespace only", "not json", "not  json", false],
    ["non-JSON text vs a valid policy", "not json", valid, false],
    ["a valid policy vs non-JSON text", asText(valid), "{", false],
    ["the same truncated JSON", '{"Statement": [', '{"Statement": [', true],
    ["null vs null", null, null, true],
    ["null vs a valid policy", null, valid, false],
    ["equal arrays", [1, 2], [1, 2], true],
    ["different arrays", [1, 2], [2, 1], false],
    ["equal numbers", 42, 42, true],
    ["different numbers", 42, 43, false],
    ["undefined vs the text undefined", undefined, "undefined", false],
    ["NaN vs null", Number.NaN, null, false],
    ["undefined vs undefined", undefined, undefined, true],
    [
      "the same over-deep JSON text",
      `{"S":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      `{"S":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      true,
    ],
    [
      "over-deep JSON texts of different depth",
      `{"S":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      `{"S":${"[".repeat(4999)}${"]".repeat(4999)}}`,
      false,
    ],
  ];
  for (const [what, a, b, expected] of rows) {
    it(`is ${expected} for ${what}`, () => {
      assert.equal(policiesEquivalent(a, b), expected);
      assert.equal(policiesEquivalent(b, a), expected);
    });
  }

  it("does not throw on two over-deep objects", () => {
    assert.equal(typeof policiesEquivalent({ S: nested(5000) }, { S: nested(5000) }), "boolean");
    const deep = { S: nested(5000) };
    assert.equal(policiesEquivalent(deep, deep), true);
  });
});

/** An array nested `depth` levels deep. */
function nested(depth: number): Json {
  let value: Json = [];
  for (let i = 1; i < depth; i++) {
    value = [value];
  }
  return value;
}
