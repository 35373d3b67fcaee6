/**
 * `ResourcePolicyStatement`: one statement (by `Sid`) of an AMP workspace's resource policy, owned by one resource
 * while other resources (other stacks) own the workspace's other statements. Its lifecycle over plain values:
 * check, diff, create, read, update, delete. Each write reads the live policy, merges this resource's statement
 * into it, and writes conditionally at the revision it read; on a revision conflict it reads and merges again
 * until its deadline, so no owner's write is ever lost.
 */
import type { ApprovalLevel } from "../review";
import type { PolicyComparisonOptions, PolicyStatement } from "../policy";
import type { CheckFailure, CheckLogger, CheckRequest } from "../resource/check";
import type { DiffResult, LifecycleContext } from "../resource/types";

/** The resource type's name, in both doors' type tokens. */
export const STATEMENT_TYPE_NAME = "ResourcePolicyStatement";

/** The inputs of a `ResourcePolicyStatement`, unwrapped. */
export interface StatementInputs {
  /** The AMP workspace whose policy holds the statement; changing it replaces the resource. */
  workspaceId: string;
  /** The statement's `Sid`: its identity in the workspace's policy; changing it replaces the resource. */
  sid: string;
  /** One IAM statement, as an object or JSON text, without a `Sid` or with `Sid` equal to `sid`. */
  statement: PolicyStatement | string;
  /** How long an operation may wait for the service, in seconds. Default 300. */
  waitTimeoutSeconds?: number;
  /** Which access changes fail preview until approved (see provider/review.ts). Default `never`. */
  requireApproval?: ApprovalLevel;
  /** The access digest a preview printed for the change it approves. Never sent to AMP. */
  approvedAccess?: string;
  /** Finding codes (`issueCode`) whose warnings are not shown. */
  suppressFindings?: string[];
  /** Mixed into the idempotency token of each write. */
  clientToken?: string;
  /** The identity of the resource (`IDENTITY_INPUT`), given by the dynamic door; never compared by `diff`. */
  __identity?: string;
}

/** The state of a `ResourcePolicyStatement`: its inputs plus what the service answered to its last write. */
export interface StatementState extends StatementInputs {
  /** `ACTIVE` once the policy holding the statement is applied. */
  policyStatus: string;
  /** The revision of the policy this resource's last write made. */
  revisionId: string;
}

/** The id of a statement resource: `<workspaceId>/<sid>`. */
export function statementId(workspaceId: string, sid: string): string {
  return `${workspaceId}/${sid}`;
}

/** The workspace and the Sid of a statement id `<workspaceId>/<sid>` (split at the first `/`). */
export function parseStatementId(id: string): { workspaceId: string; sid: string } {
  throw new Error(`not yet: ${id}`);
}

/** The one check pipeline of a statement: validate, review, suppress, redact, log. */
export function checkStatement(
  request: CheckRequest,
  logger: CheckLogger,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  void request;
  void logger;
  throw new Error("not yet");
}

/** Compares the state with new inputs by IAM meaning; pure. */
export function diffStatement(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: PolicyComparisonOptions = {},
): DiffResult {
  void olds;
  void news;
  void options;
  throw new Error("not yet");
}

/** Adds the statement to the workspace's live policy (merge loop), waits ACTIVE; the id is `<workspaceId>/<sid>`. */
export function createStatement(
  inputs: StatementInputs,
  context: LifecycleContext = {},
): Promise<{ id: string; outs: StatementState }> {
  void inputs;
  void context;
  throw new Error("not yet");
}

/** Reads the statement from the live policy; no id when it is gone. Import reads with no state. */
export function readStatement(
  id: string,
  state: Partial<StatementState>,
  context: LifecycleContext = {},
): Promise<{ id?: string; props?: StatementState; inputs?: StatementInputs }> {
  void id;
  void state;
  void context;
  throw new Error("not yet");
}

/** Replaces the statement in the live policy (merge loop); drift fails with nothing written. */
export function updateStatement(
  olds: StatementState,
  news: StatementInputs,
  context: LifecycleContext = {},
): Promise<{ outs: StatementState }> {
  void olds;
  void news;
  void context;
  throw new Error("not yet");
}

/** The outputs a preview shows for an update; makes no call. */
export function previewStatementUpdate(
  olds: Partial<StatementState>,
  news: StatementInputs,
  options: PolicyComparisonOptions = {},
): StatementState {
  void olds;
  void news;
  void options;
  throw new Error("not yet");
}

/** Removes the statement from the live policy (deleting the policy when it was the last); gone is success. */
export function removeStatement(
  id: string,
  state: Partial<StatementState>,
  context: LifecycleContext = {},
): Promise<void> {
  void id;
  void state;
  void context;
  throw new Error("not yet");
}
