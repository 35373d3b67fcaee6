/**
 * The conditional write and the conditional delete. Each sends its request with a stable client token, resolves a
 * conflict by reading what is live (`settleConflict`, shared by both), waits for the outcome, and answers with a
 * tagged outcome (`written`, `conflict`, `gone`, `replaced`, `tokenReused`; a delete's `deleted` or `gone`) that
 * `create`, `update` and `remove` turn into the user's words (messages.ts).
 */
import type { LivePolicy } from "../aws/amp";
import { AmpConflictError, NotFoundError } from "../errors";
import { pause } from "../time";
import { findPolicy, waitDeleted, waitDeletionShows, waitSettled, waitWorkspaceActive, waitWritten } from "./finder";
import { type Operation, freshToken, retryCall } from "./operation";
import { NO_POLICY, TOKEN_EPOCH_MS, TOKEN_LOOKBACK_EPOCHS } from "./types";

/** A write as `writePolicy` performs it. */
export interface WriteRequest {
  /** The document to send. */
  document: string;
  /** The revision expected to be current, or `NO_POLICY`. */
  expected: string;
  /**
   * The client token of a write at `expected`: the same for every attempt of the same request, and for a re-run
   * after a crash (within the same token `epoch`, when `byEpoch`).
   */
  clientToken(expected: string, epoch: number): string;
  /**
   * The token changes with the epoch (a create, whose request repeats after each destroy): a write that meets a
   * live policy asks with the tokens of the `TOKEN_LOOKBACK_EPOCHS` before, to find its own interrupted write.
   */
  byEpoch?: boolean;
  /** When the policy to take over is gone, write where there is none instead of failing (overwriteExisting). */
  rebase?: boolean;
}

/** How a write ended. Only `written` means a live, ACTIVE policy at `revisionId`. */
export type WriteOutcome =
  | { kind: "written"; policyStatus: string; revisionId: string }
  /** Another revision than `expected` (or, where none was expected, a policy) is live; nothing was written. */
  | { kind: "conflict"; live: LivePolicy; expected: string; cause: unknown }
  /** The policy expected at `expected` no longer exists; nothing was written. */
  | { kind: "gone"; expected: string; cause: unknown }
  /** AMP accepted this write at `revisionId`, but another writer's revision replaced it. */
  | { kind: "replaced"; revisionId: string; live: LivePolicy; cause?: unknown }
  /** AMP refused `clientToken`: it was already used with other request parameters. */
  | { kind: "tokenReused"; clientToken: string; cause: unknown };

/** A delete as `deletePolicy` performs it. */
export interface DeleteRequest {
  /** The revision expected to be current; undefined deletes whatever is there. */
  expected: string | undefined;
  clientToken: string;
}

/** How a delete ended. `deleted` and `gone` both mean no policy at `expected` is live. */
export type DeleteOutcome =
  | { kind: "deleted" }
  /** There was nothing to delete: the policy or the workspace is gone. */
  | { kind: "gone" }
  /** Another revision than `expected` is live; nothing was deleted. */
  | { kind: "conflict"; live: LivePolicy; expected: string; cause: unknown }
  | { kind: "tokenReused"; clientToken: string; cause: unknown };

/**
 * What a conflict turned out to be, once the live policy settled: `unchanged` (what was expected still holds, so
 * the conflict came from a transition or a busy workspace: try again after a pause), `gone` (a policy was
 * expected, there is none), or `moved` (another revision is live).
 */
export type ConflictResolution =
  { kind: "unchanged"; live: LivePolicy | undefined } | { kind: "gone" } | { kind: "moved"; live: LivePolicy };

/**
 * Resolves a conflict on a request that expected revision `expected` (`NO_POLICY`: none; undefined: any) by
 * waiting until the live policy is not transitioning and comparing it with what was expected.
 */
export async function settleConflict(op: Operation, expected: string | undefined): Promise<ConflictResolution> {
  const live = await waitSettled(op);
  if (live === undefined) {
    return expected === NO_POLICY ? { kind: "unchanged", live } : { kind: "gone" };
  }
  if (expected === undefined || live.revisionId === expected) {
    return { kind: "unchanged", live };
  }
  return { kind: "moved", live };
}

/** What one `writePolicy` has learned so far, across its attempts. */
interface WriteRun {
  /** The revision expected now (a take-over of a policy since deleted writes at `NO_POLICY`). */
  expected: string;
  /** The token epoch of this operation's start. */
  epoch: number;
  /** The token of the last request sent. */
  clientToken: string;
  /** Revisions AMP answered this operation with: proof that a live policy at one of them is ours. */
  ours: Set<string>;
  /**
   * Send a token that cannot have been used: the derived one was answered with a revision that is no longer live
   * (AMP replayed an earlier create of this resource, since destroyed), and walking a chain of such answers
   * would cost one write per earlier create.
   */
  fresh: boolean;
  askedEarlier: boolean;
  /** The revision this operation wrote (with a fresh token) when another revision had already replaced it. */
  replaced: string | undefined;
  superseded: number;
}

/** One step of `writePolicy`'s loop that did not end it: send again. */
type Again = { kind: "again" };
const again: Again = { kind: "again" };

/**
 * Puts the document expecting `request.expected` to be current, and waits until AMP shows that write ACTIVE.
 * A conflict is resolved by reading the live policy: a transition is waited out, this operation's own write
 * (answered before, or of an earlier epoch) is adopted, anything else is the outcome.
 */
export async function writePolicy(op: Operation, request: WriteRequest): Promise<WriteOutcome> {
  const run: WriteRun = {
    expected: request.expected,
    epoch: Math.floor(op.clock.now() / TOKEN_EPOCH_MS),
    clientToken: "",
    ours: new Set<string>(),
    fresh: false,
    askedEarlier: false,
    replaced: undefined,
    superseded: 0,
  };
  for (let attempt = 1; ; attempt++) {
    let revisionId: string;
    try {
      revisionId = await sendWrite(op, request, run);
    } catch (err) {
      if (!AmpConflictError.isInstance(err)) {
        throw err;
      }
      const resolved = await resolveWriteConflict(op, request, run, err, attempt);
      if (resolved.kind === "again") {
        continue;
      }
      if (resolved.kind !== "adopt") {
        return resolved;
      }
      revisionId = resolved.revisionId;
    }
    const confirmed = await confirmWrite(op, run, revisionId);
    if (confirmed.kind !== "again") {
      return confirmed;
    }
  }
}

/** Sends one `PutResourcePolicy` (with retries) and returns the revision AMP answered with. */
async function sendWrite(op: Operation, request: WriteRequest, run: WriteRun): Promise<string> {
  run.clientToken = run.fresh ? freshToken() : request.clientToken(run.expected, run.epoch);
  const { workspaceId } = op;
  const put = { workspaceId, policyDocument: request.document, clientToken: run.clientToken, revisionId: run.expected };
  const { revisionId } = await retryCall(op, (attempt) => op.api.putResourcePolicy(put, attempt));
  return revisionId;
}

/** What a conflicting write turned out to be: send again, adopt a revision as ours, or an outcome. */
async function resolveWriteConflict(
  op: Operation,
  request: WriteRequest,
  run: WriteRun,
  err: AmpConflictError,
  attempt: number,
): Promise<Again | { kind: "adopt"; revisionId: string } | WriteOutcome> {
  if (err.kind === "clientToken") {
    return { kind: "tokenReused", clientToken: run.clientToken, cause: err };
  }
  const resolution = await settleConflict(op, run.expected);
  const live = resolution.kind === "gone" ? undefined : resolution.live;
  if (live !== undefined && run.ours.has(live.revisionId)) {
    // This operation's own write, answered before and seen only now.
    return { kind: "adopt", revisionId: live.revisionId };
  }
  if (resolution.kind === "unchanged") {
    await waitWorkspaceActive(op);
    await pause(`a write that keeps conflicting on AMP workspace ${op.workspaceId}`, attempt, op.timing, err);
    return again;
  }
  if (resolution.kind === "gone" && request.rebase === true) {
    // The policy to take over was deleted meanwhile: write where there is none.
    run.expected = NO_POLICY;
    return again;
  }
  if (live !== undefined && request.byEpoch === true && !run.askedEarlier) {
    run.askedEarlier = true;
    const adopted = await findEarlierWrite(op, request, run.expected, run.epoch, live);
    if (adopted !== undefined) {
      // This resource's own write of an earlier epoch: a re-run after a crash.
      return { kind: "adopt", revisionId: adopted };
    }
  }
  if (live !== undefined && run.expected === NO_POLICY && (await waitDeletionShows(op, live))) {
    // The policy in the way was being deleted (AMP shows a deletion late) or changed: look again.
    return again;
  }
  // If this operation's own write was replaced by another writer, say so: that write was accepted.
  if (live === undefined) {
    return { kind: "gone", expected: run.expected, cause: err };
  }
  return run.replaced !== undefined
    ? { kind: "replaced", revisionId: run.replaced, live, cause: err }
    : { kind: "conflict", live, expected: run.expected, cause: err };
}

/**
 * Confirms the write AMP answered with `revisionId`: waits until it is ACTIVE, or finds it replaced. An answer
 * naming a revision that is not live (a replay of an earlier write of the same request, or this write since
 * deleted or replaced) is not success: send again, with a token that cannot have been used.
 */
async function confirmWrite(op: Operation, run: WriteRun, revisionId: string): Promise<Again | WriteOutcome> {
  run.ours.add(revisionId);
  const now = await findPolicy(op);
  if (now === undefined || (now.revisionId !== revisionId && now.revisionId !== run.expected)) {
    run.replaced = now === undefined ? undefined : revisionId;
    run.fresh = true;
    if (++run.superseded > 20) {
      await pause(
        `a write whose revision keeps vanishing on AMP workspace ${op.workspaceId}`,
        run.superseded,
        op.timing,
      );
    }
    return again;
  }
  const live = await waitWritten(op, revisionId, run.expected, now);
  if (live === undefined) {
    // Deleted while we waited: write again where the request still applies (a create re-creates it; an update at
    // a revision that is gone reports the deletion).
    run.fresh = true;
    run.replaced = undefined;
    return again;
  }
  if (live.revisionId !== revisionId) {
    return { kind: "replaced", revisionId, live };
  }
  return { kind: "written", policyStatus: live.policyStatus, revisionId };
}

/**
 * Whether AMP replays, to a token of an earlier epoch, an answer that names the live policy: then it is this
 * resource's own write (a re-run after a crash). Returns that revision. A token never used meets the live policy
 * and conflicts (nothing is written); a token whose write was since deleted replays a revision that is gone.
 */
export async function findEarlierWrite(
  op: Operation,
  request: WriteRequest,
  expected: string,
  epoch: number,
  live: LivePolicy,
): Promise<string | undefined> {
  for (let back = 1; back <= TOKEN_LOOKBACK_EPOCHS; back++) {
    const put = {
      workspaceId: op.workspaceId,
      policyDocument: request.document,
      clientToken: request.clientToken(expected, epoch - back),
      revisionId: expected,
    };
    let revisionId: string;
    try {
      ({ revisionId } = await retryCall(op, (attempt) => op.api.putResourcePolicy(put, attempt)));
    } catch (err) {
      if (AmpConflictError.isInstance(err)) {
        continue;
      }
      throw err;
    }
    // Either a replay, or (the live policy went meanwhile) a write AMP applied now: this resource's either way.
    if (revisionId === live.revisionId || (await findPolicy(op))?.revisionId === revisionId) {
      return revisionId;
    }
  }
  return undefined;
}

/**
 * Deletes the policy at `request.expected` and waits until it is gone. A conflict is resolved as a write's is
 * (`settleConflict`): a transition is waited out, a policy gone is `gone`, another revision is `conflict`.
 */
export async function deletePolicy(op: Operation, request: DeleteRequest): Promise<DeleteOutcome> {
  const { expected, clientToken } = request;
  const del = { workspaceId: op.workspaceId, clientToken, revisionId: expected };
  for (let attempt = 1; ; attempt++) {
    try {
      await retryCall(op, (attempt) => op.api.deleteResourcePolicy(del, attempt));
      break;
    } catch (err) {
      if (NotFoundError.isInstance(err)) {
        return { kind: "gone" };
      }
      if (!AmpConflictError.isInstance(err)) {
        throw err;
      }
      if (err.kind === "clientToken") {
        return { kind: "tokenReused", clientToken, cause: err };
      }
      const resolution = await settleConflict(op, expected);
      if (resolution.kind === "gone" || resolution.live === undefined) {
        return { kind: "gone" };
      }
      if (resolution.kind === "moved") {
        return { kind: "conflict", live: resolution.live, expected: expected ?? "", cause: err };
      }
      await pause(`a delete that keeps conflicting on AMP workspace ${op.workspaceId}`, attempt, op.timing, err);
    }
  }
  await waitDeleted(op, expected);
  return { kind: "deleted" };
}
