/**
 * `ResourcePolicyStatement`: one statement (by `Sid`) of an AMP workspace's resource policy, owned by one resource
 * while other resources (other stacks) own the workspace's other statements. Its lifecycle over plain values:
 * check, diff, create, read, update, delete. Each write reads the live policy, merges this resource's statement
 * into it, and writes conditionally at the revision it read; on a revision conflict it reads and merges again
 * until its deadline, so no owner's write is ever lost.
 *
 * - types.ts: inputs, state, the id `<workspaceId>/<sid>`;
 * - check.ts: the check pipeline over the statement as a one-statement policy;
 * - document.ts: the statement inside the live policy, and the merge (pure);
 * - merge.ts: the merge loop and the ownership probe;
 * - methods.ts: diff, create, read, update, preview, delete;
 * - messages.ts: the user's words.
 */
export { STATEMENT_TYPE_NAME, type StatementInputs, type StatementState, parseStatementId, statementId } from "./types";
export { OTHER_STATEMENTS_NOTE, checkStatement } from "./check";
export {
  createStatement,
  diffStatement,
  previewStatementUpdate,
  readStatement,
  removeStatement,
  updateStatement,
} from "./methods";
