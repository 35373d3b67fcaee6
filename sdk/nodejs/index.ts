/**
 * A Pulumi provider for the resource-based policy of an Amazon Managed Service for Prometheus workspace.
 *
 * @packageDocumentation
 */
export { ResourcePolicy, type ResourcePolicyArgs } from "./resource";
/** The dynamic provider every `ResourcePolicy` uses (the whole export of `./provider`, so it serializes by reference). */
export { default as resourcePolicyProvider } from "./provider";
export { ResourcePolicyStatement, type ResourcePolicyStatementArgs } from "./statement";
/**
 * The dynamic provider every `ResourcePolicyStatement` uses (the whole export of `./statement-provider`, so it
 * serializes by reference).
 */
export { default as resourcePolicyStatementProvider } from "./statement-provider";
export {
  type ConditionValue,
  type PolicyDocument,
  type PolicyInput,
  type PolicyPrincipal,
  type PolicyStatement,
  type PolicyValidation,
  MAX_POLICY_BYTES,
  SUPPORTED_ACTIONS,
  normalizePolicy,
  policiesEquivalent,
  validatePolicy,
} from "../../provider/policy";
export type { ResourcePolicyInputs, ResourcePolicyState } from "../../provider/lifecycle";
export type { StatementInputs, StatementState } from "../../provider/statement";
export {
  type FindingType,
  type IssueCode,
  type PolicyFinding,
  FINDING_TYPES,
  ISSUE_CODES,
  suppressFindings,
} from "../../provider/policy";
export {
  type AccessChange,
  type AccessChangeRow,
  type AccessExplanation,
  type AccessGain,
  type AccessOptions,
  type AccessRow,
  type FormatOptions,
  accessChange,
  accessDigest,
  explainAccess,
  formatAccessChange,
  formatAccessExplanation,
  formatAccessRows,
} from "../../provider/access";
export {
  type AccessReview,
  type ApprovalLevel,
  type ReviewSettings,
  APPROVAL_LEVELS,
  REVIEW_ENV,
  reviewAccess,
} from "../../provider/review";
export { NotFoundError, PolicyConflictError, WaitTimeoutError } from "../../provider/errors";
export type { AmpSettings } from "../../provider/aws/amp";

// A Node language host that runs plugin folders (PulumiPlugin.yaml, `runtime: nodejs`) requires this folder's
// `main` from @pulumi/pulumi's run-plugin, which then expects a server: serve the resource plugin in that case.
// Loaded by anything else (a program, a test, another plugin), this module only exports.
if (/[\\/]cmd[\\/]run-plugin[\\/]run\.js$/.test(module.parent?.filename ?? "")) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void (require("../../provider/serve/plugin") as typeof import("../../provider/serve/plugin")).serve(
    process.argv.slice(2),
  );
}
