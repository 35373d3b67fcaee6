/**
 * The policy document model: parse, validate, canonicalize, compare.
 *
 * Two documents are equivalent exactly when their canonical forms are equal. The canonical form is for
 * comparison only; AWS is always sent the user's own document.
 */
import stringify from "fast-json-stable-stringify";

/** A value in a condition block: IAM compares them as strings. */
export type ConditionValue = string | number | boolean;

/** The `Principal` (or `NotPrincipal`) of a statement. */
export type PolicyPrincipal =
  | "*"
  | {
      AWS?: string | string[];
      Service?: string | string[];
      Federated?: string | string[];
      CanonicalUser?: string | string[];
    };

/** One statement of a resource-based policy. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** Operator → condition key → value(s), e.g. `{ StringEquals: { "aws:PrincipalOrgID": "o-123" } }`. */
  Condition?: Record<string, Record<string, ConditionValue | ConditionValue[]>>;
}

/** An IAM policy document, as an AMP workspace resource policy. */
export interface PolicyDocument {
  Version?: "2012-10-17" | "2008-10-17";
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** What users may give as a policy: a JSON string or an object. */
export type PolicyInput = string | PolicyDocument;

/**
 * The value Pulumi substitutes for an input that is not known yet (during preview). It may stand for the
 * whole document or for any value inside it.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * The largest document accepted, in UTF-8 bytes of its minified JSON. AMP does not document a limit; this
 * matches the largest IAM resource-based policy limit (20 KiB) so that an oversized document fails at
 * preview instead of at apply.
 */
export const MAX_POLICY_BYTES = 20480;

/**
 * The deepest nesting of arrays and objects accepted. A policy needs six levels (document, Statement list,
 * statement, Condition, operator block, value list); deeper values overflow the stack of `JSON.stringify`.
 */
const MAX_POLICY_DEPTH = 64;

/** The actions a workspace resource policy can grant ("Prometheus-compatible" actions, lower-cased). */
export const SUPPORTED_ACTIONS: readonly string[] = [
  "aps:RemoteWrite",
  "aps:QueryMetrics",
  "aps:GetSeries",
  "aps:GetLabels",
  "aps:GetMetricMetadata",
  "aps:ListRules",
  "aps:ListAlerts",
  "aps:GetAlertManagerStatus",
  "aps:GetAlertManagerSilence",
  "aps:ListAlertManagerAlerts",
  "aps:ListAlertManagerAlertGroups",
  "aps:ListAlertManagerReceivers",
  "aps:ListAlertManagerSilences",
  "aps:PutAlertManagerSilences",
  "aps:DeleteAlertManagerSilence",
  "aps:CreateAlertManagerAlerts",
];
const supportedActionSet = new Set(SUPPORTED_ACTIONS.map((action) => action.toLowerCase()));

/**
 * Condition keys that narrow who may use a grant to `*`. A statement open to `*` with one of these is not
 * reported as open to anyone.
 */
const restrictingConditionKeys = new Set(
  [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalServiceName",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:VpcSourceIp",
    "aws:userid",
    "aws:username",
  ].map((key) => key.toLowerCase()),
);

const principalTypes = ["AWS", "Service", "Federated", "CanonicalUser"];
const statementKeys = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);
const documentKeys = new Set(["Version", "Id", "Statement"]);
const accountId = /^\d{12}$/;
const partitionName = /^aws(?:-[a-z]+)*$/;

/** The partition of most workspaces, assumed when the workspace's own is not given. */
export const DEFAULT_PARTITION = "aws";

/** How to compare policies: what is known of the workspace they are for. */
export interface PolicyComparisonOptions {
  /**
   * The partition of the workspace (`aws`, `aws-cn`, `aws-us-gov`, ...): a bare account id in a principal
   * means that account's root in this partition. Default `aws`. The root of an account in another partition
   * is another principal, whatever this option says.
   */
  partition?: string;
}

/** The document could not be read as a JSON object. */
export class PolicyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyParseError";
  }
}

/** Whether a value is Pulumi's unknown sentinel, or a document that contains it anywhere. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) {
    return true;
  }
  if (typeof value === "string") {
    return value.includes(UNKNOWN);
  }
  if (Array.isArray(value)) {
    return value.some(containsUnknown);
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(containsUnknown);
  }
  return false;
}

/**
 * Reads a policy given as a JSON string or an object into a plain JSON object. An object is read as JSON
 * sees it, i.e. as it is sent to AWS: `undefined` members dropped, `NaN` as `null`, `toJSON` applied.
 *
 * @throws PolicyParseError when the string is not JSON, the value is not a JSON object (or cannot be
 * serialized as one), or it nests arrays and objects more than 64 levels deep (or in a cycle).
 */
export function parsePolicy(input: unknown): Record<string, unknown> {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new PolicyParseError(`is not valid JSON (${(err as Error).message})`);
    }
  } else if (typeof input === "object" && input !== null && !nestsTooDeep(input)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(input);
    } catch (err) {
      throw new PolicyParseError(`cannot be serialized as JSON (${(err as Error).message})`);
    }
    value = text === undefined ? undefined : JSON.parse(text);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new PolicyParseError(`must be a JSON object with a Statement, not ${kind}`);
  }
  if (nestsTooDeep(value)) {
    throw new PolicyParseError(`nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep`);
  }
  return value as Record<string, unknown>;
}

/** Whether a value nests deeper than MAX_POLICY_DEPTH; iterative, so that it cannot overflow the stack itself. */
function nestsTooDeep(root: object): boolean {
  const pending: Array<[unknown, number]> = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value === "object" && value !== null) {
      if (depth > MAX_POLICY_DEPTH) {
        return true;
      }
      for (const item of Object.values(value)) {
        pending.push([item, depth + 1]);
      }
    }
  }
  return false;
}

/** The document as it is sent to AWS: the user's own document, minified. */
export function serializePolicy(input: unknown): string {
  return JSON.stringify(parsePolicy(input));
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/** The outcome of validating a document: failures stop preview; warnings are shown to the user. */
export interface PolicyValidation {
  /** Each problem, phrased to follow the property name (e.g. `Statement[0] has no Effect`). */
  errors: string[];
  /** Each risk or likely mistake that AWS would accept. */
  warnings: string[];
}

/**
 * Validates a policy for the workspace `workspaceId` (which may be unknown). Never throws: every problem is
 * returned. Values that are not known yet are accepted.
 */
export function validatePolicy(input: unknown, workspaceId?: string): PolicyValidation {
  const result: PolicyValidation = { errors: [], warnings: [] };
  if (input === UNKNOWN) {
    return result;
  }
  if (input === undefined || input === null || input === "") {
    result.errors.push("is required");
    return result;
  }
  if (typeof input !== "string" && (typeof input !== "object" || Array.isArray(input))) {
    result.errors.push(`must be a JSON string or an object, not ${Array.isArray(input) ? "an array" : typeof input}`);
    return result;
  }
  let doc: Record<string, unknown>;
  try {
    doc = parsePolicy(input);
  } catch (err) {
    result.errors.push((err as Error).message);
    return result;
  }
  const size = Buffer.byteLength(JSON.stringify(doc), "utf8");
  if (size > MAX_POLICY_BYTES) {
    result.errors.push(`is ${size} bytes when minified, more than the ${MAX_POLICY_BYTES} bytes allowed`);
    return result;
  }
  checkText(doc, "", result.errors);

  for (const key of Object.keys(doc)) {
    if (!documentKeys.has(key)) {
      result.errors.push(`has an unknown element "${key}" (allowed: Version, Id, Statement)`);
    }
  }
  const version = doc.Version;
  if (version !== undefined && version !== UNKNOWN && version !== "2012-10-17" && version !== "2008-10-17") {
    result.errors.push(`Version must be "2012-10-17" or "2008-10-17", not ${JSON.stringify(version)}`);
  }
  if (version === undefined) {
    result.warnings.push(
      'has no Version; IAM then uses "2008-10-17", which does not support policy variables: add "Version": "2012-10-17"',
    );
  }
  if (doc.Id !== undefined && typeof doc.Id !== "string") {
    result.errors.push("Id must be a string");
  }

  const statement = doc.Statement;
  if (statement === undefined) {
    result.errors.push("has no Statement");
    return result;
  }
  if (statement === UNKNOWN) {
    return result;
  }
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement];
  if (statements.length === 0) {
    result.errors.push("Statement must not be empty");
  }
  const sids = new Set<string>();
  statements.forEach((stmt, index) => {
    const at = Array.isArray(statement) ? `Statement[${index}]` : "Statement";
    validateStatement(stmt, at, workspaceId, result);
    const sid = (stmt as { Sid?: unknown } | null)?.Sid;
    if (typeof sid === "string" && sid !== "" && sid !== UNKNOWN) {
      if (sids.has(sid)) {
        result.errors.push(`${at}.Sid "${sid}" is used by another statement; Sids must be unique`);
      }
      sids.add(sid);
    }
  });
  return result;
}

function validateStatement(stmt: unknown, at: string, workspaceId: string | undefined, result: PolicyValidation): void {
  const { errors, warnings } = result;
  if (stmt === UNKNOWN) {
    return;
  }
  if (typeof stmt !== "object" || stmt === null || Array.isArray(stmt)) {
    errors.push(`${at} must be an object`);
    return;
  }
  const s = stmt as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!statementKeys.has(key)) {
      errors.push(`${at} has an unknown element "${key}"`);
    }
  }
  if (s.Sid !== undefined && typeof s.Sid !== "string") {
    errors.push(`${at}.Sid must be a string`);
  } else if (typeof s.Sid === "string" && s.Sid !== UNKNOWN && !/^[A-Za-z0-9]*$/.test(s.Sid)) {
    errors.push(`${at}.Sid "${s.Sid}" may contain only letters and digits`);
  }

  if (s.Effect === undefined) {
    errors.push(`${at} has no Effect (must be "Allow" or "Deny")`);
  } else if (s.Effect !== "Allow" && s.Effect !== "Deny" && s.Effect !== UNKNOWN) {
    errors.push(`${at}.Effect must be "Allow" or "Deny", not ${JSON.stringify(s.Effect)}`);
  }

  const hasPrincipal = s.Principal !== undefined;
  const hasNotPrincipal = s.NotPrincipal !== undefined;
  if (!hasPrincipal && !hasNotPrincipal) {
    errors.push(`${at} has no Principal (a resource policy must say who it applies to)`);
  } else if (hasPrincipal && hasNotPrincipal) {
    errors.push(`${at} has both Principal and NotPrincipal; use one`);
  }
  if (hasPrincipal) {
    validatePrincipal(s.Principal, `${at}.Principal`, errors);
  }
  if (hasNotPrincipal) {
    validatePrincipal(s.NotPrincipal, `${at}.NotPrincipal`, errors);
    if (s.Effect === "Allow") {
      errors.push(`${at} uses NotPrincipal with "Allow", which IAM does not support`);
    }
  }

  const hasAction = s.Action !== undefined;
  const hasNotAction = s.NotAction !== undefined;
  if (!hasAction && !hasNotAction) {
    errors.push(`${at} has no Action or NotAction`);
  } else if (hasAction && hasNotAction) {
    errors.push(`${at} has both Action and NotAction; use one`);
  }
  for (const key of ["Action", "NotAction"] as const) {
    const actions = stringList(s[key], `${at}.${key}`, errors);
    for (const action of actions) {
      if (action === UNKNOWN) {
        continue;
      }
      if (action === "") {
        errors.push(`${at}.${key} has an empty action`);
      } else if (action !== "*" && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
        errors.push(`${at}.${key} has a malformed action "${action}" (expected "service:Action")`);
      } else if (action.includes("*") || action.includes("?")) {
        if (key === "Action") {
          warnings.push(
            `${at}.Action "${action}" is a wildcard: it grants every matching action, including any added later; list the actions instead`,
          );
        }
      } else if (!supportedActionSet.has(action.toLowerCase())) {
        warnings.push(
          `${at}.${key} "${action}" is not a Prometheus-compatible action; AMP workspace policies ignore or reject it`,
        );
      }
    }
  }

  if (s.Resource !== undefined && s.NotResource !== undefined) {
    errors.push(`${at} has both Resource and NotResource; use one`);
  }
  for (const key of ["Resource", "NotResource"] as const) {
    const resources = stringList(s[key], `${at}.${key}`, errors);
    for (const resource of resources) {
      if (resource === "") {
        errors.push(`${at}.${key} has an empty resource`);
      } else if (key === "Resource" && !resourceMayNameWorkspace(resource, workspaceId)) {
        warnings.push(
          `${at}.Resource "${resource}" does not name workspace ${workspaceId ?? ""}; AMP rejects a Resource other than the workspace's own ARN`,
        );
      }
    }
  }

  if (s.Condition !== undefined) {
    validateCondition(s.Condition, `${at}.Condition`, errors);
  }

  if (s.Effect === "Allow" && isOpenToAnyone(s) && !hasRestrictingCondition(s.Condition)) {
    warnings.push(
      `${at} allows Principal "*" with no condition restricting who (e.g. aws:PrincipalOrgID or aws:SourceAccount): the workspace is open to anyone`,
    );
  }
}

function validatePrincipal(principal: unknown, at: string, errors: string[]): void {
  if (principal === "*" || principal === UNKNOWN) {
    return;
  }
  if (typeof principal === "string") {
    errors.push(`${at} must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, not a string`);
    return;
  }
  if (typeof principal !== "object" || principal === null || Array.isArray(principal)) {
    errors.push(`${at} must be "*" or an object of principal type to principals`);
    return;
  }
  const entries = Object.entries(principal as Record<string, unknown>);
  if (entries.length === 0) {
    errors.push(`${at} must name at least one principal`);
  }
  for (const [type, value] of entries) {
    if (!principalTypes.includes(type)) {
      errors.push(`${at} has an unknown principal type "${type}" (allowed: ${principalTypes.join(", ")})`);
      continue;
    }
    for (const name of stringList(value, `${at}.${type}`, errors)) {
      if (name === "") {
        errors.push(`${at}.${type} has an empty principal`);
      }
    }
  }
}

function validateCondition(condition: unknown, at: string, errors: string[]): void {
  if (condition === UNKNOWN) {
    return;
  }
  if (typeof condition !== "object" || condition === null || Array.isArray(condition)) {
    errors.push(`${at} must be an object of operator to {key: value}`);
    return;
  }
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    if (!/^[A-Za-z:]+$/.test(operator)) {
      errors.push(`${at} has a malformed operator "${operator}"`);
    }
    if (block === UNKNOWN) {
      continue;
    }
    if (typeof block !== "object" || block === null || Array.isArray(block)) {
      errors.push(`${at}.${operator} must be an object of condition key to value(s)`);
      continue;
    }
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      const values = Array.isArray(value) ? value : [value];
      if (Array.isArray(value) && value.length === 0) {
        errors.push(`${at}.${operator}["${key}"] must have at least one value`);
      }
      if (!values.every((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")) {
        errors.push(`${at}.${operator}["${key}"] values must be strings, numbers or booleans`);
      }
    }
  }
}

/** Reads a string-or-list element, reporting wrong types; returns its strings. */
function stringList(value: unknown, at: string, errors: string[]): string[] {
  if (value === undefined) {
    return [];
  }
  if (typeof value === "string") {
    return [value];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      errors.push(`${at} must not be an empty list`);
    }
    if (!value.every((v) => typeof v === "string")) {
      errors.push(`${at} must be a string or a list of strings`);
    }
    return value.filter((v): v is string => typeof v === "string");
  }
  errors.push(`${at} must be a string or a list of strings, not ${value === null ? "null" : typeof value}`);
  return [];
}

/** Rejects control characters and lone surrogates anywhere in keys or values. */
function checkText(value: unknown, at: string, errors: string[]): void {
  const bad = (text: string): string | undefined => {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(text)) {
      return "a control character";
    }
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) {
      return "invalid Unicode (a lone surrogate, not UTF-8 encodable)";
    }
    return undefined;
  };
  const visit = (v: unknown, path: string): void => {
    if (errors.length > 20) {
      return;
    }
    if (typeof v === "string") {
      const problem = bad(v);
      if (problem) {
        errors.push(`${path || "document"} contains ${problem}`);
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (typeof v === "object" && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const problem = bad(key);
        if (problem) {
          errors.push(`${path || "document"} has a key that contains ${problem}`);
        }
        visit(item, path ? `${path}.${key}` : key);
      }
    }
  };
  visit(value, at);
}

function isOpenToAnyone(s: Record<string, unknown>): boolean {
  const principal = s.Principal;
  if (principal === "*") {
    return true;
  }
  if (typeof principal === "object" && principal !== null && !Array.isArray(principal)) {
    const aws = (principal as Record<string, unknown>).AWS;
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  }
  return false;
}

function hasRestrictingCondition(condition: unknown): boolean {
  if (typeof condition !== "object" || condition === null) {
    return false;
  }
  return Object.values(condition as Record<string, unknown>).some(
    (block) =>
      typeof block === "object" &&
      block !== null &&
      Object.keys(block).some((key) => restrictingConditionKeys.has(key.toLowerCase())),
  );
}

/**
 * Whether a Resource value can match the workspace's ARN, `arn:<partition>:aps:<region>:<account>:workspace/<id>`.
 * Partition, region and account are not known before the first API call, so only the service and the
 * workspace part are compared (wildcards included).
 */
function resourceMayNameWorkspace(resource: string, workspaceId: string | undefined): boolean {
  if (resource === "*" || resource.includes(UNKNOWN)) {
    return true;
  }
  const parts = resource.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !globMatches(parts[2], "aps")) {
    return false;
  }
  const target = !workspaceId || workspaceId === UNKNOWN ? undefined : `workspace/${workspaceId}`;
  const rest = parts.slice(5).join(":");
  return target === undefined ? /^workspace\/./.test(rest) || rest.includes("*") : globMatches(rest, target);
}

/**
 * IAM's ARN matching: `*` is any run of characters, `?` any one character, case-sensitive. Greedy with one
 * backtrack point, so at worst pattern length × value length steps; a regex would backtrack exponentially
 * in the number of `*`.
 */
function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (pattern[p] === "*") {
      star = p++;
      resume = v;
    } else if (p < pattern.length && (pattern[p] === "?" || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") {
    p++;
  }
  return p === pattern.length;
}

// ---------------------------------------------------------------------------------------------------------
// Canonical form

/**
 * The canonical form of a policy: a JSON string, equal for two documents exactly when IAM gives them the
 * same meaning (DESIGN.md 4) for a workspace in `options.partition` (default `aws`). Accepts a JSON string or
 * an object. Account roots appear as `arn:<partition>:iam::<id>:root`, a bare account id as the root in the
 * workspace's partition.
 *
 * @throws PolicyParseError when the input is not a JSON object.
 * @throws RangeError when `options.partition` is not a partition name (a programming error).
 */
export function normalizePolicy(input: unknown, options?: PolicyComparisonOptions): string {
  const partition = partitionOf(options);
  return stringify(canonicalizePolicy(parsePolicy(input), partition));
}

/**
 * Whether two policies mean the same to IAM, for a workspace in `options.partition` (default `aws`). Each
 * may be a JSON string or an object. Documents that cannot be read are equivalent only to an identical
 * document.
 *
 * @throws RangeError when `options.partition` is not a partition name (a programming error).
 */
export function policiesEquivalent(a: unknown, b: unknown, options?: PolicyComparisonOptions): boolean {
  const partition = { partition: partitionOf(options) };
  let left: string;
  let right: string;
  try {
    left = normalizePolicy(a, partition);
    right = normalizePolicy(b, partition);
  } catch {
    if (Object.is(a, b)) {
      return true;
    }
    const rawA = rawText(a);
    return rawA !== undefined && rawA === rawText(b);
  }
  return left === right;
}

/** An unreadable input as text to compare: a string as it is, anything else as JSON if it has a JSON form. */
function rawText(value: unknown): string | undefined {
  if (typeof value === "string") {
    return value;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    return undefined;
  }
  try {
    return stringify(value);
  } catch {
    return undefined;
  }
}

/** Builds the canonical object of a parsed document. Never throws on odd shapes: unknown parts are kept. */
function canonicalizePolicy(doc: Record<string, unknown>, partition: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === "Statement") {
      const statements = Array.isArray(value) ? value : [value];
      const canonical = statements.map((stmt) => canonicalizeStatement(stmt, partition)).map((stmt) => stringify(stmt));
      out.Statement = [...new Set(canonical)].sort().map((text) => JSON.parse(text) as unknown);
    } else {
      out[key] = value;
    }
  }
  // IAM reads a missing Version as "2008-10-17".
  if (out.Version === undefined) {
    out.Version = "2008-10-17";
  }
  return out;
}

function canonicalizeStatement(stmt: unknown, partition: string): unknown {
  if (typeof stmt !== "object" || stmt === null || Array.isArray(stmt)) {
    return stmt;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stmt as Record<string, unknown>)) {
    switch (key) {
      case "Action":
      case "NotAction":
        out[key] = canonicalList(value, (action) => action.toLowerCase());
        break;
      case "Resource":
      case "NotResource":
        out[key] = canonicalList(value, (resource) => resource);
        break;
      case "Principal":
      case "NotPrincipal":
        out[key] = canonicalizePrincipal(value, partition);
        break;
      case "Condition": {
        const condition = canonicalizeCondition(value);
        if (condition !== undefined) {
          out[key] = condition;
        }
        break;
      }
      default:
        out[key] = value;
    }
  }
  return out;
}

/**
 * A value or list whose order IAM ignores as a sorted, de-duplicated list, whatever its element types:
 * strings pass through `mapItem`, other elements are kept and ordered by their JSON text.
 */
function canonicalList(value: unknown, mapItem: (item: string) => string): unknown[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return canonicalSet(items.map((item) => (typeof item === "string" ? mapItem(item) : item)));
}

/** Values as a set: de-duplicated and sorted by their canonical JSON text. */
function canonicalSet(items: unknown[]): unknown[] {
  const byText = new Map<string, unknown>();
  for (const item of items) {
    byText.set(stringify(item), item);
  }
  return [...byText.keys()].sort().map((text) => byText.get(text));
}

function canonicalizePrincipal(principal: unknown, partition: string): unknown {
  if (principal === "*") {
    return { AWS: ["*"] };
  }
  if (typeof principal !== "object" || principal === null || Array.isArray(principal)) {
    return principal;
  }
  const out: Record<string, unknown> = {};
  for (const [type, value] of Object.entries(principal as Record<string, unknown>)) {
    out[type] = canonicalList(value, (name) => (type === "AWS" ? canonicalPrincipal(name, partition) : name));
  }
  return out;
}

/**
 * The canonical name of an `AWS` principal for a workspace in `partition` (default `aws`): a bare account id
 * is that account's root in the workspace's partition, `arn:<partition>:iam::<id>:root`; any other name
 * (roots of other partitions included) is itself.
 *
 * @throws RangeError when `partition` is not a partition name.
 */
export function canonicalPrincipal(name: string, partition: string = DEFAULT_PARTITION): string {
  const checked = partitionOf({ partition });
  return accountId.test(name) ? `arn:${checked}:iam::${name}:root` : name;
}

/** The partition the options name, checked; the default when they name none. */
function partitionOf(options: PolicyComparisonOptions | undefined): string {
  const partition = options?.partition ?? DEFAULT_PARTITION;
  if (typeof partition !== "string" || !partitionName.test(partition)) {
    throw new RangeError(
      `not an AWS partition name: ${JSON.stringify(partition)} (e.g. "aws", "aws-cn", "aws-us-gov")`,
    );
  }
  return partition;
}

/**
 * Conditions as a sorted list of `[operator, lower-cased key, sorted string values]`. Values are compared as
 * strings (`true` ≡ `"true"`, `10` ≡ `"10"`); key names are case-insensitive; empty blocks mean nothing.
 */
function canonicalizeCondition(condition: unknown): unknown {
  if (typeof condition !== "object" || condition === null || Array.isArray(condition)) {
    return condition;
  }
  const entries: string[] = [];
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    if (typeof block !== "object" || block === null || Array.isArray(block)) {
      entries.push(stringify([operator, block]));
      continue;
    }
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      // IAM compares scalars as strings; anything else (invalid, but compared soundly) stays a JSON value.
      const values = (Array.isArray(value) ? (value as unknown[]) : [value]).map((v) =>
        typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : { json: v },
      );
      entries.push(stringify([operator, key.toLowerCase(), canonicalSet(values)]));
    }
  }
  if (entries.length === 0) {
    return undefined;
  }
  return [...new Set(entries)].sort().map((text) => JSON.parse(text) as unknown);
}
