/**
 * A Pulumi provider for the resource-based policy of an Amazon Managed Service for Prometheus workspace.
 *
 * @packageDocumentation
 */
export { ResourcePolicy, type ResourcePolicyArgs } from "./resource";
export { resourcePolicyProvider } from "./provider";
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
export { NotFoundError, PolicyConflictError, WaitTimeoutError } from "../../provider/errors";
export type { AmpSettings } from "../../provider/amp";
