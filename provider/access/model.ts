/**
 * The access model: what a policy lets whom do on its workspace.
 *
 * The policy model (../policy/) answers "do two documents mean the same?"; this one answers "who may do
 * what?". A policy's access is its statements, each reduced to effect × principals × actions × conditions as
 * AMP and IAM read them:
 *
 * - actions are what AMP enforces: the Prometheus-compatible actions (`SUPPORTED_ACTIONS`), with wildcards and
 *   `NotAction` expanded against that list, case-insensitively; any other action grants nothing (AMP ignores it)
 *   and is reported as such;
 * - principals as IAM names them: a 12-digit account id is that account's root in the workspace's partition;
 *   `"*"` and `{"AWS": "*"}` are anyone; roots of different partitions are different principals;
 * - a statement whose `Resource` names another workspace (or whose `NotResource` excludes this one) grants
 *   nothing here;
 * - conditions are clauses (operator, key lower-cased, values as strings), all of which must hold.
 *
 * Coverage of principals follows the cross-account reading of a resource policy, which is what AMP workspace
 * policies are for: naming an account root lets the account's administrators delegate to any principal of
 * that account (its roles, users and role sessions), so the root *covers* them; naming a role covers that role's
 * sessions. In the workspace's own account a principal needs no grant here: its identity policy alone allows it
 * unless this policy denies it (IAM, evaluation within one account); change.ts weighs that. `NotPrincipal`
 * exempts a caller only when every identity of it is listed (AWS: the account, the role and the session ARN of
 * an assumed role); since another reading (exactly the listed principals) is also met in the wild, change.ts
 * weighs both and says so where they differ.
 *
 * Pure: imports nothing of ours but the policy model.
 */
import { createHash } from "node:crypto";

import stringify from "fast-json-stable-stringify";

import {
  JsonNumber,
  type ParsedStatement,
  SUPPORTED_ACTIONS,
  UNKNOWN,
  globMatches,
  parseDocument,
  stringsOf as strings,
} from "../policy";

/** Where the policy applies: what the access model needs to know about the workspace. */
export interface AccessOptions {
  /**
   * The workspace id. A statement whose `Resource` names another workspace grants nothing here. When unknown,
   * every statement naming some workspace is kept.
   */
  workspaceId?: string;
  /**
   * The workspace's partition (`aws`, `aws-cn`, `aws-us-gov`, ...): a bare account id in a principal is the
   * root of that account in this partition. Default `aws`. Resource ARNs are checked against it only when set.
   */
  partition?: string;
  /**
   * The workspace's region, when known: a `Resource` in another region names another workspace. When not known,
   * a `Resource` naming a region is weighed both ways where that changes the verdict (flagged approximate).
   */
  region?: string;
  /**
   * The workspace's account id, when known: a `Resource` in another account names another workspace, and the
   * principals of this account are allowed by their IAM policies unless the policy denies them. When not known,
   * any AWS principal may be in it, and a `Resource` naming an account is weighed both ways (flagged approximate).
   */
  accountId?: string;
}

/** A principal as IAM means it. */
export interface Principal {
  /** Its canonical name: `*`, an AWS ARN (roots as `arn:<partition>:iam::<account>:root`), or `Service:<name>`. */
  readonly key: string;
  readonly kind: "anyone" | "root" | "role" | "session" | "user" | "aws" | "other";
  readonly partition?: string;
  readonly account?: string;
  /** For a role and its sessions: the role's name (without path). */
  readonly roleName?: string;
  /** A stand-in for principals no policy names (e.g. "another principal of account A"); never printed as a grant. */
  readonly synthetic?: boolean;
  /** The stand-in for the principals of the workspace's own account when that account is not known. */
  readonly workspaceAccount?: boolean;
  /** How to print it. */
  readonly label: string;
}

/** One condition clause: every value is compared as a string; the key is case-insensitive. */
export interface ConditionClause {
  /** The operator as written, e.g. `StringEquals`, `ForAnyValue:StringLike`, `ArnLikeIfExists`. */
  readonly operator: string;
  /** The key, lower-cased. */
  readonly key: string;
  /** The key as first written, for display. */
  readonly displayKey: string;
  /** The values as strings, sorted and de-duplicated. */
  readonly values: readonly string[];
}

/** One statement of a policy, as the access it grants or denies on the workspace. */
export interface AccessStatement {
  /** Its position in the document's Statement list. */
  readonly index: number;
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  /** The principals it names (sorted by key). */
  readonly principals: readonly Principal[];
  /** `NotPrincipal`: it applies to everyone except exactly the principals listed. */
  readonly exceptPrincipals: boolean;
  /** The Prometheus-compatible actions it covers, in SUPPORTED_ACTIONS order and spelling. */
  readonly actions: readonly string[];
  /** Actions it names that AMP does not enforce (as written): they grant nothing. */
  readonly ignoredActions: readonly string[];
  /** All must hold (sorted). */
  readonly conditions: readonly ConditionClause[];
  /** False when its Resource names another workspace (or NotResource excludes this one): it grants nothing here. */
  readonly appliesHere: boolean;
  /**
   * The accounts and regions its Resource (or NotResource) names where the workspace's are not known: whether it
   * applies here depends on them (see change.ts).
   */
  readonly resourcePlaces: readonly ResourcePlace[];
  /** What a reviewer should know about how it was read. */
  readonly notes: readonly string[];
}

/** An account and a region a Resource ARN names (either may be a pattern). */
export interface ResourcePlace {
  readonly account: string;
  readonly region: string;
}

/** The access a policy grants on its workspace. */
export interface AccessModel {
  readonly statements: readonly AccessStatement[];
  /** The document (or part of it) is not known yet (preview): its access cannot be told. */
  readonly unknown: boolean;
}

/** One statement as rows of text, ready to print (each list is one line per item). */
export interface AccessRow {
  effect: "Allow" | "Deny";
  /** Who: `*` for anyone; `NotPrincipal` lists start with `everyone except:`. */
  principals: string[];
  /** The Prometheus-compatible actions covered (compressed when many). */
  actions: string[];
  /** One line per clause: `<operator> <key>: <values>`. */
  conditions: string[];
  /** The statement's Sid, or "" when it has none. */
  sid: string;
  /** How the statement was read (ignored actions, another workspace, approximations). */
  notes: string[];
}

const supportedLower = SUPPORTED_ACTIONS.map((action) => action.toLowerCase());

/** The principal that stands for anyone (and for every principal no policy names). */
export const ANYONE: Principal = { key: "*", kind: "anyone", label: "* (anyone)" };

/**
 * Reads the access a policy grants on its workspace. `undefined` (no policy) grants nothing.
 *
 * @throws PolicyParseError when the document cannot be read as a JSON object.
 */
export function accessModel(policy: unknown, options: AccessOptions = {}): AccessModel {
  if (policy === undefined || policy === null) {
    return { statements: [], unknown: false };
  }
  if (policy === UNKNOWN) {
    return { statements: [], unknown: true };
  }
  const parsed = parseDocument(policy);
  const statements = parsed.statements.flatMap((stmt) => {
    const read = readStatement(stmt, options);
    return read === undefined ? [] : [read];
  });
  return { statements, unknown: parsed.hasUnknown };
}

function readStatement(stmt: ParsedStatement, options: AccessOptions): AccessStatement | undefined {
  const { effect, index } = stmt;
  if (effect !== "Allow" && effect !== "Deny") {
    return undefined;
  }
  const notes: string[] = [];
  const exceptPrincipals = stmt.principal.negated;
  const principals = readPrincipals(stmt.principal.value, options);
  if (exceptPrincipals) {
    notes.push(
      effect === "Allow"
        ? "Allow with NotPrincipal: allows everyone except the principals listed"
        : "NotPrincipal: applies to everyone except callers whose every identity is listed (account; role and session)",
    );
  }

  const notAction = stmt.action.negated;
  const written = strings(stmt.action.value);
  const matched = new Set<number>();
  const ignoredActions: string[] = [];
  for (const action of written) {
    const hits = supportedLower.flatMap((name, i) => (globMatches(action.toLowerCase(), name) ? [i] : []));
    hits.forEach((i) => matched.add(i));
    if (hits.length === 0) {
      ignoredActions.push(action);
    }
  }
  const actions = SUPPORTED_ACTIONS.filter((_, i) => (notAction ? !matched.has(i) : matched.has(i)));
  if (ignoredActions.length > 0) {
    notes.push(
      notAction
        ? `NotAction ${ignoredActions.join(", ")}: not enforced by AMP, excludes nothing`
        : `ignored by AMP (grants nothing): ${ignoredActions.join(", ")}`,
    );
  }

  const conditions = readConditions(stmt.condition);
  for (const operator of new Set(conditions.map((clause) => clause.operator))) {
    if (operatorShape(operator) === undefined) {
      notes.push(`unknown condition operator ${operator}: compared as written only`);
    }
  }

  let appliesHere = true;
  const resourcePlaces: ResourcePlace[] = [];
  if (stmt.resource.positive !== undefined) {
    const resources = strings(stmt.resource.positive);
    const named = resources.map((resource) => resourceMayName(resource, options, resourcePlaces));
    if (!named.some((answer) => answer !== false)) {
      appliesHere = false;
      notes.push(`Resource names another workspace (${resources.join(", ")}): grants nothing here`);
    }
  } else if (stmt.resource.negative !== undefined) {
    const excluded = strings(stmt.resource.negative).filter(
      (resource) => resourceMayName(resource, options, resourcePlaces) === true,
    );
    if (excluded.length > 0) {
      appliesHere = false;
      notes.push(`NotResource excludes this workspace (${excluded.join(", ")}): grants nothing here`);
    }
  }
  if (appliesHere && actions.length === 0 && ignoredActions.length === 0 && written.length > 0) {
    notes.push("covers no action AMP enforces");
  }
  return {
    index,
    sid: typeof stmt.sid === "string" ? stmt.sid : "",
    effect,
    principals,
    exceptPrincipals,
    actions,
    ignoredActions,
    conditions,
    appliesHere,
    resourcePlaces,
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Principals

function readPrincipals(value: unknown, options: AccessOptions): Principal[] {
  const out = new Map<string, Principal>();
  const add = (principal: Principal): void => {
    out.set(principal.key, principal);
  };
  if (value === "*") {
    add(ANYONE);
  } else if (isJsonObject(value)) {
    for (const [type, names] of Object.entries(value)) {
      for (const name of strings(names)) {
        add(type === "AWS" ? awsPrincipal(name, options.partition ?? "aws") : otherPrincipal(type, name));
      }
    }
  }
  return [...out.values()].sort(comparePrincipals);
}

/** Anyone first, then AWS principals, then the other types (Service, Federated, ...), each by name. */
function comparePrincipals(a: Principal, b: Principal): number {
  const rank = (p: Principal): number =>
    p.kind === "anyone" ? 0 : p.kind === "other" && !p.key.startsWith("arn:") ? 2 : 1;
  return rank(a) - rank(b) || compareText(a.key, b.key);
}

const arnPattern = /^arn:([a-z0-9-]+):(iam|sts)::(\d{12}):(.+)$/;

/** Reads an `AWS` principal: `*`, an account id, or an ARN of a root, role, user or role session. */
export function awsPrincipal(name: string, partition = "aws"): Principal {
  if (name === "*") {
    return ANYONE;
  }
  if (/^\d{12}$/.test(name)) {
    return root(partition, name);
  }
  const match = arnPattern.exec(name);
  if (!match) {
    return { key: name, kind: "other", label: name };
  }
  const [, arnPartition, service, account, resource] = match;
  if (service === "iam" && resource === "root") {
    return root(arnPartition, account);
  }
  const base = { key: name, partition: arnPartition, account, label: name };
  if (service === "iam" && resource.startsWith("role/")) {
    return { ...base, kind: "role", roleName: resource.split("/").pop() };
  }
  if (service === "sts" && resource.startsWith("assumed-role/")) {
    return { ...base, kind: "session", roleName: resource.split("/")[1] };
  }
  if (service === "iam" && resource.startsWith("user/")) {
    return { ...base, kind: "user" };
  }
  return { ...base, kind: "aws" };
}

function root(partition: string, account: string): Principal {
  const key = `arn:${partition}:iam::${account}:root`;
  return { key, kind: "root", partition, account, label: key };
}

function otherPrincipal(type: string, name: string): Principal {
  if (name === "*") {
    // `{"Service": "*"}` and the like are not "anyone" to IAM; keep the name as written.
    return { key: `${type}:*`, kind: "other", label: `${type}:*` };
  }
  return { key: `${type}:${name}`, kind: "other", label: `${type}:${name}` };
}

/** Whether a grant to `granted` reaches the principal `who` (see the module comment). */
export function principalCovers(granted: Principal, who: Principal): boolean {
  if (granted.kind === "anyone" || granted.key === who.key) {
    return true;
  }
  if (granted.kind === "root") {
    return (
      who.kind !== "anyone" &&
      who.kind !== "other" &&
      who.partition === granted.partition &&
      who.account === granted.account
    );
  }
  if (granted.kind === "role") {
    return (
      who.kind === "session" &&
      who.partition === granted.partition &&
      who.account === granted.account &&
      who.roleName === granted.roleName
    );
  }
  return false;
}

/**
 * How a `NotPrincipal` list exempts a caller. `documented` (AWS's reading): only when every identity of the
 * caller is listed: the account, the user or role, and for an assumed role the session ARN. `listed`: when the
 * caller itself is listed. `as-principal`: when the list, read as a `Principal`, names the caller (an account
 * covers its principals, a role its sessions).
 */
export type NotPrincipalReading = "documented" | "listed" | "as-principal";

/** Whether a statement applies to the principal `who`, reading `NotPrincipal` as `reading` says. */
export function statementCovers(
  stmt: AccessStatement,
  who: Principal,
  reading: NotPrincipalReading = "documented",
): boolean {
  if (stmt.exceptPrincipals) {
    return !exempted(stmt.principals, who, reading);
  }
  return stmt.principals.some((granted) => principalCovers(granted, who));
}

/** Whether a `NotPrincipal` list exempts the caller `who` (see NotPrincipalReading). */
export function exempted(listed: readonly Principal[], who: Principal, reading: NotPrincipalReading): boolean {
  if (listed.some((p) => p.kind === "anyone")) {
    return true;
  }
  if (reading === "as-principal") {
    return listed.some((p) => principalCovers(p, who));
  }
  if (who.synthetic === true || who.kind === "anyone") {
    return false; // an unnamed caller is never listed
  }
  const has = (key: string): boolean => listed.some((p) => p.key === key);
  if (!has(who.key)) {
    return false;
  }
  if (reading === "listed" || who.kind === "other" || who.kind === "root" || who.account === undefined) {
    return true;
  }
  const partition = who.partition ?? "aws";
  if (!has(root(partition, who.account).key)) {
    return false;
  }
  if (who.kind === "role") {
    return false; // a role calls as one of its sessions, which is not listed
  }
  if (who.kind === "session") {
    return listed.some(
      (p) => p.kind === "role" && p.partition === partition && p.account === who.account && p.roleName === who.roleName,
    );
  }
  return true;
}

/**
 * The principals to ask about when comparing policies: every principal they name, anyone, and for each
 * account root or role a stand-in for the principals it covers that no policy names.
 */
export function representativePrincipals(models: readonly AccessModel[], options: AccessOptions = {}): Principal[] {
  const out = new Map<string, Principal>([[ANYONE.key, ANYONE]]);
  const workspace = workspaceAccountPrincipal(options);
  out.set(workspace.key, workspace);
  for (const model of models) {
    for (const stmt of model.statements) {
      for (const principal of stmt.principals) {
        out.set(principal.key, principal);
        if (principal.partition !== undefined && principal.account !== undefined) {
          const other = otherPrincipalOf(principal.partition, principal.account);
          out.set(other.key, other);
        }
        if (principal.kind === "role") {
          const key = `${principal.key} (a session)`;
          out.set(key, {
            key,
            kind: "session",
            partition: principal.partition,
            account: principal.account,
            roleName: principal.roleName,
            synthetic: true,
            label: `sessions of ${principal.key}`,
          });
        }
      }
    }
  }
  return [...out.values()].sort(comparePrincipals);
}

/** The stand-in for the principals of an account that no policy names. */
function otherPrincipalOf(partition: string, account: string): Principal {
  const accountRoot = root(partition, account);
  return {
    key: `${accountRoot.key} (another principal)`,
    kind: "aws",
    partition,
    account,
    synthetic: true,
    label: `principals of ${accountRoot.key}`,
  };
}

/** The stand-in for the principals of the workspace's own account (an unnamed account when it is not known). */
export function workspaceAccountPrincipal(options: AccessOptions): Principal {
  if (options.accountId !== undefined && options.accountId !== UNKNOWN) {
    return otherPrincipalOf(options.partition ?? "aws", options.accountId);
  }
  return {
    key: "(principals of the workspace's account)",
    kind: "aws",
    synthetic: true,
    workspaceAccount: true,
    label: "principals of the workspace's account",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Resources

/**
 * Whether a Resource value names the workspace: true, false, or undefined when it cannot be told (the
 * workspace id is not known and the value names some workspace). Each colon-delimited segment is matched on its
 * own, except that a `*` ending the last segment written matches across the colons that follow (`arn:aws:aps:*`
 * names every workspace). Where the workspace's account or region is not known, a value that names one is
 * taken to name it, and the place is added to `places` so that the comparison can weigh the other case too.
 */
function resourceMayName(resource: string, options: AccessOptions, places: ResourcePlace[] = []): boolean | undefined {
  if (resource === "*") {
    return true;
  }
  if (resource.includes(UNKNOWN)) {
    return undefined;
  }
  const parts = arnSegments(resource);
  if (parts === undefined) {
    return false;
  }
  const [arn, partition, service, region, account, rest] = parts;
  const fieldMatches = (pattern: string, value: string | undefined): boolean =>
    value === undefined || value === "" || globMatches(pattern, value);
  if (
    !globMatches(arn, "arn") ||
    !globMatches(service, "aps") ||
    !fieldMatches(partition, options.partition) ||
    !fieldMatches(region, options.region) ||
    !fieldMatches(account, options.accountId)
  ) {
    return false;
  }
  const workspaceId = options.workspaceId === UNKNOWN ? undefined : options.workspaceId;
  const names = workspaceId
    ? globMatches(rest, `workspace/${workspaceId}`)
    : /^workspace\/./.test(rest) || rest.includes("*")
      ? undefined
      : false;
  const placeMatters = (pattern: string, value: string | undefined): boolean =>
    value === undefined && pattern !== "*" && pattern !== "";
  if (names !== false && (placeMatters(account, options.accountId) || placeMatters(region, options.region))) {
    places.push({ account, region });
  }
  return names;
}

/**
 * An ARN pattern's six segments (arn, partition, service, region, account, resource), the last holding any
 * further colons; a shorter pattern whose last segment ends with `*` matches the missing segments with it.
 * Undefined when the pattern has fewer than six segments and cannot match across colons.
 */
function arnSegments(pattern: string): string[] | undefined {
  const parts = pattern.split(":");
  if (parts.length >= 6) {
    return [...parts.slice(0, 5), parts.slice(5).join(":")];
  }
  const last = parts[parts.length - 1];
  if (!last.endsWith("*")) {
    return undefined;
  }
  // `*` across colons: the last segment written may absorb the rest; each missing segment is then "*".
  const out = [...parts];
  while (out.length < 6) {
    out.push("*");
  }
  return out;
}

/**
 * Whether an ARN matches an ArnLike / ArnEquals pattern: each of the six colon-delimited components is matched
 * separately (IAM condition operators), so `arn:aws:iam::*` (five components) matches no ARN. True, false, or
 * undefined for the pattern `*` alone, whose reading IAM does not document.
 */
export function arnMatches(pattern: string, value: string): boolean | undefined {
  if (pattern === "*") {
    return undefined;
  }
  const wanted = pattern.split(":");
  const actual = value.split(":");
  if (wanted.length < 6 || actual.length < 6) {
    return false;
  }
  const head = (parts: string[]): string[] => [...parts.slice(0, 5), parts.slice(5).join(":")];
  const [w, a] = [head(wanted), head(actual)];
  return w.every((segment, i) => globMatches(segment, a[i]));
}

// ---------------------------------------------------------------------------------------------------------
// Conditions

function readConditions(condition: unknown): ConditionClause[] {
  if (!isJsonObject(condition)) {
    return [];
  }
  const byId = new Map<string, ConditionClause>();
  for (const [operator, block] of Object.entries(condition)) {
    if (!isJsonObject(block)) {
      continue;
    }
    for (const [displayKey, value] of Object.entries(block)) {
      const values = [...new Set((Array.isArray(value) ? value : [value]).map(valueText))].sort(compareText);
      const clause = { operator, key: displayKey.toLowerCase(), displayKey, values };
      byId.set(clauseId(clause), clause);
    }
  }
  return [...byId.values()].sort((a, b) => compareText(clauseId(a), clauseId(b)));
}

/** Whether a value as read is a JSON object (not an array, a number or null). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** A condition value as the text IAM compares (a number as a JavaScript number, as the model always read it). */
function valueText(value: unknown): string {
  if (value instanceof JsonNumber) {
    return String(Number(value.text));
  }
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : stringify(value);
}

const clauseIds = new WeakMap<ConditionClause, string>();

/** A clause's identity: operator, lower-cased key, values. */
export function clauseId(clause: ConditionClause): string {
  let id = clauseIds.get(clause);
  if (id === undefined) {
    id = stringify([clause.operator, clause.key, clause.values]);
    clauseIds.set(clause, id);
  }
  return id;
}

/** How an operator compares, when it is one IAM documents. */
export interface OperatorShape {
  /** `ForAnyValue`, `ForAllValues`, or "" for a single-valued key. */
  qualifier: "" | "ForAnyValue" | "ForAllValues";
  /** The operator without qualifier or `IfExists`. */
  base: string;
  ifExists: boolean;
  /** `any`: true when the request's value matches one of the values; `none`: when it matches none; `below`/`above`: a threshold. */
  kind: "any" | "none" | "below" | "above";
}

const operatorKinds: Record<string, OperatorShape["kind"]> = {
  StringEquals: "any",
  StringEqualsIgnoreCase: "any",
  StringLike: "any",
  ArnEquals: "any",
  ArnLike: "any",
  NumericEquals: "any",
  DateEquals: "any",
  IpAddress: "any",
  BinaryEquals: "any",
  Bool: "any",
  Null: "any",
  StringNotEquals: "none",
  StringNotEqualsIgnoreCase: "none",
  StringNotLike: "none",
  ArnNotEquals: "none",
  ArnNotLike: "none",
  NumericNotEquals: "none",
  DateNotEquals: "none",
  NotIpAddress: "none",
  NumericLessThan: "below",
  NumericLessThanEquals: "below",
  DateLessThan: "below",
  DateLessThanEquals: "below",
  NumericGreaterThan: "above",
  NumericGreaterThanEquals: "above",
  DateGreaterThan: "above",
  DateGreaterThanEquals: "above",
};

/** Reads an operator such as `ForAnyValue:StringLikeIfExists`; undefined when IAM does not document it. */
export function operatorShape(operator: string): OperatorShape | undefined {
  const match = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(operator);
  if (!match) {
    return undefined;
  }
  const [, qualifier, base, ifExists] = match;
  const kind = operatorKinds[base];
  if (kind === undefined || (base === "Null" && ifExists !== undefined)) {
    return undefined;
  }
  return { qualifier: (qualifier ?? "") as OperatorShape["qualifier"], base, ifExists: ifExists !== undefined, kind };
}

// ---------------------------------------------------------------------------------------------------------
// Digest

/**
 * A short, stable digest of the access a policy grants on its workspace: equal for two policies that grant
 * the same access however they are written (formatting, order, Sids, one statement or several, account id or
 * root ARN), different when a principal, action, effect or condition changes. `undefined` (no policy) and a
 * policy that grants nothing here have the same digest. Format: `access-` and 12 hex characters.
 *
 * @throws PolicyParseError when the document cannot be read as a JSON object.
 */
export function accessDigest(policy: unknown, options: AccessOptions = {}): string {
  return modelDigest(accessModel(policy, options));
}

/** The digest of an access model already read (see accessDigest). */
export function modelDigest(model: AccessModel): string {
  return `access-${createHash("sha256")
    .update(stringify(accessAtoms(model)))
    .digest("hex")
    .slice(0, 12)}`;
}

/**
 * The canonical serialization behind the digest: each statement that applies here split into
 * (effect, principal, action, conditions) atoms, de-duplicated and sorted. A `NotPrincipal` list stays whole.
 */
export function accessAtoms(model: AccessModel): string[] {
  const atoms = new Set<string>();
  for (const stmt of model.statements) {
    if (!stmt.appliesHere) {
      continue;
    }
    const conditions = stmt.conditions.map(clauseId);
    const whos = stmt.exceptPrincipals
      ? [["except", ...stmt.principals.map((p) => p.key)]]
      : stmt.principals.map((p) => [p.key]);
    for (const who of whos) {
      for (const action of stmt.actions) {
        atoms.add(stringify([stmt.effect, who, action, conditions]));
      }
    }
  }
  if (model.unknown) {
    atoms.add("unknown");
  }
  return [...atoms].sort(compareText);
}

// ---------------------------------------------------------------------------------------------------------
// Rows

/** Who can do what: the policy's statements as rows, plus its digest. */
export interface AccessExplanation {
  rows: AccessRow[];
  /** The digest of the access (see accessDigest). */
  digest: string;
  /** The document is not fully known yet. */
  unknown: boolean;
}

/**
 * Who can do what on the workspace under a policy: one row per statement, as `formatAccessRows` prints them.
 *
 * @throws PolicyParseError when the document cannot be read as a JSON object.
 */
export function explainAccess(policy: unknown, options: AccessOptions = {}): AccessExplanation {
  const model = accessModel(policy, options);
  return {
    rows: model.statements.map((stmt) => accessRow(stmt)),
    digest: modelDigest(model),
    unknown: model.unknown,
  };
}

/** A statement as text, with any extra notes. */
export function accessRow(stmt: AccessStatement, extraNotes: readonly string[] = []): AccessRow {
  const principals = stmt.principals.map((p) => p.label);
  return {
    effect: stmt.effect,
    principals: stmt.exceptPrincipals ? ["everyone except:", ...principals.map((p) => `  ${p}`)] : principals,
    actions: actionLines(stmt.actions),
    conditions: stmt.conditions.map(clauseText),
    sid: stmt.sid,
    notes: [...stmt.notes, ...extraNotes],
  };
}

/** A list of actions, compressed when it covers most of them. */
export function actionLines(actions: readonly string[]): string[] {
  if (actions.length === 0) {
    return ["(none)"];
  }
  if (actions.length === SUPPORTED_ACTIONS.length) {
    return [`aps:* (all ${SUPPORTED_ACTIONS.length} Prometheus-compatible actions)`];
  }
  if (actions.length > SUPPORTED_ACTIONS.length / 2 + 2) {
    const missing = SUPPORTED_ACTIONS.filter((action) => !actions.includes(action));
    return [`all but ${missing.join(", ")}`];
  }
  return [...actions];
}

/** A clause as one line: `StringEquals aws:PrincipalOrgID: o-abc, o-def`. */
export function clauseText(clause: ConditionClause): string {
  return `${clause.operator} ${clause.displayKey}: ${clause.values.join(", ")}`;
}

/** Code-unit order, independent of locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
