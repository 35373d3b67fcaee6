/**
 * The lifecycle of an AMP workspace resource policy over plain values: check, diff, create, read, update,
 * delete. It knows nothing of how it is served (dynamic provider or plugin). Its path and its
 * check/diff/create/read/update/remove exports are fixed: states written by 0.1.0 `require` this module. The
 * methods live in provider/resource/ as named steps (`check`, the validation of the one check pipeline, in
 * provider/resource/check.ts); this module re-exports them, and those of `ResourcePolicyStatement`
 * (provider/statement/).
 */
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
export { type CheckFailure, type CheckResult, check } from "./resource/check";
export {
  STATEMENT_TYPE_NAME,
  type StatementInputs,
  type StatementState,
  checkStatement,
  createStatement,
  diffStatement,
  parseStatementId,
  previewStatementUpdate,
  readStatement,
  removeStatement,
  statementId,
  updateStatement,
} from "./statement";
