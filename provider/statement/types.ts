/**
 * The types of a `ResourcePolicyStatement`: its inputs and state, and its id `<workspaceId>/<sid>`.
 */
import type { PolicyStatement } from "../policy";
import type { ApprovalLevel } from "../review";

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
  /** The revision of the policy this resource's last write (or read) saw. */
  revisionId: string;
}

/** The id of a statement resource: `<workspaceId>/<sid>`. */
export function statementId(workspaceId: string, sid: string): string {
  return `${workspaceId}/${sid}`;
}

/**
 * The workspace and the Sid of a statement id `<workspaceId>/<sid>`, split at the first `/` (workspace ids never
 * contain one).
 *
 * @throws Error naming the id and the expected form when either part is missing.
 */
export function parseStatementId(id: string): { workspaceId: string; sid: string } {
  const slash = id.indexOf("/");
  const workspaceId = slash < 0 ? "" : id.slice(0, slash);
  const sid = slash < 0 ? "" : id.slice(slash + 1);
  if (workspaceId === "" || sid === "") {
    throw new Error(
      `${JSON.stringify(id)} is not the id of a ResourcePolicyStatement: expected "<workspaceId>/<sid>", e.g. "ws-12345678-abcd/AllowTeamA"`,
    );
  }
  return { workspaceId, sid };
}
