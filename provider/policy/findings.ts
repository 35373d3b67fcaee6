/**
 * Validation of a parsed policy: every problem as a typed finding in the shape of IAM Access Analyzer's
 * `ValidatePolicy` (an issue code, its finding type, a path and a message that follows the property name). It
 * reads the typed document (document.ts), never the raw statement shape, and puts redundancy.ts's analysis into
 * words.
 */
import {
  POLICY_SIZE_WARNING_BYTES,
  type ParsedPolicy,
  type ParsedStatement,
  SUPPORTED_ACTIONS,
  UNKNOWN,
  globMatches,
  parseDocument,
} from "./document";
import { JsonNumber, isObject, kindOf, pathStep, quote } from "./json";
import { redundantActions, redundantStatements } from "./redundancy";

const supportedActionSet = new Set(SUPPORTED_ACTIONS.map((action) => action.toLowerCase()));
const principalTypes = ["AWS", "Service", "Federated", "CanonicalUser"];
const documentKeys = new Set(["Version", "Id", "Statement"]);

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
  let parsed: ParsedPolicy;
  try {
    parsed = parseDocument(input);
  } catch (err) {
    findings.add("INVALID_JSON", "", (err as Error).message);
    return findings.result();
  }
  validateDocument(parsed, findings);
  validateStatements(parsed, workspaceId, findings);
  return findings.result();
}

/** The document as a whole: its size, its text, its elements, Version and Id. */
function validateDocument(parsed: ParsedPolicy, findings: Findings): void {
  const { doc, bytes: size } = parsed;
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
}

/** The Statement element, each statement, their Sids, and (when nothing fails) what repeats and the KMS advice. */
function validateStatements(parsed: ParsedPolicy, workspaceId: string | undefined, findings: Findings): void {
  const statement = parsed.statementElement;
  if (statement === undefined) {
    findings.add("MISSING_STATEMENT", "", "has no Statement");
    return;
  }
  if (statement === UNKNOWN) {
    return;
  }
  const { statements } = parsed;
  if (statements.length === 0) {
    findings.add("EMPTY_VALUE", "Statement", "Statement must not be empty");
  }
  const sids = new Set<string>();
  for (const stmt of statements) {
    const at = stmt.path;
    validateStatement(stmt, workspaceId, findings);
    const sid = stmt.sid;
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
  }
  if (findings.errorCount === 0) {
    for (const [redundant, by] of redundantStatements(statements)) {
      const at = statements[redundant].path;
      findings.add(
        "REDUNDANT_STATEMENT",
        at,
        `${at} grants nothing ${statements[by].path} does not already: remove it or merge the two`,
      );
    }
    if (statements.some((stmt) => stmt.effect === "Allow")) {
      findings.add(
        "KMS_KEY_GRANTS",
        "",
        "grants access to principals: if the workspace is encrypted with a customer-managed KMS key, each of them " +
          "must also be allowed to use that key (in its key policy or by a grant), or their requests fail",
      );
    }
  }
}

function validateStatement(stmt: ParsedStatement, workspaceId: string | undefined, findings: Findings): void {
  const at = stmt.path;
  if (stmt.written === UNKNOWN) {
    return;
  }
  if (!stmt.isObject) {
    findings.add("DATA_TYPE_MISMATCH", at, `${at} must be an object`);
    return;
  }
  for (const [key] of stmt.others) {
    findings.add("INVALID_ELEMENT", `${at}${pathStep(key, false)}`, `${at} has an unknown element "${key}"`);
  }
  validateSid(stmt, findings);
  const effect = stmt.effect;
  if (effect === undefined) {
    findings.add("MISSING_EFFECT", at, `${at} has no Effect (must be "Allow" or "Deny")`);
  } else if (effect !== "Allow" && effect !== "Deny" && effect !== UNKNOWN) {
    findings.add(
      "INVALID_EFFECT",
      `${at}.Effect`,
      `${at}.Effect must be "Allow" or "Deny", not ${JSON.stringify(effect)}`,
    );
  }
  const { principal } = stmt;
  const hasPrincipal = principal.positive !== undefined;
  const hasNotPrincipal = principal.negative !== undefined;
  if (!hasPrincipal && !hasNotPrincipal) {
    findings.add("MISSING_PRINCIPAL", at, `${at} has no Principal (a resource policy must say who it applies to)`);
  } else if (hasPrincipal && hasNotPrincipal) {
    findings.add("UNSUPPORTED_ELEMENT_COMBINATION", at, `${at} has both Principal and NotPrincipal; use one`);
  }
  if (hasPrincipal) {
    validatePrincipal(principal.positive, `${at}.Principal`, findings);
  }
  if (hasNotPrincipal) {
    validatePrincipal(principal.negative, `${at}.NotPrincipal`, findings);
    if (effect === "Allow") {
      findings.add(
        "ALLOW_WITH_NOT_PRINCIPAL",
        `${at}.NotPrincipal`,
        `${at} uses NotPrincipal with "Allow", which IAM does not support`,
      );
    }
  }
  validateActions(stmt, findings);
  validateResources(stmt, workspaceId, findings);
  if (stmt.condition !== undefined) {
    validateCondition(stmt.condition, `${at}.Condition`, findings);
  }
  if (effect === "Allow" && isOpenToAnyone(principal.positive) && !restrictsCaller(stmt.condition)) {
    findings.add(
      "PUBLIC_ACCESS",
      at,
      `${at} allows Principal "*" with no condition restricting who (e.g. aws:PrincipalOrgID or aws:SourceAccount): the workspace is open to anyone`,
    );
  }
}

function validateSid(stmt: ParsedStatement, findings: Findings): void {
  const at = stmt.path;
  const sid = stmt.sid;
  if (sid !== undefined && typeof sid !== "string") {
    findings.add("DATA_TYPE_MISMATCH", `${at}.Sid`, `${at}.Sid must be a string`);
  } else if (sid === "") {
    findings.add("EMPTY_ELEMENT", `${at}.Sid`, `${at}.Sid is empty: leave it out`);
  } else if (typeof sid === "string" && !sid.includes(UNKNOWN) && !/^[A-Za-z0-9]*$/.test(sid)) {
    // IAM's rule for identity-policy Sids; nothing documents it for AMP resource policies.
    findings.add(
      "SID_CHARACTERS",
      `${at}.Sid`,
      `${at}.Sid ${quote(sid)} has characters other than letters and digits: IAM requires that of identity-policy Sids; ` +
        "AMP documents no rule, but the service may refuse it",
    );
  }
}

function validateActions(stmt: ParsedStatement, findings: Findings): void {
  const { path: at, action } = stmt;
  const hasAction = action.positive !== undefined;
  const hasNotAction = action.negative !== undefined;
  if (!hasAction && !hasNotAction) {
    findings.add("MISSING_ACTION", at, `${at} has no Action or NotAction`);
  } else if (hasAction && hasNotAction) {
    findings.add("UNSUPPORTED_ELEMENT_COMBINATION", at, `${at} has both Action and NotAction; use one`);
  }
  for (const [key, value] of [
    ["Action", action.positive],
    ["NotAction", action.negative],
  ] as const) {
    const actions = stringList(value, `${at}.${key}`, findings);
    for (const name of actions) {
      if (name === UNKNOWN) {
        continue;
      }
      if (name === "") {
        findings.add("EMPTY_VALUE", `${at}.${key}`, `${at}.${key} has an empty action`);
      } else if (name !== "*" && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(name)) {
        findings.add(
          "INVALID_ACTION",
          `${at}.${key}`,
          `${at}.${key} has a malformed action "${name}" (expected "service:Action")`,
        );
      } else if (name.includes("*") || name.includes("?")) {
        if (key === "Action") {
          findings.add(
            "WILDCARD_ACTION",
            `${at}.Action`,
            `${at}.Action "${name}" is a wildcard: it grants every matching action, including any added later; list the actions instead`,
          );
        }
      } else if (!supportedActionSet.has(name.toLowerCase())) {
        findings.add(
          "IGNORED_ACTION",
          `${at}.${key}`,
          `${at}.${key} "${name}" is not a Prometheus-compatible action; AMP workspace policies ignore or reject it`,
        );
      }
    }
    for (const { index, action: covered, coveredBy } of redundantActions(actions)) {
      const listAt = `${at}.${key}`;
      findings.add(
        "REDUNDANT_ACTION",
        actions.length > 1 ? `${listAt}[${index}]` : listAt,
        coveredBy.toLowerCase() === covered.toLowerCase()
          ? `${listAt} lists "${covered}" more than once`
          : `${listAt} "${covered}" is already covered by "${coveredBy}"`,
      );
    }
  }
}

function validateResources(stmt: ParsedStatement, workspaceId: string | undefined, findings: Findings): void {
  const { path: at, resource } = stmt;
  if (resource.positive !== undefined && resource.negative !== undefined) {
    findings.add("UNSUPPORTED_ELEMENT_COMBINATION", at, `${at} has both Resource and NotResource; use one`);
  }
  for (const [key, value] of [
    ["Resource", resource.positive],
    ["NotResource", resource.negative],
  ] as const) {
    const resources = stringList(value, `${at}.${key}`, findings);
    for (const name of resources) {
      if (name === "") {
        findings.add("EMPTY_VALUE", `${at}.${key}`, `${at}.${key} has an empty resource`);
      } else if (key === "Resource" && !resourceMayNameWorkspace(name, workspaceId)) {
        findings.add(
          "OTHER_WORKSPACE_RESOURCE",
          `${at}.Resource`,
          `${at}.Resource "${name}" does not name workspace ${workspaceId ?? ""}; AMP rejects a Resource other than the workspace's own ARN`,
        );
      }
    }
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
    const names = stringList(value, `${at}.${type}`, findings);
    for (const [index, name] of names.entries()) {
      const path = Array.isArray(value) ? `${at}.${type}[${index}]` : `${at}.${type}`;
      if (name === "") {
        findings.add("EMPTY_VALUE", `${at}.${type}`, `${at}.${type} has an empty principal`);
      } else if (type === "AWS" && !isAwsPrincipal(name)) {
        const number = /^\d+(\.\d+)?e\+?\d+$/i.test(name)
          ? ": it looks like a number written in exponent form (a YAML or JSON number loses an account id's digits): quote the account id"
          : "";
        findings.add(
          "INVALID_PRINCIPAL",
          path,
          `${path} ${JSON.stringify(name)} is not an account id (12 digits), an IAM or STS ARN, a unique id or "*"${number}`,
        );
      }
    }
  }
}

/**
 * Whether IAM takes `name` as an `AWS` principal: `*`, an account id, an ARN of IAM or STS with an account, or the
 * unique id IAM shows for a principal since deleted (AIDA…, AROA…). Anything else AMP refuses as an invalid
 * principal when the policy is written.
 */
function isAwsPrincipal(name: string): boolean {
  return (
    name === "*" ||
    name === UNKNOWN ||
    /^\d{12}$/.test(name) ||
    /^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/.test(name) ||
    /^A[A-Z]{3}[A-Z0-9]{12,}$/.test(name)
  );
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

/** Whether a Principal names anyone: `"*"` or `{"AWS": "*"}` (alone or in a list). */
function isOpenToAnyone(principal: unknown): boolean {
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
