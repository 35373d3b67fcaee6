import assert from "node:assert/strict";

import { type CheckResult, check } from "../../provider/lifecycle";
import { POLICY_SIZE_WARNING_BYTES, UNKNOWN } from "../../provider/policy";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const WORKSPACE_ID = "ws-12345678-abcd-1234-abcd-123456789012";
const WORKSPACE_ARN = `arn:aws:aps:us-east-1:444455556666:workspace/${WORKSPACE_ID}`;

/** A statement letting account 111122223333 remote-write into the workspace, with elements replaced or dropped. */
function statement(overrides: Record<string, unknown> = {}, drop: string[] = []): Record<string, unknown> {
  const base: Record<string, unknown> = {
    Sid: "CrossAccountRemoteWrite",
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

/** A 2012-10-17 document with one statement (see `statement`). */
function policy(overrides: Record<string, unknown> = {}, drop: string[] = []): Record<string, unknown> {
  return { Version: "2012-10-17", Statement: [statement(overrides, drop)] };
}

/** Valid inputs with some properties replaced; `undefined` removes a property. */
function inputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const news: Record<string, unknown> = { workspaceId: WORKSPACE_ID, policyDocument: policy(), ...overrides };
  for (const [key, value] of Object.entries(news)) {
    if (value === undefined) {
      delete news[key];
    }
  }
  return news;
}

/** An array nested `depth` levels deep, built without recursion. */
function nestedArray(depth: number): Json {
  let value: Json = [];
  for (let i = 1; i < depth; i++) {
    value = [value];
  }
  return value;
}

/** An object nested `depth` levels deep under the key `a`. */
function nestedObject(depth: number): Json {
  let value: Json = {};
  for (let i = 1; i < depth; i++) {
    value = { a: value };
  }
  return value;
}

interface FailureRow {
  name: string;
  news: Record<string, unknown>;
  property: string;
  /** What the reason must also say. */
  reason?: RegExp;
}

const failures: FailureRow[] = [
  // workspaceId
  {
    name: "a missing workspaceId",
    news: inputs({ workspaceId: undefined }),
    property: "workspaceId",
    reason: /required/,
  },
  { name: "an empty workspaceId", news: inputs({ workspaceId: "" }), property: "workspaceId", reason: /required/ },
  { name: "a null workspaceId", news: inputs({ workspaceId: null }), property: "workspaceId" },
  { name: "a numeric workspaceId", news: inputs({ workspaceId: 42 }), property: "workspaceId", reason: /string/ },
  { name: "a boolean workspaceId", news: inputs({ workspaceId: true }), property: "workspaceId", reason: /string/ },
  { name: "an array workspaceId", news: inputs({ workspaceId: [WORKSPACE_ID] }), property: "workspaceId" },
  { name: "an object workspaceId", news: inputs({ workspaceId: { id: WORKSPACE_ID } }), property: "workspaceId" },
  { name: "a workspaceId with '/'", news: inputs({ workspaceId: "ws-1/policy" }), property: "workspaceId" },
  { name: "a workspaceId of '..'", news: inputs({ workspaceId: ".." }), property: "workspaceId" },
  { name: "a workspaceId climbing with '../'", news: inputs({ workspaceId: "../ws-1" }), property: "workspaceId" },
  { name: "a workspaceId ending in '/..'", news: inputs({ workspaceId: "ws-1/.." }), property: "workspaceId" },
  { name: "a workspaceId with '?'", news: inputs({ workspaceId: "ws-1?x=1" }), property: "workspaceId" },
  { name: "a workspaceId with '%'", news: inputs({ workspaceId: "ws-1%2F" }), property: "workspaceId" },
  { name: "a workspaceId with a space", news: inputs({ workspaceId: "ws 1" }), property: "workspaceId" },
  { name: "a workspaceId with a leading space", news: inputs({ workspaceId: " ws-1" }), property: "workspaceId" },
  { name: "a workspaceId with a newline", news: inputs({ workspaceId: "ws-1\n" }), property: "workspaceId" },
  { name: "a workspaceId of 65 characters", news: inputs({ workspaceId: "w".repeat(65) }), property: "workspaceId" },
  {
    name: "a workspaceId of a megabyte (the reason stays short)",
    news: inputs({ workspaceId: "w".repeat(1 << 20) }),
    property: "workspaceId",
    reason: /^.{0,400}$/s,
  },
  // policyDocument: not readable
  { name: "a missing policyDocument", news: inputs({ policyDocument: undefined }), property: "policyDocument" },
  { name: "an empty policyDocument", news: inputs({ policyDocument: "" }), property: "policyDocument" },
  { name: "a null policyDocument", news: inputs({ policyDocument: null }), property: "policyDocument" },
  {
    name: "a policyDocument that is not JSON",
    news: inputs({ policyDocument: "Allow everyone" }),
    property: "policyDocument",
    reason: /JSON/,
  },
  { name: "truncated JSON", news: inputs({ policyDocument: '{"Statement": [' }), property: "policyDocument" },
  {
    name: "single-quoted pseudo-JSON",
    news: inputs({ policyDocument: "{'Version': '2012-10-17'}" }),
    property: "policyDocument",
  },
  { name: "an array", news: inputs({ policyDocument: [policy()] }), property: "policyDocument", reason: /array/ },
  { name: "JSON text of an array", news: inputs({ policyDocument: "[]" }), property: "policyDocument" },
  { name: "a number", news: inputs({ policyDocument: 42 }), property: "policyDocument", reason: /number/ },
  { name: "JSON text of a number", news: inputs({ policyDocument: "42" }), property: "policyDocument" },
  { name: "JSON text null", news: inputs({ policyDocument: "null" }), property: "policyDocument", reason: /null/ },
  { name: "a boolean", news: inputs({ policyDocument: true }), property: "policyDocument" },
  // policyDocument: not a policy
  {
    name: "a document without Statement",
    news: inputs({ policyDocument: { Version: "2012-10-17" } }),
    property: "policyDocument",
    reason: /Statement/,
  },
  { name: "JSON text {}", news: inputs({ policyDocument: "{}" }), property: "policyDocument", reason: /Statement/ },
  {
    name: "an empty Statement list",
    news: inputs({ policyDocument: { Version: "2012-10-17", Statement: [] } }),
    property: "policyDocument",
  },
  {
    name: "a statement that is a string",
    news: inputs({ policyDocument: { Version: "2012-10-17", Statement: ["Allow"] } }),
    property: "policyDocument",
  },
  {
    name: "a statement without Effect",
    news: inputs({ policyDocument: policy({}, ["Effect"]) }),
    property: "policyDocument",
    reason: /Effect/,
  },
  {
    name: 'Effect "allow" (IAM is case-sensitive here)',
    news: inputs({ policyDocument: policy({ Effect: "allow" }) }),
    property: "policyDocument",
    reason: /Effect/,
  },
  {
    name: 'Effect "Permit"',
    news: inputs({ policyDocument: policy({ Effect: "Permit" }) }),
    property: "policyDocument",
    reason: /Effect/,
  },
  {
    name: "Effect true",
    news: inputs({ policyDocument: policy({ Effect: true }) }),
    property: "policyDocument",
    reason: /Effect/,
  },
  {
    name: "a statement without Principal",
    news: inputs({ policyDocument: policy({}, ["Principal"]) }),
    property: "policyDocument",
    reason: /Principal/,
  },
  {
    name: "a Principal naming an account as a bare string",
    news: inputs({ policyDocument: policy({ Principal: "111122223333" }) }),
    property: "policyDocument",
    reason: /Principal/,
  },
  {
    name: "an unknown principal type",
    news: inputs({ policyDocument: policy({ Principal: { User: "111122223333" } }) }),
    property: "policyDocument",
    reason: /principal type/,
  },
  {
    name: "a statement without Action or NotAction",
    news: inputs({ policyDocument: policy({}, ["Action"]) }),
    property: "policyDocument",
    reason: /Action/,
  },
  {
    name: "a statement with both Action and NotAction",
    news: inputs({ policyDocument: policy({ NotAction: "aps:QueryMetrics" }) }),
    property: "policyDocument",
    reason: /NotAction/,
  },
  {
    name: "an empty Action list",
    news: inputs({ policyDocument: policy({ Action: [] }) }),
    property: "policyDocument",
    reason: /Action/,
  },
  {
    name: "a malformed action",
    news: inputs({ policyDocument: policy({ Action: "RemoteWrite" }) }),
    property: "policyDocument",
    reason: /RemoteWrite/,
  },
  {
    name: "an operator block that is a list",
    news: inputs({ policyDocument: policy({ Condition: { StringEquals: ["aws:SourceAccount"] } }) }),
    property: "policyDocument",
    reason: /Condition/,
  },
  {
    name: "an unknown Version",
    news: inputs({ policyDocument: { Version: "2024-01-01", Statement: [statement()] } }),
    property: "policyDocument",
    reason: /Version/,
  },
  {
    name: "an unknown top-level element",
    news: inputs({ policyDocument: { ...policy(), Statements: [] } }),
    property: "policyDocument",
    reason: /Statements/,
  },
  {
    name: "two statements with one Sid",
    news: inputs({ policyDocument: { Version: "2012-10-17", Statement: [statement(), statement()] } }),
    property: "policyDocument",
    reason: /Sid/,
  },
  // policyDocument: text that AWS cannot take
  {
    name: "a control character in a string (object input)",
    news: inputs({ policyDocument: policy({ Resource: `${WORKSPACE_ARN}\u0007` }) }),
    property: "policyDocument",
    reason: /control character/,
  },
  {
    name: "a NUL in a condition value (escaped in JSON text)",
    news: inputs({
      policyDocument: JSON.stringify(policy({ Condition: { StringEquals: { "aws:SourceAccount": "1\u0000" } } })),
    }),
    property: "policyDocument",
    reason: /control character/,
  },
  {
    name: "DEL in a key",
    news: inputs({
      policyDocument: policy({ Condition: { StringEquals: { "aws:Source\u007fAccount": "111122223333" } } }),
    }),
    property: "policyDocument",
    reason: /control character/,
  },
  {
    name: "a lone high surrogate (escaped in JSON text)",
    news: inputs({ policyDocument: JSON.stringify(policy()).replace("CrossAccount", "Cross\\ud800Account") }),
    property: "policyDocument",
    reason: /surrogate/,
  },
  {
    name: "a lone low surrogate in an object",
    news: inputs({ policyDocument: policy({ Resource: `${WORKSPACE_ARN}\udc00` }) }),
    property: "policyDocument",
    reason: /surrogate/,
  },
  {
    name: "a reversed surrogate pair",
    news: inputs({ policyDocument: policy({ Resource: `${WORKSPACE_ARN}\udc00\ud800` }) }),
    property: "policyDocument",
    reason: /surrogate/,
  },
  // the other inputs
  { name: "a numeric clientToken", news: inputs({ clientToken: 42 }), property: "clientToken", reason: /string/ },
  { name: "an empty clientToken", news: inputs({ clientToken: "" }), property: "clientToken" },
  { name: "a clientToken with a space", news: inputs({ clientToken: "token 1" }), property: "clientToken" },
  { name: "a clientToken of 65 characters", news: inputs({ clientToken: "t".repeat(65) }), property: "clientToken" },
  { name: "a non-ASCII clientToken", news: inputs({ clientToken: "tökén" }), property: "clientToken" },
  { name: "a numeric revisionId", news: inputs({ revisionId: 7 }), property: "revisionId", reason: /string/ },
  { name: "an empty revisionId", news: inputs({ revisionId: "" }), property: "revisionId" },
  { name: "an object revisionId", news: inputs({ revisionId: { id: "r1" } }), property: "revisionId" },
  {
    name: 'overwriteExisting "true"',
    news: inputs({ overwriteExisting: "true" }),
    property: "overwriteExisting",
    reason: /boolean/,
  },
  { name: "overwriteExisting 1", news: inputs({ overwriteExisting: 1 }), property: "overwriteExisting" },
  { name: 'waitTimeoutSeconds "300"', news: inputs({ waitTimeoutSeconds: "300" }), property: "waitTimeoutSeconds" },
  { name: "waitTimeoutSeconds 0", news: inputs({ waitTimeoutSeconds: 0 }), property: "waitTimeoutSeconds" },
  { name: "waitTimeoutSeconds -5", news: inputs({ waitTimeoutSeconds: -5 }), property: "waitTimeoutSeconds" },
  { name: "waitTimeoutSeconds NaN", news: inputs({ waitTimeoutSeconds: Number.NaN }), property: "waitTimeoutSeconds" },
  {
    name: "waitTimeoutSeconds Infinity",
    news: inputs({ waitTimeoutSeconds: Number.POSITIVE_INFINITY }),
    property: "waitTimeoutSeconds",
  },
  {
    name: "waitTimeoutSeconds over a day",
    news: inputs({ waitTimeoutSeconds: 86401 }),
    property: "waitTimeoutSeconds",
  },
];

/**
 * A valid policy whose minified JSON is exactly `bytes` UTF-8 bytes, padded with `pad` (1 or 2 bytes) in a
 * condition value.
 */
function policyOfSize(bytes: number, pad = "x"): Record<string, unknown> {
  const make = (padding: string): Record<string, unknown> =>
    policy({ Condition: { StringEquals: { "aws:PrincipalTag/Team": `team-${padding}` } } });
  const emptySize = Buffer.byteLength(JSON.stringify(make("")), "utf8");
  const padBytes = Buffer.byteLength(pad, "utf8");
  const count = Math.floor((bytes - emptySize) / padBytes);
  const doc = make(pad.repeat(count) + "x".repeat(bytes - emptySize - count * padBytes));
  assert.equal(Buffer.byteLength(JSON.stringify(doc), "utf8"), bytes);
  return doc;
}

/** Asserts that check fails only on `property`, each reason naming it. */
function assertFailsOn(result: CheckResult, property: string, reason?: RegExp): void {
  assert.ok(result.failures.length > 0, `expected a failure on ${property}, got none`);
  for (const failure of result.failures) {
    assert.equal(failure.property, property, JSON.stringify(failure));
    assert.ok(failure.reason.includes(property), `reason does not name ${property}: ${failure.reason}`);
    assert.equal(typeof failure.reason, "string");
  }
  if (reason) {
    assert.ok(
      result.failures.some((failure) => reason.test(failure.reason)),
      `no reason matches ${String(reason)}: ${JSON.stringify(result.failures).slice(0, 500)}`,
    );
  }
}

interface WarningRow {
  name: string;
  policyDocument: unknown;
  warning: RegExp;
}

const warned: WarningRow[] = [
  {
    name: "an action outside the Prometheus-compatible list",
    policyDocument: policy({ Action: ["aps:RemoteWrite", "aps:CreateWorkspace"] }),
    warning: /aps:CreateWorkspace.*Prometheus-compatible/,
  },
  {
    name: "an action of another service",
    policyDocument: policy({ Action: "s3:GetObject" }),
    warning: /s3:GetObject/,
  },
  { name: 'the wildcard action "aps:*"', policyDocument: policy({ Action: "aps:*" }), warning: /"aps:\*".*wildcard/ },
  { name: 'the wildcard action "*"', policyDocument: policy({ Action: ["*"] }), warning: /"\*".*wildcard/ },
  { name: 'a partial wildcard "aps:Get*"', policyDocument: policy({ Action: "aps:Get*" }), warning: /wildcard/ },
  {
    name: "a Resource naming a different workspace",
    policyDocument: policy({ Resource: "arn:aws:aps:us-east-1:444455556666:workspace/ws-other" }),
    warning: /ws-other.*does not name workspace/,
  },
  {
    name: "a Resource naming a workspace whose id only starts the same",
    policyDocument: policy({ Resource: `${WORKSPACE_ARN}0` }),
    warning: /does not name workspace/,
  },
  {
    name: "a Resource of another service",
    policyDocument: policy({ Resource: "arn:aws:s3:::bucket" }),
    warning: /does not name workspace/,
  },
  {
    name: "a Resource naming the workspace in another case",
    policyDocument: policy({ Resource: WORKSPACE_ARN.toUpperCase() }),
    warning: /does not name workspace/,
  },
  {
    name: 'Principal "*" without a condition',
    policyDocument: policy({ Principal: "*" }),
    warning: /Principal "\*".*open to anyone/,
  },
  {
    name: 'Principal {"AWS": "*"} without a condition',
    policyDocument: policy({ Principal: { AWS: "*" } }),
    warning: /open to anyone/,
  },
  {
    name: 'Principal {"AWS": ["111122223333", "*"]} without a condition',
    policyDocument: policy({ Principal: { AWS: ["111122223333", "*"] } }),
    warning: /open to anyone/,
  },
  {
    name: 'Principal "*" with a condition that does not restrict who',
    policyDocument: policy({ Principal: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } }),
    warning: /open to anyone/,
  },
  {
    name: "a document of POLICY_SIZE_WARNING_BYTES + 1 bytes (AMP documents no limit: a warning, not a failure)",
    policyDocument: policyOfSize(POLICY_SIZE_WARNING_BYTES + 1),
    warning: /^policyDocument is 20481 bytes when minified/,
  },
  {
    name: "a document of a megabyte",
    policyDocument: policyOfSize(1 << 20),
    warning: /^policyDocument is 1048576 bytes when minified/,
  },
  {
    name: "a document counted in UTF-8 bytes, not characters",
    policyDocument: policyOfSize(POLICY_SIZE_WARNING_BYTES + 1, "é"),
    warning: /^policyDocument is 20481 bytes when minified/,
  },
  {
    name: "a document with a 16 MB string value",
    policyDocument: JSON.stringify(policy({ Sid: "S".repeat(1 << 24) })),
    warning: new RegExp(`^policyDocument is ${(1 << 24) + 246} bytes when minified`),
  },
  {
    name: "a large document given as indented text, counted as sent (minified)",
    policyDocument: JSON.stringify(policyOfSize(POLICY_SIZE_WARNING_BYTES + 1), null, 8),
    warning: /^policyDocument is 20481 bytes when minified/,
  },
  {
    name: 'a Sid with a hyphen ("Allow-Grafana": IAM\'s identity-policy rule, not documented for AMP)',
    policyDocument: policy({ Sid: "Allow-Grafana" }),
    warning:
      /^policyDocument Statement\[0\]\.Sid "Allow-Grafana" has characters other than letters and digits: IAM requires that of identity-policy Sids; AMP documents no rule, but the service may refuse it$/,
  },
  {
    name: "a Sid with spaces and punctuation",
    policyDocument: policy({ Sid: "Grafana read only (prod)" }),
    warning: /Statement\[0\]\.Sid "Grafana read only \(prod\)" has characters other than letters and digits/,
  },
  {
    name: "a Sid of a megabyte, quoted short",
    policyDocument: policy({ Sid: "-".repeat(1 << 20) }),
    warning: /^policyDocument Statement\[0\]\.Sid "-{80}\.\.\." has characters other than letters and digits/,
  },
  {
    name: "no Version",
    policyDocument: { Statement: [statement()] },
    warning: /Version/,
  },
];

/** Valid documents that must give neither failures nor warnings. */
const clean: Array<[string, unknown]> = [
  ["the cross-account remote-write policy", policy()],
  ["the cross-account remote-write policy as JSON text", JSON.stringify(policy(), null, 2)],
  [
    "a single Statement object with string values",
    {
      Version: "2012-10-17",
      Statement: statement({ Action: "aps:RemoteWrite", Principal: { AWS: "111122223333" } }),
    },
  ],
  [
    'Principal "*" restricted by aws:PrincipalOrgID',
    policy({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } }),
  ],
  [
    'Principal {"AWS": "*"} restricted by aws:SourceAccount',
    policy({ Principal: { AWS: "*" }, Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } }),
  ],
  [
    'Principal "*" restricted by a key in another case',
    policy({ Principal: "*", Condition: { StringEquals: { "AWS:PRINCIPALORGID": "o-abc123" } } }),
  ],
  ['a Deny to "*"', policy({ Effect: "Deny", Principal: "*" })],
  ["every Prometheus-compatible action, in odd case", policy({ Action: ["APS:remotewrite", "aps:QUERYMETRICS"] })],
  ["the workspace's ARN matched by a wildcard", policy({ Resource: "arn:aws:aps:*:*:workspace/ws-12345678-*" })],
  ["the workspace's ARN matched with ?", policy({ Resource: WORKSPACE_ARN.replace("ws-1", "ws-?") })],
  ['Resource "*"', policy({ Resource: "*" })],
  ["no Resource", policy({}, ["Resource"])],
  [
    "query actions for two accounts",
    policy({
      Principal: { AWS: ["111122223333", "arn:aws:iam::555566667777:role/Grafana"] },
      Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
    }),
  ],
];

/** Inputs holding Pulumi's unknown sentinel somewhere; none of them is a failure. */
const unknowns: Array<[string, Record<string, unknown>]> = [
  ["the whole policyDocument", inputs({ policyDocument: UNKNOWN })],
  ["the workspaceId", inputs({ workspaceId: UNKNOWN })],
  ["the workspaceId and the policyDocument", inputs({ workspaceId: UNKNOWN, policyDocument: UNKNOWN })],
  ["the Statement", inputs({ policyDocument: { Version: "2012-10-17", Statement: UNKNOWN } })],
  ["one statement", inputs({ policyDocument: { Version: "2012-10-17", Statement: [statement(), UNKNOWN] } })],
  ["the Version", inputs({ policyDocument: { Version: UNKNOWN, Statement: [statement()] } })],
  ["the Sid", inputs({ policyDocument: policy({ Sid: UNKNOWN }) })],
  ["the Effect", inputs({ policyDocument: policy({ Effect: UNKNOWN }) })],
  ["the Principal", inputs({ policyDocument: policy({ Principal: UNKNOWN }) })],
  ["the AWS principal", inputs({ policyDocument: policy({ Principal: { AWS: UNKNOWN } }) })],
  ["one AWS principal of two", inputs({ policyDocument: policy({ Principal: { AWS: ["111122223333", UNKNOWN] } }) })],
  ["the Action", inputs({ policyDocument: policy({ Action: UNKNOWN }) })],
  ["one action", inputs({ policyDocument: policy({ Action: [UNKNOWN] }) })],
  ["the Resource", inputs({ policyDocument: policy({ Resource: UNKNOWN }) })],
  [
    "a Resource interpolating the unknown",
    inputs({ policyDocument: policy({ Resource: `arn:aws:aps:us-east-1:444455556666:workspace/${UNKNOWN}` }) }),
  ],
  [
    "the Resource, and the workspaceId",
    inputs({ workspaceId: UNKNOWN, policyDocument: policy({ Resource: UNKNOWN }) }),
  ],
  ["the Condition", inputs({ policyDocument: policy({ Principal: "*", Condition: UNKNOWN }) })],
  ["an operator block", inputs({ policyDocument: policy({ Condition: { StringEquals: UNKNOWN } }) })],
  [
    "a condition value",
    inputs({ policyDocument: policy({ Condition: { StringEquals: { "aws:PrincipalOrgID": UNKNOWN } } }) }),
  ],
  ["a value inside JSON text", inputs({ policyDocument: JSON.stringify(policy({ Principal: { AWS: UNKNOWN } })) })],
  [
    "every optional input",
    inputs({ clientToken: UNKNOWN, revisionId: UNKNOWN, overwriteExisting: UNKNOWN, waitTimeoutSeconds: UNKNOWN }),
  ],
];

/** Inputs meant to break a naive check; check must return failures, never throw. */
const hostile: Array<[string, () => Record<string, unknown>, string | undefined]> = [
  [
    "arrays nested 5000 levels deep as the document",
    () => inputs({ policyDocument: nestedArray(5000) }),
    "policyDocument",
  ],
  [
    "arrays nested 5000 levels deep as the Statement",
    () => inputs({ policyDocument: { Version: "2012-10-17", Statement: nestedArray(5000) } }),
    "policyDocument",
  ],
  [
    "objects nested 5000 levels deep in a condition",
    () => inputs({ policyDocument: policy({ Condition: { StringEquals: nestedObject(5000) } }) }),
    "policyDocument",
  ],
  [
    "JSON text nested 5000 levels deep",
    () => inputs({ policyDocument: `{"Statement":${"[".repeat(5000)}${"]".repeat(5000)}}` }),
    "policyDocument",
  ],
  [
    "JSON text nested 200 000 levels deep",
    () => inputs({ policyDocument: `{"Statement":${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}}` }),
    "policyDocument",
  ],
  [
    "an object that contains itself",
    () => {
      const doc: Record<string, unknown> = policy();
      doc.Statement = [doc];
      return inputs({ policyDocument: doc });
    },
    "policyDocument",
  ],
  [
    "a BigInt inside the document",
    () => inputs({ policyDocument: policy({ Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": 10n } } }) }),
    "policyDocument",
  ],
  ["a 16 MB string as the document", () => inputs({ policyDocument: "x".repeat(1 << 24) }), "policyDocument"],
  // Valid, only large: no failure (AMP documents no size limit); the warning is checked among the warnings.
  [
    "a 16 MB JSON string value",
    () => inputs({ policyDocument: JSON.stringify(policy({ Sid: "S".repeat(1 << 24) })) }),
    undefined,
  ],
  ["a 16 MB workspaceId", () => inputs({ workspaceId: "w".repeat(1 << 24) }), "workspaceId"],
  ["a symbol as the document", () => inputs({ policyDocument: Symbol("policy") }), "policyDocument"],
  ["a function as the document", () => inputs({ policyDocument: () => policy() }), "policyDocument"],
  ["a BigInt as the workspaceId", () => inputs({ workspaceId: 10n }), "workspaceId"],
  ["a BigInt as waitTimeoutSeconds", () => inputs({ waitTimeoutSeconds: 10n }), "waitTimeoutSeconds"],
  [
    "a __proto__ key in JSON text",
    () => inputs({ policyDocument: '{"__proto__":{"Statement":[]},"Version":"2012-10-17"}' }),
    "policyDocument",
  ],
  [
    "statements of every wrong type",
    () =>
      inputs({
        policyDocument: {
          Version: "2012-10-17",
          Statement: [null, 1, "s", [], {}, { Effect: {}, Principal: [], Action: {}, Resource: 1, Condition: [] }],
        },
      }),
    "policyDocument",
  ],
  ["no inputs at all", () => ({}), undefined],
];

/** A statement open to `principal`, with `condition`, as the only statement of a document. */
function openTo(principal: unknown, condition?: unknown): Record<string, unknown> {
  return policy(condition === undefined ? { Principal: principal } : { Principal: principal, Condition: condition });
}

const ORG_ID = "o-abc123def4";
const ORG_PATH = `${ORG_ID}/r-ab12/ou-ab12-11111111/*`;

/** Statements open to "*" whose condition does not restrict who: each must still warn. */
const stillOpen: Array<[string, unknown, unknown]> = [
  [
    "StringNotEquals aws:PrincipalOrgID (everyone outside the org)",
    "*",
    { StringNotEquals: { "aws:PrincipalOrgID": ORG_ID } },
  ],
  [
    "StringNotEqualsIgnoreCase aws:PrincipalOrgID",
    "*",
    { StringNotEqualsIgnoreCase: { "aws:PrincipalOrgID": ORG_ID } },
  ],
  ["StringNotLike aws:PrincipalArn", "*", { StringNotLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:*" } }],
  ["ArnNotLike aws:PrincipalArn", "*", { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:*" } }],
  ["ArnNotEquals aws:SourceArn", "*", { ArnNotEquals: { "aws:SourceArn": "arn:aws:s3:::bucket" } }],
  ["NotIpAddress aws:SourceIp", "*", { NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } }],
  ['Null {"aws:PrincipalOrgID": "false"} (anyone in any org)', "*", { Null: { "aws:PrincipalOrgID": "false" } }],
  ['Null {"aws:PrincipalOrgID": false}', { AWS: "*" }, { Null: { "aws:PrincipalOrgID": false } }],
  ['Null {"aws:SourceAccount": "true"}', "*", { Null: { "aws:SourceAccount": "true" } }],
  ['StringLike aws:PrincipalArn "*"', "*", { StringLike: { "aws:PrincipalArn": "*" } }],
  ['ArnLike aws:PrincipalArn "*"', "*", { ArnLike: { "aws:PrincipalArn": "*" } }],
  ['StringLike aws:PrincipalOrgID "?*"', "*", { StringLike: { "aws:PrincipalOrgID": "?*" } }],
  ['StringLike aws:PrincipalOrgID "o-*" (every org)', "*", { StringLike: { "aws:PrincipalOrgID": "o-*" } }],
  [
    'StringLike aws:PrincipalAccount "1111*" (strangers\' accounts too)',
    "*",
    { StringLike: { "aws:PrincipalAccount": "1111*" } },
  ],
  ["ArnLike aws:PrincipalArn with any account", "*", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Writer" } }],
  [
    "ArnEquals aws:PrincipalArn with any account (ArnEquals honours wildcards)",
    "*",
    { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::*:root" } },
  ],
  ["ArnLike aws:SourceArn of a bucket name prefix", "*", { ArnLike: { "aws:SourceArn": "arn:aws:s3:::my-bucket*" } }],
  [
    "StringLike aws:PrincipalOrgPaths with a wildcard org",
    "*",
    { StringLike: { "aws:PrincipalOrgPaths": "*/r-ab12/*" } },
  ],
  [
    "StringLike aws:PrincipalOrgID with one restricting and one wildcard value",
    "*",
    { StringLike: { "aws:PrincipalOrgID": [ORG_ID, "*"] } },
  ],
  ["StringEqualsIfExists aws:PrincipalOrgID", "*", { StringEqualsIfExists: { "aws:PrincipalOrgID": ORG_ID } }],
  ["ArnLikeIfExists aws:PrincipalArn", "*", { ArnLikeIfExists: { "aws:PrincipalArn": "arn:aws:iam::111122223333:*" } }],
  ["IpAddressIfExists aws:SourceIp", "*", { IpAddressIfExists: { "aws:SourceIp": "203.0.113.0/24" } }],
  [
    "ForAllValues:StringEquals aws:PrincipalOrgPaths (true when the key is absent)",
    "*",
    { "ForAllValues:StringEquals": { "aws:PrincipalOrgPaths": [ORG_PATH] } },
  ],
  [
    "ForAnyValue:StringNotEquals aws:PrincipalOrgID",
    "*",
    { "ForAnyValue:StringNotEquals": { "aws:PrincipalOrgID": ORG_ID } },
  ],
  [
    'ForAnyValue:StringLike aws:PrincipalOrgPaths "*"',
    "*",
    { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "*" } },
  ],
  ['IpAddress aws:SourceIp "0.0.0.0/0"', "*", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }],
  [
    'IpAddress aws:SourceIp with "::/0" among others',
    "*",
    { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "::/0"] } },
  ],
  [
    "StringEquals on a tag anyone can put on their own role",
    "*",
    { StringEquals: { "aws:PrincipalTag/Team": "metrics" } },
  ],
  [
    "StringEquals aws:username (any account may have a user of that name)",
    "*",
    { StringEquals: { "aws:username": "alice" } },
  ],
  [
    "StringEquals aws:PrincipalServiceName alone (the service acts for any customer)",
    "*",
    { StringEquals: { "aws:PrincipalServiceName": "grafana.amazonaws.com" } },
  ],
  ["Bool aws:SecureTransport", { AWS: ["*"] }, { Bool: { "aws:SecureTransport": "true" } }],
  [
    "a key that identifies the caller under an operator for another type",
    "*",
    { NumericEquals: { "aws:PrincipalAccount": 111122223333 } },
  ],
  [
    "Bool aws:PrincipalIsAWSService (any service, acting for anyone)",
    "*",
    { Bool: { "aws:PrincipalIsAWSService": "true" } },
  ],
  ["ArnLike on a key that is not an ARN", "*", { ArnLike: { "aws:PrincipalOrgID": ORG_ID } }],
  ["IpAddress on a key that is not an address", "*", { IpAddress: { "aws:PrincipalAccount": "111122223333" } }],
  ["StringEquals on an address key", "*", { StringEquals: { "aws:SourceIp": "203.0.113.7" } }],
  ["an empty Condition", { AWS: ["*"] }, {}],
  ["a Condition not known yet (preview)", "*", UNKNOWN],
  ["an operator block not known yet (preview)", "*", { StringEquals: UNKNOWN }],
  ["a restricting operator in another case", "*", { stringequals: { "aws:PrincipalOrgID": ORG_ID } }],
  ["no Condition", { AWS: ["*"] }, undefined],
  [
    'Principal {"AWS": ["*"]} with StringNotEquals',
    { AWS: ["*"] },
    { StringNotEquals: { "aws:PrincipalOrgID": ORG_ID } },
  ],
  [
    'Principal {"AWS": "*", "Service": ...} with Null',
    { AWS: "*", Service: "grafana.amazonaws.com" },
    { Null: { "aws:PrincipalOrgID": "false" } },
  ],
];

/** Statements open to "*" whose condition restricts who: none may warn. */
const restricted: Array<[string, unknown, unknown]> = [
  ["StringEquals aws:PrincipalOrgID", "*", { StringEquals: { "aws:PrincipalOrgID": ORG_ID } }],
  ["StringEqualsIgnoreCase aws:PrincipalOrgID", "*", { StringEqualsIgnoreCase: { "aws:PrincipalOrgID": ORG_ID } }],
  ["StringLike aws:PrincipalOrgID without a wildcard", "*", { StringLike: { "aws:PrincipalOrgID": ORG_ID } }],
  [
    "StringEquals aws:PrincipalAccount, two accounts",
    { AWS: ["*"] },
    { StringEquals: { "aws:PrincipalAccount": ["111122223333", "444455556666"] } },
  ],
  ["StringEquals aws:SourceAccount as a number", "*", { StringEquals: { "aws:SourceAccount": 111122223333 } }],
  ["StringEquals aws:SourceOwner", "*", { StringEquals: { "aws:SourceOwner": "111122223333" } }],
  ["StringEquals aws:SourceOrgID", "*", { StringEquals: { "aws:SourceOrgID": ORG_ID } }],
  [
    "ArnLike aws:PrincipalArn within one account",
    "*",
    { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/*" } },
  ],
  ["ArnEquals aws:PrincipalArn", "*", { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/Writer" } }],
  [
    "StringEquals aws:PrincipalArn",
    "*",
    { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/Writer" } },
  ],
  [
    "ArnLike aws:SourceArn of one account's Grafana workspaces",
    "*",
    { ArnLike: { "aws:SourceArn": "arn:aws:grafana:us-east-1:111122223333:/workspaces/*" } },
  ],
  ["ArnEquals aws:SourceArn of one bucket", "*", { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::my-bucket" } }],
  ["StringEquals aws:SourceVpce", "*", { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } }],
  ["StringEquals aws:SourceVpc", "*", { StringEquals: { "aws:SourceVpc": "vpc-1a2b3c4d" } }],
  ["StringLike aws:userid of one role's sessions", "*", { StringLike: { "aws:userid": "AROAEXAMPLEID:*" } }],
  ["IpAddress aws:SourceIp", "*", { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"] } }],
  ["IpAddress aws:VpcSourceIp", "*", { IpAddress: { "aws:VpcSourceIp": "10.0.0.0/16" } }],
  [
    "ForAnyValue:StringLike aws:PrincipalOrgPaths under one org",
    "*",
    { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": [ORG_PATH] } },
  ],
  [
    "ForAnyValue:StringEquals aws:PrincipalOrgID",
    "*",
    { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": ORG_ID } },
  ],
  ["a key in upper case", "*", { StringEquals: { "AWS:PRINCIPALORGID": ORG_ID } }],
  [
    "a restricting entry beside ones that are not (all must hold)",
    "*",
    {
      StringNotEquals: { "aws:PrincipalOrgID": "o-other" },
      Null: { "aws:PrincipalOrgID": "false" },
      StringEquals: { "aws:PrincipalOrgID": ORG_ID },
    },
  ],
  [
    "StringEquals aws:PrincipalServiceName with aws:SourceAccount",
    "*",
    { StringEquals: { "aws:PrincipalServiceName": "grafana.amazonaws.com", "aws:SourceAccount": "111122223333" } },
  ],
  ["a value not known yet (preview; checked again at apply)", "*", { StringEquals: { "aws:PrincipalOrgID": UNKNOWN } }],
];

describe("check", () => {
  describe("failures", () => {
    for (const row of failures) {
      it(`fails on ${row.property} for ${row.name}`, () => {
        assertFailsOn(check(row.news), row.property, row.reason);
      });
    }

    it("accepts a workspaceId of exactly 64 characters", () => {
      assert.deepEqual(
        check(inputs({ workspaceId: "w".repeat(64), policyDocument: policy({ Resource: "*" }) })).failures,
        [],
      );
    });

    it("neither fails nor warns on a document of exactly POLICY_SIZE_WARNING_BYTES bytes", () => {
      const result = check(inputs({ policyDocument: policyOfSize(POLICY_SIZE_WARNING_BYTES) }));
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.warnings, []);
    });

    it("reports every bad input at once, each on its own property", () => {
      const result = check({
        workspaceId: "ws/1",
        policyDocument: "nope",
        clientToken: 1,
        revisionId: 2,
        overwriteExisting: "yes",
        waitTimeoutSeconds: -1,
      });
      assert.deepEqual([...new Set(result.failures.map((failure) => failure.property))].sort(), [
        "clientToken",
        "overwriteExisting",
        "policyDocument",
        "revisionId",
        "waitTimeoutSeconds",
        "workspaceId",
      ]);
    });

    it("returns the inputs it was given", () => {
      const news = inputs();
      assert.equal(check(news).inputs, news);
    });
  });

  describe("warnings, not failures", () => {
    for (const row of warned) {
      it(`warns about ${row.name}`, () => {
        const result = check(inputs({ policyDocument: row.policyDocument }));
        assert.deepEqual(result.failures, []);
        assert.ok(
          result.warnings.some((warning) => row.warning.test(warning)),
          `no warning matches ${String(row.warning)}: ${JSON.stringify(result.warnings)}`,
        );
        assert.ok(result.warnings.every((warning) => warning.startsWith("policyDocument ")));
      });
    }

    for (const [name, policyDocument] of clean) {
      it(`neither fails nor warns on ${name}`, () => {
        const result = check(inputs({ policyDocument }));
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.warnings, []);
      });
    }

    it("neither fails nor warns on a complete valid input set", () => {
      const result = check(
        inputs({
          clientToken: "deploy-42",
          revisionId: "NO_POLICY",
          overwriteExisting: false,
          waitTimeoutSeconds: 600,
        }),
      );
      assert.deepEqual(result, {
        inputs: inputs({
          clientToken: "deploy-42",
          revisionId: "NO_POLICY",
          overwriteExisting: false,
          waitTimeoutSeconds: 600,
        }),
        failures: [],
        warnings: [],
      });
    });
  });

  describe("the open-to-anyone warning", () => {
    for (const [name, principal, condition] of stillOpen) {
      it(`warns on Principal ${JSON.stringify(principal)} with ${name}`, () => {
        const result = check(inputs({ policyDocument: openTo(principal, condition) }));
        assert.deepEqual(result.failures, []);
        assert.deepEqual(
          result.warnings.filter((warning) => /open to anyone/.test(warning)),
          [
            'policyDocument Statement[0] allows Principal "*" with no condition restricting who (e.g. aws:PrincipalOrgID or aws:SourceAccount): the workspace is open to anyone',
          ],
        );
      });
    }

    for (const [name, principal, condition] of restricted) {
      it(`does not warn on Principal ${JSON.stringify(principal)} restricted by ${name}`, () => {
        const result = check(inputs({ policyDocument: openTo(principal, condition) }));
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.warnings, []);
      });
    }

    it("warns on the open statement even when another statement is restricted", () => {
      const restrictedStatement = statement({
        Sid: "Org",
        Principal: "*",
        Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } },
      });
      const result = check(
        inputs({
          policyDocument: {
            Version: "2012-10-17",
            Statement: [
              restrictedStatement,
              statement({ Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": ORG_ID } } }),
            ],
          },
        }),
      );
      assert.deepEqual(
        result.warnings.map((warning) => warning.replace(/ allows .*/, "")),
        ["policyDocument Statement[1]"],
      );
    });

    it("does not warn on a Deny to anyone, whatever its condition", () => {
      for (const [, principal, condition] of stillOpen) {
        const result = check(
          inputs({ policyDocument: policy({ Effect: "Deny", Principal: principal, Condition: condition }) }),
        );
        assert.deepEqual(result.warnings, [], JSON.stringify(condition));
      }
    });
  });

  describe("values not known yet (preview)", () => {
    for (const [where, news] of unknowns) {
      it(`does not fail on the unknown sentinel as ${where}`, () => {
        assert.deepEqual(check(news).failures, []);
      });
    }

    it("still fails on a bad workspaceId when only the document is unknown", () => {
      assertFailsOn(check(inputs({ workspaceId: "ws/1", policyDocument: UNKNOWN })), "workspaceId");
    });

    it("still fails on a bad statement when another value is unknown", () => {
      assertFailsOn(
        check(inputs({ policyDocument: policy({ Principal: UNKNOWN, Effect: "Permit" }) })),
        "policyDocument",
        /Effect/,
      );
    });
  });

  describe("never throws", () => {
    for (const [name, make, property] of hostile) {
      it(`returns failures for ${name}`, () => {
        const news = make();
        let result: CheckResult | undefined;
        assert.doesNotThrow(() => {
          result = check(news);
        });
        if (property !== undefined) {
          assert.ok(
            result!.failures.some((failure) => failure.property === property && failure.reason.includes(property)),
            JSON.stringify(result!.failures).slice(0, 500),
          );
        }
        for (const failure of result!.failures) {
          assert.ok(failure.reason.length < 2000, `reason of ${failure.reason.length} characters`);
        }
      });
    }

    it("matches a Resource with many wildcards in linear time", () => {
      const pattern = `arn:aws:aps:us-east-1:444455556666:${"*a".repeat(40)}*b`;
      const started = Date.now();
      const result = check({ workspaceId: `ws-${"a".repeat(61)}`, policyDocument: policy({ Resource: pattern }) });
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.deepEqual(result.failures, []);
      assert.ok(result.warnings.some((warning) => /does not name workspace/.test(warning)));
    });

    it("still matches a Resource with many wildcards that does name the workspace", () => {
      const pattern = `arn:aws:aps:us-east-1:444455556666:${"*a".repeat(40)}*`;
      const result = check({ workspaceId: `ws-${"a".repeat(61)}`, policyDocument: policy({ Resource: pattern }) });
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.warnings, []);
    });
  });
});
