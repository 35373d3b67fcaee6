import assert from "node:assert/strict";

import {
  type AccessOptions,
  accessChange,
  accessDigest,
  accessModel,
  explainAccess,
  formatAccessChange,
  formatAccessRows,
} from "../../provider/access";
import { PolicyParseError, SUPPORTED_ACTIONS, UNKNOWN } from "../../provider/policy";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const WS = "ws-1";
const WS_ARN = "arn:aws:aps:us-east-1:999988887777:workspace/ws-1";
const OTHER_WS_ARN = "arn:aws:aps:us-east-1:999988887777:workspace/ws-2";
const A = "111122223333";
const B = "444455556666";
const ROOT_A = `arn:aws:iam::${A}:root`;
const ROOT_B = `arn:aws:iam::${B}:root`;
const ROLE_A = `arn:aws:iam::${A}:role/ops/Writer`;
const SESSION_A = `arn:aws:sts::${A}:assumed-role/Writer/agent-1`;
const WS_ACCOUNT = "999988887777";
const WS_ROOT = `arn:aws:iam::${WS_ACCOUNT}:root`;
const WS_INGEST = `arn:aws:iam::${WS_ACCOUNT}:role/ingest`;
/** Where WS_ARN says the workspace is. */
const KNOWN_PLACE: AccessOptions = { accountId: WS_ACCOUNT, region: "us-east-1" };

/** A statement allowing account A to remote-write to the workspace, with some elements replaced or dropped. */
function stmt(overrides: JsonObject = {}, drop: string[] = []): JsonObject {
  const base: JsonObject = {
    Effect: "Allow",
    Principal: { AWS: A },
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

const ESC = "\u001b";

const orgIs = (...ids: string[]): JsonObject => ({ StringEquals: { "aws:PrincipalOrgID": ids } });

interface Pair {
  name: string;
  before: JsonObject | string | undefined;
  after: JsonObject | string | undefined;
  /**
   * Default: the workspace's account (999988887777, none of the accounts the rows name) and region known, its id
   * not: the rows read cross-account unless they say otherwise.
   */
  options?: AccessOptions;
  broadening: boolean;
  narrowing: boolean;
  /** The exact one-line verdict, when the row pins it. */
  summary?: string;
  /** The verdict rests on an approximation the model says it made (a note on a row or on the change). */
  approximate?: boolean;
}

/**
 * Before/after pairs with the verdict IAM gives: does `after` allow a request `before` did not (broadening),
 * and the reverse (narrowing)? Where the model cannot be exact it must err towards reporting a change and say
 * so: those rows are marked `approximate` and the comment gives IAM's own answer.
 */
const pairs: Pair[] = [
  // Principals
  {
    name: "adding an account to the principals",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: [A, B] } })),
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${ROOT_B} gains aps:RemoteWrite`,
  },
  {
    name: "removing an account from the principals",
    before: doc(stmt({ Principal: { AWS: [A, B] } })),
    after: doc(stmt()),
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROOT_B} loses aps:RemoteWrite`,
  },
  {
    name: "an account id written as its root ARN",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: ROOT_A } })),
    broadening: false,
    narrowing: false,
    summary: "no change in access",
  },
  {
    name: "the same account's root in another partition (a different principal)",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: `arn:aws-cn:iam::${A}:root` } })),
    broadening: true,
    narrowing: true,
    summary: `broadens and narrows access: arn:aws-cn:iam::${A}:root gains aps:RemoteWrite; ${ROOT_A} loses aps:RemoteWrite`,
  },
  {
    name: "an account id as the root of the workspace's own partition (aws-cn)",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: `arn:aws-cn:iam::${A}:root` } })),
    options: { partition: "aws-cn" },
    broadening: false,
    narrowing: false,
  },
  {
    name: "an account root replaced by one of its roles",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: ROLE_A } })),
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROOT_A} loses aps:RemoteWrite`,
  },
  {
    name: "a role replaced by its account's root",
    before: doc(stmt({ Principal: { AWS: ROLE_A } })),
    after: doc(stmt()),
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${ROOT_A} gains aps:RemoteWrite`,
  },
  {
    name: "a role replaced by a role of another account",
    before: doc(stmt({ Principal: { AWS: ROLE_A } })),
    after: doc(stmt({ Principal: { AWS: `arn:aws:iam::${B}:role/Writer` } })),
    broadening: true,
    narrowing: true,
  },
  {
    name: "a role replaced by one session of it",
    before: doc(stmt({ Principal: { AWS: ROLE_A } })),
    after: doc(stmt({ Principal: { AWS: SESSION_A } })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "a role added beside its account's root (already covered)",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: [A, ROLE_A] } })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "a user replaced by its account's root",
    before: doc(stmt({ Principal: { AWS: `arn:aws:iam::${A}:user/alice` } })),
    after: doc(stmt()),
    broadening: true,
    narrowing: false,
  },
  {
    name: "an account root opened to anyone",
    before: doc(stmt()),
    after: doc(stmt({ Principal: "*" })),
    broadening: true,
    narrowing: false,
    summary: "broadens access: anyone (*) gains aps:RemoteWrite",
  },
  {
    name: '"*" written as {"AWS": "*"}',
    before: doc(stmt({ Principal: "*" })),
    after: doc(stmt({ Principal: { AWS: ["*"] } })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "anyone restricted to one account",
    before: doc(stmt({ Principal: "*" })),
    after: doc(stmt()),
    broadening: false,
    narrowing: true,
    summary: "narrows access: anyone (*) loses aps:RemoteWrite",
  },
  {
    name: "a service principal added",
    before: doc(stmt()),
    after: doc(stmt({ Principal: { AWS: A, Service: "grafana.amazonaws.com" } })),
    broadening: true,
    narrowing: false,
    summary: "broadens access: Service:grafana.amazonaws.com gains aps:RemoteWrite",
  },

  // Actions
  {
    name: "an action in another case",
    before: doc(stmt()),
    after: doc(stmt({ Action: "APS:remotewrite" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "one action swapped for a wildcard over others",
    before: doc(stmt({ Action: "aps:QueryMetrics" })),
    after: doc(stmt({ Action: "aps:Get*" })),
    broadening: true,
    narrowing: true,
    summary:
      `broadens and narrows access: ${ROOT_A} gains aps:GetSeries, aps:GetLabels, aps:GetMetricMetadata, ` +
      `aps:GetAlertManagerStatus, aps:GetAlertManagerSilence; ${ROOT_A} loses aps:QueryMetrics`,
  },
  {
    name: "every Prometheus-compatible action listed vs aps:*",
    before: doc(stmt({ Action: [...SUPPORTED_ACTIONS] })),
    after: doc(stmt({ Action: "aps:*" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: 'aps:* vs "*" (AMP enforces only its own actions)',
    before: doc(stmt({ Action: "aps:*" })),
    after: doc(stmt({ Action: "*" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "aps:* narrowed with NotAction",
    before: doc(stmt({ Action: "aps:*" })),
    after: doc(stmt({ NotAction: "aps:RemoteWrite" }, ["Action"])),
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROOT_A} loses aps:RemoteWrite`,
  },
  {
    name: "a NotAction list that excludes one more action",
    before: doc(stmt({ NotAction: "aps:RemoteWrite" }, ["Action"])),
    after: doc(stmt({ NotAction: ["aps:RemoteWrite", "aps:queryMETRICS"] }, ["Action"])),
    broadening: false,
    narrowing: true,
  },
  {
    name: "an action AMP ignores added",
    before: doc(stmt()),
    after: doc(stmt({ Action: ["aps:RemoteWrite", "s3:GetObject"] })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "a statement of only actions AMP does not enforce in a workspace policy",
    before: doc(stmt()),
    after: doc(stmt(), stmt({ Principal: "*", Action: ["aps:CreateWorkspace", "aps:DeleteWorkspace"] })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "a wildcard that matches exactly the action it replaces",
    before: doc(stmt({ Action: "aps:QueryMetrics" })),
    after: doc(stmt({ Action: "aps:Query*" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "a ? wildcard",
    before: doc(stmt({ Action: "aps:GetSeries" })),
    after: doc(stmt({ Action: "aps:?etSeries" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "a wildcard widened to match one more action",
    before: doc(stmt({ Action: "aps:ListAlertManager*" })),
    after: doc(stmt({ Action: "aps:ListAlert*" })),
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${ROOT_A} gains aps:ListAlerts`,
  },

  // Conditions
  {
    name: "a condition added",
    before: doc(stmt()),
    after: doc(stmt({ Condition: orgIs("o-1") })),
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROOT_A} loses aps:RemoteWrite (under narrower conditions)`,
  },
  {
    name: "a condition dropped",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt()),
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${ROOT_A} gains aps:RemoteWrite (under wider conditions)`,
  },
  {
    name: "a value added to a StringEquals",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt({ Condition: orgIs("o-1", "o-2") })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a value removed from a StringEquals",
    before: doc(stmt({ Condition: orgIs("o-1", "o-2") })),
    after: doc(stmt({ Condition: orgIs("o-2") })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "a condition value changed",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt({ Condition: orgIs("o-2") })),
    broadening: true,
    narrowing: true,
  },
  {
    name: "a condition value in another case (values are case-sensitive)",
    before: doc(stmt({ Condition: orgIs("o-abc") })),
    after: doc(stmt({ Condition: orgIs("O-ABC") })),
    broadening: true,
    narrowing: true,
  },
  {
    name: "StringEquals replaced by a StringLike pattern that matches it",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt({ Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } })),
    broadening: true,
    narrowing: false,
  },
  {
    // IAM: ArnLike arn:aws:iam::* allows the one ARN StringEquals allowed and more: a broadening only. The model
    // does not relate StringEquals and ArnLike, so it errs towards both, with a note.
    name: "StringEquals on an ARN key replaced by an ArnLike pattern",
    before: doc(stmt({ Condition: { StringEquals: { "aws:PrincipalArn": ROLE_A } } })),
    after: doc(stmt({ Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${A}:role/*` } } })),
    broadening: true,
    narrowing: true,
    approximate: true,
    // The root user's aws:PrincipalArn is the root ARN, which neither condition names: only the other principals
    // of A change (issue 15 item 11).
    summary:
      `broadens and narrows access: principals of ${ROOT_A} gain aps:RemoteWrite (under wider conditions); ` +
      `principals of ${ROOT_A} lose aps:RemoteWrite (under narrower conditions) (some of it compared approximately: see the notes)`,
  },
  {
    name: "a StringLike pattern replaced by one value it matches",
    before: doc(stmt({ Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } })),
    after: doc(stmt({ Condition: orgIs("o-1") })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "StringEquals x replaced by StringNotEquals y (every x is not y, and more)",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt({ Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-2" } } })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a StringLike pattern widened to a shorter prefix",
    before: doc(stmt({ Condition: { StringLike: { "aws:PrincipalArn": `arn:aws:iam::${A}:role/ops-*` } } })),
    after: doc(stmt({ Condition: { StringLike: { "aws:PrincipalArn": `arn:aws:iam::${A}:role/*` } } })),
    broadening: true,
    narrowing: false,
  },
  {
    // IAM: "o-?" matches one character after "o-", "o-*" any number: a broadening only. The model proves
    // "not narrowing" ("o-*" covers "o-?") but cannot tell whether "o-?" covers "o-*": a broadening, with a note.
    name: "a ? pattern replaced by a * pattern",
    before: doc(stmt({ Condition: { StringLike: { "aws:PrincipalOrgID": "o-?" } } })),
    after: doc(stmt({ Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } })),
    broadening: true,
    narrowing: false,
    approximate: true,
  },
  {
    name: "an IpAddress range widened to one that contains it",
    before: doc(stmt({ Condition: { IpAddress: { "aws:SourceIp": "10.1.0.0/16" } } })),
    after: doc(stmt({ Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a NotIpAddress range widened (it excludes more)",
    before: doc(stmt({ Condition: { NotIpAddress: { "aws:SourceIp": "192.0.2.7" } } })),
    after: doc(stmt({ Condition: { NotIpAddress: { "aws:SourceIp": "192.0.2.0/24" } } })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "a NumericEquals value written another way",
    before: doc(stmt({ Condition: { NumericEquals: { "aws:MultiFactorAuthAge": "10" } } })),
    after: doc(stmt({ Condition: { NumericEquals: { "aws:MultiFactorAuthAge": "10.0" } } })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "a DateLessThan moved later",
    before: doc(stmt({ Condition: { DateLessThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } } })),
    after: doc(stmt({ Condition: { DateLessThan: { "aws:CurrentTime": "2027-01-01T00:00:00Z" } } })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a NumericLessThan bound raised",
    before: doc(stmt({ Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": 100 } } })),
    after: doc(stmt({ Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "200" } } })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a NumericLessThan made inclusive at the same bound",
    before: doc(stmt({ Condition: { NumericLessThanEquals: { "aws:MultiFactorAuthAge": 100 } } })),
    after: doc(stmt({ Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": 100 } } })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "a second condition key added",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt({ Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1", "aws:SourceVpc": "vpc-1" } } })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "a condition key in another case, a boolean as a string",
    before: doc(stmt({ Condition: { Bool: { "aws:SecureTransport": true }, ...orgIs("o-1") } })),
    after: doc(stmt({ Condition: { Bool: { "AWS:securetransport": "true" }, ...orgIs("o-1") } })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "StringEquals made StringEqualsIfExists (a request without the key now passes)",
    before: doc(stmt({ Condition: orgIs("o-1") })),
    after: doc(stmt({ Condition: { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-1" } } })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a value added to a ForAnyValue:StringEquals",
    before: doc(stmt({ Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": "team" } } })),
    after: doc(stmt({ Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["team", "env"] } } })),
    broadening: true,
    narrowing: false,
  },
  {
    // IAM: ForAllValues:StringEquals holds for a request without the key; ForAnyValue does not. Neither implies
    // the other in general, so the model reports both, with a note.
    name: "ForAnyValue replaced by ForAllValues on one key",
    before: doc(stmt({ Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": "team" } } })),
    after: doc(stmt({ Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": "team" } } })),
    broadening: true,
    narrowing: true,
    approximate: true,
  },
  {
    // IAM would need the operator's meaning; the model compares an unknown operator as written.
    name: "a value changed under an operator IAM does not document",
    before: doc(stmt({ Condition: { StringMatches: { "aws:PrincipalOrgID": "o-1" } } })),
    after: doc(stmt({ Condition: { StringMatches: { "aws:PrincipalOrgID": ["o-1", "o-2"] } } })),
    broadening: true,
    narrowing: true,
    approximate: true,
  },

  // Deny
  {
    name: "a Deny added",
    before: doc(stmt({ Action: "aps:*" })),
    after: doc(stmt({ Action: "aps:*" }), stmt({ Effect: "Deny", Principal: { AWS: ROLE_A } })),
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROLE_A} loses aps:RemoteWrite (now denied)`,
  },
  {
    name: "a Deny removed",
    before: doc(stmt({ Action: "aps:*" }), stmt({ Effect: "Deny", Principal: { AWS: ROLE_A } })),
    after: doc(stmt({ Action: "aps:*" })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "a Deny turned Allow",
    before: doc(stmt(), stmt({ Effect: "Deny", Principal: "*", Action: "aps:QueryMetrics" })),
    after: doc(stmt(), stmt({ Effect: "Allow", Principal: "*", Action: "aps:QueryMetrics" })),
    broadening: true,
    narrowing: false,
    summary: "broadens access: anyone (*) gains aps:QueryMetrics",
  },
  {
    name: "an Allow turned Deny",
    before: doc(stmt({ Principal: { AWS: [A, B] } }), stmt({ Principal: { AWS: B } })),
    after: doc(stmt({ Principal: { AWS: [A, B] } }), stmt({ Effect: "Deny", Principal: { AWS: B } })),
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROOT_B} loses aps:RemoteWrite (now denied)`,
  },
  {
    name: "a Deny's condition dropped (it denies more)",
    before: doc(stmt({ Principal: "*" }), stmt({ Effect: "Deny", Principal: "*", Condition: orgIs("o-bad") })),
    after: doc(stmt({ Principal: "*" }), stmt({ Effect: "Deny", Principal: "*" })),
    broadening: false,
    narrowing: true,
  },
  {
    name: "a Deny's condition added (it denies less)",
    before: doc(stmt({ Principal: "*" }), stmt({ Effect: "Deny", Principal: { AWS: B } })),
    after: doc(stmt({ Principal: "*" }), stmt({ Effect: "Deny", Principal: { AWS: B }, Condition: orgIs("o-bad") })),
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${ROOT_B} gains aps:RemoteWrite (no longer denied)`,
  },
  {
    name: "a Deny NotPrincipal exempting one more account",
    before: doc(stmt({ Principal: "*" }), stmt({ Effect: "Deny", NotPrincipal: { AWS: A } }, ["Principal"])),
    after: doc(stmt({ Principal: "*" }), stmt({ Effect: "Deny", NotPrincipal: { AWS: [A, B] } }, ["Principal"])),
    broadening: true,
    narrowing: false,
    // B's root is exempt now; B's other principals only if the list reads as a Principal (issue 15 item 7).
    approximate: true,
    summary:
      `broadens access: ${ROOT_B} gains aps:RemoteWrite (no longer denied) ` +
      "(some of it compared approximately: see the notes)",
  },
  {
    // A's principals never met it; B's are not allowed either way.
    name: "a Deny that never met the Allow's condition removed",
    before: doc(
      stmt({ Condition: orgIs("o-1") }),
      stmt({ Effect: "Deny", Principal: { AWS: B }, Condition: { StringEquals: { "aws:principalorgid": "o-9" } } }),
    ),
    after: doc(stmt({ Condition: orgIs("o-1") })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: false,
  },
  {
    // Issue 15 item 4: the Deny bound the workspace's own principals, whom their IAM policies may allow.
    name: "a Deny on anyone that no Allow met removed (it bound the workspace's own account)",
    before: doc(
      stmt({ Condition: orgIs("o-1") }),
      stmt({ Effect: "Deny", Principal: "*", Condition: { StringEquals: { "aws:principalorgid": "o-9" } } }),
    ),
    after: doc(stmt({ Condition: orgIs("o-1") })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
  },
  {
    name: "an Allow that a Deny blocks entirely added",
    before: doc(stmt(), stmt({ Effect: "Deny", Principal: "*", Action: "aps:QueryMetrics" })),
    after: doc(
      stmt(),
      stmt({ Effect: "Deny", Principal: "*", Action: "aps:QueryMetrics" }),
      stmt({ Principal: { AWS: B }, Action: "aps:QueryMetrics", Condition: orgIs("o-1") }),
    ),
    broadening: false,
    narrowing: false,
  },

  // Resources
  {
    name: "the Resource moved to another workspace",
    before: doc(stmt()),
    after: doc(stmt({ Resource: OTHER_WS_ARN })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: true,
  },
  {
    name: "a statement for another workspace added",
    before: doc(stmt()),
    after: doc(stmt(), stmt({ Principal: "*", Action: "aps:*", Resource: OTHER_WS_ARN })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: false,
  },
  {
    name: "a statement for another workspace added, the workspace id unknown (kept)",
    before: doc(stmt()),
    after: doc(stmt(), stmt({ Principal: "*", Action: "aps:QueryMetrics", Resource: OTHER_WS_ARN })),
    broadening: true,
    narrowing: false,
  },
  {
    name: 'the workspace ARN as "*"',
    before: doc(stmt()),
    after: doc(stmt({ Resource: "*" })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: false,
  },
  {
    // Issue 15 item 5: if the ARN names another account or region, "*" is what grants here.
    name: 'the workspace ARN as "*", the account and region not known',
    before: doc(stmt()),
    after: doc(stmt({ Resource: "*" })),
    options: { workspaceId: WS },
    broadening: true,
    narrowing: false,
    approximate: true,
  },
  {
    name: "NotResource excluding this workspace",
    before: doc(stmt()),
    after: doc(stmt({ NotResource: WS_ARN }, ["Resource"])),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: true,
  },
  {
    name: "a Resource in another account than the workspace's",
    before: doc(stmt()),
    after: doc(stmt({ Resource: `arn:aws:aps:us-east-1:${B}:workspace/ws-1` })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: true,
  },

  // Issue 15: the workspace's own account (item 4)
  {
    // IAM, one account: its principals are allowed by their identity policies unless the resource policy denies.
    name: "a Deny on the workspace's own account removed (account known)",
    before: doc(stmt(), stmt({ Effect: "Deny", Principal: { AWS: WS_ACCOUNT } })),
    after: doc(stmt()),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
    summary: `broadens access: principals of ${WS_ROOT} (as their IAM policies allow) gain aps:RemoteWrite (no longer denied)`,
  },
  {
    name: "a Deny on anyone but one role removed (account known)",
    before: doc(
      stmt(),
      stmt({ Effect: "Deny", Principal: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": WS_INGEST } } }),
    ),
    after: doc(stmt()),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
  },
  {
    // Any principal may be in the workspace's account when it is not known.
    name: "a Deny on one account removed (account not known)",
    before: doc(stmt(), stmt({ Effect: "Deny", Principal: { AWS: B } })),
    after: doc(stmt()),
    options: { workspaceId: WS },
    broadening: true,
    narrowing: false,
    approximate: true,
  },
  {
    name: "a Deny on another account removed (account known: nothing allowed it there)",
    before: doc(stmt(), stmt({ Effect: "Deny", Principal: { AWS: B } })),
    after: doc(stmt()),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: false,
  },

  // Issue 15: a Resource in another account or region (item 5), wildcard ARNs (item 6)
  {
    name: "a Resource under another account replaced by the workspace's (account not known)",
    before: doc(stmt({ Resource: `arn:aws:aps:us-east-1:${A}:workspace/ws-1` })),
    after: doc(stmt()),
    options: { workspaceId: WS },
    broadening: true,
    narrowing: true,
    approximate: true,
  },
  {
    name: "a Resource under another account replaced by the workspace's (account known)",
    before: doc(stmt({ Resource: `arn:aws:aps:us-east-1:${A}:workspace/ws-1` })),
    after: doc(stmt()),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
  },
  {
    name: "a Resource in another region replaced by the workspace's (region known)",
    before: doc(stmt({ Resource: "arn:aws:aps:eu-west-1:999988887777:workspace/ws-1" })),
    after: doc(stmt()),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
  },
  {
    name: 'a Resource "arn:aws:aps:*" (a * ending a segment matches across colons)',
    before: doc(stmt({ Resource: OTHER_WS_ARN })),
    after: doc(stmt({ Resource: "arn:aws:aps:*" })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
  },

  // Issue 15: NotPrincipal with Deny (item 7)
  {
    // AWS: the account (and for a session, the role) must be listed too, or the Deny applies to the caller.
    name: "a Deny NotPrincipal listing only a session removed (the session was denied)",
    before: doc(
      stmt({ Principal: { AWS: SESSION_A } }),
      stmt({ Effect: "Deny", NotPrincipal: { AWS: SESSION_A } }, ["Principal"]),
    ),
    after: doc(stmt({ Principal: { AWS: SESSION_A } })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
    summary:
      `broadens access: principals of ${WS_ROOT} (as their IAM policies allow) gain aps:RemoteWrite (no longer denied); ` +
      `${SESSION_A} gains aps:RemoteWrite (no longer denied)`,
  },
  {
    name: "a Deny NotPrincipal listing a session now lists its role and account too (the session is exempt)",
    before: doc(
      stmt({ Principal: { AWS: SESSION_A } }),
      stmt({ Effect: "Deny", NotPrincipal: { AWS: SESSION_A } }, ["Principal"]),
    ),
    after: doc(
      stmt({ Principal: { AWS: SESSION_A } }),
      stmt({ Effect: "Deny", NotPrincipal: { AWS: [SESSION_A, ROLE_A, ROOT_A] } }, ["Principal"]),
    ),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${SESSION_A} gains aps:RemoteWrite (no longer denied)`,
  },

  // Issue 15: ARN patterns in conditions (item 8), conditions no request meets (item 11)
  {
    name: "ArnLike arn:aws:iam::* (five components: matches no principal) replaced by one role",
    before: doc(stmt({ Principal: "*", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*" } } })),
    after: doc(stmt({ Principal: "*", Condition: { ArnLike: { "aws:PrincipalArn": ROLE_A } } })),
    broadening: true,
    narrowing: false,
  },
  {
    name: "an Allow to an account under aws:SourceArn (IAM callers never carry it) added",
    before: undefined,
    after: doc(stmt({ Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::bucket" } } })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: false,
  },
  {
    name: "an Allow to account A under aws:PrincipalAccount B added",
    before: undefined,
    after: doc(stmt({ Condition: { StringEquals: { "aws:PrincipalAccount": B } } })),
    options: { workspaceId: WS, accountId: WS_ACCOUNT, region: "us-east-1" },
    broadening: false,
    narrowing: false,
  },

  // Create, delete
  {
    name: "create (no policy → a policy)",
    before: undefined,
    after: doc(stmt()),
    broadening: true,
    narrowing: false,
    summary: `broadens access: ${ROOT_A} gains aps:RemoteWrite`,
  },
  {
    name: "delete (a policy → no policy)",
    before: doc(stmt()),
    after: undefined,
    broadening: false,
    narrowing: true,
    summary: `narrows access: ${ROOT_A} loses aps:RemoteWrite`,
  },
  {
    name: "create of a policy that grants nothing AMP enforces",
    before: undefined,
    after: doc(stmt({ Action: "s3:GetObject" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "no policy either side",
    before: undefined,
    after: undefined,
    broadening: false,
    narrowing: false,
    summary: "no change in access",
  },

  // Swaps and rewrites
  {
    name: "two accounts swap their actions",
    before: doc(stmt(), stmt({ Principal: { AWS: B }, Action: "aps:QueryMetrics" })),
    after: doc(stmt({ Action: "aps:QueryMetrics" }), stmt({ Principal: { AWS: B } })),
    broadening: true,
    narrowing: true,
  },
  {
    name: "a Sid renamed",
    before: doc(stmt({ Sid: "Write" })),
    after: doc(stmt({ Sid: "RemoteWrite" })),
    broadening: false,
    narrowing: false,
  },
  {
    name: "one statement split into one per action and principal",
    before: doc(stmt({ Principal: { AWS: [A, B] }, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
    after: doc(
      stmt({ Principal: { AWS: A } }),
      stmt({ Principal: { AWS: B } }),
      stmt({ Principal: { AWS: A }, Action: "aps:QueryMetrics" }),
      stmt({ Principal: { AWS: B }, Action: "aps:QueryMetrics" }),
    ),
    broadening: false,
    narrowing: false,
  },
  {
    name: "statements reordered, the document as indented JSON text",
    before: doc(stmt(), stmt({ Principal: { AWS: B }, Action: "aps:QueryMetrics" })),
    after: JSON.stringify(doc(stmt({ Principal: { AWS: B }, Action: "aps:QueryMetrics" }), stmt()), null, 2),
    broadening: false,
    narrowing: false,
  },
  {
    // IAM: StringEquals o-1 or StringNotEquals o-1 is every request, so nothing changes. The model compares
    // statement by statement and cannot see a union cover it, so it reports the broadening it cannot rule out.
    name: "an unconditional Allow that two conditional Allows covered together",
    before: doc(
      stmt({ Condition: orgIs("o-1") }),
      stmt({ Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-1" } } }),
    ),
    after: doc(stmt()),
    broadening: true,
    narrowing: false,
  },
];

describe("access model", () => {
  describe("accessChange: verdicts IAM gives", () => {
    it("has at least 40 before/after pairs", () => {
      assert.ok(pairs.length >= 40, `${pairs.length} pairs`);
    });
    for (const pair of pairs) {
      it(`${pair.name}: ${verdict(pair.broadening, pair.narrowing)}`, () => {
        const options = pair.options ?? { accountId: WS_ACCOUNT, region: "us-east-1" };
        const change = accessChange(pair.before, pair.after, options);
        assert.equal(verdict(change.broadening, change.narrowing), verdict(pair.broadening, pair.narrowing));
        if (pair.summary !== undefined) {
          assert.equal(change.summary, pair.summary);
        }
        const notes = [...change.notes, ...[...change.added, ...change.removed].flatMap((row) => row.notes)];
        const approximated = notes.some((text) => /approximately|compared as written/.test(text));
        assert.equal(approximated, pair.approximate === true, `notes: ${JSON.stringify(notes)}`);
        assert.equal(change.unknown, false);
        // The reverse change is the same comparison the other way round.
        const reverse = accessChange(pair.after, pair.before, options);
        assert.equal(reverse.broadening, change.narrowing);
        assert.equal(reverse.narrowing, change.broadening);
      });
    }
  });

  describe("accessChange: rows", () => {
    it("lists an added statement with its Sid and a note on the actions AMP ignores", () => {
      const change = accessChange(
        doc(stmt()),
        doc(
          stmt(),
          stmt({
            Sid: "Query",
            Principal: { AWS: B },
            Action: ["aps:QueryMetrics", "s3:GetObject"],
            Condition: orgIs("o-2", "o-1"),
          }),
        ),
        KNOWN_PLACE,
      );
      assert.deepEqual(change.removed, []);
      assert.deepEqual(change.added, [
        {
          change: "+",
          effect: "Allow",
          principals: [ROOT_B],
          actions: ["aps:QueryMetrics"],
          conditions: ["StringEquals aws:PrincipalOrgID: o-1, o-2"],
          sid: "Query",
          notes: ["ignored by AMP (grants nothing): s3:GetObject"],
        },
      ]);
      assert.deepEqual(change.gains, [
        { principal: ROOT_B, action: "aps:QueryMetrics", reason: "new", approximate: false },
        { principal: `principals of ${ROOT_B}`, action: "aps:QueryMetrics", reason: "new", approximate: false },
      ]);
    });

    it("shows a rewrite that keeps the access as rows, with no verdict", () => {
      const change = accessChange(
        doc(stmt({ Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
        doc(stmt(), stmt({ Action: "aps:QueryMetrics" })),
      );
      assert.equal(change.summary, "no change in access");
      assert.deepEqual(
        [change.removed.map((row) => row.actions), change.added.map((row) => row.actions)],
        [[["aps:RemoteWrite", "aps:QueryMetrics"]], [["aps:RemoteWrite"], ["aps:QueryMetrics"]]],
      );
    });

    it("has no rows for a Sid rename or reformatting", () => {
      const change = accessChange(doc(stmt({ Sid: "A" })), JSON.stringify(doc(stmt({ Sid: "B" }))));
      assert.deepEqual([change.added, change.removed], [[], []]);
    });

    it("prints NotPrincipal as everyone except, and a compressed NotAction", () => {
      const change = accessChange(
        undefined,
        doc(stmt({ Effect: "Deny", NotPrincipal: { AWS: A }, NotAction: "aps:RemoteWrite" }, ["Principal", "Action"])),
      );
      assert.deepEqual(
        change.added.map((row) => [row.principals, row.actions, row.notes]),
        [
          [
            ["everyone except:", `  ${ROOT_A}`],
            ["all but aps:RemoteWrite"],
            [
              "NotPrincipal: applies to everyone except callers whose every identity is listed (account; role and session)",
            ],
          ],
        ],
      );
      // Issue 15 item 4: a Deny binds the principals of the workspace's own account, which may be any account here.
      assert.equal(
        change.summary,
        "narrows access: principals of the workspace's account (as their IAM policies allow) lose all but aps:RemoteWrite (now denied); " +
          `principals of ${ROOT_A} (as their IAM policies allow) lose all but aps:RemoteWrite (now denied) ` +
          "(some of it compared approximately: see the notes)",
      );
    });

    it("notes a Resource that names another workspace", () => {
      const change = accessChange(undefined, doc(stmt({ Resource: OTHER_WS_ARN })), { workspaceId: WS });
      assert.deepEqual(change.added[0].notes, [
        `Resource names another workspace (${OTHER_WS_ARN}): grants nothing here`,
      ]);
    });

    it("says which conditions it compared approximately, on both rows", () => {
      const change = accessChange(
        doc(stmt({ Condition: { StringEquals: { "aws:PrincipalArn": ROLE_A } } })),
        doc(stmt({ Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${A}:role/*` } } })),
      );
      assert.deepEqual(change.added[0].notes, [
        "conditions on aws:PrincipalArn compared approximately (ArnLike against StringEquals): reported as a change",
      ]);
      assert.deepEqual(change.removed[0].notes, [
        "conditions on aws:PrincipalArn compared approximately (StringEquals against ArnLike): reported as a change",
      ]);
      assert.deepEqual(change.gains[0], {
        principal: `principals of ${ROOT_A}`,
        action: "aps:RemoteWrite",
        reason: "conditions",
        approximate: true,
      });
    });
  });

  describe("accessChange: documents not known yet", () => {
    it("decides nothing when a value is the unknown sentinel", () => {
      const change = accessChange(doc(stmt()), doc(stmt({ Principal: { AWS: UNKNOWN } })));
      assert.deepEqual([change.unknown, change.broadening, change.narrowing], [true, false, false]);
      assert.equal(change.summary, "access not known yet: the policy is known only at apply");
      assert.equal(accessChange(doc(stmt()), UNKNOWN).unknown, true);
    });

    it("throws PolicyParseError on a document that is not JSON", () => {
      assert.throws(() => accessChange(doc(stmt()), "{not json"), PolicyParseError);
    });
  });

  describe("accessModel", () => {
    it("reads principals as IAM means them", () => {
      const model = accessModel(
        doc(
          stmt({
            Principal: {
              AWS: [A, ROLE_A, SESSION_A, "*", `arn:aws-us-gov:iam::${B}:root`],
              Service: "x.amazonaws.com",
            },
          }),
        ),
      );
      assert.deepEqual(
        model.statements[0].principals.map((p) => [p.key, p.kind]),
        [
          ["*", "anyone"],
          [`arn:aws-us-gov:iam::${B}:root`, "root"],
          [ROLE_A, "role"],
          [ROOT_A, "root"],
          [SESSION_A, "session"],
          ["Service:x.amazonaws.com", "other"],
        ],
      );
    });

    it("expands wildcards and NotAction against the Prometheus-compatible actions, case-insensitively", () => {
      const actions = (statement: JsonObject): readonly string[] => accessModel(doc(statement)).statements[0].actions;
      assert.deepEqual(actions(stmt({ Action: "APS:*ALERTMANAGERSILENCE*" })), [
        "aps:GetAlertManagerSilence",
        "aps:ListAlertManagerSilences",
        "aps:PutAlertManagerSilences",
        "aps:DeleteAlertManagerSilence",
      ]);
      assert.equal(actions(stmt({ NotAction: ["aps:Get*", "aps:List*"] }, ["Action"])).length, 5);
      assert.deepEqual(actions(stmt({ Action: ["s3:*", "aps:CreateWorkspace"] })), []);
      assert.deepEqual(
        accessModel(doc(stmt({ Action: ["s3:*", "aps:CreateWorkspace"] }))).statements[0].ignoredActions,
        ["s3:*", "aps:CreateWorkspace"],
      );
    });

    it("keeps a statement for another workspace only while the workspace id is unknown", () => {
      const applies = (options: AccessOptions, resource: string): boolean =>
        accessModel(doc(stmt({ Resource: resource })), options).statements[0].appliesHere;
      assert.deepEqual(
        [
          applies({}, OTHER_WS_ARN),
          applies({ workspaceId: WS }, OTHER_WS_ARN),
          applies({ workspaceId: WS }, WS_ARN),
          applies({ workspaceId: WS }, "arn:aws:aps:*:*:workspace/ws-?"),
          applies({ workspaceId: WS, partition: "aws-cn" }, WS_ARN),
          applies({ workspaceId: WS, region: "eu-west-1" }, WS_ARN),
          applies({}, "arn:aws:s3:::bucket"),
        ],
        [true, false, true, true, false, false, false],
      );
    });
  });

  describe("accessDigest", () => {
    const base = doc(stmt({ Principal: { AWS: [A, B] }, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] }));
    const same: Array<[string, unknown]> = [
      ["the same document as text", JSON.stringify(base, null, 3)],
      [
        "account ids as root ARNs, actions reordered in other case",
        doc(stmt({ Principal: { AWS: [ROOT_B, ROOT_A] }, Action: ["APS:querymetrics", "aps:RemoteWrite"] })),
      ],
      [
        "a Sid added",
        doc(stmt({ Sid: "Both", Principal: { AWS: [A, B] }, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
      ],
      [
        "split into statements",
        doc(stmt({ Principal: { AWS: [A, B] } }), stmt({ Principal: { AWS: [B, A] }, Action: "aps:QueryMetrics" })),
      ],
      [
        "an ignored action added",
        doc(stmt({ Principal: { AWS: [A, B] }, Action: ["aps:RemoteWrite", "aps:QueryMetrics", "s3:GetObject"] })),
      ],
    ];
    const different: Array<[string, unknown]> = [
      ["a principal removed", doc(stmt({ Action: ["aps:RemoteWrite", "aps:QueryMetrics"] }))],
      ["an action removed", doc(stmt({ Principal: { AWS: [A, B] } }))],
      [
        "a condition added",
        doc(
          stmt({
            Principal: { AWS: [A, B] },
            Action: ["aps:RemoteWrite", "aps:QueryMetrics"],
            Condition: orgIs("o-1"),
          }),
        ),
      ],
      [
        "Allow turned Deny",
        doc(stmt({ Effect: "Deny", Principal: { AWS: [A, B] }, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] })),
      ],
      ["no policy", undefined],
    ];
    for (const [name, other] of same) {
      it(`is the same for ${name}`, () => {
        assert.equal(accessDigest(other), accessDigest(base));
      });
    }
    for (const [name, other] of different) {
      it(`differs for ${name}`, () => {
        assert.notEqual(accessDigest(other), accessDigest(base));
      });
    }
    it("is access- and 12 hex characters, and the digest of the change's after", () => {
      assert.match(accessDigest(base), /^access-[0-9a-f]{12}$/);
      assert.equal(accessChange(undefined, base).digest, accessDigest(base));
      assert.equal(explainAccess(base).digest, accessDigest(base));
    });
  });

  describe("formatAccessChange", () => {
    const change = accessChange(doc(stmt()), doc(stmt({ Principal: { AWS: B }, Sid: "W" })), KNOWN_PLACE);

    it("prints the verdict and a box-drawn table, removed rows first", () => {
      assert.equal(
        formatAccessChange(change),
        [
          `broadens and narrows access: ${ROOT_B} gains aps:RemoteWrite; ${ROOT_A} loses aps:RemoteWrite`,
          "┌───┬────────┬─────────────────┬────────────────────────────────┬───────────┬─────┐",
          "│   │ Effect │ Action          │ Principal                      │ Condition │ Sid │",
          "├───┼────────┼─────────────────┼────────────────────────────────┼───────────┼─────┤",
          `│ - │ Allow  │ aps:RemoteWrite │ ${ROOT_A} │           │     │`,
          "├───┼────────┼─────────────────┼────────────────────────────────┼───────────┼─────┤",
          `│ + │ Allow  │ aps:RemoteWrite │ ${ROOT_B} │           │ W   │`,
          "└───┴────────┴─────────────────┴────────────────────────────────┴───────────┴─────┘",
        ].join("\n"),
      );
    });

    it("prints plain ASCII borders when asked, and no colour unless asked", () => {
      const text = formatAccessChange(change, { ascii: true, summary: false });
      assert.equal(
        text.split("\n")[0],
        "+---+--------+-----------------+--------------------------------+-----------+-----+",
      );
      assert.ok(!text.includes(ESC) && !text.includes("─") && !text.includes("│"), text);
    });

    it("colours added rows green and removed rows red when asked", () => {
      const text = formatAccessChange(change, { color: true });
      assert.ok(text.includes(`${ESC}[31m - ${ESC}[0m`), text);
      assert.ok(text.includes(`${ESC}[32m + ${ESC}[0m`), text);
    });

    it("prints only the verdict when nothing changes", () => {
      assert.equal(formatAccessChange(accessChange(doc(stmt()), doc(stmt()))), "no change in access");
    });

    it("wraps long conditions and notes, never names", () => {
      const values = Array.from({ length: 4 }, (_, i) => `o-organization-number-${i}`);
      const role = `arn:aws:iam::${A}:role/a-rather-long-role-name-that-does-not-wrap`;
      const text = formatAccessRows(
        explainAccess(doc(stmt({ Principal: { AWS: role }, Condition: orgIs(...values) }))).rows,
        { maxCellWidth: 40 },
      );
      assert.equal(
        text,
        [
          "┌────────┬─────────────────┬───────────────────────────────────────────────────────────────────────────┬──────────────────────────────────┐",
          "│ Effect │ Action          │ Principal                                                                 │ Condition                        │",
          "├────────┼─────────────────┼───────────────────────────────────────────────────────────────────────────┼──────────────────────────────────┤",
          `│ Allow  │ aps:RemoteWrite │ ${role} │ StringEquals aws:PrincipalOrgID: │`,
          "│        │                 │                                                                           │   o-organization-number-0,       │",
          "│        │                 │                                                                           │   o-organization-number-1,       │",
          "│        │                 │                                                                           │   o-organization-number-2,       │",
          "│        │                 │                                                                           │   o-organization-number-3        │",
          "└────────┴─────────────────┴───────────────────────────────────────────────────────────────────────────┴──────────────────────────────────┘",
        ].join("\n"),
      );
    });
  });
});

function verdict(broadening: boolean, narrowing: boolean): string {
  return broadening && narrowing
    ? "broadens and narrows"
    : broadening
      ? "broadens"
      : narrowing
        ? "narrows"
        : "no change";
}
