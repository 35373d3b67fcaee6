/**
 * The operation value: what one lifecycle call (create, read, update, delete) works with, built once at its start
 * and passed to each named step (finder.ts, write.ts). Also the client tokens and the error wrapping every call
 * shares.
 */
import { createHash, randomBytes } from "node:crypto";

import { type AmpApi, ampApi } from "../aws/amp";
import { AmpConflictError, NotFoundError, PolicyConflictError, messageOf } from "../errors";
import { UNKNOWN } from "../policy";
import { type Attempt, type Clock, RetriesExhaustedError, type TimingOptions, systemClock, withRetries } from "../time";
import {
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  IDENTITY_INPUT,
  type LifecycleContext,
  type ResourcePolicyInputs,
} from "./types";

/** How long a policy blocking a create is re-read before it is reported: a deletion may not show at once. */
const defaultVisibilityGraceMs = 5000;

/** One lifecycle call on one workspace: what it does, where, with which API and clock, and until when. */
export interface Operation {
  /** What the operation does, for its errors: e.g. `creating resource policy for AMP workspace ws-1`. */
  what: string;
  /** The workspace whose policy the operation reads and writes. */
  workspaceId: string;
  /** The AMP seam: the context's, else one built for this operation alone. */
  api: AmpApi;
  /** The clock of every wait, retry and token epoch (a test's fake clock, else the system's). */
  clock: Clock;
  /** The clock, the deadline (from `waitTimeoutSeconds`), the poll schedule and the cancellation signal. */
  timing: TimingOptions;
  /** How long a policy that blocks a create is re-read before it is reported as existing, in ms. */
  visibilityGraceMs: number;
  /** The `clientToken` input the tokens of this operation derive from, for the error that names it. */
  userClientToken: string | undefined;
}

/** Starts an operation: builds its API (unless the context gives one) and its deadline from the inputs. */
export function beginOperation(
  what: string,
  inputs: Partial<ResourcePolicyInputs>,
  context: LifecycleContext,
): Operation {
  const clock = context.clock ?? systemClock;
  const seconds = inputs.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS;
  return {
    what,
    workspaceId: inputs.workspaceId ?? "",
    api: context.api ?? ampApi(context.settings ?? {}),
    clock,
    timing: { clock, deadline: clock.now() + seconds * 1000, schedule: context.schedule, signal: context.signal },
    visibilityGraceMs: context.visibilityGraceMs ?? defaultVisibilityGraceMs,
    userClientToken: inputs.clientToken,
  };
}

/**
 * Runs one AMP call with retries until the operation's deadline; each attempt carries the signal that aborts it
 * (at the deadline, or on the engine's `Cancel`) and the deadline the rate limiter must not hold it past.
 */
export function retryCall<T>(op: Operation, call: (attempt: Attempt) => Promise<T>): Promise<T> {
  return withRetries(call, op.timing);
}

/**
 * The error a lifecycle call rejects with: what it was doing, to what, and why (`err`, kept as the cause), of the
 * same type for a conflict or a missing policy.
 */
export function wrapError(op: Operation, err: unknown): Error {
  const source = seamCause(err);
  const cause = source instanceof Error ? source : new Error(String(source));
  // withRetries says when it gave up: say so, or a storm that outlasted the timeout reads as one error.
  const attempts = RetriesExhaustedError.isInstance(err) ? err.attempts : 0;
  const gaveUp =
    attempts > 0 ? ` (gave up after ${attempts} attempts: another would have passed waitTimeoutSeconds)` : "";
  const message = `${op.what}: ${messageOf(err)}${gaveUp}`;
  return PolicyConflictError.isInstance(err)
    ? new PolicyConflictError(message, { cause })
    : NotFoundError.isInstance(err)
      ? new NotFoundError(message, { cause })
      : new Error(message, { cause });
}

/**
 * The cause a user's error names for `err`: AWS's own error when `err` is the AMP seam's translation of it (a
 * `NotFoundError` or an `AmpConflictError` that keeps it as its cause), else `err`.
 */
export function seamCause(err: unknown): unknown {
  const translated = (NotFoundError.isInstance(err) || AmpConflictError.isInstance(err)) && err.cause !== undefined;
  return translated ? err.cause : err;
}

/**
 * A client token for a write that is the same for every attempt of the same write (same resource, workspace,
 * expected revision, document and, for a create, token epoch), including a re-run after a crash, and different
 * for any other write.
 */
export function derivedToken(kind: string, userToken: string | undefined, ...parts: Array<string | undefined>): string {
  const hash = createHash("sha256")
    .update([kind, userToken ?? "", ...parts.map((part) => part ?? "")].join("\u0000"))
    .digest("hex");
  return `pulumi-${kind}-${hash.slice(0, 40)}`;
}

/** A client token no request can have used before. */
export function freshToken(): string {
  return `pulumi-fresh-${randomBytes(20).toString("hex")}`;
}

/** The resource's identity: the plugin's URN (context), else the dynamic door's hidden input, else none. */
export function identityOf(inputs: Partial<ResourcePolicyInputs>, context: LifecycleContext): string | undefined {
  const hidden = (inputs as Record<string, unknown>)[IDENTITY_INPUT];
  return context.identity ?? (typeof hidden === "string" && hidden !== UNKNOWN ? hidden : undefined);
}

/**
 * Revisions a create in this process adopted as its resource's own earlier write, by workspace and revision, with
 * the resource's identity. The engine makes some replacements create-before-delete without asking `diff` (`pulumi
 * up --replace`, a changed provider): the new resource, of the same identity, then adopts the old one's write, and
 * the old resource's delete, later in the same run (the same provider process), must leave it in place.
 */
const adoptedHere = new Map<string, string>();
const adoptionKey = (workspaceId: string, revisionId: string): string => `${workspaceId}\u0000${revisionId}`;

/** Records that a create of the resource `identity` adopted `revisionId` (its own earlier write) in this process. */
export function recordAdoption(workspaceId: string, revisionId: string, identity: string): void {
  adoptedHere.set(adoptionKey(workspaceId, revisionId), identity);
}

/**
 * Whether a create of the same resource adopted `revisionId` earlier in this process (then the policy is the new
 * resource's, and the delete of the old one leaves it). Forgets the adoption when it answers yes.
 */
export function takeAdoption(workspaceId: string, revisionId: string, identity: string | undefined): boolean {
  const key = adoptionKey(workspaceId, revisionId);
  if (identity === undefined || adoptedHere.get(key) !== identity) {
    return false;
  }
  adoptedHere.delete(key);
  return true;
}
