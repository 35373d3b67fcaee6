/**
 * The canonical form of a policy: equal for two documents exactly when IAM gives them the same meaning
 * (DESIGN.md 4). It is for comparison only; AWS is always sent the user's own document. It reads the parsed
 * document (document.ts) and remembers its text on it, per partition, so that a diff after a check costs no
 * second canonicalization.
 */
import stringify from "fast-json-stable-stringify";

import {
  DEFAULT_PARTITION,
  type ParsedPolicy,
  type ParsedStatement,
  type PolicyComparisonOptions,
  parseDocument,
} from "./document";
import { JsonNumber, isObject } from "./json";

const accountId = /^\d{12}$/;
const partitionName = /^aws(?:-[a-z]+)*$/;

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
  const parsed = parseDocument(input);
  let text = parsed.canonicalTexts.get(partition);
  if (text === undefined) {
    text = canonicalJson(canonicalizePolicy(parsed, partition));
    parsed.canonicalTexts.set(partition, text);
  }
  return text;
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
function canonicalizePolicy(parsed: ParsedPolicy, partition: string): Record<string, unknown> {
  const out: Record<string, unknown> = canonicalObject();
  for (const [key, value] of Object.entries(parsed.doc)) {
    if (key === "Statement") {
      out.Statement = canonicalSet(parsed.statements.map((stmt) => canonicalizeStatement(stmt, partition)));
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

/**
 * A statement in canonical form (an object without prototype, keyed by element name); a statement that is not an
 * object as it is. Elements IAM does not know are kept as written.
 */
export function canonicalizeStatement(stmt: ParsedStatement, partition: string): unknown {
  if (!stmt.isObject) {
    return stmt.written;
  }
  const out: Record<string, unknown> = canonicalObject();
  for (const [key, value] of stmt.others) {
    out[key] = value;
  }
  const put = (key: string, value: unknown, canonicalize: (value: unknown) => unknown): void => {
    if (value !== undefined) {
      out[key] = canonicalize(value);
    }
  };
  put("Sid", stmt.sid, (sid) => sid);
  put("Effect", stmt.effect, (effect) => effect);
  const actions = (value: unknown): unknown => canonicalList(value, (action) => action.toLowerCase());
  const resources = (value: unknown): unknown => canonicalList(value, (resource) => resource);
  const principals = (value: unknown): unknown => canonicalizePrincipal(value, partition);
  put("Principal", stmt.principal.positive, principals);
  put("NotPrincipal", stmt.principal.negative, principals);
  put("Action", stmt.action.positive, actions);
  put("NotAction", stmt.action.negative, actions);
  put("Resource", stmt.resource.positive, resources);
  put("NotResource", stmt.resource.negative, resources);
  const condition = stmt.condition === undefined ? undefined : canonicalizeCondition(stmt.condition);
  if (condition !== undefined) {
    out.Condition = condition;
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
    byText.set(canonicalJson(item), item);
  }
  return [...byText.keys()].sort().map((text) => byText.get(text));
}

/** A Principal (or NotPrincipal) in canonical form: `"*"` as `{AWS: ["*"]}`, each type's names as a set. */
export function canonicalizePrincipal(principal: unknown, partition: string): unknown {
  if (principal === "*") {
    return { AWS: ["*"] };
  }
  if (!isObject(principal)) {
    return principal;
  }
  const out: Record<string, unknown> = canonicalObject();
  for (const [type, value] of Object.entries(principal)) {
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
  if (!isObject(condition)) {
    return condition;
  }
  const entries: unknown[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) {
      entries.push([operator, block]);
      continue;
    }
    for (const [key, value] of Object.entries(block)) {
      // IAM compares scalars as strings (a number as written); anything else (invalid, but compared soundly)
      // stays a JSON value.
      const values = (Array.isArray(value) ? (value as unknown[]) : [value]).map((v) =>
        typeof v === "string" || typeof v === "boolean" ? String(v) : v instanceof JsonNumber ? v.text : { json: v },
      );
      entries.push([operator, key.toLowerCase(), canonicalSet(values)]);
    }
  }
  return entries.length === 0 ? undefined : canonicalSet(entries);
}

/** An object for the canonical form: with no prototype, a member named `__proto__` is a member like any other. */
function canonicalObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/**
 * JSON text with object keys sorted and each number as written. Recursive: canonical values nest at most a
 * few levels deeper than a read document (64).
 */
export function canonicalJson(value: unknown): string {
  if (value instanceof JsonNumber) {
    return value.text;
  }
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
