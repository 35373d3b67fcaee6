/**
 * An independent oracle of IAM's decision for ONE concrete request to an AMP workspace, given the workspace's
 * resource policy: the judge of the access model's verdicts (tests/unit/access-soundness.property.test.ts).
 *
 * Written from the IAM User Guide (policy evaluation logic, the policy elements, the condition operators and
 * the global condition keys), not from the access model: it imports nothing of provider/access or of the
 * policy model's semantics. Where a rule is cited below, it is the IAM User Guide's.
 *
 * What it decides (reference_policies_evaluation-logic*):
 * - An explicit `Deny` of the resource policy that applies to the request overrides every Allow.
 * - A caller of the workspace's own account (user, role, session) is allowed when its identity policy OR the
 *   resource policy allows ("If either the identity-based policy or the resource-based policy within the same
 *   account allows the request ... the request is still allowed"). The account's root user has full access
 *   unless denied ("all requests are implicitly denied with the exception of the AWS account root user").
 * - A caller of another account needs the resource policy's Allow AND its identity policy's (cross-account
 *   evaluation logic); a service principal and an anonymous caller have no identity policy: the resource
 *   policy's Allow alone decides.
 *
 * Checked once by hand (2026-12-06) against a third-party simulator, @cloud-copilot/iam-simulate 0.1.173 (not a
 * dependency: AGPL), on 6,000 random requests over the soundness test's vocabulary: the same decision in 5,870;
 * 80 more under another of the readings below (it reads NotPrincipal "as-principal"); the other 50 involve a
 * principal or NotResource ARN of another partition, which it matches regardless of the partition. On this
 * file's truth table it differs only there, on the readings, and on the root user (it gives root no access
 * without an identity policy).
 *
 * Choices (the identity side and the readings the documentation leaves open):
 * - The identity side is one boolean per request, `identityAllows` (default true: "can this request EVER be
 *   allowed"). The soundness test asks both values for callers of the workspace's own account, where the
 *   resource policy's Allow matters only when the identity policy does not allow; for callers of other
 *   accounts it keeps the default (the question is then what the resource policy grants).
 * - `accountPrincipal`: what an Allow naming an account (`"123456789012"` or its root ARN) gives an identity of
 *   that account whose own identity policy does not allow. `"delegates"` (Principal element: naming an account
 *   delegates to the account's administrators, who grant through identity policies): nothing;
 *   `"grants"`: the statement applies to every identity of the account. A Deny naming an account always
 *   applies to every identity of it; the root user is the account and always matches it.
 * - `notPrincipal`: which callers a `NotPrincipal` exempts. `"every-level"` (NotPrincipal element: AWS "might
 *   validate the account first, then the role, and then the assumed-role user", so the account, the role and
 *   the session must all be listed): a caller is exempt only when every identity of its chain is listed
 *   (root: the account; user: the user and the account; role: the role and the account; session: the session,
 *   the role and the account). `"as-principal"`: the list read as a `Principal` (an account covers its
 *   identities, a role its sessions). Tests that must hold whatever AWS does ask both.
 * - `"Principal": "*"` and `{"AWS": "*"}` are the same: everyone, anonymous callers and service principals
 *   included (Principal element, "All principals"; some services are said to treat them differently, AMP is not
 *   known to).
 * - A session is matched by its role's ARN in `Principal` (and by its own session ARN); `aws:PrincipalArn` of
 *   a session is the role's ARN (global condition keys), never the session's.
 * - The principal's own condition keys (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
 *   `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`, `aws:username`) are derived from the caller and
 *   cannot be given in the context; `aws:SourceArn`, `aws:SourceAccount` are carried only by a service acting
 *   for a resource (an IAM caller never carries them: given one, the oracle throws). A service principal
 *   carries no `aws:PrincipalArn` or `aws:PrincipalAccount`.
 * - A statement with neither `Resource` nor `NotResource` applies to the workspace it is attached to; one with
 *   neither `Action` nor `NotAction` applies to no action. An unknown condition operator throws (IAM rejects the
 *   policy), so a test cannot silently judge a policy the oracle does not understand.
 * - A condition key with several values in the request and an operator without `ForAllValues`/`ForAnyValue`
 *   matches when some value matches (a negated operator: when no value matches any policy value).
 * - Condition operator names and condition keys are case-insensitive; condition values are compared as text
 *   (`true` ≡ `"true"`, `10` ≡ `"10"`).
 */

/** A caller of an AMP workspace API, in the workspace's partition. */
export type Caller =
  | { kind: "root"; accountId: string }
  | { kind: "user"; accountId: string; name: string }
  | { kind: "role"; accountId: string; name: string }
  | { kind: "session"; accountId: string; role: string; session: string }
  | { kind: "service"; service: string }
  | { kind: "anonymous" };

/** A value of a condition key in the request context: one value or a set (multivalued keys). */
export type ContextValue = string | readonly string[];

/** The workspace the resource policy is attached to. */
export interface OracleWorkspace {
  partition: string;
  region: string;
  accountId: string;
  workspaceId: string;
}

/** One concrete request. */
export interface IamRequest {
  caller: Caller;
  /** One action, e.g. `aps:RemoteWrite`. */
  action: string;
  /** The resource ARN the request is for; defaults to the workspace's ARN. */
  resource?: string;
  /**
   * Condition keys of the request beyond those of the caller (e.g. `aws:SourceIp`, `aws:SourceArn` for a
   * service). Keys are case-insensitive.
   */
  context?: Readonly<Record<string, ContextValue>>;
  /** Whether the caller's identity policy allows the request (default true; ignored for root, services, anonymous). */
  identityAllows?: boolean;
}

/** The readings of what the documentation leaves open (see the header). */
export interface OracleReadings {
  accountPrincipal: "delegates" | "grants";
  notPrincipal: "every-level" | "as-principal";
}

/** The readings used when none are given. */
export const DEFAULT_READINGS: OracleReadings = { accountPrincipal: "delegates", notPrincipal: "every-level" };

/** Every combination of readings, for tests that must hold whatever AWS does. */
export const ALL_READINGS: readonly OracleReadings[] = [
  { accountPrincipal: "delegates", notPrincipal: "every-level" },
  { accountPrincipal: "delegates", notPrincipal: "as-principal" },
  { accountPrincipal: "grants", notPrincipal: "every-level" },
  { accountPrincipal: "grants", notPrincipal: "as-principal" },
];

/** IAM's answer: allowed, denied by an explicit Deny, or denied because nothing allows it. */
export type Decision = "allow" | "explicit-deny" | "implicit-deny";

/** The ARN of a workspace. */
export function workspaceArn(workspace: OracleWorkspace): string {
  return `arn:${workspace.partition}:aps:${workspace.region}:${workspace.accountId}:workspace/${workspace.workspaceId}`;
}

/** The ARN a caller is identified by (a session's own ARN), or undefined for a service or anonymous caller. */
export function callerArn(caller: Caller, partition: string): string | undefined {
  switch (caller.kind) {
    case "root":
      return `arn:${partition}:iam::${caller.accountId}:root`;
    case "user":
      return `arn:${partition}:iam::${caller.accountId}:user/${caller.name}`;
    case "role":
      return `arn:${partition}:iam::${caller.accountId}:role/${caller.name}`;
    case "session":
      return `arn:${partition}:sts::${caller.accountId}:assumed-role/${caller.role}/${caller.session}`;
    default:
      return undefined;
  }
}

/** A short label of a caller, for messages. */
export function callerLabel(caller: Caller): string {
  switch (caller.kind) {
    case "service":
      return `service ${caller.service}`;
    case "anonymous":
      return "anonymous";
    default:
      return callerArn(caller, "aws") ?? caller.kind;
  }
}

/**
 * IAM's decision for one request against the workspace's resource policy (`undefined`: no policy).
 *
 * @throws Error when the policy uses an element or operator the oracle does not know.
 */
export function iamDecision(
  policy: unknown,
  workspace: OracleWorkspace,
  request: IamRequest,
  readings: OracleReadings = DEFAULT_READINGS,
): Decision {
  return compilePolicy(policy, workspace).decide(request, readings);
}

/** A policy read once, to decide many requests. */
export interface CompiledPolicy {
  /** IAM's decision for one request. */
  decide(request: IamRequest, readings?: OracleReadings): Decision;
  /** IAM's decisions for one request made with each of several actions (`request.action` is ignored). */
  decideActions(request: Omit<IamRequest, "action">, actions: readonly string[], readings?: OracleReadings): Decision[];
}

/**
 * Reads a policy (a JSON string, an object, or `undefined` for none) once for many decisions.
 *
 * @throws Error when the policy is not a JSON object or uses an element the oracle does not know.
 */
export function compilePolicy(policy: unknown, workspace: OracleWorkspace): CompiledPolicy {
  const statements = policy === undefined ? [] : readStatements(policy);
  const actionCache = new WeakMap<readonly string[], boolean[][]>();
  const resourceCache = new Map<string, boolean[]>();
  const decideActions = (
    request: Omit<IamRequest, "action">,
    actions: readonly string[],
    readings: OracleReadings = DEFAULT_READINGS,
  ): Decision[] => {
    const caller = request.caller;
    const resource = request.resource ?? workspaceArn(workspace);
    const resourceHits = cached(resourceCache, resource, () => statements.map((s) => resourceMatches(s, resource)));
    const identityAllows = request.identityAllows ?? true;
    const actionHits = cachedWeak(actionCache, actions, () =>
      actions.map((action) => statements.map((s) => actionMatches(s, action))),
    );
    let context: Map<string, readonly string[]> | undefined;
    // Whether each statement applies to this caller, resource and context, whatever the action.
    const applicable = statements.map((stmt, index) => {
      if (!resourceHits[index] || !principalApplies(stmt, caller, identityAllows, workspace.partition, readings)) {
        return false;
      }
      context ??= cachedContext(caller, request.context ?? NO_CONTEXT, workspace.partition);
      return conditionsHold(stmt.conditions, context);
    });
    return actionHits.map((hits) => {
      const applies = (effect: Effect): boolean =>
        statements.some((stmt, index) => stmt.effect === effect && applicable[index] && hits[index]);
      if (applies("Deny")) {
        return "explicit-deny";
      }
      const resourceAllows = applies("Allow");
      if (caller.kind === "service" || caller.kind === "anonymous") {
        return resourceAllows ? "allow" : "implicit-deny";
      }
      if (caller.accountId === workspace.accountId) {
        return caller.kind === "root" || identityAllows || resourceAllows ? "allow" : "implicit-deny";
      }
      return resourceAllows && identityAllows ? "allow" : "implicit-deny";
    });
  };
  return {
    decide: (request, readings) => decideActions(request, [request.action], readings)[0],
    decideActions,
  };
}

function cachedWeak<K extends object, T>(cache: WeakMap<K, T>, key: K, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}

const NO_CONTEXT: Readonly<Record<string, ContextValue>> = {};
const contextCache = new WeakMap<Caller, WeakMap<object, Map<string, Map<string, readonly string[]>>>>();

/** The request context of a caller and given keys, built once per (caller, context, partition) object. */
function cachedContext(
  caller: Caller,
  given: Readonly<Record<string, ContextValue>>,
  partition: string,
): Map<string, readonly string[]> {
  const byContext = cachedWeak(contextCache, caller, () => new WeakMap());
  const byPartition = cachedWeak(byContext, given, () => new Map<string, Map<string, readonly string[]>>());
  return cached(byPartition, partition, () => requestContext(caller, given, partition));
}

function cached<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the policy.

type Effect = "Allow" | "Deny";

/** A principal entry of a Principal or NotPrincipal element. */
type PrincipalEntry =
  | { type: "everyone" }
  | { type: "aws"; arn: string }
  | { type: "account"; accountId: string; partition: string }
  | { type: "service"; service: string }
  | { type: "other" };

interface Condition {
  operator: string;
  key: string;
  values: string[];
}

interface Statement {
  effect: Effect;
  principal?: PrincipalEntry[];
  notPrincipal?: PrincipalEntry[];
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  conditions: Condition[];
}

function readStatements(policy: unknown): Statement[] {
  const doc: unknown = typeof policy === "string" ? JSON.parse(policy) : policy;
  if (!isObject(doc)) {
    throw new Error("policy is not a JSON object");
  }
  const raw = doc.Statement;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((stmt: unknown, index) => {
    if (!isObject(stmt)) {
      throw new Error(`Statement[${index}] is not an object`);
    }
    if (stmt.Effect !== "Allow" && stmt.Effect !== "Deny") {
      throw new Error(`Statement[${index}].Effect is ${JSON.stringify(stmt.Effect)}`);
    }
    return {
      effect: stmt.Effect,
      principal: stmt.Principal === undefined ? undefined : principalEntries(stmt.Principal),
      notPrincipal: stmt.NotPrincipal === undefined ? undefined : principalEntries(stmt.NotPrincipal),
      action: optionalStrings(stmt.Action),
      notAction: optionalStrings(stmt.NotAction),
      resource: optionalStrings(stmt.Resource),
      notResource: optionalStrings(stmt.NotResource),
      conditions: readConditions(stmt.Condition),
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((item) => {
    if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") {
      return String(item);
    }
    throw new Error(`not a policy value: ${JSON.stringify(item)}`);
  });
}

function optionalStrings(value: unknown): string[] | undefined {
  return value === undefined ? undefined : strings(value);
}

/** Principal element: `"*"`, or `{AWS|Service|Federated|CanonicalUser: value(s)}`. */
function principalEntries(value: unknown): PrincipalEntry[] {
  if (value === "*") {
    return [{ type: "everyone" }];
  }
  if (!isObject(value)) {
    throw new Error(`not a Principal: ${JSON.stringify(value)}`);
  }
  const entries: PrincipalEntry[] = [];
  for (const [type, names] of Object.entries(value)) {
    for (const name of strings(names)) {
      if (type === "AWS") {
        entries.push(awsEntry(name));
      } else if (type === "Service") {
        entries.push({ type: "service", service: name });
      } else {
        entries.push({ type: "other" });
      }
    }
  }
  return entries;
}

/**
 * Principal element, AWS account principals: a 12-digit id is the account, the same as
 * `arn:<partition>:iam::<id>:root` in the workspace's partition. `{"AWS": "*"}` is everyone, as `"*"` is.
 * Other ARNs name one user, role or role session; a wildcard inside an ARN is not expanded (Principal element:
 * "you cannot use a wildcard to match part of a principal name or ARN").
 */
function awsEntry(name: string): PrincipalEntry {
  if (name === "*") {
    return { type: "everyone" };
  }
  if (/^\d{12}$/.test(name)) {
    return { type: "account", accountId: name, partition: "" };
  }
  const root = /^arn:([^:]+):iam::(\d{12}):root$/.exec(name);
  if (root) {
    return { type: "account", accountId: root[2], partition: root[1] };
  }
  return { type: "aws", arn: name };
}

function readConditions(value: unknown): Condition[] {
  if (value === undefined) {
    return [];
  }
  if (!isObject(value)) {
    throw new Error(`not a Condition: ${JSON.stringify(value)}`);
  }
  const out: Condition[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!isObject(block)) {
      throw new Error(`not a condition block: ${JSON.stringify(block)}`);
    }
    parseOperator(operator);
    for (const [key, values] of Object.entries(block)) {
      out.push({ operator, key: key.toLowerCase(), values: strings(values) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Action and Resource.

/** Action element: case-insensitive, `*` any run of characters, `?` one character. */
function actionMatches(stmt: Statement, action: string): boolean {
  const hit = (patterns: string[]): boolean =>
    patterns.some((pattern) => wildcardRegex(pattern, "i", "anything").test(action));
  if (stmt.action !== undefined) {
    return hit(stmt.action);
  }
  if (stmt.notAction !== undefined) {
    return !hit(stmt.notAction);
  }
  return false;
}

/**
 * Resource element: case-sensitive; `*` and `?` match within an ARN segment, and a `*` that ends a segment
 * "can expand to match beyond the colon boundaries" (so `arn:aws:aps:*` names every workspace).
 */
function resourceMatches(stmt: Statement, resource: string): boolean {
  const hit = (patterns: string[]): boolean =>
    patterns.some((pattern) => wildcardRegex(pattern, "", "segment").test(resource));
  if (stmt.resource !== undefined) {
    return hit(stmt.resource);
  }
  if (stmt.notResource !== undefined) {
    return !hit(stmt.notResource);
  }
  return true;
}

const regexCache = new Map<string, RegExp>();

/**
 * A whole-string regular expression for an IAM wildcard pattern. `scope` `anything`: `*` and `?` match any
 * character; `segment`: they do not match a colon, except a `*` that ends a segment (the next character is a
 * colon, or it ends the pattern), which matches anything.
 */
function wildcardRegex(pattern: string, flags: "" | "i", scope: "anything" | "segment"): RegExp {
  const cacheKey = `${flags}\u0000${scope}\u0000${pattern}`;
  let regex = regexCache.get(cacheKey);
  if (regex === undefined) {
    let source = "";
    for (let i = 0; i < pattern.length; i++) {
      const char = pattern[i];
      const endsSegment = i === pattern.length - 1 || pattern[i + 1] === ":";
      if (char === "*") {
        source += scope === "anything" || endsSegment ? "[\\s\\S]*" : "[^:]*";
      } else if (char === "?") {
        source += scope === "anything" ? "[\\s\\S]" : "[^:]";
      } else {
        source += char.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
      }
    }
    regex = new RegExp(`^${source}$`, flags);
    regexCache.set(cacheKey, regex);
  }
  return regex;
}

// ---------------------------------------------------------------------------------------------------------
// Principal and NotPrincipal.

function principalApplies(
  stmt: Statement,
  caller: Caller,
  identityAllows: boolean,
  partition: string,
  readings: OracleReadings,
): boolean {
  if (stmt.principal !== undefined) {
    return stmt.principal.some((entry) =>
      entryMatches(
        entry,
        caller,
        partition,
        stmt.effect === "Deny" || grantsIdentities(caller, identityAllows, readings),
      ),
    );
  }
  if (stmt.notPrincipal !== undefined) {
    return !exempt(stmt.notPrincipal, caller, partition, readings);
  }
  // A resource policy statement without a principal names nobody.
  return false;
}

/** Whether an Allow naming an account applies to a non-root identity of it (see `accountPrincipal`). */
function grantsIdentities(caller: Caller, identityAllows: boolean, readings: OracleReadings): boolean {
  return readings.accountPrincipal === "grants" || identityAllows || caller.kind === "root";
}

/**
 * Whether one principal entry names the caller. `coversIdentities`: an account entry names every identity of
 * the account (always true for Deny); otherwise only the account's root.
 */
function entryMatches(entry: PrincipalEntry, caller: Caller, partition: string, coversIdentities: boolean): boolean {
  switch (entry.type) {
    case "everyone":
      return true;
    case "service":
      return caller.kind === "service" && caller.service === entry.service;
    case "other":
      return false;
    case "account":
      if (entry.partition !== "" && entry.partition !== partition) {
        return false;
      }
      if (caller.kind === "service" || caller.kind === "anonymous" || caller.accountId !== entry.accountId) {
        return false;
      }
      return caller.kind === "root" || coversIdentities;
    case "aws": {
      const arn = callerArn(caller, partition);
      if (arn === undefined) {
        return false;
      }
      if (arn === entry.arn) {
        return true;
      }
      // Principal element, role principals: a role names the sessions of that role.
      return caller.kind === "session" && roleArnOfSession(caller, partition) === roleWithoutPath(entry.arn);
    }
  }
}

function roleArnOfSession(caller: Extract<Caller, { kind: "session" }>, partition: string): string {
  return `arn:${partition}:iam::${caller.accountId}:role/${caller.role}`;
}

/** `arn:aws:iam::1:role/a/b/Name` → `arn:aws:iam::1:role/Name` (a session's ARN carries the role's name only). */
function roleWithoutPath(arn: string): string {
  const role = /^(arn:[^:]+:iam::\d{12}:role\/)(?:.*\/)?([^/]+)$/.exec(arn);
  return role ? role[1] + role[2] : arn;
}

/** Whether a NotPrincipal list exempts the caller (see `notPrincipal` in the header). */
function exempt(entries: PrincipalEntry[], caller: Caller, partition: string, readings: OracleReadings): boolean {
  if (readings.notPrincipal === "as-principal") {
    return entries.some((entry) => entryMatches(entry, caller, partition, true));
  }
  const listed = (identity: PrincipalEntry): boolean =>
    entries.some((entry) => entry.type === "everyone" || samePrincipal(entry, identity, partition));
  return identityChain(caller, partition).every(listed);
}

/** The identities IAM may check a caller against, account first (NotPrincipal element). */
function identityChain(caller: Caller, partition: string): PrincipalEntry[] {
  switch (caller.kind) {
    case "service":
      return [{ type: "service", service: caller.service }];
    case "anonymous":
      return [{ type: "everyone" }];
    case "root":
      return [{ type: "account", accountId: caller.accountId, partition }];
    case "session":
      return [
        { type: "account", accountId: caller.accountId, partition },
        { type: "aws", arn: roleArnOfSession(caller, partition) },
        { type: "aws", arn: callerArn(caller, partition)! },
      ];
    default:
      return [
        { type: "account", accountId: caller.accountId, partition },
        { type: "aws", arn: callerArn(caller, partition)! },
      ];
  }
}

function samePrincipal(listed: PrincipalEntry, identity: PrincipalEntry, partition: string): boolean {
  if (listed.type === "account" && identity.type === "account") {
    return listed.accountId === identity.accountId && (listed.partition === "" || listed.partition === partition);
  }
  if (listed.type === "aws" && identity.type === "aws") {
    return identity.arn.includes(":role/") ? roleWithoutPath(listed.arn) === identity.arn : listed.arn === identity.arn;
  }
  if (listed.type === "service" && identity.type === "service") {
    return listed.service === identity.service;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// The request context.

/** Keys IAM derives from the caller: a request cannot carry others for them. */
const CALLER_KEYS = [
  "aws:principalarn",
  "aws:principalaccount",
  "aws:principaltype",
  "aws:principalisawsservice",
  "aws:principalservicename",
  "aws:username",
];

/** Keys only a service acting for a resource carries (aws:SourceArn: "only ... when a service principal"). */
const SERVICE_ONLY_KEYS = ["aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"];

function requestContext(
  caller: Caller,
  given: Readonly<Record<string, ContextValue>>,
  partition: string,
): Map<string, readonly string[]> {
  const context = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(given)) {
    const lower = key.toLowerCase();
    if (CALLER_KEYS.includes(lower)) {
      throw new Error(`${key} is derived from the caller; it cannot be given in the context`);
    }
    if (SERVICE_ONLY_KEYS.includes(lower) && caller.kind !== "service") {
      throw new Error(`${key} is carried only by a service principal's request, not by ${callerLabel(caller)}`);
    }
    context.set(lower, typeof value === "string" ? [value] : value);
  }
  const set = (key: string, value: string): void => {
    context.set(key, [value]);
  };
  switch (caller.kind) {
    case "service":
      set("aws:principalisawsservice", "true");
      set("aws:principalservicename", caller.service);
      break;
    case "anonymous":
      set("aws:principaltype", "Anonymous");
      break;
    default:
      set("aws:principalisawsservice", "false");
      set("aws:principalaccount", caller.accountId);
      set(
        "aws:principalarn",
        caller.kind === "session" ? roleArnOfSession(caller, partition) : callerArn(caller, partition)!,
      );
      set(
        "aws:principaltype",
        { root: "Account", user: "User", role: "AssumedRole", session: "AssumedRole" }[caller.kind],
      );
      if (caller.kind === "user") {
        set("aws:username", caller.name);
      }
  }
  return context;
}

// ---------------------------------------------------------------------------------------------------------
// Conditions (Condition element; IAM JSON policy elements: Condition operators).

type BaseOperator =
  | "StringEquals"
  | "StringNotEquals"
  | "StringEqualsIgnoreCase"
  | "StringNotEqualsIgnoreCase"
  | "StringLike"
  | "StringNotLike"
  | "NumericEquals"
  | "NumericNotEquals"
  | "NumericLessThan"
  | "NumericLessThanEquals"
  | "NumericGreaterThan"
  | "NumericGreaterThanEquals"
  | "DateEquals"
  | "DateNotEquals"
  | "DateLessThan"
  | "DateLessThanEquals"
  | "DateGreaterThan"
  | "DateGreaterThanEquals"
  | "Bool"
  | "BinaryEquals"
  | "IpAddress"
  | "NotIpAddress"
  | "ArnEquals"
  | "ArnLike"
  | "ArnNotEquals"
  | "ArnNotLike"
  | "Null";

const BASE_OPERATORS: readonly BaseOperator[] = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
];

/** Operators that hold when the context value matches none of the policy values ("negated matching"). */
const NEGATED = new Set<BaseOperator>([
  "StringNotEquals",
  "StringNotEqualsIgnoreCase",
  "StringNotLike",
  "NumericNotEquals",
  "DateNotEquals",
  "NotIpAddress",
  "ArnNotEquals",
  "ArnNotLike",
]);

/** The positive operator a negated one negates. */
const POSITIVE_OF: Partial<Record<BaseOperator, BaseOperator>> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  NumericNotEquals: "NumericEquals",
  DateNotEquals: "DateEquals",
  NotIpAddress: "IpAddress",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

interface ParsedOperator {
  set?: "ForAllValues" | "ForAnyValue";
  base: BaseOperator;
  ifExists: boolean;
}

const operatorCache = new Map<string, ParsedOperator>();

function parseOperator(operator: string): ParsedOperator {
  const hit = operatorCache.get(operator);
  if (hit) {
    return hit;
  }
  let rest = operator;
  let set: ParsedOperator["set"];
  const qualifier = /^(forallvalues|foranyvalue):/i.exec(rest);
  if (qualifier) {
    set = qualifier[1].toLowerCase() === "forallvalues" ? "ForAllValues" : "ForAnyValue";
    rest = rest.slice(qualifier[0].length);
  }
  let ifExists = false;
  if (/ifexists$/i.test(rest)) {
    ifExists = true;
    rest = rest.slice(0, -"IfExists".length);
  }
  const base = BASE_OPERATORS.find((name) => name.toLowerCase() === rest.toLowerCase());
  if (base === undefined || (base === "Null" && (ifExists || set !== undefined))) {
    throw new Error(`unknown condition operator ${operator}`);
  }
  const parsed = { set, base, ifExists };
  operatorCache.set(operator, parsed);
  return parsed;
}

/** Every condition of a statement must hold: operator blocks and keys are ANDed. */
function conditionsHold(conditions: readonly Condition[], context: Map<string, readonly string[]>): boolean {
  return conditions.every((condition) => conditionHolds(condition, context.get(condition.key)));
}

function conditionHolds(condition: Condition, present: readonly string[] | undefined): boolean {
  const { set, base, ifExists } = parseOperator(condition.operator);
  if (base === "Null") {
    // Null: "true" holds when the key is absent, "false" when it is present.
    const absent = present === undefined || present.length === 0;
    return condition.values.some((value) => (value.toLowerCase() === "true" ? absent : !absent));
  }
  if (set === "ForAllValues") {
    // ForAllValues: true when the key is absent or its set is empty ("returns true if ... no keys").
    return present === undefined || present.every((value) => singleHolds(base, value, condition.values));
  }
  if (set === "ForAnyValue") {
    return present !== undefined && present.some((value) => singleHolds(base, value, condition.values));
  }
  if (present === undefined || present.length === 0) {
    // "If the key ... is not present in the request context, the values do not match": a positive operator is
    // false, a negated one (StringNotLike, ArnNotLike, ...) true; ...IfExists is true either way.
    return ifExists || NEGATED.has(base);
  }
  if (NEGATED.has(base)) {
    return present.every((value) => singleHolds(base, value, condition.values));
  }
  return present.some((value) => singleHolds(base, value, condition.values));
}

/** One context value against a condition's values: values are ORed; a negated operator matches none. */
function singleHolds(base: BaseOperator, value: string, policyValues: readonly string[]): boolean {
  const positive = POSITIVE_OF[base];
  if (positive !== undefined) {
    return !policyValues.some((policyValue) => valueMatches(positive, policyValue, value));
  }
  return policyValues.some((policyValue) => valueMatches(base, policyValue, value));
}

function valueMatches(operator: BaseOperator, policyValue: string, value: string): boolean {
  switch (operator) {
    case "StringEquals":
    case "BinaryEquals":
      return policyValue === value;
    case "StringEqualsIgnoreCase":
      return policyValue.toLowerCase() === value.toLowerCase();
    case "StringLike":
      return wildcardRegex(policyValue, "", "anything").test(value);
    case "Bool":
      return policyValue.toLowerCase() === value.toLowerCase();
    case "NumericEquals":
    case "NumericLessThan":
    case "NumericLessThanEquals":
    case "NumericGreaterThan":
    case "NumericGreaterThanEquals":
      return compareOrdered(operator.slice("Numeric".length), Number(value), Number(policyValue));
    case "DateEquals":
    case "DateLessThan":
    case "DateLessThanEquals":
    case "DateGreaterThan":
    case "DateGreaterThanEquals":
      return compareOrdered(operator.slice("Date".length), parseDate(value), parseDate(policyValue));
    case "IpAddress":
      return ipInRange(value, policyValue);
    case "ArnEquals":
    case "ArnLike":
      return arnMatches(policyValue, value);
    default:
      throw new Error(`operator ${operator} has no positive matching`);
  }
}

/** `request <op> policy` for numbers and dates; a value that does not parse matches nothing. */
function compareOrdered(op: string, request: number, policy: number): boolean {
  if (Number.isNaN(request) || Number.isNaN(policy)) {
    return false;
  }
  switch (op) {
    case "Equals":
      return request === policy;
    case "LessThan":
      return request < policy;
    case "LessThanEquals":
      return request <= policy;
    case "GreaterThan":
      return request > policy;
    default:
      return request >= policy;
  }
}

/** Date operators take ISO 8601 dates or epoch seconds. */
function parseDate(text: string): number {
  return /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
}

/**
 * ArnEquals / ArnLike: "Each of the six colon-delimited components of the ARN is checked separately and each
 * can include multi-character match wildcards (*) or single-character match wildcards (?)". An ARN (or pattern)
 * with fewer than six components matches nothing.
 */
function arnMatches(pattern: string, value: string): boolean {
  const patternParts = arnComponents(pattern);
  const valueParts = arnComponents(value);
  if (patternParts === undefined || valueParts === undefined) {
    return false;
  }
  return patternParts.every((part, index) => wildcardRegex(part, "", "anything").test(valueParts[index]));
}

/** The six components of an ARN (the last keeps its colons), or undefined when there are fewer. */
function arnComponents(arn: string): string[] | undefined {
  return cached(arnCache, arn, () => splitArn(arn)) ?? undefined;
}

const arnCache = new Map<string, string[] | null>();

function splitArn(arn: string): string[] | null {
  const parts = arn.split(":");
  if (parts.length < 6) {
    return null;
  }
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/** IpAddress: an IPv4 address within a CIDR block (or equal to a bare address); other forms compare as text. */
function ipInRange(address: string, range: string): boolean {
  const [base, bitsText] = range.split("/");
  const ip = ipv4(address);
  const net = ipv4(base);
  if (ip === undefined || net === undefined) {
    return address === range;
  }
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) {
    return false;
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ip & mask) >>> 0 === (net & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) {
    return undefined;
  }
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) {
    return undefined;
  }
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}
