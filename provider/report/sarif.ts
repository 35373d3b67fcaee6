/**
 * `amp-policy validate --format sarif`: the findings of a policy file as a SARIF 2.1.0 log, the format GitHub code
 * scanning (and other pipelines) read. One rule per issue code, with its help text; one result per finding, at the
 * line and column of the finding's JSON path in the file.
 */
import { type FindingType, ISSUE_CODES, type IssueCode, type PolicyFinding } from "../policy";

/** The `$schema` of the log: the SARIF 2.1.0 schema as OASIS published it. */
export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** A SARIF level. */
export type SarifLevel = "error" | "warning" | "note";

/**
 * The SARIF level of each finding type. A `SECURITY_WARNING` is an `error`: it is what `validate` fails on by
 * default, and its rule also carries GitHub's `security-severity`, so code scanning lists it as a security alert.
 */
export const SARIF_LEVELS: Readonly<Record<FindingType, SarifLevel>> = {
  ERROR: "error",
  SECURITY_WARNING: "error",
  WARNING: "warning",
  SUGGESTION: "note",
};

/**
 * GitHub's `security-severity` (0.1 to 10; 7.0 to 8.9 is "high") of the rules about whom the workspace is open to.
 */
const SECURITY_SEVERITY = "7.5";

/** What each issue code means (the rule's short description) and what to do about it (its full description). */
const RULE_HELP: Readonly<Record<IssueCode, { short: string; full: string }>> = {
  MISSING_POLICY: {
    short: "There is no policy document.",
    full: "The file holds no policy document: give a JSON object with a Version and a Statement.",
  },
  INVALID_JSON: {
    short: "The document is not valid JSON.",
    full: "The document is not valid JSON (RFC 8259), gives a key twice in one object, or nests arrays and objects too deep. AMP refuses it.",
  },
  DATA_TYPE_MISMATCH: {
    short: "A value has the wrong JSON type.",
    full: "A value has the wrong JSON type: a statement that is not an object, a Sid or an Id that is not a string, a document that is not an object.",
  },
  INVALID_CHARACTER: {
    short: "A key or a value holds a control character or a lone surrogate.",
    full: "A key or a value holds a control character or a lone UTF-16 surrogate: remove it, IAM refuses it.",
  },
  INVALID_ELEMENT: {
    short: "An element IAM does not know.",
    full: "The document or a statement has an element IAM does not know. A document has Version, Id and Statement; a statement has Sid, Effect, Principal or NotPrincipal, Action or NotAction, Resource or NotResource, and Condition.",
  },
  INVALID_VERSION: {
    short: "The Version is not 2012-10-17 or 2008-10-17.",
    full: 'The Version must be "2012-10-17" (use this one) or "2008-10-17".',
  },
  MISSING_STATEMENT: {
    short: "The document has no Statement.",
    full: "The document has no Statement: a policy grants or denies through its statements.",
  },
  MISSING_EFFECT: {
    short: "A statement has no Effect.",
    full: 'A statement has no Effect: give "Allow" or "Deny".',
  },
  INVALID_EFFECT: {
    short: "An Effect other than Allow or Deny.",
    full: 'A statement\'s Effect must be "Allow" or "Deny" (case matters).',
  },
  MISSING_PRINCIPAL: {
    short: "A statement has no Principal or NotPrincipal.",
    full: "A statement of a resource policy must say whom it is about: give a Principal (or, with Deny, a NotPrincipal).",
  },
  INVALID_PRINCIPAL: {
    short: "A principal is neither * nor an object of known principal types.",
    full: 'A principal must be "*" or an object whose keys are AWS, Service, Federated or CanonicalUser.',
  },
  MISSING_ACTION: {
    short: "A statement has no Action or NotAction.",
    full: "A statement must say which actions it is about: give an Action (or a NotAction).",
  },
  INVALID_ACTION: {
    short: "An action that is not service:Action.",
    full: 'An action must be written service:Action (for AMP, "aps:RemoteWrite"), with * and ? as wildcards.',
  },
  INVALID_CONDITION: {
    short: "A malformed condition operator.",
    full: "A condition operator is malformed: an operator such as StringEquals (with an optional ForAllValues:/ForAnyValue: prefix and IfExists suffix) maps condition keys to values.",
  },
  UNSUPPORTED_ELEMENT_COMBINATION: {
    short: "Principal with NotPrincipal, Action with NotAction, or Resource with NotResource.",
    full: "A statement gives both an element and its Not form (Principal and NotPrincipal, Action and NotAction, Resource and NotResource): keep one.",
  },
  ALLOW_WITH_NOT_PRINCIPAL: {
    short: "Allow with NotPrincipal allows everyone but the principals listed.",
    full: "Allow with NotPrincipal would allow every principal but the ones listed, anyone on the internet included: IAM refuses it. Name the principals to allow with Principal.",
  },
  EMPTY_VALUE: {
    short: "An empty list or string where IAM needs a value.",
    full: "An empty Statement, action, principal or condition value list: IAM needs at least one value there.",
  },
  DUPLICATE_SID: {
    short: "Two statements have the same Sid.",
    full: "Two statements have the same Sid: a Sid names one statement, give each its own.",
  },
  PUBLIC_ACCESS: {
    short: "Principal * without a condition that restricts who: anyone may use the workspace.",
    full: 'A statement allows Principal "*" without a condition that narrows the caller to known accounts, organizations, ARNs, VPCs or IP ranges (aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceVpce, ...): anyone may use the workspace. Name the principals, or add such a condition.',
  },
  MISSING_VERSION: {
    short: "The document has no Version.",
    full: 'Without a Version IAM reads the document as "2008-10-17", which has no policy variables: add "Version": "2012-10-17".',
  },
  IGNORED_ACTION: {
    short: "An action that is not Prometheus-compatible.",
    full: "A workspace policy takes effect only for the Prometheus-compatible actions (aps:RemoteWrite, aps:QueryMetrics, aps:GetSeries, ...): AMP ignores other actions, or rejects the policy.",
  },
  WILDCARD_ACTION: {
    short: "A wildcard action grants actions added later too.",
    full: "A wildcard action (aps:*, aps:Get*) grants every matching action, those AWS adds later included: list the actions the principal needs.",
  },
  OTHER_WORKSPACE_RESOURCE: {
    short: "A Resource names another workspace.",
    full: "A statement's Resource names another workspace than the one the policy is for: it grants nothing here, and AMP may reject the policy.",
  },
  POLICY_SIZE: {
    short: "The document is larger than IAM allows resource policies elsewhere.",
    full: "The minified document is larger than the 20,480 bytes IAM allows resource policies elsewhere. AMP documents no limit, so it is sent as written, but the service may refuse it.",
  },
  SID_CHARACTERS: {
    short: "A Sid with characters other than letters and digits.",
    full: "A Sid may hold only ASCII letters and digits in IAM's grammar: other characters may be refused.",
  },
  REDUNDANT_ACTION: {
    short: "An action already covered by another of the same list.",
    full: "An action repeats another of the same list, or a wildcard of the list already matches it: remove it.",
  },
  REDUNDANT_STATEMENT: {
    short: "A statement grants nothing another statement does not already.",
    full: "Another statement already grants everything this statement grants: remove it or merge the two.",
  },
  EMPTY_ELEMENT: {
    short: "An element that says nothing.",
    full: "An empty Condition or operator block, or an empty Sid, says nothing: remove it.",
  },
  KMS_KEY_GRANTS: {
    short: "Principals of a workspace encrypted with a customer-managed KMS key need to use the key.",
    full: "If the workspace is encrypted with a customer-managed KMS key, the principals this policy allows must also be allowed to use the key (a key policy or grant).",
  },
};

/** Where the log's results point: the policy file as named on the command line, and its text. */
export interface SarifInput {
  /** The policy file as given (a relative path stays relative, resolved against the checkout); `-` is standard input. */
  path: string;
  /** The file's text, in which each finding's path is found. */
  text: string;
  /** The findings to report (those left after `--ignore-finding`). */
  findings: readonly PolicyFinding[];
}

/** A SARIF region: 1-based lines and columns (UTF-16 code units), the end column just after the last character. */
export interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

/** The findings as a SARIF 2.1.0 log: one run of the tool `amp-policy`, every issue code as a rule. */
export function sarifLog(input: SarifInput): Record<string, unknown> {
  const codes = Object.keys(ISSUE_CODES) as IssueCode[];
  const rules = codes.map((code) => ruleOf(code));
  const artifactLocation =
    input.path === "-" ? { uri: "-", description: { text: "standard input" } } : { uri: uriOf(input.path) };
  const lines = lineStarts(input.text);
  const results = input.findings.map((finding) => {
    const region = regionOf(input.text, finding, lines);
    return {
      ruleId: finding.issueCode,
      ruleIndex: codes.indexOf(finding.issueCode),
      level: SARIF_LEVELS[finding.findingType],
      message: { text: messageOf(finding) },
      locations: [{ physicalLocation: { artifactLocation, ...(region === undefined ? {} : { region }) } }],
      properties: { findingType: finding.findingType, path: finding.path },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "amp-policy", rules } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

/** The finding's message as `amp-policy validate` prints it: `Statement[0] has no Effect`, `the policy has no Version`. */
export function messageOf(finding: PolicyFinding): string {
  // Messages follow the property they are about: "Statement[0] has no Effect", "has no Version".
  return `${/^[A-Z]/.test(finding.message) ? "" : "the policy "}${finding.message}`;
}

function ruleOf(code: IssueCode): Record<string, unknown> {
  const findingType = ISSUE_CODES[code];
  const help = RULE_HELP[code];
  const security = findingType === "SECURITY_WARNING";
  return {
    id: code,
    name: code
      .toLowerCase()
      .split("_")
      .map((word) => word[0].toUpperCase() + word.slice(1))
      .join(""),
    shortDescription: { text: help.short },
    fullDescription: { text: help.full },
    help: { text: `${help.full} (issue code ${code}, ${findingType}; leave it out with --ignore-finding ${code})` },
    defaultConfiguration: { level: SARIF_LEVELS[findingType] },
    properties: {
      findingType,
      // Code scanning's severity of a rule with tag "security" comes from security-severity.
      tags: security ? ["security", findingType] : [findingType],
      ...(security ? { "security-severity": SECURITY_SEVERITY } : {}),
      precision: "very-high",
    },
  };
}

/** A file path as a URI reference: relative stays relative (with `/`), absolute becomes `file://`. */
function uriOf(path: string): string {
  const slashed = path.replace(/\\/g, "/");
  const encoded = slashed
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  if (/^[A-Za-z]:\//.test(slashed)) {
    return `file:///${slashed.slice(0, 2)}${encoded.slice(encoded.indexOf("/"))}`;
  }
  return slashed.startsWith("/") ? `file://${encoded}` : encoded;
}

// ---------------------------------------------------------------------------------------------------------
// Where a finding is in the text

/** The offset at which each line of `text` starts (a line ends at LF, CR LF or CR). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      starts.push(i + 1);
    }
  }
  return starts;
}

function lineAndColumn(offset: number, starts: readonly number[]): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return { line: low + 1, column: offset - starts[low] + 1 };
}

/**
 * The region of a finding: the member its path names (from its key to the end of its value), the element, or the
 * whole document for a path of "". Text that is not JSON is pointed at where the reader stopped
 * (`at position N`). A path that cannot be followed to its end points at the deepest value it reaches.
 */
function regionOf(text: string, finding: PolicyFinding, lines: readonly number[]): SarifRegion | undefined {
  let span: { start: number; end: number } | undefined;
  if (finding.issueCode === "INVALID_JSON") {
    const at = /at position (\d+)/.exec(finding.message);
    const start = at === null ? skipSpace(text, 0) : Math.min(Number(at[1]), text.length);
    span = { start, end: Math.min(start + 1, text.length) };
  } else {
    span = locatePath(text, finding.path);
  }
  if (span === undefined) {
    return undefined;
  }
  const start = lineAndColumn(span.start, lines);
  const end = lineAndColumn(Math.max(span.end, span.start), lines);
  return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
}

/** One step of a finding's path: a member's key or an element's index. */
type PathStep = { key: string } | { index: number };

/**
 * The steps of a path as findings.ts writes it: `Statement[0].Condition.StringEquals["aws:SourceAccount"]`, a
 * top-level key alone (`Version`), or "". Stops at the first step it cannot read.
 */
export function pathSteps(path: string): PathStep[] {
  const steps: PathStep[] = [];
  const step = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[]+)/y;
  for (let match = step.exec(path); match !== null && match[0] !== ""; match = step.exec(path)) {
    if (match[1] !== undefined) {
      steps.push({ index: Number(match[1]) });
    } else if (match[2] !== undefined) {
      try {
        steps.push({ key: JSON.parse(match[2]) as string });
      } catch {
        break;
      }
    } else {
      steps.push({ key: match[3] });
    }
  }
  return steps;
}

/**
 * Where the value a path names sits in JSON text (offsets, the end just after the value; a member from its key).
 * Follows the path only, skipping the values beside it without reading them, never recursing. Undefined when the
 * text does not start with a JSON value.
 */
export function locatePath(text: string, path: string): { start: number; end: number } | undefined {
  let valueStart = skipSpace(text, 0);
  if (valueStart >= text.length) {
    return undefined;
  }
  let spanStart = valueStart;
  for (const step of pathSteps(path)) {
    const found = "key" in step ? findMember(text, valueStart, step.key) : findElement(text, valueStart, step.index);
    if (found === undefined) {
      break;
    }
    spanStart = found.spanStart;
    valueStart = found.valueStart;
  }
  return { start: spanStart, end: skipValue(text, valueStart) };
}

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i)) {
    // whitespace between tokens
  }
  return i;
}

/** The offset just after the string literal that starts at `i`. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i++;
    } else if (c === 34) {
      return i + 1;
    }
  }
  return text.length;
}

/** The offset just after the value that starts at `i`: a container up to its closing bracket, counted, not recursed. */
function skipValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') {
    return skipString(text, i);
  }
  if (first !== "{" && first !== "[") {
    // A number, true, false or null: up to the next delimiter.
    while (i < text.length && !/[\s,:\]}]/.test(text[i])) {
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = skipString(text, i);
      continue;
    }
    if (c === "{" || c === "[") {
      depth++;
    } else if ((c === "}" || c === "]") && --depth === 0) {
      return i + 1;
    }
    i++;
  }
  return i;
}

/** The member `key` of the object at `i`: where its key starts and where its value starts. */
function findMember(text: string, i: number, key: string): { spanStart: number; valueStart: number } | undefined {
  if (text[i] !== "{") {
    return undefined;
  }
  i = skipSpace(text, i + 1);
  while (text[i] === '"') {
    const keyStart = i;
    const keyEnd = skipString(text, i);
    let name: string;
    try {
      name = JSON.parse(text.slice(keyStart, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = skipSpace(text, keyEnd);
    if (text[i] !== ":") {
      return undefined;
    }
    const valueStart = skipSpace(text, i + 1);
    if (name === key) {
      return { spanStart: keyStart, valueStart };
    }
    i = skipSpace(text, skipValue(text, valueStart));
    if (text[i] !== ",") {
      return undefined;
    }
    i = skipSpace(text, i + 1);
  }
  return undefined;
}

/** The element `index` of the array at `i`: where its value starts (its span starts there too). */
function findElement(text: string, i: number, index: number): { spanStart: number; valueStart: number } | undefined {
  if (text[i] !== "[") {
    return undefined;
  }
  i = skipSpace(text, i + 1);
  for (let n = 0; i < text.length && text[i] !== "]"; n++) {
    if (n === index) {
      return { spanStart: i, valueStart: i };
    }
    i = skipSpace(text, skipValue(text, i));
    if (text[i] !== ",") {
      return undefined;
    }
    i = skipSpace(text, i + 1);
  }
  return undefined;
}
