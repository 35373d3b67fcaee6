/**
 * The policy document as one parsed, typed value: read once (json.ts), each statement's elements settled once
 * (`Principal`/`NotPrincipal`, `Action`/`NotAction`, `Resource`/`NotResource` as `Targets`), then read by
 * validation (findings.ts), redundancy, the canonical form and the access model. This module is the one place that
 * knows a statement's element names; a new element is one reader here.
 *
 * `parseDocument` remembers the last documents it read by their text, so that one check, diff and update of a
 * resource scan each document once.
 */
import { JsonNumber, PolicyParseError, isObject, jsonTextOf, readJsonText, toPlain } from "./json";

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
 * The size past which `validatePolicy` warns, in UTF-8 bytes of the document as sent (minified). AMP documents
 * no limit (its API takes any string), so no size fails; this is the largest limit IAM sets on resource-based
 * policies elsewhere (20 KiB), a hint that the service may refuse the document.
 */
export const POLICY_SIZE_WARNING_BYTES = 20480;

/**
 * @deprecated No size limit is enforced any more: AMP documents none. Use `POLICY_SIZE_WARNING_BYTES`, the size
 * past which `validatePolicy` warns (the same value).
 */
export const MAX_POLICY_BYTES = POLICY_SIZE_WARNING_BYTES;

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
 * IAM's ARN matching: `*` is any run of characters, `?` any one character, case-sensitive. Greedy with one
 * backtrack point, so at worst pattern length × value length steps; a regex would backtrack exponentially
 * in the number of `*`.
 */
export function globMatches(pattern: string, value: string): boolean {
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

/** A statement element and its `Not…` form (`Principal`/`NotPrincipal`, ...), settled once. */
export interface Targets {
  /** The element as written under its own name (`Principal`), undefined when absent. */
  readonly positive: unknown;
  /** The element as written under its `Not…` name (`NotPrincipal`), undefined when absent. */
  readonly negative: unknown;
  /** Whether the `Not…` form is the one in force: it alone is written. */
  readonly negated: boolean;
  /** The value in force: the element's own form when written, else its `Not…` form, else undefined. */
  readonly value: unknown;
}

/** One statement of a parsed document, its elements read once. Values are as read (numbers as `JsonNumber`). */
export interface ParsedStatement {
  /** Its position in the document's Statement list. */
  readonly index: number;
  /** Where it is, for messages: `Statement[0]`, or `Statement` when the document has a single statement object. */
  readonly path: string;
  /** The statement as read: not an object when the document is malformed (validation reports it). */
  readonly written: unknown;
  /** Whether it is a JSON object; when not, every element below is undefined. */
  readonly isObject: boolean;
  readonly sid: unknown;
  readonly effect: unknown;
  readonly principal: Targets;
  readonly action: Targets;
  readonly resource: Targets;
  readonly condition: unknown;
  /** Elements IAM does not know, by name, in document order (validation reports them; comparison keeps them). */
  readonly others: ReadonlyArray<readonly [name: string, value: unknown]>;
}

/** A policy document read once: what validation, redundancy, the canonical form and the access model read. */
export interface ParsedPolicy {
  /** The document as read, numbers as `JsonNumber`. Shared: never modify it. */
  readonly doc: Readonly<Record<string, unknown>>;
  /** The text sent to AWS: a string as the user wrote it, minified; an object as `JSON.stringify` writes it. */
  readonly text: string;
  /** UTF-8 bytes of `text`. */
  readonly bytes: number;
  /** The Statement element as written (a list, one statement, or undefined). */
  readonly statementElement: unknown;
  /** The statements, in order (one when Statement is not a list; none when it is absent). */
  readonly statements: readonly ParsedStatement[];
  /** Whether the document contains Pulumi's unknown sentinel anywhere (a preview value). */
  readonly hasUnknown: boolean;
  /** Canonical texts computed from this document, by partition (canonical.ts fills it). */
  readonly canonicalTexts: Map<string, string>;
}

const noElements: ReadonlyArray<readonly [string, unknown]> = [];
const absent: Targets = { positive: undefined, negative: undefined, negated: false, value: undefined };
const statementElements = new Set([
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

/** How many documents parseDocument remembers. A check, a diff and an update each read two at most. */
const REMEMBERED_DOCUMENTS = 16;
/**
 * Texts longer than this (256 Ki characters, 12 times IAM's largest resource policy) are read each time, not
 * remembered, so that what is remembered stays small.
 */
const REMEMBERED_TEXT_CHARS = 1 << 18;
const remembered = new Map<string, ParsedPolicy>();
// Counted here, not read from `remembered.size`: Pulumi's closure serializer cannot capture a native getter.
let rememberedCount = 0;

/**
 * Reads a policy given as a JSON string or an object into one typed document. A text read recently is not read
 * again: the same `ParsedPolicy` is returned (treat it as immutable).
 *
 * @throws PolicyParseError when the string is not JSON or has a key twice in one object, the value is not a JSON
 * object (or cannot be serialized as one), or it nests arrays and objects more than 64 levels deep (or in a cycle).
 */
export function parseDocument(input: unknown): ParsedPolicy {
  const text = jsonTextOf(input);
  const known = remembered.get(text);
  if (known !== undefined) {
    remembered.delete(text);
    remembered.set(text, known);
    return known;
  }
  const parsed = buildDocument(text);
  if (text.length > REMEMBERED_TEXT_CHARS) {
    return parsed;
  }
  remembered.set(text, parsed);
  if (++rememberedCount > REMEMBERED_DOCUMENTS) {
    remembered.delete(remembered.keys().next().value!);
    rememberedCount--;
  }
  return parsed;
}

/** Forgets every document parseDocument remembers, so that the next read of each scans its text (tests, benchmarks). */
export function forgetParsedPolicies(): void {
  remembered.clear();
  rememberedCount = 0;
}

function buildDocument(source: string): ParsedPolicy {
  const read = readJsonText(source);
  const { doc, bytes } = read;
  const statementElement = doc.Statement;
  const list: unknown[] =
    statementElement === undefined ? [] : Array.isArray(statementElement) ? statementElement : [statementElement];
  const statements = list.map((stmt, index) =>
    parseStatement(stmt, index, Array.isArray(statementElement) ? `Statement[${index}]` : "Statement"),
  );
  let hasUnknown: boolean | undefined;
  return {
    doc,
    // Minified when first asked for (the text sent), not by every check and diff.
    get text() {
      return read.text;
    },
    bytes,
    statementElement,
    statements,
    // Walked on first use only: validation and the canonical form never ask.
    get hasUnknown() {
      return (hasUnknown ??= containsUnknown(doc));
    },
    canonicalTexts: new Map(),
  };
}

function parseStatement(written: unknown, index: number, path: string): ParsedStatement {
  if (!isObject(written)) {
    return {
      index,
      path,
      written,
      isObject: false,
      sid: undefined,
      effect: undefined,
      principal: absent,
      action: absent,
      resource: absent,
      condition: undefined,
      others: noElements,
    };
  }
  let others: Array<readonly [string, unknown]> | undefined;
  for (const key in written) {
    if (!statementElements.has(key)) {
      (others ??= []).push([key, written[key]]);
    }
  }
  return {
    index,
    path,
    written,
    isObject: true,
    sid: written.Sid,
    effect: written.Effect,
    principal: targets(written.Principal, written.NotPrincipal),
    action: targets(written.Action, written.NotAction),
    resource: targets(written.Resource, written.NotResource),
    condition: written.Condition,
    others: others ?? noElements,
  };
}

function targets(positive: unknown, negative: unknown): Targets {
  const negated = positive === undefined && negative !== undefined;
  return { positive, negative, negated, value: negated ? negative : positive };
}

/** A string-or-list element as its strings (other values are dropped: validation reports them). */
export function stringsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  return items.filter((item): item is string => typeof item === "string");
}

/**
 * Reads a policy given as a JSON string or an object into a plain JSON object. An object is read as JSON
 * sees it, i.e. as it is sent to AWS: `undefined` members dropped, `NaN` as `null`, `toJSON` applied.
 * Numbers are JavaScript numbers here (digits beyond 2^53 are lost); the canonical form and the text sent
 * keep them as written.
 *
 * @throws PolicyParseError when the string is not JSON or has a key twice in one object, the value is not
 * a JSON object (or cannot be serialized as one), or it nests arrays and objects more than 64 levels deep
 * (or in a cycle).
 */
export function parsePolicy(input: unknown): Record<string, unknown> {
  return toPlain(parseDocument(input).doc) as Record<string, unknown>;
}

/**
 * The document as it is sent to AWS: a string as the user wrote it, minified (whitespace between tokens
 * dropped; every string, escape and number kept as written); an object as `JSON.stringify` writes it.
 *
 * @throws PolicyParseError when the document cannot be read (see parsePolicy), a duplicated key included.
 */
export function serializePolicy(input: unknown): string {
  return parseDocument(input).text;
}

export { JsonNumber, PolicyParseError };
