/**
 * The finder and the waiters: each reads the live policy (or the workspace) through the operation's API until the
 * status it waits for, or the operation's deadline.
 */
import type { LivePolicy } from "../aws/amp";
import { NotFoundError, WaitTimeoutError } from "../errors";
import { isCancellation, waitFor } from "../time";
import { writeNotSeenActive } from "./messages";
import { type Operation, retryCall } from "./operation";

const transitioning = new Set(["CREATING", "UPDATING", "DELETING"]);

/** The live policy, or undefined when the policy or the workspace is gone. Retries transient errors. */
export async function findPolicy(op: Operation): Promise<LivePolicy | undefined> {
  try {
    return await retryCall(op, (attempt) => op.api.findResourcePolicy(op.workspaceId, attempt));
  } catch (err) {
    if (NotFoundError.isInstance(err)) {
      return undefined;
    }
    throw err;
  }
}

/** The live policy once it is not transitioning (or undefined once it is gone). */
export async function waitSettled(op: Operation): Promise<LivePolicy | undefined> {
  const first = await findPolicy(op);
  if (first === undefined || !transitioning.has(first.policyStatus)) {
    return first;
  }
  return waitFor(
    `the resource policy of AMP workspace ${op.workspaceId} to finish ${first.policyStatus}`,
    async () => {
      const live = await findPolicy(op);
      return {
        done: live === undefined || !transitioning.has(live.policyStatus),
        status: live?.policyStatus ?? "deleted",
        value: live,
      };
    },
    op.timing,
    { done: false, status: first.policyStatus },
  );
}

/** Returns once the workspace is ACTIVE; fails at once when it is in a state it does not leave for ACTIVE. */
export async function waitWorkspaceActive(op: Operation): Promise<void> {
  const { workspaceId } = op;
  const status = await retryCall(op, (attempt) => op.api.findWorkspaceStatus(workspaceId, attempt));
  if (status === "ACTIVE") {
    return;
  }
  if (status !== "CREATING" && status !== "UPDATING") {
    throw new Error(`AMP workspace ${workspaceId} is ${status}, not ACTIVE`);
  }
  await waitFor(
    `AMP workspace ${workspaceId} to become ACTIVE`,
    async () => {
      const now = await retryCall(op, (attempt) => op.api.findWorkspaceStatus(workspaceId, attempt));
      if (now !== "ACTIVE" && now !== "CREATING" && now !== "UPDATING") {
        throw new Error(`AMP workspace ${workspaceId} became ${now} while waiting for it to be ACTIVE`);
      }
      return { done: now === "ACTIVE", status: now };
    },
    op.timing,
    { done: false, status },
  );
}

/**
 * Waits until the write AMP answered with `revisionId` is ACTIVE, starting from `seen`, the read made right after
 * the write (a write already ACTIVE there returns at once). Returns the live policy: at `revisionId` and ACTIVE,
 * at another revision (replaced), or undefined (gone: the answer replayed a write since deleted).
 *
 * @throws WaitTimeoutError saying that AMP accepted the write and what to do, at the deadline or a cancellation.
 */
export async function waitWritten(
  op: Operation,
  revisionId: string,
  expected: string,
  seen: LivePolicy | undefined,
): Promise<LivePolicy | undefined> {
  const written = (live: LivePolicy | undefined) => {
    if (live === undefined) {
      return { done: true, status: "not found", value: undefined };
    }
    if (live.revisionId === expected) {
      // A read from before the write AMP accepted: that revision cannot come back.
      return { done: false, status: `${live.policyStatus} (revision ${expected}, before this write)` };
    }
    const done = live.policyStatus === "ACTIVE" || live.revisionId !== revisionId;
    return { done, status: live.policyStatus, value: live };
  };
  try {
    return await waitFor(
      `the resource policy of AMP workspace ${op.workspaceId} (revision ${revisionId}) to become ACTIVE`,
      async () => written(await findPolicy(op)),
      op.timing,
      written(seen),
    );
  } catch (err) {
    if (!WaitTimeoutError.isInstance(err)) {
      throw err;
    }
    throw new WaitTimeoutError(writeNotSeenActive(revisionId, err, isCancellation(err)), err.lastStatus, {
      cause: err,
    });
  }
}

/**
 * Whether a policy that blocks a create turns out to be a deletion AMP did not show yet: re-reads it for the
 * operation's visibility grace, and answers whether anything changed (status, revision, gone).
 */
export async function waitDeletionShows(op: Operation, seen: LivePolicy): Promise<boolean> {
  const since = op.clock.now();
  try {
    return await waitFor(
      `the resource policy of AMP workspace ${op.workspaceId} (revision ${seen.revisionId}) to show a deletion`,
      async () => {
        const live = await findPolicy(op);
        const changed =
          live === undefined || live.revisionId !== seen.revisionId || live.policyStatus !== seen.policyStatus;
        return {
          done: changed || op.clock.now() - since >= op.visibilityGraceMs,
          status: live?.policyStatus ?? "deleted",
          value: changed,
        };
      },
      op.timing,
      { done: false, status: seen.policyStatus },
    );
  } catch (err) {
    if (WaitTimeoutError.isInstance(err) && !isCancellation(err)) {
      return false;
    }
    throw err;
  }
}

/**
 * Waits until the policy at `expected` is gone: no policy, or (another writer replaced it) another revision. With
 * `expected` undefined, until there is no policy.
 */
export async function waitDeleted(op: Operation, expected: string | undefined): Promise<void> {
  await waitFor(
    `the resource policy of AMP workspace ${op.workspaceId} to be deleted`,
    async () => {
      const live = await findPolicy(op);
      const gone = live === undefined || (expected !== undefined && live.revisionId !== expected);
      return { done: gone, status: live?.policyStatus ?? "deleted" };
    },
    op.timing,
  );
}
