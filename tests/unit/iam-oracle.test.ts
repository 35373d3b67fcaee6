import assert from "node:assert/strict";

import { SUPPORTED_ACTIONS } from "../../provider/policy";
import {
  ALL_READINGS,
  type Caller,
  compilePolicy,
  type Decision,
  type IamRequest,
  type OracleReadings,
  type OracleWorkspace,
  iamDecision,
  workspaceArn,
} from "../support/iam-oracle";

// The oracle's own truth table, each case from a rule of the IAM User Guide (named in the case), so that the
// soundness property test judges the access model against something that is itself checked.

const W = "123456789012";
const A = "111122223333";
const WORKSPACE: OracleWorkspace = { partition: "aws", region: "us-east-1", accountId: W, workspaceId: "ws-1" };
const WS_ARN = workspaceArn(WORKSPACE);

const rootW: Caller = { kind: "root", accountId: W };
const userW: Caller = { kind: "user", accountId: W, name: "alice" };
const sessionW: Caller = { kind: "session", accountId: W, role: "Writer", session: "s1" };
const ingestW: Caller = { kind: "session", accountId: W, role: "ingest", session: "s1" };
const rootA: Caller = { kind: "root", accountId: A };
const userA: Caller = { kind: "user", accountId: A, name: "bob" };
const sessionA: Caller = { kind: "session", accountId: A, role: "Writer", session: "s1" };
const grafana: Caller = { kind: "service", service: "grafana.amazonaws.com" };
const anonymous: Caller = { kind: "anonymous" };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function allow(extra: { [key: string]: Json }): { [key: string]: Json } {
  return { Effect: "Allow", Action: "aps:RemoteWrite", Resource: WS_ARN, ...extra };
}

function deny(extra: { [key: string]: Json }): { [key: string]: Json } {
  return { Effect: "Deny", Action: "aps:RemoteWrite", Resource: WS_ARN, ...extra };
}

interface Case {
  name: string;
  statements: Json[] | undefined;
  request: IamRequest;
  expected: Decision;
  readings?: Partial<OracleReadings>;
}

const write = (caller: Caller, more: Partial<IamRequest> = {}): IamRequest => ({
  caller,
  action: "aps:RemoteWrite",
  ...more,
});

const CASES: Case[] = [
  // Policy evaluation logic: denies, allows, and the two accounts.
  {
    name: "evaluation logic: all requests are implicitly denied (no policy, another account)",
    statements: undefined,
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "evaluation logic, single account: the identity policy alone allows a same-account caller",
    statements: undefined,
    request: write(userW, { identityAllows: true }),
    expected: "allow",
  },
  {
    name: "evaluation logic, single account: neither policy allows: implicit deny",
    statements: [],
    request: write(userW, { identityAllows: false }),
    expected: "implicit-deny",
  },
  {
    name: "evaluation logic, single account: the resource policy alone allows a same-account user it names",
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${W}:user/alice` } })],
    request: write(userW, { identityAllows: false }),
    expected: "allow",
  },
  {
    name: "evaluation logic: the root user has full access unless explicitly denied",
    statements: [],
    request: write(rootW, { identityAllows: false }),
    expected: "allow",
  },
  {
    name: "evaluation logic: an explicit deny in any policy overrides the allow (same-account identity allow)",
    statements: [deny({ Principal: "*" })],
    request: write(userW),
    expected: "explicit-deny",
  },
  {
    name: "evaluation logic: an explicit deny overrides the resource policy's own allow",
    statements: [allow({ Principal: { AWS: A } }), deny({ Principal: { AWS: A } })],
    request: write(sessionA),
    expected: "explicit-deny",
  },
  {
    name: "cross-account evaluation: another account's caller needs the resource policy's allow",
    statements: [allow({ Principal: { AWS: W } })],
    request: write(sessionA),
    expected: "implicit-deny",
  },
  {
    name: "cross-account evaluation: and its identity policy's allow too",
    statements: [allow({ Principal: { AWS: A } })],
    request: write(sessionA, { identityAllows: false }),
    expected: "implicit-deny",
  },
  {
    name: "cross-account evaluation: resource allow plus identity allow allows",
    statements: [allow({ Principal: { AWS: A } })],
    request: write(sessionA),
    expected: "allow",
  },
  // Principal element.
  {
    name: "Principal: a 12-digit account id is the account's root ARN (account principals)",
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${A}:root` } })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "Principal: the root ARN of another partition is another principal",
    statements: [allow({ Principal: { AWS: `arn:aws-cn:iam::${A}:root` } })],
    request: write(rootA),
    expected: "implicit-deny",
  },
  {
    name: "Principal: a role ARN names the role's sessions (role principals)",
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${A}:role/Writer` } })],
    request: write(sessionA),
    expected: "allow",
  },
  {
    name: "Principal: a role ARN names no other role's session",
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${A}:role/Reader` } })],
    request: write(sessionA),
    expected: "implicit-deny",
  },
  {
    name: "Principal: a role session principal names that session",
    statements: [allow({ Principal: { AWS: `arn:aws:sts::${A}:assumed-role/Writer/s1` } })],
    request: write(sessionA),
    expected: "allow",
  },
  {
    name: "Principal: a wildcard cannot match part of a principal ARN",
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${A}:role/*` } })],
    request: write(sessionA),
    expected: "implicit-deny",
  },
  {
    name: 'Principal: "*" includes anonymous callers',
    statements: [allow({ Principal: "*" })],
    request: write(anonymous),
    expected: "allow",
  },
  {
    name: 'Principal: {"AWS": "*"} is the same as "*"',
    statements: [allow({ Principal: { AWS: "*" } })],
    request: write(grafana),
    expected: "allow",
  },
  {
    name: "Principal: a service principal names that service",
    statements: [allow({ Principal: { Service: "grafana.amazonaws.com" } })],
    request: write(grafana),
    expected: "allow",
  },
  {
    name: "Principal: a service principal names no IAM caller",
    statements: [allow({ Principal: { Service: "grafana.amazonaws.com" } })],
    request: write(rootA),
    expected: "implicit-deny",
  },
  {
    name: "Principal: naming an account delegates; a same-account identity without an identity allow is not granted (reading delegates)",
    statements: [allow({ Principal: { AWS: W } })],
    request: write(userW, { identityAllows: false }),
    expected: "implicit-deny",
    readings: { accountPrincipal: "delegates" },
  },
  {
    name: "Principal: naming an account grants its identities (reading grants)",
    statements: [allow({ Principal: { AWS: W } })],
    request: write(userW, { identityAllows: false }),
    expected: "allow",
    readings: { accountPrincipal: "grants" },
  },
  {
    name: "Principal: a Deny naming an account denies every identity of it",
    statements: [deny({ Principal: { AWS: W } })],
    request: write(sessionW),
    expected: "explicit-deny",
  },
  // NotPrincipal element.
  {
    name: "NotPrincipal with Deny: denied to all principals except the ones specified (anonymous is denied)",
    statements: [deny({ NotPrincipal: { AWS: A } })],
    request: write(anonymous),
    expected: "explicit-deny",
  },
  {
    name: "NotPrincipal with Deny: the user and its account listed exempt the user",
    statements: [
      allow({ Principal: { AWS: A } }),
      deny({ NotPrincipal: { AWS: [`arn:aws:iam::${A}:user/bob`, `arn:aws:iam::${A}:root`] } }),
    ],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "NotPrincipal with Deny: without the account ARN it may deny the whole account (reading every-level)",
    statements: [allow({ Principal: { AWS: A } }), deny({ NotPrincipal: { AWS: `arn:aws:iam::${A}:user/bob` } })],
    request: write(userA),
    expected: "explicit-deny",
    readings: { notPrincipal: "every-level" },
  },
  {
    name: "NotPrincipal with Deny: session, role and account listed exempt the assumed-role session",
    statements: [
      allow({ Principal: { AWS: A } }),
      deny({
        NotPrincipal: {
          AWS: [`arn:aws:sts::${A}:assumed-role/Writer/s1`, `arn:aws:iam::${A}:role/Writer`, `arn:aws:iam::${A}:root`],
        },
      }),
    ],
    request: write(sessionA),
    expected: "allow",
  },
  {
    name: "NotPrincipal with Deny: without the role ARN the session may be denied (reading every-level)",
    statements: [
      allow({ Principal: { AWS: A } }),
      deny({ NotPrincipal: { AWS: [`arn:aws:sts::${A}:assumed-role/Writer/s1`, `arn:aws:iam::${A}:root`] } }),
    ],
    request: write(sessionA),
    expected: "explicit-deny",
    readings: { notPrincipal: "every-level" },
  },
  {
    name: "NotPrincipal with Deny: the account alone exempts only its root (reading every-level)",
    statements: [allow({ Principal: { AWS: A } }), deny({ NotPrincipal: { AWS: A } })],
    request: write(sessionA),
    expected: "explicit-deny",
    readings: { notPrincipal: "every-level" },
  },
  {
    name: "NotPrincipal read as a Principal: the account exempts its identities (reading as-principal)",
    statements: [allow({ Principal: { AWS: A } }), deny({ NotPrincipal: { AWS: A } })],
    request: write(sessionA),
    expected: "allow",
    readings: { notPrincipal: "as-principal" },
  },
  {
    name: "NotPrincipal with Allow: allows all principals except the ones specified, anonymous too",
    statements: [allow({ NotPrincipal: { AWS: A } })],
    request: write(anonymous),
    expected: "allow",
  },
  // Action and NotAction.
  {
    name: "Action: action names are case-insensitive",
    statements: [allow({ Principal: { AWS: A }, Action: "APS:remotewrite" })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "Action: a multi-character wildcard matches a prefix",
    statements: [allow({ Principal: { AWS: A }, Action: "aps:Get*" })],
    request: { caller: userA, action: "aps:GetSeries" },
    expected: "allow",
  },
  {
    name: "Action: a single-character wildcard matches one character",
    statements: [allow({ Principal: { AWS: A }, Action: "aps:GetLabel?" })],
    request: { caller: userA, action: "aps:GetLabels" },
    expected: "allow",
  },
  {
    name: "NotAction: with Allow, allows every action except those listed",
    statements: [{ Effect: "Allow", Principal: { AWS: A }, NotAction: "aps:RemoteWrite", Resource: WS_ARN }],
    request: { caller: userA, action: "aps:QueryMetrics" },
    expected: "allow",
  },
  {
    name: "NotAction: the listed action is not allowed",
    statements: [{ Effect: "Allow", Principal: { AWS: A }, NotAction: "aps:Remote*", Resource: WS_ARN }],
    request: write(userA),
    expected: "implicit-deny",
  },
  // Resource and NotResource.
  {
    name: "Resource: a * that ends an ARN segment can match beyond the colons (arn:aws:aps:*)",
    statements: [allow({ Principal: { AWS: A }, Resource: "arn:aws:aps:*" })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "Resource: wildcards in the region and account segments",
    statements: [allow({ Principal: { AWS: A }, Resource: "arn:aws:aps:*:*:workspace/ws-?" })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "Resource: a * inside a segment does not cross a colon",
    statements: [allow({ Principal: { AWS: A }, Resource: "arn:aws:aps:us-*1:workspace/ws-1" })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "Resource: the workspace's id under another account is another resource",
    statements: [allow({ Principal: { AWS: A }, Resource: `arn:aws:aps:us-east-1:${A}:workspace/ws-1` })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "Resource: the workspace's id in another region is another resource",
    statements: [allow({ Principal: { AWS: A }, Resource: `arn:aws:aps:eu-west-1:${W}:workspace/ws-1` })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "Resource: ARNs are case-sensitive",
    statements: [allow({ Principal: { AWS: A }, Resource: WS_ARN.replace("ws-1", "WS-1") })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "NotResource: applies to every resource except those listed",
    statements: [
      {
        Effect: "Allow",
        Principal: { AWS: A },
        Action: "aps:*",
        NotResource: `arn:aws:aps:us-east-1:${W}:workspace/ws-2`,
      },
    ],
    request: write(userA),
    expected: "allow",
  },
  // Condition operators.
  {
    name: "ArnNotEquals aws:PrincipalArn: a same-account Deny spares only the named role's sessions",
    statements: [
      deny({ Principal: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${W}:role/ingest` } } }),
    ],
    request: write(sessionW),
    expected: "explicit-deny",
  },
  {
    name: "ArnNotEquals aws:PrincipalArn: a session's aws:PrincipalArn is its role's ARN",
    statements: [
      deny({ Principal: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${W}:role/ingest` } } }),
    ],
    request: write(ingestW),
    expected: "allow",
  },
  {
    name: "ArnLike: each of the six components is matched separately (arn:aws:iam::* has five: matches nothing)",
    statements: [allow({ Principal: "*", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*" } } })],
    request: write(sessionA),
    expected: "implicit-deny",
  },
  {
    name: "ArnLike: wildcards within components",
    statements: [allow({ Principal: "*", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Wri*" } } })],
    request: write(sessionA),
    expected: "allow",
  },
  {
    name: "ArnEquals: wildcards are honoured too (ArnEquals and ArnLike behave the same)",
    statements: [allow({ Principal: "*", Condition: { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${A}:*` } } })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "Condition: a missing key makes a positive operator false",
    statements: [allow({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "Condition: a missing key makes a negated operator true",
    statements: [allow({ Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-1" } } })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "...IfExists: a missing key makes the condition true",
    statements: [allow({ Principal: "*", Condition: { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-1" } } })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "...IfExists: a present key is compared",
    statements: [allow({ Principal: "*", Condition: { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-1" } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-2" } }),
    expected: "implicit-deny",
  },
  {
    name: "Condition: several values of one key are ORed",
    statements: [allow({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": ["o-2", "o-1"] } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-1" } }),
    expected: "allow",
  },
  {
    name: "Condition: several keys and operators are ANDed",
    statements: [
      allow({
        Principal: "*",
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" }, Bool: { "aws:SecureTransport": "true" } },
      }),
    ],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-1", "aws:SecureTransport": "false" } }),
    expected: "implicit-deny",
  },
  {
    name: "Condition: a negated operator with several values holds only when the value matches none (NOR)",
    statements: [allow({ Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": ["o-1", "o-2"] } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-2" } }),
    expected: "implicit-deny",
  },
  {
    name: "Condition: condition key names are case-insensitive",
    statements: [allow({ Principal: "*", Condition: { StringEquals: { "AWS:principalorgid": "o-1" } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-1" } }),
    expected: "allow",
  },
  {
    name: "StringEquals: values are case-sensitive",
    statements: [allow({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "O-1" } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-1" } }),
    expected: "implicit-deny",
  },
  {
    name: "StringEqualsIgnoreCase: values are compared ignoring case",
    statements: [allow({ Principal: "*", Condition: { StringEqualsIgnoreCase: { "aws:PrincipalOrgID": "O-1" } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-1" } }),
    expected: "allow",
  },
  {
    name: "StringLike: * and ? wildcards",
    statements: [allow({ Principal: "*", Condition: { StringLike: { "aws:PrincipalOrgID": "o-?*" } } })],
    request: write(userA, { context: { "aws:PrincipalOrgID": "o-12" } }),
    expected: "allow",
  },
  {
    name: "StringEquals aws:PrincipalAccount: the caller's own account, not one it could claim",
    statements: [allow({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalAccount": W } } })],
    request: write(sessionA),
    expected: "implicit-deny",
  },
  {
    name: "aws:SourceArn: a service principal acting for a resource carries it",
    statements: [
      allow({
        Principal: { Service: "grafana.amazonaws.com" },
        Condition: { ArnLike: { "aws:SourceArn": `arn:aws:grafana:us-east-1:${W}:/workspaces/*` } },
      }),
    ],
    request: write(grafana, {
      context: { "aws:SourceArn": `arn:aws:grafana:us-east-1:${W}:/workspaces/g-1`, "aws:SourceAccount": W },
    }),
    expected: "allow",
  },
  {
    name: "aws:SourceArn: an IAM caller never carries it (a positive condition on it never holds)",
    statements: [allow({ Principal: "*", Condition: { ArnLike: { "aws:SourceArn": "arn:aws:*:*:*:*" } } })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "Null true: the key is absent",
    statements: [allow({ Principal: "*", Condition: { Null: { "aws:SourceArn": "true" } } })],
    request: write(userA),
    expected: "allow",
  },
  {
    name: "Null false: the key is present",
    statements: [allow({ Principal: "*", Condition: { Null: { "aws:SourceArn": false } } })],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "Bool: true and the string 'true' are the same",
    statements: [allow({ Principal: "*", Condition: { Bool: { "aws:SecureTransport": true } } })],
    request: write(userA, { context: { "aws:SecureTransport": "true" } }),
    expected: "allow",
  },
  {
    name: "NumericLessThan: compares numbers, not text",
    statements: [allow({ Principal: "*", Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": 3600 } } })],
    request: write(userA, { context: { "aws:MultiFactorAuthAge": "600" } }),
    expected: "allow",
  },
  {
    name: "NumericGreaterThanEquals: a non-number value matches nothing",
    statements: [allow({ Principal: "*", Condition: { NumericGreaterThanEquals: { "aws:MultiFactorAuthAge": "x" } } })],
    request: write(userA, { context: { "aws:MultiFactorAuthAge": "600" } }),
    expected: "implicit-deny",
  },
  {
    name: "DateGreaterThan: ISO 8601 dates",
    statements: [
      allow({ Principal: "*", Condition: { DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } } }),
    ],
    request: write(userA, { context: { "aws:CurrentTime": "2026-06-01T00:00:00Z" } }),
    expected: "allow",
  },
  {
    name: "DateLessThan: epoch seconds",
    statements: [allow({ Principal: "*", Condition: { DateLessThan: { "aws:CurrentTime": "1767225600" } } })],
    request: write(userA, { context: { "aws:CurrentTime": "2026-06-01T00:00:00Z" } }),
    expected: "implicit-deny",
  },
  {
    name: "IpAddress: an address within the CIDR block",
    statements: [allow({ Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })],
    request: write(userA, { context: { "aws:SourceIp": "10.1.2.3" } }),
    expected: "allow",
  },
  {
    name: "NotIpAddress: an address outside the block",
    statements: [allow({ Principal: "*", Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })],
    request: write(userA, { context: { "aws:SourceIp": "192.0.2.7" } }),
    expected: "allow",
  },
  {
    name: "ForAnyValue: at least one request value matches",
    statements: [
      allow({ Principal: "*", Condition: { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-1/*" } } }),
    ],
    request: write(userA, { context: { "aws:PrincipalOrgPaths": ["o-2/r-1/", "o-1/r-1/"] } }),
    expected: "allow",
  },
  {
    name: "ForAnyValue: a missing key is false",
    statements: [
      allow({ Principal: "*", Condition: { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-1/*" } } }),
    ],
    request: write(userA),
    expected: "implicit-deny",
  },
  {
    name: "ForAllValues: every request value must match",
    statements: [
      allow({ Principal: "*", Condition: { "ForAllValues:StringLike": { "aws:PrincipalOrgPaths": "o-1/*" } } }),
    ],
    request: write(userA, { context: { "aws:PrincipalOrgPaths": ["o-2/r-1/", "o-1/r-1/"] } }),
    expected: "implicit-deny",
  },
  {
    name: "ForAllValues: a missing key is true",
    statements: [
      allow({ Principal: "*", Condition: { "ForAllValues:StringLike": { "aws:PrincipalOrgPaths": "o-1/*" } } }),
    ],
    request: write(userA),
    expected: "allow",
  },
];

describe("IAM decision oracle", () => {
  for (const testCase of CASES) {
    it(testCase.name, () => {
      const policy =
        testCase.statements === undefined ? undefined : { Version: "2012-10-17", Statement: testCase.statements };
      const readings = { accountPrincipal: "delegates", notPrincipal: "every-level", ...testCase.readings } as const;
      assert.equal(iamDecision(policy, WORKSPACE, testCase.request, readings), testCase.expected);
    });
  }

  it("decides the same under every reading where the documentation is unambiguous", () => {
    const policy = { Statement: [allow({ Principal: { AWS: A } })] };
    for (const readings of ALL_READINGS) {
      assert.equal(iamDecision(policy, WORKSPACE, write(sessionA), readings), "allow");
      assert.equal(iamDecision(policy, WORKSPACE, write(anonymous), readings), "implicit-deny");
    }
  });

  it("grants each of the 16 AMP actions by aps:* and none by s3:*", () => {
    const policy = { Statement: [allow({ Principal: { AWS: A }, Action: "aps:*" })] };
    const other = { Statement: [allow({ Principal: { AWS: A }, Action: "s3:*" })] };
    for (const action of SUPPORTED_ACTIONS) {
      assert.equal(iamDecision(policy, WORKSPACE, { caller: userA, action }), "allow", action);
      assert.equal(iamDecision(other, WORKSPACE, { caller: userA, action }), "implicit-deny", action);
    }
  });

  it("decides many actions at once exactly as one at a time", () => {
    const policy = {
      Statement: [
        allow({ Principal: { AWS: A }, Action: ["aps:Get*", "aps:RemoteWrite"] }),
        deny({ Principal: "*", Action: "aps:GetLabels", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      ],
    };
    const compiled = compilePolicy(policy, WORKSPACE);
    for (const caller of [rootW, userW, sessionA, grafana, anonymous]) {
      const contexts: Record<string, string>[] = [{}, { "aws:SecureTransport": "false" }];
      for (const context of contexts) {
        const request = { caller, context, identityAllows: false };
        const together = compiled.decideActions(request, SUPPORTED_ACTIONS);
        const apart = SUPPORTED_ACTIONS.map((action) => iamDecision(policy, WORKSPACE, { ...request, action }));
        assert.deepEqual(together, apart);
      }
    }
    assert.equal(compiled.decide({ caller: sessionA, action: "aps:GetLabels", context: {} }), "allow");
    assert.equal(
      compiled.decide({ caller: sessionA, action: "aps:GetLabels", context: { "aws:SecureTransport": "false" } }),
      "explicit-deny",
    );
  });

  it("refuses a context that gives a caller's own keys or gives aws:SourceArn to an IAM caller", () => {
    const policy = { Statement: [allow({ Principal: "*" })] };
    assert.throws(
      () => iamDecision(policy, WORKSPACE, write(userA, { context: { "aws:PrincipalAccount": W } })),
      /derived from the caller/,
    );
    assert.throws(
      () => iamDecision(policy, WORKSPACE, write(userA, { context: { "aws:SourceArn": WS_ARN } })),
      /only by a service principal/,
    );
  });

  it("refuses an unknown condition operator rather than guess", () => {
    const policy = {
      Statement: [allow({ Principal: "*", Condition: { StringSorta: { "aws:PrincipalOrgID": "o" } } })],
    };
    assert.throws(() => iamDecision(policy, WORKSPACE, write(userA)), /unknown condition operator StringSorta/);
  });
});
