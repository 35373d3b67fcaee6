/**
 * check: the one pipeline both front doors call, as a straight run of named steps: validate the inputs (each
 * property decoded to its type, the policy document's findings kept typed), review the change of access (and
 * gate it), suppress findings by code, redact secret values, then log what the engine shows. A door decodes its
 * wire (plain values, the names of the secret inputs), passes its settings and a logger, and returns the result.
 *
 * `check` (validation alone) is also the `check` of `provider/lifecycle.ts`: states written by 0.1.0 call it with
 * the new inputs alone and log its `warnings` themselves, so its shape stays.
 */
import { isWorkspaceId } from "../aws/amp";
import { type PolicyFinding, UNKNOWN, suppressFindings, validatePolicy } from "../policy";
import { redactCheck } from "../redact";
import { type ReviewContext, type ReviewSettings, checkReviewInputs, reviewAccess, suppressedCodes } from "../review";

// ---------------------------------------------------------------------------------------------------------
// Types

/** A check failure: the property and what is wrong with it. */
export interface CheckFailure {
  property: string;
  reason: string;
  /** The reason stands alone: the engine is to print it without the property's value (see `engineFailures`). */
  standalone?: boolean;
}

/** The outcome of `check`. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
  /** Problems AWS would accept but the user should know about. */
  warnings: string[];
}

/** The inputs validated: their failures, and the findings of the policy document, typed and in document order. */
export interface ValidatedInputs {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
  /** Every finding of `validatePolicy` (errors, which are also `failures`, and suggestions included). */
  findings: PolicyFinding[];
}

/** One check as a door asks for it: the change, the door's settings and what it knows of secrets. */
export interface CheckRequest {
  /** The old inputs (`{}` for a create). */
  olds: Record<string, unknown>;
  /** The new inputs, as plain values (unknown ones as the `UNKNOWN` sentinel). */
  news: Record<string, unknown>;
  /** The provider-wide review settings (the environment for the dynamic door, config for the plugin). */
  settings: ReviewSettings;
  /** The names of the inputs whose values are secret: no message quotes them. */
  secretInputs: readonly string[];
}

/** Where check's messages go: the engine's log, as each door reaches it. */
export interface CheckLogger {
  /** A warning of a finding the user did not suppress. */
  warning(message: string): void | Promise<void>;
  /** The access review: the verdict, the table and the digest. */
  info(message: string): void | Promise<void>;
}

/** The outcome of the pipeline: what the door returns (`inputs`, `failures`) and what it was told to log. */
export interface CheckedResource extends CheckResult {
  /** The access review's messages (logged only when there is no failure). */
  diagnostics: string[];
}

const clientTokenPattern = /^[!-~]{1,64}$/;

// ---------------------------------------------------------------------------------------------------------
// The pipeline

/**
 * Checks one resource: validate → review → suppress → redact, then log the warnings and the review when
 * nothing failed. Never throws for bad inputs: each problem is a failure naming its property.
 */
export async function checkResource(request: CheckRequest, logger: CheckLogger): Promise<CheckedResource> {
  const { olds, news, settings, secretInputs } = request;
  const validated = validateInputs(news);
  const failures = [...validated.failures, ...(settings.problems ?? [])];
  const context: ReviewContext = { secret: secretInputs.includes("policyDocument") };
  const review = failures.length === 0 ? reviewAccess(olds, news, settings, context) : { diagnostics: [] };
  if (review.failure !== undefined) {
    failures.push(review.failure);
  }
  const warnings = warningsOf(suppressFindings(validated.findings, suppressedCodes(news, settings)));
  const redacted = redactCheck(
    { failures, warnings },
    secretInputs.map((name) => news[name]),
  );
  const checked: CheckedResource = { inputs: news, ...redacted, diagnostics: review.diagnostics };
  if (checked.failures.length === 0) {
    for (const warning of checked.warnings) {
      await logger.warning(warning);
    }
    for (const diagnostic of checked.diagnostics) {
      await logger.info(diagnostic);
    }
  }
  return checked;
}

/**
 * The failures as a door hands them to the engine. The engine prints a failure that names a property as
 * `property <name> value <value> has a problem: <reason>`, the value in Go map notation; for the gate that value is
 * the whole policy document, printed before the verdict and the table it already explains. A failure whose reason
 * stands alone (it names the property in words) goes without its property, and the engine prints
 * `resource '<name>' has a problem: <reason>`.
 */
export function engineFailures(failures: readonly CheckFailure[]): Array<{ property: string; reason: string }> {
  return failures.map(({ property, reason, standalone }) => ({
    property: standalone === true ? "" : property,
    reason,
  }));
}

// ---------------------------------------------------------------------------------------------------------
// The steps

/**
 * Validates inputs before any API call, each property decoded to its type, and keeps the policy document's
 * findings typed. Never throws: each problem is a failure naming its property. Values not known yet (during
 * preview) are accepted.
 */
export function validateInputs(news: Record<string, unknown>): ValidatedInputs {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason: `${property} ${reason}` });
  };

  const workspaceId = news.workspaceId;
  if (workspaceId === undefined || workspaceId === null || workspaceId === "") {
    fail("workspaceId", "is required: the id of the AMP workspace (e.g. ws-12345678-abcd-...)");
  } else if (typeof workspaceId !== "string") {
    fail("workspaceId", `must be a string, not ${describeType(workspaceId)}`);
  } else if (workspaceId !== UNKNOWN && !isWorkspaceId(workspaceId)) {
    fail(
      "workspaceId",
      `${JSON.stringify(workspaceId.length > 80 ? `${workspaceId.slice(0, 80)}...` : workspaceId)} is not a valid AMP workspace id (1-64 letters, digits, '-', '.', '_', starting with a letter or digit)`,
    );
  }

  const validation = validatePolicy(news.policyDocument, typeof workspaceId === "string" ? workspaceId : undefined);
  for (const error of validation.errors) {
    fail("policyDocument", error);
  }

  const clientToken = news.clientToken;
  if (clientToken !== undefined && clientToken !== UNKNOWN) {
    if (typeof clientToken !== "string") {
      fail("clientToken", `must be a string, not ${describeType(clientToken)}`);
    } else if (!clientTokenPattern.test(clientToken)) {
      fail("clientToken", "must be 1-64 printable ASCII characters without spaces");
    }
  }
  const revisionId = news.revisionId;
  if (revisionId !== undefined && revisionId !== UNKNOWN) {
    if (typeof revisionId !== "string") {
      fail("revisionId", `must be a string, not ${describeType(revisionId)}`);
    } else if (revisionId === "" || revisionId.length > 256 || !/^[!-~]+$/.test(revisionId)) {
      fail("revisionId", 'must be a revision id of the existing policy, or "NO_POLICY"');
    }
  }
  const overwrite = news.overwriteExisting;
  if (overwrite !== undefined && overwrite !== UNKNOWN && typeof overwrite !== "boolean") {
    fail("overwriteExisting", `must be a boolean, not ${describeType(overwrite)}`);
  }
  const timeout = news.waitTimeoutSeconds;
  if (timeout !== undefined && timeout !== UNKNOWN) {
    if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > 86400) {
      fail("waitTimeoutSeconds", "must be a number of seconds between 0 and 86400");
    }
  }
  failures.push(...checkReviewInputs(news));
  return { inputs: news, failures, findings: validation.findings };
}

/**
 * Validates inputs before any API call, as `lifecycle.check` always has (states written by 0.1.0 call it and log
 * its `warnings`): `validateInputs` with the findings' warnings, none suppressed.
 */
export function check(news: Record<string, unknown>): CheckResult {
  const { inputs, failures, findings } = validateInputs(news);
  return { inputs, failures, warnings: warningsOf(findings) };
}

/**
 * The check warnings of these findings: those AWS would accept but the user should know about (`SECURITY_WARNING`
 * and `WARNING`; errors are failures, suggestions are for `amp-policy validate`), each following the property name.
 */
export function warningsOf(findings: readonly PolicyFinding[]): string[] {
  return findings
    .filter((finding) => finding.findingType === "SECURITY_WARNING" || finding.findingType === "WARNING")
    .map((finding) => `policyDocument ${finding.message}`);
}

function describeType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
