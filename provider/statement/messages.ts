/**
 * The user's words for what a statement's create, update or delete found: a Sid another owner holds, a statement
 * changed or removed outside Pulumi.
 */
import type { LivePolicy } from "../aws/amp";
import { statementId } from "./types";

/**
 * A create found a statement with its Sid that is not provably this resource's own earlier write (`sameMeaning`:
 * it even means the same); nothing was written.
 */
export function sidTaken(workspaceId: string, sid: string, live: LivePolicy, sameMeaning: boolean): string {
  const what = sameMeaning ? "means the same but is not this resource's own earlier write" : "means something else";
  return (
    `a statement with Sid "${sid}" already exists in the resource policy of this workspace (revision ${live.revisionId}) ` +
    `and ${what}; nothing was written. Each statement has one owner: choose another sid, or, to manage that ` +
    `statement with this resource, \`pulumi import\` it with the id "${statementId(workspaceId, sid)}" (and remove it ` +
    "from where it is managed now)"
  );
}

/** An update or a delete found the statement changed outside Pulumi; nothing was written. */
export function statementDrifted(sid: string, live: LivePolicy, deleting: boolean): string {
  return (
    `the statement with Sid "${sid}" was changed outside Pulumi (the live policy, revision ${live.revisionId}, no ` +
    `longer holds what this resource last wrote); nothing was ${deleting ? "deleted" : "written"}. Run \`pulumi ` +
    `refresh\` (or \`pulumi up --refresh\`) to adopt the live statement, then \`pulumi up\` to ${deleting ? "delete" : "overwrite"} it deliberately`
  );
}

/** An update found the statement (or the whole policy) gone; nothing was written. */
export function statementGone(sid: string): string {
  return (
    `the statement with Sid "${sid}" was removed from the workspace's resource policy outside Pulumi (or the policy ` +
    "was deleted); nothing was written. Run `pulumi refresh` to record that, then `pulumi up` to create it again"
  );
}
