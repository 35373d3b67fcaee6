/**
 * The merge loop every write of a statement runs: read the live policy once it is not transitioning (another
 * owner's write is waited out), decide from it what to write (`MergeRequest.plan`: the policy with this resource's
 * statement added, replaced or removed), write conditionally at the revision read, and on a revision conflict read
 * and merge again, until the operation's deadline. No owner's write is lost, whoever wins a race: a write at a
 * revision that is no longer current is refused by AMP and merged again. Also the proof that a statement with this
 * resource's Sid is its own earlier write (`proveOwnWrite`).
 */
import type { LivePolicy } from "../aws/amp";
import { AmpConflictError, WaitTimeoutError } from "../errors";
import { findPolicy, waitSettled, waitWorkspaceActive, waitWritten } from "../resource/finder";
import { clientTokenRefused } from "../resource/messages";
import { type Operation, retryCall } from "../resource/operation";
import { NO_POLICY } from "../resource/types";
import { deletePolicy, settleConflict } from "../resource/write";
import { pause } from "../time";

/** What to do, decided from the live policy. */
export type MergePlan =
  /** Write this document (the live policy merged with this resource's change) at the live revision. */
  | { kind: "write"; document: string }
  /** Delete the policy at the live revision: this resource's statement was its last. */
  | { kind: "deletePolicy" }
  /** Nothing to write: the live policy already holds what this operation wants. */
  | { kind: "keep" }
  /** A write already made (the ownership probe wrote where there was no policy): confirm it as this one's. */
  | { kind: "confirm"; revisionId: string };

/** One merge loop: how to decide, and the tokens to send. */
export interface MergeRequest {
  /**
   * What to write given the live policy (settled; undefined when there is none). Throws when this resource must not
   * write at all (drift, a Sid another owner holds): the loop ends with that error and nothing written.
   */
  plan(live: LivePolicy | undefined): Promise<MergePlan>;
  /**
   * The client token of a Put of `document` at `expected`. `spent`: AMP refused the operation's stable token as used
   * with other parameters, or one of its writes was accepted already; then a token that cannot have been used.
   */
  putToken(expected: string, document: string, spent: boolean): string;
  /** The client token of a `DeleteResourcePolicy` at `expected`. */
  deleteToken(expected: string): string;
  /** Whether `live` (another owner's write, made after this one's) still holds what this operation wrote. */
  holds(live: LivePolicy): boolean;
}

/** How a merge loop ended. */
export type MergeOutcome =
  /** This operation's write, AMP revision `revisionId`, is in place; `policyStatus` as last seen. */
  | { kind: "written"; revisionId: string; policyStatus: string }
  /** Nothing was written: `live` already held what was wanted. */
  | { kind: "kept"; live: LivePolicy | undefined }
  /** The policy was deleted (this resource's statement was its last), or was already gone. */
  | { kind: "deleted" };

/**
 * Runs the merge loop of `request` until its write is in place (ACTIVE, or kept by the writes of other owners made
 * after it), nothing is left to write, or the deadline.
 *
 * @throws WaitTimeoutError when the conflicts outlast the operation's deadline.
 */
export async function mergeWrite(op: Operation, request: MergeRequest): Promise<MergeOutcome> {
  let spent = false;
  let conflicts = 0;
  let live = await waitSettled(op);
  for (let attempt = 1; ; attempt++) {
    if (op.clock.now() >= op.timing.deadline) {
      throw new WaitTimeoutError(
        `gave up merging into the resource policy of AMP workspace ${op.workspaceId} after ${conflicts} revision conflicts: another would have passed waitTimeoutSeconds`,
        live?.policyStatus,
      );
    }
    const plan = await request.plan(live);
    if (plan.kind === "keep") {
      return { kind: "kept", live };
    }
    if (plan.kind === "deletePolicy") {
      const expected = live!.revisionId;
      const outcome = await deletePolicy(op, { expected, clientToken: request.deleteToken(expected) });
      if (outcome.kind === "tokenReused") {
        throw new Error(clientTokenRefused(outcome.clientToken, op.userClientToken, outcome.cause));
      }
      if (outcome.kind !== "conflict") {
        return { kind: "deleted" };
      }
      // Another owner wrote first (a statement added): merge again with what is live.
      conflicts++;
      live = outcome.live;
      continue;
    }
    const expected = plan.kind === "confirm" ? NO_POLICY : (live?.revisionId ?? NO_POLICY);
    let revisionId: string;
    if (plan.kind === "confirm") {
      revisionId = plan.revisionId;
    } else {
      const clientToken = request.putToken(expected, plan.document, spent);
      try {
        revisionId = await putPolicy(op, plan.document, clientToken, expected);
      } catch (err) {
        if (!AmpConflictError.isInstance(err)) {
          throw err;
        }
        if (err.kind === "clientToken") {
          if (spent) {
            throw new Error(clientTokenRefused(clientToken, op.userClientToken, err), { cause: err });
          }
          // An earlier write of this resource (since undone) spent the stable token: send one never used.
          spent = true;
          live = await waitSettled(op);
          continue;
        }
        conflicts++;
        const resolution = await settleConflict(op, expected);
        if (resolution.kind === "unchanged") {
          // Nothing moved: the workspace was busy. Pause before the same write, or it conflicts again at once.
          await waitWorkspaceActive(op);
          await pause(`a write that keeps conflicting on AMP workspace ${op.workspaceId}`, attempt, op.timing, err);
          live = resolution.live;
        } else {
          live = resolution.kind === "gone" ? undefined : resolution.live;
        }
        continue;
      }
    }
    spent = true;
    const after = await waitWritten(op, revisionId, expected, await findPolicy(op));
    if (after?.revisionId === revisionId) {
      return { kind: "written", revisionId, policyStatus: after.policyStatus };
    }
    // Another writer came after this write: it is in place if that writer merged (kept it), else merge again.
    live = await waitSettled(op);
    if (live !== undefined && request.holds(live)) {
      return { kind: "written", revisionId, policyStatus: live.policyStatus };
    }
  }
}

/** What the ownership probe found. */
export type OwnershipProof =
  /** A token only this resource sends was spent before: the statement with its Sid is its own earlier write. */
  | { kind: "ours" }
  /** The workspace had no policy any more: the probe wrote this resource's statement alone, at `revisionId`. */
  | { kind: "written"; revisionId: string }
  | { kind: "notOurs" };

/**
 * Asks AMP whether this resource wrote before: sends `document` (a policy of this resource's statement alone) with
 * each of `tokens` (the token of this create's epoch first, then those of earlier epochs) and `NO_POLICY`. A token
 * this resource spent on an earlier write (with other request parameters, as a merge into a policy has) is refused
 * as "already used", or (same parameters: its first write was on a workspace without policy) replayed: either way it
 * is this resource's own write. A token never spent meets the live policy and conflicts, writing nothing.
 *
 * Assumption (unverified against AMP): AMP checks the client token before the policy's state, and does not spend a
 * token on a refused call, as the emulator does (emulator/state.ts `idempotent`). Were it otherwise, every probe
 * would conflict on the live policy and a re-run after a crash would fail naming the Sid: safe (nothing is
 * overwritten), but the statement must then be imported.
 */
export async function proveOwnWrite(
  op: Operation,
  document: string,
  tokens: readonly string[],
  live: LivePolicy,
): Promise<OwnershipProof> {
  for (const clientToken of tokens) {
    let revisionId: string;
    try {
      revisionId = await putPolicy(op, document, clientToken, NO_POLICY);
    } catch (err) {
      if (!AmpConflictError.isInstance(err)) {
        throw err;
      }
      if (err.kind === "clientToken") {
        return { kind: "ours" };
      }
      continue;
    }
    // A replay of this resource's first write, or (the policy was deleted meanwhile) a write AMP applied now.
    if (revisionId !== live.revisionId && (await findPolicy(op))?.revisionId === revisionId) {
      return { kind: "written", revisionId };
    }
    return { kind: "ours" };
  }
  return { kind: "notOurs" };
}

/** One `PutResourcePolicy` of `document` expecting `expected` (with retries); the revision AMP answered with. */
async function putPolicy(op: Operation, document: string, clientToken: string, expected: string): Promise<string> {
  const put = { workspaceId: op.workspaceId, policyDocument: document, clientToken, revisionId: expected };
  return (await retryCall(op, (call) => op.api.putResourcePolicy(put, call))).revisionId;
}
