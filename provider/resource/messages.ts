/**
 * The user's words for each outcome of a write or a delete: what happened, and what to do about it. The lifecycle
 * methods pick the words; the steps (write.ts, finder.ts) only say what happened.
 */
import type { LivePolicy } from "../aws/amp";
import { messageOf } from "../errors";
import { NO_POLICY } from "./types";

/**
 * Why a policy Pulumi did not write may be on the workspace, and what to do: ResourcePolicyStatement resources
 * (of any stack) add their statements to the one policy of the workspace.
 */
const wholeOrStatements =
  "If the workspace's policy is managed by ResourcePolicyStatement resources (one statement each, from any stack), " +
  "a ResourcePolicy cannot manage it too: a workspace is managed whole (one ResourcePolicy) or by statements " +
  "(ResourcePolicyStatement resources), not both";

/** What to do about a policy that blocks a create and that Pulumi does not manage. */
function unmanaged(live: LivePolicy): string {
  return (
    `Pulumi does not manage it. To take it over, set overwriteExisting: true, or set revisionId: "${live.revisionId}", ` +
    "or import it; to keep it, manage it where it is managed now. If it is this program's own policy: after a rename " +
    "(a new name or parent), declare the old name in `aliases` so that Pulumi moves the resource instead of creating " +
    "another; after an interrupted create of this resource that can no longer be proven its own, take it over with " +
    `revisionId: "${live.revisionId}" (or \`pulumi import\` with the plugin); for \`pulumi up --replace\` of a ` +
    "resource renamed with aliases, set the resource option deleteBeforeReplace: true. A workspace has one policy: " +
    `declare one ResourcePolicy per workspace, in one stack. ${wholeOrStatements}`
  );
}

/**
 * A create found another policy (or none) than the one it expected at `expected`; nothing was written. `takeOver`:
 * the create was taking over the policy it had read (overwriteExisting).
 */
export function createConflict(live: LivePolicy | undefined, expected: string, takeOver: boolean): string {
  if (takeOver) {
    return (
      `the policy changed while Pulumi was taking it over (overwriteExisting): it was ${expected === NO_POLICY ? "absent" : `at revision ${expected}`} when read, ` +
      `and is now ${live === undefined ? "gone" : `at revision ${live.revisionId}`}; nothing was written. ` +
      "Run `pulumi up` again to take over the current policy"
    );
  }
  if (live === undefined) {
    return `the policy it expected (revision ${expected}, given in revisionId) no longer exists`;
  }
  return expected === NO_POLICY
    ? `a resource policy already exists on this workspace (revision ${live.revisionId}) and ${unmanaged(live)}`
    : `the existing policy is at revision ${live.revisionId}, not the revision ${expected} given in revisionId`;
}

/** A create's write (AMP answered `revisionId`) was replaced by a policy written outside Pulumi. */
export function createReplaced(revisionId: string, live: LivePolicy): string {
  return (
    `a resource policy written outside Pulumi (revision ${live.revisionId}) is in place of revision ${revisionId}, ` +
    `which AMP answered this create with; ${unmanaged(live)}`
  );
}

const adoptLivePolicy =
  "Run `pulumi refresh` (or `pulumi up --refresh`) to adopt the live policy, then `pulumi up` to overwrite it deliberately";

/** An update found the policy deleted (`live` undefined) or at another revision than `expected`. */
export function updateConflict(live: LivePolicy | undefined, expected: string): string {
  return live === undefined
    ? "the policy was deleted outside Pulumi. Run `pulumi refresh` to record that, then `pulumi up` to create it again"
    : `the policy was changed outside Pulumi (expected revision ${expected}, found ${live.revisionId}); nothing was written. ${adoptLivePolicy}. ${wholeOrStatements}`;
}

/** An update's write (AMP answered `revisionId`) was replaced by another writer while in flight. */
export function updateReplaced(revisionId: string, live: LivePolicy): string {
  return (
    `the policy was changed outside Pulumi while this update was in flight: AMP accepted revision ${revisionId}, ` +
    `and the live policy is now revision ${live.revisionId}. ${adoptLivePolicy}`
  );
}

/** A delete found the policy at another revision than `expected`; nothing was deleted. */
export function deleteConflict(live: LivePolicy, expected: string): string {
  return (
    `the policy was changed outside Pulumi (expected revision ${expected}, found ${live.revisionId}); nothing was deleted. ` +
    "If another resource now manages this policy (after a rename, or a take-over with overwriteExisting or " +
    "revisionId), remove this old resource from the state with `pulumi state delete <urn>`: do not refresh " +
    "and destroy it, which would delete the other resource's policy. Otherwise run `pulumi refresh` to " +
    "adopt the live policy before deleting it"
  );
}

/** AMP's "client token already used with different request parameters": waiting cannot clear it. */
export function clientTokenRefused(clientToken: string, userToken: string | undefined, cause: unknown): string {
  const origin =
    userToken === undefined
      ? "derived from the workspace, the expected revision and the document"
      : `derived from the clientToken input (${JSON.stringify(userToken)}), the workspace, the expected revision and the document`;
  return (
    `AMP refused client token ${clientToken} (${origin}): it was already used with different request parameters ` +
    `(${messageOf(cause)}). Waiting cannot clear this; set a different clientToken (or remove it) and run again`
  );
}

/** A write AMP accepted at `revisionId` was not seen ACTIVE before the deadline (`timeout`) or a cancellation. */
export function writeNotSeenActive(revisionId: string, timeout: Error, cancelled: boolean): string {
  const ended = cancelled ? "the engine cancelled the operation" : "the deadline";
  return (
    `AMP accepted the write (revision ${revisionId}), but it was not seen ACTIVE before ${ended}: ` +
    `${timeout.message}. Whether it is ACTIVE now is unknown. Run \`pulumi refresh\` to record the policy as it ` +
    "is, or run the same `pulumi up` again: it resends the same client token and takes this write as its own" +
    (cancelled ? "" : ". A larger waitTimeoutSeconds gives AMP more time")
  );
}
