/**
 * The lifecycle of an AMP workspace resource policy over plain values: check, diff, create, read, update,
 * delete. It knows nothing of how it is served (dynamic provider or plugin). Its path and its
 * check/diff/create/read/update/remove exports are fixed: states written by 0.1.0 `require` this module. The
 * methods live in provider/resource/ as named steps; this module re-exports them.
 */
import { isWorkspaceId } from "./aws/amp";
import { UNKNOWN, validatePolicy } from "./policy";
import { checkReviewInputs } from "./review";

export {
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  type DiffResult,
  IDENTITY_INPUT,
  type LifecycleContext,
  NO_POLICY,
  type ResourcePolicyInputs,
  type ResourcePolicyState,
  TOKEN_EPOCH_MS,
  TOKEN_LOOKBACK_EPOCHS,
} from "./resource/types";
export { create, diff, previewUpdate, read, remove, update } from "./resource/methods";

/** A check failure: the property and what is wrong with it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** The outcome of `check`. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
  /** Problems AWS would accept but the user should know about. */
  warnings: string[];
}

const clientTokenPattern = /^[!-~]{1,64}$/;

// ---------------------------------------------------------------------------------------------------------
// check

/**
 * Validates inputs before any API call. Never throws: each problem is a failure naming its property.
 * Values not known yet (during preview) are accepted.
 */
export function check(news: Record<string, unknown>): CheckResult {
  const failures: CheckFailure[] = [];
  const warnings: string[] = [];
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
  warnings.push(...validation.warnings.map((warning) => `policyDocument ${warning}`));

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
  return { inputs: news, failures, warnings };
}

function describeType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
