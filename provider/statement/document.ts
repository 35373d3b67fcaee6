/**
 * The statement inside the workspace's policy, pure: this resource's statement as sent (its `Sid` first), the
 * statements of a live policy, the merge that adds, replaces or removes only the statement with one Sid (every
 * other statement kept as AMP returned it, numbers as written, and the live `Version` and `Id` kept), and the
 * comparison of two statements by IAM meaning.
 */
import type { LivePolicy } from "../aws/amp";
import { JsonNumber, UNKNOWN, containsUnknown, parseDocument, policiesEquivalent } from "../policy";

/** The `Version` of a policy written where there was none. */
const POLICY_VERSION = "2012-10-17";

/**
 * A statement given as an object or JSON text, read once (numbers as written), with `Sid` set to `sid` and first.
 *
 * @throws PolicyParseError when it is not a JSON object.
 */
export function ownStatement(sid: string, statement: unknown): Record<string, unknown> {
  const written = parseDocument(statement).doc;
  const own: Record<string, unknown> = { Sid: sid };
  for (const [key, value] of Object.entries(written)) {
    if (key !== "Sid") {
      own[key] = value;
    }
  }
  return own;
}

/**
 * The statements of a live policy as AMP returned them (none when there is no policy).
 *
 * @throws Error naming the revision when the live document cannot be read: nothing can be merged into it.
 */
export function liveStatements(live: LivePolicy | undefined): unknown[] {
  if (live === undefined) {
    return [];
  }
  const element = liveDocument(live).Statement;
  return element === undefined ? [] : Array.isArray(element) ? element : [element];
}

function liveDocument(live: LivePolicy): Readonly<Record<string, unknown>> {
  try {
    return parseDocument(live.policyDocument).doc;
  } catch (err) {
    throw new Error(
      `the workspace's live resource policy (revision ${live.revisionId}) cannot be read as a policy document ` +
        `(${(err as Error).message}), so no statement can be merged into it; nothing was written`,
      { cause: err },
    );
  }
}

/** The statement with Sid `sid` (compared exactly, as IAM does), or undefined. */
export function statementWithSid(statements: readonly unknown[], sid: string): unknown {
  return statements.find((statement) => sidOf(statement) === sid);
}

/**
 * The live policy with the statement `sid` set to `own` (replaced where it is, else added last), or removed when
 * `own` is undefined: the text to send, or undefined when no statement is left. Every other statement, and the
 * live document's other members (`Version`, `Id`), are kept as AMP returned them.
 */
export function mergedDocument(
  live: LivePolicy | undefined,
  sid: string,
  own: Record<string, unknown> | undefined,
): string | undefined {
  const doc = live === undefined ? { Version: POLICY_VERSION } : liveDocument(live);
  const others = liveStatements(live);
  const at = others.findIndex((statement) => sidOf(statement) === sid);
  const kept = others.filter((statement) => sidOf(statement) !== sid);
  if (own !== undefined) {
    kept.splice(at < 0 ? kept.length : at, 0, own);
  }
  if (kept.length === 0) {
    return undefined;
  }
  const merged: Record<string, unknown> = doc.Version === undefined ? { Version: POLICY_VERSION } : {};
  for (const [key, value] of Object.entries(doc)) {
    merged[key] = key === "Statement" ? kept : value;
  }
  merged.Statement = kept;
  return jsonText(merged);
}

/** A policy of one statement, as text: what `validatePolicy`, the review and the comparison read. */
export function onePolicy(statement: unknown): string {
  return jsonText({ Version: POLICY_VERSION, Statement: [statement] });
}

/**
 * The one-statement policy of a `sid` and a `statement` as given (what check validates and diff compares; with `sid`
 * undefined, the statement keeps its own Sid, if any): undefined
 * for none, `UNKNOWN` for a value not known yet, the statement itself when it cannot be read (so that validation
 * reports it and comparison falls back to its text).
 */
export function onePolicyOf(sid: unknown, statement: unknown): unknown {
  if (statement === undefined || containsUnknown(statement) || containsUnknown(sid)) {
    return statement === undefined ? undefined : UNKNOWN;
  }
  try {
    return onePolicy(typeof sid === "string" ? ownStatement(sid, statement) : parseDocument(statement).doc);
  } catch {
    return statement;
  }
}

/** Whether two statements mean the same to IAM in `partition` (each compared as a one-statement policy). */
export function statementsEquivalent(a: unknown, b: unknown, partition?: string): boolean {
  return policiesEquivalent(onePolicy(a), onePolicy(b), { partition });
}

/** JSON text of a read value in its own key order, each number as written. */
export function jsonText(value: unknown): string {
  if (value instanceof JsonNumber) {
    return value.text;
  }
  if (Array.isArray(value)) {
    return `[${value.map(jsonText).join(",")}]`;
  }
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function sidOf(statement: unknown): unknown {
  return typeof statement === "object" && statement !== null ? (statement as Record<string, unknown>).Sid : undefined;
}
