/**
 * The emulator's view of a workspace policy document: the checks the service is reported to make on
 * PutResourcePolicy, and the re-serialization it applies when it hands a document back.
 */
import { validation, ValidationField } from "./errors";

/**
 * The actions that take effect in a workspace resource policy ("Prometheus-compatible" actions). Only checked
 * when the emulator runs with `rejectUnsupportedActions`.
 */
export const SUPPORTED_POLICY_ACTIONS: readonly string[] = [
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

/** The message the service is reported to use for a document it cannot accept structurally. */
export const MALFORMED_POLICY_MESSAGE = "Workspace resource policy cannot be malformed";
/** The message the service is reported to use for a `Resource` naming another ARN. */
export const RESOURCE_MISMATCH_MESSAGE = "Resource in policy does not match workspace resource ARN";
/** The message the service is reported to use for actions outside {@link SUPPORTED_POLICY_ACTIONS}. */
export const UNSUPPORTED_ACTIONS_MESSAGE = "Resource policy contains actions that are not supported";

/** A parsed policy statement: only the members the emulator looks at are typed. */
interface Statement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(detail: string): never {
  throw validation(MALFORMED_POLICY_MESSAGE, "FIELD_VALIDATION_FAILED", [{ name: "policyDocument", message: detail }]);
}

function stringList(value: unknown, member: string): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  return malformed(`${member} must be a string or an array of strings`);
}

/**
 * Checks a document's size and structure: a JSON object whose `Statement` is an object or a non-empty array of
 * objects, each with `Effect` `Allow` or `Deny` and string-or-string-array `Action`/`NotAction`/`Resource`/
 * `NotResource`. Throws a `ValidationException` otherwise; returns the statements.
 */
export function parsePolicyDocument(text: string, maxPolicyBytes: number): Statement[] {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxPolicyBytes) {
    throw validation(`Policy document exceeds the maximum size of ${maxPolicyBytes} bytes`, "FIELD_VALIDATION_FAILED", [
      { name: "policyDocument", message: `length ${bytes} bytes exceeds ${maxPolicyBytes}` },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return malformed("policyDocument is not valid JSON");
  }
  if (!isPlainObject(parsed)) return malformed("policyDocument must be a JSON object");
  const statement = parsed.Statement;
  const statements: unknown[] = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) return malformed("Statement is required");
  for (const item of statements) {
    if (!isPlainObject(item)) return malformed("each Statement must be a JSON object");
    if (item.Effect !== "Allow" && item.Effect !== "Deny") return malformed("Effect must be Allow or Deny");
    for (const member of ["Action", "NotAction", "Resource", "NotResource"]) stringList(item[member], member);
  }
  return statements as Statement[];
}

/** True when `pattern` (IAM-style, `*` any run of characters, `?` one character) matches `value`. */
export function arnPatternMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(value);
}

/**
 * Checks the statements against the workspace: every `Resource` must match the workspace ARN (`*`, the exact ARN,
 * or a wildcard pattern that matches it) and, when `rejectUnsupportedActions` is set, every `Action`/`NotAction`
 * must be one of {@link SUPPORTED_POLICY_ACTIONS} (case-insensitive, no wildcards). Throws a `ValidationException`.
 */
export function checkPolicyForWorkspace(
  statements: Statement[],
  workspaceArn: string,
  rejectUnsupportedActions: boolean,
): void {
  const mismatched: ValidationField[] = [];
  for (const statement of statements) {
    for (const resource of stringList(statement.Resource, "Resource")) {
      if (!arnPatternMatches(resource, workspaceArn)) {
        mismatched.push({ name: "policyDocument", message: `Resource ${resource} does not match ${workspaceArn}` });
      }
    }
  }
  if (mismatched.length > 0) throw validation(RESOURCE_MISMATCH_MESSAGE, "FIELD_VALIDATION_FAILED", mismatched);
  if (!rejectUnsupportedActions) return;
  const supported = new Set(SUPPORTED_POLICY_ACTIONS.map((action) => action.toLowerCase()));
  const unsupported: ValidationField[] = [];
  for (const statement of statements) {
    const actions = [...stringList(statement.Action, "Action"), ...stringList(statement.NotAction, "NotAction")];
    for (const action of actions) {
      if (!supported.has(action.toLowerCase())) {
        unsupported.push({ name: "policyDocument", message: `Action ${action} is not supported` });
      }
    }
  }
  if (unsupported.length > 0) throw validation(UNSUPPORTED_ACTIONS_MESSAGE, "FIELD_VALIDATION_FAILED", unsupported);
}

function withSortedKeys(value: unknown, descending: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => withSortedKeys(item, descending));
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value).sort();
  if (descending) keys.reverse();
  const result: Record<string, unknown> = {};
  for (const key of keys) result[key] = withSortedKeys(value[key], descending);
  return result;
}

/**
 * The document as the service hands it back: the same JSON value, minified, with object keys in reverse
 * lexicographic order. Never byte-for-byte the stored text: if that form happens to equal it, ascending order is
 * used, and failing that an indented form. Text that is not JSON (only possible through out-of-band edits) is
 * returned as is.
 */
export function reserializePolicyDocument(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  for (const candidate of [
    JSON.stringify(withSortedKeys(parsed, true)),
    JSON.stringify(withSortedKeys(parsed, false)),
    JSON.stringify(parsed, null, 2),
  ]) {
    if (candidate !== text) return candidate;
  }
  return `${text}\n`;
}
