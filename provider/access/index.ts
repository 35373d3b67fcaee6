/**
 * The access model: what a policy lets whom do on its workspace (model.ts), the difference of two (change.ts),
 * and the table that shows it (format.ts). One direction: format imports change imports model.
 */
export {
  type AccessExplanation,
  type AccessModel,
  type AccessOptions,
  type AccessRow,
  type AccessStatement,
  type ConditionClause,
  type Principal,
  accessDigest,
  accessModel,
  explainAccess,
} from "./model";
export { type AccessChange, type AccessChangeRow, type AccessGain, accessChange } from "./change";
export { type FormatOptions, formatAccessChange, formatAccessExplanation, formatAccessRows } from "./format";
