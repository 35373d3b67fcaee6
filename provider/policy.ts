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
 * How each condition key that identifies the caller (or, for a service, whose resource it acts for) does so;
 * the open-to-anyone warning is silenced only by a positive match on one of these. Keys anyone can satisfy
 * are absent on purpose: `aws:username` (any account may have a user of that name), `aws:PrincipalTag/*`
 * (anyone may tag their own role), `aws:PrincipalServiceName` (a service acts for any of its customers).
 */
const callerKeys = new Map<string, "account" | "org" | "orgPath" | "arn" | "userid" | "id" | "ip">([
  ["aws:principalaccount", "account"],
  ["aws:sourceaccount", "account"],
  ["aws:sourceowner", "account"],
  ["aws:principalorgid", "org"],
  ["aws:sourceorgid", "org"],
  ["aws:principalorgpaths", "orgPath"],
  ["aws:sourceorgpaths", "orgPath"],
  ["aws:principalarn", "arn"],
  ["aws:sourcearn", "arn"],
  ["aws:userid", "userid"],
  ["aws:sourcevpc", "id"],
  ["aws:sourcevpce", "id"],
  ["aws:sourceip", "ip"],
  ["aws:vpcsourceip", "ip"],
]);

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
 * A JSON number as written. Its text is kept, so that no digit, trailing zero or exponent is lost between
 * the user's document, the canonical form and what is sent.
 */
class JsonNumber {
  constructor(readonly text: string) {}

  /** As a JavaScript number (in messages only: beyond 2^53 digits are lost). */
  toJSON(): number {
    return Number(this.text);
  }
}

/** A document as read: the value (numbers as `JsonNumber`) and the size of the text sent to AWS. */
interface ReadPolicy {
  doc: Record<string, unknown>;
  /** UTF-8 bytes of the minified text, the text sent. */
  bytes: number;
  /** The minified text, when asked for. */
  text?: string;
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
  return toPlain(readPolicy(input).doc) as Record<string, unknown>;
}

/** Reads a policy (see parsePolicy), keeping each number's text; with `minify`, also the text to send. */
function readPolicy(input: unknown, minify = false): ReadPolicy {
  let text: string | undefined;
  if (typeof input === "string") {
    text = input;
  } else if (typeof input === "object" && input !== null) {
    if (nestsTooDeep(input)) {
      throw new PolicyParseError(`nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep`);
    }
    try {
      text = JSON.stringify(input);
    } catch (err) {
      throw new PolicyParseError(`cannot be serialized as JSON (${(err as Error).message})`);
    }
  }
  if (text === undefined) {
    throw new PolicyParseError(`must be a JSON object with a Statement, not ${kindOf(input)}`);
  }
  const { value, minified, spaces } = scanJson(text, minify && typeof input === "string");
  if (!isObject(value)) {
    throw new PolicyParseError(`must be a JSON object with a Statement, not ${kindOf(value)}`);
  }
  // Whitespace between tokens is ASCII, one byte each.
  return { doc: value, bytes: Buffer.byteLength(text, "utf8") - spaces, text: minified ?? text };
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

/**
 * The document as it is sent to AWS: a string as the user wrote it, minified (whitespace between tokens
 * dropped; every string, escape and number kept as written); an object as `JSON.stringify` writes it.
 *
 * @throws PolicyParseError when the document cannot be read (see parsePolicy), a duplicated key included.
 */
export function serializePolicy(input: unknown): string {
  return readPolicy(input, true).text!;
}

/** A container being read by scanJson: the key of the member being read (objects), for placing and paths. */
interface Frame {
  container: unknown[] | Record<string, unknown>;
  key?: string;
}

const numberToken = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex
const plainRun = /[^"\\\u0000-\u001f]*/y;
const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * A JSON reader (RFC 8259, as strict as `JSON.parse`) that keeps each number's text, refuses a key given twice
 * in one object (naming where), stops at MAX_POLICY_DEPTH, and never recurses, so no input can overflow the
 * stack. It counts the whitespace between tokens; with `minify`, it also returns the text without it.
 */
function scanJson(text: string, minify: boolean): { value: unknown; minified?: string; spaces: number } {
  const parts: string[] = [];
  const stack: Frame[] = [];
  let i = 0;
  let copied = 0;
  let spaces = 0;
  const fail = (what: string): never => {
    throw new PolicyParseError(`is not valid JSON (${what})`);
  };
  const unexpected = (): never =>
    fail(i >= text.length ? "unexpected end of text" : `unexpected ${JSON.stringify(text[i])} at position ${i}`);
  // Minifying copies the text between runs of whitespace, which are all between tokens.
  const skipSpace = (): void => {
    const start = i;
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i)) {
      // whitespace between tokens
    }
    spaces += i - start;
    if (minify && i > start) {
      parts.push(text.slice(copied, start));
      copied = i;
    }
  };
  const readString = (): string => {
    let value = "";
    i++;
    for (;;) {
      // The run up to the next quote, backslash or control character, found by the regex engine.
      plainRun.lastIndex = i;
      plainRun.test(text);
      value += text.slice(i, plainRun.lastIndex);
      i = plainRun.lastIndex;
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) {
        fail("unterminated string");
      } else if (c === 34) {
        i++;
        break;
      } else if (c === 92) {
        const kind = text[i + 1];
        if (kind === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            fail(`bad \\u escape at position ${i}`);
          }
          value += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (kind !== undefined && kind in escapes) {
          value += escapes[kind];
          i += 2;
        } else {
          fail(`bad escape at position ${i}`);
        }
      } else {
        fail(`unescaped control character in a string at position ${i}`);
      }
    }
    return value;
  };
  // The path of the innermost container, e.g. `Statement[0].Condition`: each parent's member being read.
  const pathOf = (): string =>
    stack
      .slice(0, -1)
      .map((frame, depth) =>
        Array.isArray(frame.container) ? `[${frame.container.length}]` : pathStep(frame.key!, depth === 0),
      )
      .join("");
  const open = (container: unknown[] | Record<string, unknown>): void => {
    if (stack.length >= MAX_POLICY_DEPTH) {
      throw new PolicyParseError(`nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep`);
    }
    stack.push({ container });
    i++;
  };
  const readKey = (frame: Frame): void => {
    if (text[i] !== '"') {
      unexpected();
    }
    const key = readString();
    // A member is placed once its value is read, so a key seen before is already an own member.
    if (Object.prototype.hasOwnProperty.call(frame.container, key)) {
      const at = pathOf();
      throw new PolicyParseError(`${at ? `${at} ` : ""}has the key ${quote(key)} twice`);
    }
    frame.key = key;
    skipSpace();
    if (text[i] !== ":") {
      unexpected();
    }
    i++;
  };

  let value: unknown;
  skipSpace();
  for (;;) {
    // Read one value; a container opened here is completed by the loop below.
    let complete = true;
    const c = text[i];
    if (c === "{" || c === "[") {
      const isArray = c === "[";
      open(isArray ? [] : {});
      skipSpace();
      if (text[i] === (isArray ? "]" : "}")) {
        i++;
        value = stack.pop()!.container;
      } else {
        complete = false;
        if (!isArray) {
          readKey(stack[stack.length - 1]);
          skipSpace();
        }
      }
    } else if (c === '"') {
      value = readString();
    } else if (c === "t" && text.startsWith("true", i)) {
      value = true;
      i += 4;
    } else if (c === "f" && text.startsWith("false", i)) {
      value = false;
      i += 5;
    } else if (c === "n" && text.startsWith("null", i)) {
      value = null;
      i += 4;
    } else {
      numberToken.lastIndex = i;
      const match = numberToken.exec(text);
      if (match === null) {
        unexpected();
      }
      value = new JsonNumber(match![0]);
      i = numberToken.lastIndex;
    }
    if (!complete) {
      continue;
    }
    // Place the value in its container, then close every container it completes.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        skipSpace();
        if (i < text.length) {
          unexpected();
        }
        if (!minify) {
          return { value, spaces };
        }
        parts.push(text.slice(copied, i));
        return { value, minified: parts.join(""), spaces };
      }
      if (Array.isArray(frame.container)) {
        frame.container.push(value);
      } else if (frame.key === "__proto__") {
        // An own member, as JSON.parse makes it, not the prototype.
        Object.defineProperty(frame.container, frame.key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        frame.container[frame.key!] = value;
      }
      skipSpace();
      const close = Array.isArray(frame.container) ? "]" : "}";
      if (text[i] === ",") {
        i++;
        skipSpace();
        if (!Array.isArray(frame.container)) {
          readKey(frame);
          skipSpace();
        }
        break;
      }
      if (text[i] !== close) {
        unexpected();
      }
      i++;
      value = stack.pop()!.container;
    }
  }
}

/** How a path names a member: `.Condition`, `["aws:SourceAccount"]`; at the top, `Statement`. */
function pathStep(key: string, top: boolean): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    return top ? key : `.${key}`;
  }
  return `[${quote(key)}]`;
}

/** A key or value quoted for a message, cut to a readable length. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/** A read value with its numbers as JavaScript numbers. Recursive: read values are at most 64 levels deep. */
function toPlain(value: unknown): unknown {
  if (value instanceof JsonNumber) {
    return Number(value.text);
  }
  if (Array.isArray(value)) {
    return value.map(toPlain);
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: toPlain(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Whether a read value is a JSON object (not an array, a number or null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** A read value's JSON type, for messages: "null", "an array", "a number", "a string", ... */
function kindOf(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "an array";
  }
  if (value instanceof JsonNumber) {
    return "a number";
  }
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/**
 * What kind of finding: a check failure AWS would refuse (`ERROR`: it stops preview), a risk to whom the
 * workspace is open (`SECURITY_WARNING`), a likely mistake AWS accepts (`WARNING`), or advice (`SUGGESTION`):
 * the finding types of IAM Access Analyzer's `ValidatePolicy`.
 */
export type FindingType = "ERROR" | "SECURITY_WARNING" | "WARNING" | "SUGGESTION";

/** The finding types, most severe first. */
export const FINDING_TYPES: readonly FindingType[] = ["ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"];

/**
 * Every issue code `validatePolicy` reports, with its finding type. The codes are stable: suppress a finding by
 * its code (`suppressFindings`); an `ERROR` cannot be suppressed.
 */
export const ISSUE_CODES = {
  /** No document at all. */
  MISSING_POLICY: "ERROR",
  /** Not JSON, a key given twice, nested too deep. */
  INVALID_JSON: "ERROR",
  /** A value of the wrong JSON type (a statement that is not an object, a Sid that is not a string, ...). */
  DATA_TYPE_MISMATCH: "ERROR",
  /** A control character or a lone surrogate in a key or a value. */
  INVALID_CHARACTER: "ERROR",
  /** An element IAM does not know, in the document or a statement. */
  INVALID_ELEMENT: "ERROR",
  /** A Version other than 2012-10-17 or 2008-10-17. */
  INVALID_VERSION: "ERROR",
  /** No Statement. */
  MISSING_STATEMENT: "ERROR",
  /** A statement without Effect. */
  MISSING_EFFECT: "ERROR",
  /** An Effect other than Allow or Deny. */
  INVALID_EFFECT: "ERROR",
  /** A statement without Principal or NotPrincipal. */
  MISSING_PRINCIPAL: "ERROR",
  /** A principal that is neither `"*"` nor an object of known principal types. */
  INVALID_PRINCIPAL: "ERROR",
  /** A statement without Action or NotAction. */
  MISSING_ACTION: "ERROR",
  /** An action that is not `service:Action`. */
  INVALID_ACTION: "ERROR",
  /** A malformed condition operator. */
  INVALID_CONDITION: "ERROR",
  /** Principal with NotPrincipal, Action with NotAction, Resource with NotResource. */
  UNSUPPORTED_ELEMENT_COMBINATION: "ERROR",
  /** Allow with NotPrincipal: it would allow everyone but the principals listed. */
  ALLOW_WITH_NOT_PRINCIPAL: "ERROR",
  /** An empty list or string where IAM needs a value (an empty Statement, action, principal, value list). */
  EMPTY_VALUE: "ERROR",
  /** Two statements with one Sid. */
  DUPLICATE_SID: "ERROR",
  /** Principal `"*"` without a condition that restricts who: anyone may use the workspace. */
  PUBLIC_ACCESS: "SECURITY_WARNING",
  /** No Version: IAM reads 2008-10-17, without policy variables. */
  MISSING_VERSION: "WARNING",
  /** An action that is not Prometheus-compatible: AMP ignores it (or rejects the policy). */
  IGNORED_ACTION: "WARNING",
  /** A wildcard action: it grants actions added later too. */
  WILDCARD_ACTION: "WARNING",
  /** A Resource that names another workspace: the statement grants nothing here (AMP may reject it). */
  OTHER_WORKSPACE_RESOURCE: "WARNING",
  /** A document larger than IAM allows resource policies elsewhere. */
  POLICY_SIZE: "WARNING",
  /** A Sid with characters other than letters and digits. */
  SID_CHARACTERS: "WARNING",
  /** An action already covered by another of the same list (a duplicate, or matched by a wildcard). */
  REDUNDANT_ACTION: "SUGGESTION",
  /** A statement whose grant another statement already makes. */
  REDUNDANT_STATEMENT: "SUGGESTION",
  /** An element that says nothing: an empty Condition or operator block, an empty Sid. */
  EMPTY_ELEMENT: "SUGGESTION",
  /** Workspaces encrypted with a customer-managed KMS key need the principals to be allowed to use the key. */
  KMS_KEY_GRANTS: "SUGGESTION",
} as const satisfies Record<string, FindingType>;

/** An issue code (see ISSUE_CODES). */
export type IssueCode = keyof typeof ISSUE_CODES;

/** One finding, in the shape of IAM Access Analyzer's `ValidatePolicy`. */
export interface PolicyFinding {
  findingType: FindingType;
  issueCode: IssueCode;
  /** What is wrong, phrased to follow the property name (`policyDocument Statement[0] has no Effect`). */
  message: string;
  /** Where: `Statement[0].Action`, `Version`, or "" for the document as a whole. */
  path: string;
}

/** The outcome of validating a document: failures stop preview; warnings are shown to the user. */
export interface PolicyValidation {
  /** Each problem (the messages of the `ERROR` findings), phrased to follow the property name. */
  errors: string[];
  /** Each risk or likely mistake that AWS would accept (the messages of `SECURITY_WARNING` and `WARNING` findings). */
  warnings: string[];
  /** Every finding, suggestions included, in document order. */
  findings: PolicyFinding[];
}

/** Collects findings; each check reports through it. */
class Findings {
  readonly list: PolicyFinding[] = [];

  add(issueCode: IssueCode, path: string, message: string): void {
    this.list.push({ findingType: ISSUE_CODES[issueCode], issueCode, message, path });
  }

  get errorCount(): number {
    return this.list.filter((finding) => finding.findingType === "ERROR").length;
  }

  result(): PolicyValidation {
    const messages = (...types: FindingType[]): string[] =>
      this.list.filter((finding) => types.includes(finding.findingType)).map((finding) => finding.message);
    return { errors: messages("ERROR"), warnings: messages("SECURITY_WARNING", "WARNING"), findings: this.list };
  }
}

/**
 * The findings without those whose code is in `codes` (case-insensitive). `ERROR` findings stay: they are
 * failures AWS would refuse, not advice.
 */
export function suppressFindings(findings: readonly PolicyFinding[], codes: Iterable<string>): PolicyFinding[] {
  const suppressed = new Set([...codes].map((code) => code.trim().toUpperCase()));
  return findings.filter((finding) => finding.findingType === "ERROR" || !suppressed.has(finding.issueCode));
}

/**
 * Validates a policy for the workspace `workspaceId` (which may be unknown). Never throws: every problem is
 * returned, as findings and as the `errors` and `warnings` they make. Values that are not known yet are
 * accepted.
 */
export function validatePolicy(input: unknown, workspaceId?: string): PolicyValidation {
  const findings = new Findings();
  if (input === UNKNOWN) {
    return findings.result();
  }
  if (input === undefined || input === null || input === "") {
    findings.add("MISSING_POLICY", "", "is required");
    return findings.result();
  }
  if (typeof input !== "string" && (typeof input !== "object" || Array.isArray(input))) {
    findings.add(
      "DATA_TYPE_MISMATCH",
      "",
      `must be a JSON string or an object, not ${Array.isArray(input) ? "an array" : typeof input}`,
    );
    return findings.result();
  }
  let doc: Record<string, unknown>;
  let size: number;
  try {
    ({ doc, bytes: size } = readPolicy(input));
  } catch (err) {
    findings.add("INVALID_JSON", "", (err as Error).message);
    return findings.result();
  }
  if (size > POLICY_SIZE_WARNING_BYTES) {
    findings.add(
      "POLICY_SIZE",
      "",
      `is ${size} bytes when minified, more than the ${POLICY_SIZE_WARNING_BYTES} bytes IAM allows resource policies elsewhere; ` +
        "AMP documents no limit, so it is sent as written, but the service may refuse it",
    );
  }
  checkText(doc, "", findings);

  for (const key of Object.keys(doc)) {
    if (!documentKeys.has(key)) {
      findings.add("INVALID_ELEMENT", key, `has an unknown element "${key}" (allowed: Version, Id, Statement)`);
    }
  }
  const version = doc.Version;
  if (version !== undefined && version !== UNKNOWN && version !== "2012-10-17" && version !== "2008-10-17") {
    findings.add(
      "INVALID_VERSION",
      "Version",
      `Version must be "2012-10-17" or "2008-10-17", not ${JSON.stringify(version)}`,
    );
  }
  if (version === undefined) {
    findings.add(
      "MISSING_VERSION",
      "",
      'has no Version; IAM then uses "2008-10-17", which does not support policy variables: add "Version": "2012-10-17"',
    );
  }
  if (doc.Id !== undefined && typeof doc.Id !== "string") {
    findings.add("DATA_TYPE_MISMATCH", "Id", "Id must be a string");
  }

  const statement = doc.Statement;
  if (statement === undefined) {
    findings.add("MISSING_STATEMENT", "", "has no Statement");
    return findings.result();
  }
  if (statement === UNKNOWN) {
    return findings.result();
  }
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement];
  if (statements.length === 0) {
    findings.add("EMPTY_VALUE", "Statement", "Statement must not be empty");
  }
  const sids = new Set<string>();
  const paths = statements.map((_, index) => (Array.isArray(statement) ? `Statement[${index}]` : "Statement"));
  statements.forEach((stmt, index) => {
    const at = paths[index];
    validateStatement(stmt, at, workspaceId, findings);
    const sid = (stmt as { Sid?: unknown } | null)?.Sid;
    if (typeof sid === "string" && sid !== "" && sid !== UNKNOWN) {
      if (sids.has(sid)) {
        findings.add(
          "DUPLICATE_SID",
          `${at}.Sid`,
          `${at}.Sid ${quote(sid)} is used by another statement; Sids must be unique`,
        );
      }
      sids.add(sid);
    }
  });
  if (findings.errorCount === 0) {
    checkRedundantStatements(statements, paths, findings);
    if (statements.some((stmt) => isObject(stmt) && stmt.Effect === "Allow")) {
      findings.add(
        "KMS_KEY_GRANTS",
        "",
        "grants access to principals: if the workspace is encrypted with a customer-managed KMS key, each of them " +
          "must also be allowed to use that key (in its key policy or by a grant), or their requests fail",
      );
    }
  }
  return findings.result();
}

function validateStatement(stmt: unknown, at: string, workspaceId: string | undefined, findings: Findings): void {
  if (stmt === UNKNOWN) {
    return;
  }
  if (!isObject(stmt)) {
    findings.add("DATA_TYPE_MISMATCH", at, `${at} must be an object`);
    return;
  }
  const s = stmt;
  for (const key of Object.keys(s)) {
    if (!statementKeys.has(key)) {
      findings.add("INVALID_ELEMENT", `${at}${pathStep(key, false)}`, `${at} has an unknown element "${key}"`);
    }
  }
  if (s.Sid !== undefined && typeof s.Sid !== "string") {
    findings.add("DATA_TYPE_MISMATCH", `${at}.Sid`, `${at}.Sid must be a string`);
  } else if (s.Sid === "") {
    findings.add("EMPTY_ELEMENT", `${at}.Sid`, `${at}.Sid is empty: leave it out`);
  } else if (typeof s.Sid === "string" && !s.Sid.includes(UNKNOWN) && !/^[A-Za-z0-9]*$/.test(s.Sid)) {
    // IAM's rule for identity-policy Sids; nothing documents it for AMP resource policies.
    findings.add(
      "SID_CHARACTERS",
      `${at}.Sid`,
      `${at}.Sid ${quote(s.Sid)} has characters other than letters and digits: IAM requires that of identity-policy Sids; ` +
        "AMP documents no rule, but the service may refuse it",
    );
  }

  if (s.Effect === undefined) {
    findings.add("MISSING_EFFECT", at, `${at} has no Effect (must be "Allow" or "Deny")`);
  } else if (s.Effect !== "Allow" && s.Effect !== "Deny" && s.Effect !== UNKNOWN) {
    findings.add(
      "INVALID_EFFECT",
      `${at}.Effect`,
      `${at}.Effect must be "Allow" or "Deny", not ${JSON.stringify(s.Effect)}`,
    );
  }

  const hasPrincipal = s.Principal !== undefined;
  const hasNotPrincipal = s.NotPrincipal !== undefined;
  if (!hasPrincipal && !hasNotPrincipal) {
    findings.add("MISSING_PRINCIPAL", at, `${at} has no Principal (a resource policy must say who it applies to)`);
  } else if (hasPrincipal && hasNotPrincipal) {
    findings.add("UNSUPPORTED_ELEMENT_COMBINATION", at, `${at} has both Principal and NotPrincipal; use one`);
  }
  if (hasPrincipal) {
    validatePrincipal(s.Principal, `${at}.Principal`, findings);
  }
  if (hasNotPrincipal) {
    validatePrincipal(s.NotPrincipal, `${at}.NotPrincipal`, findings);
    if (s.Effect === "Allow") {
      findings.add(
        "ALLOW_WITH_NOT_PRINCIPAL",
        `${at}.NotPrincipal`,
        `${at} uses NotPrincipal with "Allow", which IAM does not support`,
      );
    }
  }

  const hasAction = s.Action !== undefined;
  const hasNotAction = s.NotAction !== undefined;
  if (!hasAction && !hasNotAction) {
    findings.add("MISSING_ACTION", at, `${at} has no Action or NotAction`);
  } else if (hasAction && hasNotAction) {
    findings.add("UNSUPPORTED_ELEMENT_COMBINATION", at, `${at} has both Action and NotAction; use one`);
  }
  for (const key of ["Action", "NotAction"] as const) {
    const actions = stringList(s[key], `${at}.${key}`, findings);
    for (const action of actions) {
      if (action === UNKNOWN) {
        continue;
      }
      if (action === "") {
        findings.add("EMPTY_VALUE", `${at}.${key}`, `${at}.${key} has an empty action`);
      } else if (action !== "*" && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
        findings.add(
          "INVALID_ACTION",
          `${at}.${key}`,
          `${at}.${key} has a malformed action "${action}" (expected "service:Action")`,
        );
      } else if (action.includes("*") || action.includes("?")) {
        if (key === "Action") {
          findings.add(
            "WILDCARD_ACTION",
            `${at}.Action`,
            `${at}.Action "${action}" is a wildcard: it grants every matching action, including any added later; list the actions instead`,
          );
        }
      } else if (!supportedActionSet.has(action.toLowerCase())) {
        findings.add(
          "IGNORED_ACTION",
          `${at}.${key}`,
          `${at}.${key} "${action}" is not a Prometheus-compatible action; AMP workspace policies ignore or reject it`,
        );
      }
    }
    checkRedundantActions(actions, `${at}.${key}`, findings);
  }

  if (s.Resource !== undefined && s.NotResource !== undefined) {
    findings.add("UNSUPPORTED_ELEMENT_COMBINATION", at, `${at} has both Resource and NotResource; use one`);
  }
  for (const key of ["Resource", "NotResource"] as const) {
    const resources = stringList(s[key], `${at}.${key}`, findings);
    for (const resource of resources) {
      if (resource === "") {
        findings.add("EMPTY_VALUE", `${at}.${key}`, `${at}.${key} has an empty resource`);
      } else if (key === "Resource" && !resourceMayNameWorkspace(resource, workspaceId)) {
        findings.add(
          "OTHER_WORKSPACE_RESOURCE",
          `${at}.Resource`,
          `${at}.Resource "${resource}" does not name workspace ${workspaceId ?? ""}; AMP rejects a Resource other than the workspace's own ARN`,
        );
      }
    }
  }

  if (s.Condition !== undefined) {
    validateCondition(s.Condition, `${at}.Condition`, findings);
  }

  if (s.Effect === "Allow" && isOpenToAnyone(s) && !restrictsCaller(s.Condition)) {
    findings.add(
      "PUBLIC_ACCESS",
      at,
      `${at} allows Principal "*" with no condition restricting who (e.g. aws:PrincipalOrgID or aws:SourceAccount): the workspace is open to anyone`,
    );
  }
}

function validatePrincipal(principal: unknown, at: string, findings: Findings): void {
  if (principal === "*" || principal === UNKNOWN) {
    return;
  }
  if (typeof principal === "string") {
    findings.add(
      "INVALID_PRINCIPAL",
      at,
      `${at} must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, not a string`,
    );
    return;
  }
  if (!isObject(principal)) {
    findings.add("INVALID_PRINCIPAL", at, `${at} must be "*" or an object of principal type to principals`);
    return;
  }
  const entries = Object.entries(principal);
  if (entries.length === 0) {
    findings.add("EMPTY_VALUE", at, `${at} must name at least one principal`);
  }
  for (const [type, value] of entries) {
    if (!principalTypes.includes(type)) {
      findings.add(
        "INVALID_PRINCIPAL",
        `${at}${pathStep(type, false)}`,
        `${at} has an unknown principal type "${type}" (allowed: ${principalTypes.join(", ")})`,
      );
      continue;
    }
    for (const name of stringList(value, `${at}.${type}`, findings)) {
      if (name === "") {
        findings.add("EMPTY_VALUE", `${at}.${type}`, `${at}.${type} has an empty principal`);
      }
    }
  }
}

function validateCondition(condition: unknown, at: string, findings: Findings): void {
  if (condition === UNKNOWN) {
    return;
  }
  if (!isObject(condition)) {
    findings.add("DATA_TYPE_MISMATCH", at, `${at} must be an object of operator to {key: value}`);
    return;
  }
  if (Object.keys(condition).length === 0) {
    findings.add("EMPTY_ELEMENT", at, `${at} is empty: it restricts nothing; leave it out`);
  }
  for (const [operator, block] of Object.entries(condition)) {
    const blockAt = `${at}${pathStep(operator, false)}`;
    if (!/^[A-Za-z:]+$/.test(operator)) {
      findings.add("INVALID_CONDITION", blockAt, `${at} has a malformed operator "${operator}"`);
    }
    if (block === UNKNOWN) {
      continue;
    }
    if (!isObject(block)) {
      findings.add("DATA_TYPE_MISMATCH", blockAt, `${at}.${operator} must be an object of condition key to value(s)`);
      continue;
    }
    if (Object.keys(block).length === 0) {
      findings.add("EMPTY_ELEMENT", blockAt, `${at}.${operator} is empty: it restricts nothing; leave it out`);
    }
    for (const [key, value] of Object.entries(block)) {
      const values = Array.isArray(value) ? value : [value];
      const keyAt = `${blockAt}[${quote(key)}]`;
      if (Array.isArray(value) && value.length === 0) {
        findings.add("EMPTY_VALUE", keyAt, `${at}.${operator}["${key}"] must have at least one value`);
      }
      if (!values.every((v) => typeof v === "string" || v instanceof JsonNumber || typeof v === "boolean")) {
        findings.add(
          "DATA_TYPE_MISMATCH",
          keyAt,
          `${at}.${operator}["${key}"] values must be strings, numbers or booleans`,
        );
      }
    }
  }
}

/** Reads a string-or-list element, reporting wrong types; returns its strings. */
function stringList(value: unknown, at: string, findings: Findings): string[] {
  if (value === undefined) {
    return [];
  }
  if (typeof value === "string") {
    return [value];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      findings.add("EMPTY_VALUE", at, `${at} must not be an empty list`);
    }
    if (!value.every((v) => typeof v === "string")) {
      findings.add("DATA_TYPE_MISMATCH", at, `${at} must be a string or a list of strings`);
    }
    return value.filter((v): v is string => typeof v === "string");
  }
  findings.add("DATA_TYPE_MISMATCH", at, `${at} must be a string or a list of strings, not ${kindOf(value)}`);
  return [];
}

/** Rejects control characters and lone surrogates anywhere in keys or values. */
function checkText(value: unknown, at: string, findings: Findings): void {
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
    if (findings.errorCount > 20) {
      return;
    }
    if (typeof v === "string") {
      const problem = bad(v);
      if (problem) {
        findings.add("INVALID_CHARACTER", path, `${path || "document"} contains ${problem}`);
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (isObject(v)) {
      for (const [key, item] of Object.entries(v)) {
        const problem = bad(key);
        if (problem) {
          findings.add("INVALID_CHARACTER", path, `${path || "document"} has a key that contains ${problem}`);
        }
        visit(item, path ? `${path}.${key}` : key);
      }
    }
  };
  visit(value, at);
}

/** Actions of one list that another of the list already covers: a repeat (in any case) or a wildcard's match. */
function checkRedundantActions(actions: readonly string[], at: string, findings: Findings): void {
  const seen: string[] = [];
  actions.forEach((action, index) => {
    if (action === "" || action.includes(UNKNOWN)) {
      return;
    }
    const lower = action.toLowerCase();
    const coveredBy = actions.find((other, j) => {
      const o = other.toLowerCase();
      if (j === index || o === "" || other.includes(UNKNOWN)) {
        return false;
      }
      // A repeat is reported on its second occurrence; a wildcard's match on the match.
      return o === lower ? j < index : (o.includes("*") || o.includes("?")) && globMatches(o, lower) && o !== lower;
    });
    if (coveredBy !== undefined && !seen.includes(lower)) {
      seen.push(lower);
      findings.add(
        "REDUNDANT_ACTION",
        actions.length > 1 ? `${at}[${index}]` : at,
        coveredBy.toLowerCase() === lower
          ? `${at} lists "${action}" more than once`
          : `${at} "${action}" is already covered by "${coveredBy}"`,
      );
    }
  });
}

/** Up to this many statements of one shape are compared pairwise for redundancy; beyond, only repeats are found. */
const MAX_PAIRWISE_STATEMENTS = 200;

/** What checkRedundantStatements compares of a statement, computed once. */
interface StatementGrant {
  /** Effect and the elements that must be the same (Resource, Condition, the Not forms), canonical. */
  shape: string;
  /** Lower-cased actions (patterns). */
  actions: string[];
  /** Principal type → canonical names. */
  principals: Map<string, string[]>;
  /** The whole grant, canonical: equal for two statements that repeat each other. */
  key: string;
}

/**
 * Statements whose grant another statement already makes: the same effect, Resource and Condition (by IAM
 * meaning), and Principal and Action lists (not their Not forms) each covered by the other statement's. When
 * two statements cover each other, the later one is reported. Linear for repeats; pairwise only within a
 * group of statements of one shape, up to MAX_PAIRWISE_STATEMENTS.
 */
function checkRedundantStatements(statements: readonly unknown[], paths: readonly string[], findings: Findings): void {
  const grants = statements.map((stmt) => statementGrant(stmt));
  const redundant = new Map<number, number>();
  const firstOf = new Map<string, number>();
  const groups = new Map<string, number[]>();
  grants.forEach((grant, j) => {
    if (grant === undefined) {
      return;
    }
    const first = firstOf.get(grant.key);
    if (first !== undefined) {
      redundant.set(j, first);
      return;
    }
    firstOf.set(grant.key, j);
    groups.set(grant.shape, [...(groups.get(grant.shape) ?? []), j]);
  });
  for (const members of groups.values()) {
    if (members.length < 2 || members.length > MAX_PAIRWISE_STATEMENTS) {
      continue;
    }
    for (const j of members) {
      const by = members.find(
        (i) => i !== j && grantCovers(grants[i]!, grants[j]!) && (i < j || !grantCovers(grants[j]!, grants[i]!)),
      );
      if (by !== undefined) {
        redundant.set(j, by);
      }
    }
  }
  for (const [j, by] of [...redundant].sort(([x], [y]) => x - y)) {
    findings.add(
      "REDUNDANT_STATEMENT",
      paths[j],
      `${paths[j]} grants nothing ${paths[by]} does not already: remove it or merge the two`,
    );
  }
}

/** A statement's grant, for checkRedundantStatements; undefined for a statement it does not compare. */
function statementGrant(stmt: unknown): StatementGrant | undefined {
  if (!isObject(stmt) || stmt.Action === undefined || stmt.Principal === undefined || containsUnknown(toPlain(stmt))) {
    return undefined;
  }
  const shape = canonicalJson([
    stmt.Effect ?? null,
    ...["Resource", "NotResource", "Condition", "NotPrincipal", "NotAction"].map((key) => canonicalPart(stmt, key)),
  ]);
  const actions = [
    ...new Set(
      (Array.isArray(stmt.Action) ? (stmt.Action as unknown[]) : [stmt.Action])
        .filter((x): x is string => typeof x === "string")
        .map((x) => x.toLowerCase()),
    ),
  ].sort();
  const principals = new Map<string, string[]>();
  const canonical = canonicalizePrincipal(stmt.Principal, DEFAULT_PARTITION);
  if (isObject(canonical)) {
    for (const [type, names] of Object.entries(canonical)) {
      principals.set(
        type,
        (Array.isArray(names) ? (names as unknown[]) : [names]).filter((n): n is string => typeof n === "string"),
      );
    }
  }
  const key = canonicalJson([shape, actions, [...principals].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))]);
  return { shape, actions, principals, key };
}

/** Whether grant `a` makes every grant `b` makes, given the same shape. */
function grantCovers(a: StatementGrant, b: StatementGrant): boolean {
  if (!b.actions.every((action) => a.actions.some((pattern) => globMatches(pattern, action)))) {
    return false;
  }
  if ((a.principals.get("AWS") ?? []).includes("*")) {
    return true;
  }
  return [...b.principals].every(([type, names]) =>
    names.every((name) => (a.principals.get(type) ?? []).includes(name)),
  );
}

/** A statement element in canonical form, for comparison (undefined when absent). */
function canonicalPart(stmt: Record<string, unknown>, key: string): unknown {
  const canonical = canonicalizeStatement({ [key]: stmt[key] }, DEFAULT_PARTITION) as Record<string, unknown>;
  return stmt[key] === undefined ? null : (canonical[key] ?? null);
}

function isOpenToAnyone(s: Record<string, unknown>): boolean {
  const principal = s.Principal;
  if (principal === "*") {
    return true;
  }
  if (isObject(principal)) {
    const aws = principal.AWS;
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  }
  return false;
}

/**
 * Whether a condition lets only some callers through. Its entries must all hold, so one entry that
 * restricts is enough: a positive match (not negated, not `...IfExists`, not `ForAllValues:`, which holds
 * when the key is absent) on a key that identifies the caller, every value of which pins something no
 * stranger can have (see `pinsCaller`). Anything else (`Null`, negations, wildcard-only values) restricts
 * nobody. At preview, a value not known yet in such a match counts as restricting (check runs again with it
 * known); a whole condition or operator block not known yet does not.
 */
function restrictsCaller(condition: unknown): boolean {
  if (!isObject(condition)) {
    return false;
  }
  return Object.entries(condition).some(([qualified, block]) => {
    if (qualified.startsWith("ForAllValues:") || qualified.endsWith("IfExists")) {
      return false;
    }
    const operator = qualified.startsWith("ForAnyValue:") ? qualified.slice("ForAnyValue:".length) : qualified;
    return (
      isObject(block) &&
      Object.entries(block).some(([key, value]) => {
        const kind = callerKeys.get(key.toLowerCase());
        const values: unknown[] = Array.isArray(value) ? value : [value];
        return (
          kind !== undefined &&
          values.length > 0 &&
          values.every((v) => {
            const text = typeof v === "string" ? v : v instanceof JsonNumber ? v.text : undefined;
            return text !== undefined && (text.includes(UNKNOWN) || pinsCaller(kind, operator, text));
          })
        );
      })
    );
  });
}

/** Whether `operator` with one `value` on a key of `kind` lets through only callers a stranger cannot be. */
function pinsCaller(kind: string, operator: string, value: string): boolean {
  if (kind === "ip") {
    // A /0 block is every address.
    return operator === "IpAddress" && !/\/0*$/.test(value);
  }
  if (operator === "StringEquals" || operator === "StringEqualsIgnoreCase") {
    return true;
  }
  // ArnEquals honours wildcards as ArnLike does.
  const isPattern =
    operator === "StringLike" || (kind === "arn" && (operator === "ArnLike" || operator === "ArnEquals"));
  if (!isPattern) {
    return false;
  }
  const literal = (part: string | undefined): boolean => part !== undefined && part !== "" && !/[*?]/.test(part);
  switch (kind) {
    case "orgPath":
      return literal(value.split("/")[0]);
    case "userid":
      return literal(value.split(":")[0]);
    case "arn": {
      const parts = value.split(":");
      if (parts.length < 6 || parts[0] !== "arn") {
        return false;
      }
      // An account pins the owner; without one (S3), only a whole literal resource name does.
      return parts[4] === "" ? literal(parts.slice(5).join(":")) : literal(parts[4]);
    }
    default:
      return literal(value);
  }
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
  return canonicalJson(canonicalizePolicy(readPolicy(input).doc, partition));
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
  const out: Record<string, unknown> = canonicalObject();
  for (const [key, value] of Object.entries(doc)) {
    if (key === "Statement") {
      const statements = Array.isArray(value) ? value : [value];
      out.Statement = canonicalSet(statements.map((stmt) => canonicalizeStatement(stmt, partition)));
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
  if (!isObject(stmt)) {
    return stmt;
  }
  const out: Record<string, unknown> = canonicalObject();
  for (const [key, value] of Object.entries(stmt)) {
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
    byText.set(canonicalJson(item), item);
  }
  return [...byText.keys()].sort().map((text) => byText.get(text));
}

function canonicalizePrincipal(principal: unknown, partition: string): unknown {
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
function canonicalJson(value: unknown): string {
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
