/**
 * The lifecycle of an AMP workspace resource policy over plain values: check, diff, create, read, update,
 * delete. It knows nothing of how it is served (dynamic provider or plugin).
 */
import { createHash, randomBytes } from "node:crypto";

import { type AmpApi, type AmpSettings, type LivePolicy, ampApi } from "./amp";
import {
  NotFoundError,
  PolicyConflictError,
  WaitTimeoutError,
  isAwsError,
  isClientTokenConflict,
  messageOf,
} from "./errors";
import {
  type PolicyComparisonOptions,
  type PolicyInput,
  UNKNOWN,
  containsUnknown,
  policiesEquivalent,
  serializePolicy,
} from "./policy";
import type { ApprovalLevel } from "./review";
import {
  type Attempt,
  type Clock,
  type PollSchedule,
  RetriesExhaustedError,
  type TimingOptions,
  isCancellation,
  pause,
  systemClock,
  waitFor,
  withRetries,
} from "./time";

/** The inputs of a `ResourcePolicy`, unwrapped. */
export interface ResourcePolicyInputs {
  /** The AMP workspace; it is the resource id, and changing it replaces the resource. */
  workspaceId: string;
  /** The policy, as a JSON string or an object. Sent as given; compared by IAM meaning. */
  policyDocument: PolicyInput;
  /**
   * Mixed into the idempotency token of each write. The token sent is derived from it, the workspace, the
   * expected revision and the document: the same for retries and for a re-run after a crash, different for any
   * other request, so two resources (or a re-create) with the same `clientToken` never collide.
   */
  clientToken?: string;
  /**
   * The revision expected to be current at the first write: give the revision of an existing policy to take
   * it over. By default the first write succeeds only if the workspace has no policy.
   */
  revisionId?: string;
  /** Take over (overwrite) a policy that already exists when the resource is created. Default false. */
  overwriteExisting?: boolean;
  /** How long an operation may wait for the service, in seconds. Default 300. */
  waitTimeoutSeconds?: number;
  /** Which access changes fail preview until approved (see provider/review.ts). Default `never`. */
  requireApproval?: ApprovalLevel;
  /** The access digest a preview printed for the change it approves. Never sent to AMP. */
  approvedAccess?: string;
  /** Finding codes (`issueCode`) whose warnings are not shown. */
  suppressFindings?: string[];
  /**
   * The identity of the resource (`IDENTITY_INPUT`), given by the dynamic door's `ResourcePolicy`: its URN as
   * the engine will compute it. Mixed into the client token of a create; never compared by `diff`.
   */
  __identity?: string;
}

/** The state of a `ResourcePolicy`: its inputs plus what the service computed. */
export interface ResourcePolicyState extends ResourcePolicyInputs {
  /** `ACTIVE` once the policy is applied. */
  policyStatus: string;
  /** The revision the service returned for the last write; the next update and delete send it. */
  revisionId: string;
}

export type { CheckFailure, CheckResult } from "./resource/check";

/** The outcome of `diff`. */
export interface DiffResult {
  changes: boolean;
  /** Properties whose change replaces the resource. */
  replaces: string[];
  /** Every property that changed (including those in `replaces`). */
  diffs: string[];
  deleteBeforeReplace: boolean;
}

/** What the effectful methods need besides their inputs; tests inject a fake API and a fake clock. */
export interface LifecycleContext {
  /** The AMP calls; default an `ampApi(settings)` built for this one call. */
  api?: AmpApi;
  settings?: AmpSettings;
  clock?: Clock;
  schedule?: PollSchedule;
  /**
   * How long a policy that blocks a create is re-read before it is reported as existing, in ms (default 5000):
   * AMP may show a policy it is deleting as ACTIVE for a while.
   */
  visibilityGraceMs?: number;
  /**
   * The partition of the workspace's region (`aws`, `aws-cn`, `aws-us-gov`): a bare account id in a principal is
   * that account's root there. read and update's "no change" test compare in it. Default `aws`.
   */
  partition?: string;
  /**
   * Ends the operation at once when it aborts (the engine's `Cancel`): waits, retries and the AMP call in flight
   * stop, with the same "status unknown" error as a deadline.
   */
  signal?: AbortSignal;
  /**
   * The identity of the resource (the plugin door: its URN). The client token of a create is derived from it, so
   * that only the same resource's re-run adopts a write. Default: the inputs' `IDENTITY_INPUT`, else none.
   */
  identity?: string;
}

/**
 * The hidden input by which the dynamic door's `ResourcePolicy` names the resource (its URN): the dynamic provider
 * is never given a URN. Hidden from the CLI's display by the `__` prefix, and no part of `diff`.
 */
export const IDENTITY_INPUT = "__identity";
/**
 * The length of a client-token epoch, in ms. A create's token is the same within an epoch (a re-run after a crash
 * replays it), and new in the next, so that AMP, which replays a token's first answer for as long as it remembers
 * the token, never makes a re-create walk the answers of earlier creates.
 */
export const TOKEN_EPOCH_MS = 10 * 60_000;
/**
 * How many earlier epochs a create that meets a live policy asks AMP about: a re-run within this many epochs of a
 * crash (an hour) still proves the write its own. A token never used only conflicts and writes nothing.
 */
export const TOKEN_LOOKBACK_EPOCHS = 6;

/** The default time an operation may wait for the service: 5 minutes. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 300;
/** The `revisionId` that makes a write succeed only if the workspace has no policy. */
export const NO_POLICY = "NO_POLICY";

/**
 * Revisions a create in this process adopted as its resource's own earlier write, by workspace and revision, with
 * the resource's identity. The engine makes some replacements create-before-delete without asking `diff` (`pulumi
 * up --replace`, a changed provider): the new resource, of the same identity, then adopts the old one's write, and
 * the old resource's delete, later in the same run (the same provider process), must leave it in place.
 */
const adoptedHere = new Map<string, string>();
const adoptionKey = (workspaceId: string, revisionId: string): string => `${workspaceId}\u0000${revisionId}`;

const transitioning = new Set(["CREATING", "UPDATING", "DELETING"]);
/** How long a policy blocking a create is re-read before it is reported: a deletion may not show at once. */
const defaultVisibilityGraceMs = 5000;

// ---------------------------------------------------------------------------------------------------------
// check: provider/resource/check.ts (the pipeline both doors call; `check` is its validation, as 0.1.0 states call it)

export { check } from "./resource/check";

// ---------------------------------------------------------------------------------------------------------
// diff

/**
 * Compares the state with new inputs, by IAM meaning in the workspace's partition (`options.partition`, default
 * `aws`). Pure: no API call. A new `workspaceId` replaces; a policy with a different meaning updates; a new
 * `waitTimeoutSeconds` updates the state only (delete has nothing else to read it from); anything else
 * (formatting, order, the client token, the first-write options) is no change.
 */
export function diff(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: PolicyComparisonOptions = {},
): DiffResult {
  const replaces: string[] = [];
  const diffs: string[] = [];
  if (news.workspaceId === UNKNOWN || olds.workspaceId !== news.workspaceId) {
    replaces.push("workspaceId");
    diffs.push("workspaceId");
  }
  if (policyChanged(olds.policyDocument, news.policyDocument, options)) {
    diffs.push("policyDocument");
  }
  if (news.waitTimeoutSeconds === UNKNOWN || olds.waitTimeoutSeconds !== news.waitTimeoutSeconds) {
    diffs.push("waitTimeoutSeconds");
  }
  // A workspace has one policy: a replacement onto the same workspace (up --replace, replaceOnChanges) must delete
  // the old one first, or the old resource's delete removes what the new one wrote. A move to another workspace
  // keeps Pulumi's create-before-delete, so that a failed create leaves the old policy in place.
  const sameWorkspace = news.workspaceId === UNKNOWN || olds.workspaceId === news.workspaceId;
  return { changes: diffs.length > 0, replaces, diffs, deleteBeforeReplace: sameWorkspace };
}

/** Whether `next` means something else than `old` for a workspace in `options.partition` (default `aws`). */
function policyChanged(old: unknown, next: unknown, options: PolicyComparisonOptions = {}): boolean {
  if (containsUnknown(next)) {
    return true;
  }
  return old === undefined || !policiesEquivalent(old, next, options);
}

// ---------------------------------------------------------------------------------------------------------
// create

/**
 * Writes the policy only where the workspace has none (or where the given revision is current), waits until
 * it is `ACTIVE`, and returns the workspace id as the id. A policy already there is never adopted on its
 * meaning alone: only AMP replaying this program's own earlier write (same request, same derived client
 * token, e.g. after a crash) proves it is ours.
 */
export async function create(
  inputs: ResourcePolicyInputs,
  context: LifecycleContext = {},
): Promise<{ id: string; outs: ResourcePolicyState }> {
  const { workspaceId } = inputs;
  const op = begin(`creating resource policy for AMP workspace ${workspaceId}`, inputs, context);
  const document = serializePolicy(inputs.policyDocument);
  const identity = identityOf(inputs, context);
  const takeOver = inputs.overwriteExisting === true && inputs.revisionId === undefined;
  const unmanaged = (live: LivePolicy): string =>
    `Pulumi does not manage it. To take it over, set overwriteExisting: true, or set revisionId: "${live.revisionId}", ` +
    "or import it; to keep it, manage it where it is managed now. If it is this program's own policy: after a rename " +
    "(a new name or parent), declare the old name in `aliases` so that Pulumi moves the resource instead of creating " +
    "another; after an interrupted create of this resource that can no longer be proven its own, take it over with " +
    `revisionId: "${live.revisionId}" (or \`pulumi import\` with the plugin); for \`pulumi up --replace\` of a ` +
    "resource renamed with aliases, set the resource option deleteBeforeReplace: true. A workspace has one policy: " +
    "declare one ResourcePolicy per workspace, in one stack";
  try {
    // What is there before the write: a create that ends at this very revision adopted it (see `adoptedHere`, which
    // only a create with an identity records).
    const before = identity !== undefined || takeOver ? await op.find() : undefined;
    const expected = takeOver ? (before?.revisionId ?? NO_POLICY) : (inputs.revisionId ?? NO_POLICY);
    const written = await op.write({
      document,
      expected,
      clientToken: (at, epoch) =>
        derivedToken("create", inputs.clientToken, identity, workspaceId, at, document, String(epoch)),
      byEpoch: true,
      rebase: takeOver,
      explain: (live, at) =>
        takeOver
          ? `the policy changed while Pulumi was taking it over (overwriteExisting): it was ${at === NO_POLICY ? "absent" : `at revision ${at}`} when read, ` +
            `and is now ${live === undefined ? "gone" : `at revision ${live.revisionId}`}; nothing was written. ` +
            "Run `pulumi up` again to take over the current policy"
          : live === undefined
            ? `the policy it expected (revision ${at}, given in revisionId) no longer exists`
            : at === NO_POLICY
              ? `a resource policy already exists on this workspace (revision ${live.revisionId}) and ${unmanaged(live)}`
              : `the existing policy is at revision ${live.revisionId}, not the revision ${at} given in revisionId`,
      replaced: (revisionId, live) =>
        `a resource policy written outside Pulumi (revision ${live.revisionId}) is in place of revision ${revisionId}, ` +
        `which AMP answered this create with; ${unmanaged(live)}`,
    });
    if (identity !== undefined && written.revisionId === before?.revisionId) {
      adoptedHere.set(adoptionKey(workspaceId, written.revisionId), identity);
    }
    return { id: workspaceId, outs: outputs(inputs, written) };
  } catch (err) {
    throw op.wrap(err);
  }
}

// ---------------------------------------------------------------------------------------------------------
// read

/**
 * Reads the live policy for a refresh (or an import, when `state` has no document). A missing policy or
 * workspace returns no id. A live document equivalent to the one in state keeps the state's text, so that a
 * refresh shows no diff when only the service's serialization differs.
 */
export async function read(
  id: string,
  state: Partial<ResourcePolicyState>,
  context: LifecycleContext = {},
): Promise<{ id?: string; props?: ResourcePolicyState; inputs?: ResourcePolicyInputs }> {
  const workspaceId = state.workspaceId || id;
  const op = begin(`reading resource policy for AMP workspace ${workspaceId}`, { ...state, workspaceId }, context);
  let live: LivePolicy | undefined;
  try {
    live = await op.find();
  } catch (err) {
    throw op.wrap(err);
  }
  if (live === undefined) {
    return {};
  }
  const known = state.policyDocument;
  const policyDocument =
    known !== undefined && policiesEquivalent(known, live.policyDocument, { partition: context.partition })
      ? known
      : live.policyDocument;
  const inputs: ResourcePolicyInputs = stripUndefined({
    workspaceId,
    policyDocument,
    clientToken: state.clientToken,
    overwriteExisting: state.overwriteExisting,
    waitTimeoutSeconds: state.waitTimeoutSeconds,
    requireApproval: state.requireApproval,
    approvedAccess: state.approvedAccess,
    suppressFindings: state.suppressFindings,
  });
  return { id: workspaceId, props: outputs(inputs, live), inputs };
}

// ---------------------------------------------------------------------------------------------------------
// update

/**
 * Writes the new policy with the revision in state, so that a policy changed outside Pulumi is detected
 * rather than overwritten, waits until it is `ACTIVE`, and stores the new revision. An update whose policy
 * means the same as the old makes no call.
 */
export async function update(
  olds: ResourcePolicyState,
  news: ResourcePolicyInputs,
  context: LifecycleContext = {},
): Promise<{ outs: ResourcePolicyState }> {
  const { workspaceId } = news;
  const kept = keptOutputs(olds, news, { partition: context.partition });
  if (kept !== undefined) {
    return { outs: kept };
  }
  const op = begin(`updating resource policy for AMP workspace ${workspaceId}`, news, context);
  const document = serializePolicy(news.policyDocument);
  const expected = olds.revisionId || news.revisionId || NO_POLICY;
  const adopt =
    "Run `pulumi refresh` (or `pulumi up --refresh`) to adopt the live policy, then `pulumi up` to overwrite it deliberately";
  try {
    const written = await op.write({
      document,
      expected,
      clientToken: (at) =>
        derivedToken("update", news.clientToken, identityOf(news, context), workspaceId, at, document),
      explain: (live, at) =>
        live === undefined
          ? "the policy was deleted outside Pulumi. Run `pulumi refresh` to record that, then `pulumi up` to create it again"
          : `the policy was changed outside Pulumi (expected revision ${at}, found ${live.revisionId}); nothing was written. ${adopt}`,
      replaced: (revisionId, live) =>
        `the policy was changed outside Pulumi while this update was in flight: AMP accepted revision ${revisionId}, ` +
        `and the live policy is now revision ${live.revisionId}. ${adopt}`,
    });
    return { outs: outputs(news, written) };
  } catch (err) {
    throw op.wrap(err);
  }
}

/**
 * The outputs a preview shows for an update: those `update` will return when it makes no call (the policy means
 * the same, e.g. only `waitTimeoutSeconds` changed), else the new inputs with the status and revision unknown.
 */
export function previewUpdate(
  olds: Partial<ResourcePolicyState>,
  news: ResourcePolicyInputs,
  options: PolicyComparisonOptions = {},
): ResourcePolicyState {
  return keptOutputs(olds, news, options) ?? outputs(news, { policyStatus: UNKNOWN, revisionId: UNKNOWN });
}

/** The outputs of an update that makes no call (its policy means the same as the state's), else undefined. */
function keptOutputs(
  olds: Partial<ResourcePolicyState>,
  news: ResourcePolicyInputs,
  options: PolicyComparisonOptions,
): ResourcePolicyState | undefined {
  if (policyChanged(olds.policyDocument, news.policyDocument, options) || !olds.revisionId) {
    return undefined;
  }
  return outputs(news, { policyStatus: olds.policyStatus || "ACTIVE", revisionId: olds.revisionId });
}

// ---------------------------------------------------------------------------------------------------------
// delete

/**
 * Deletes the policy at the revision in state and waits until it is gone. A policy or workspace already
 * gone is success; a policy changed outside Pulumi is left in place with an error.
 */
export async function remove(
  id: string,
  state: Partial<ResourcePolicyState>,
  context: LifecycleContext = {},
): Promise<void> {
  const workspaceId = state.workspaceId || id;
  const op = begin(`deleting resource policy for AMP workspace ${workspaceId}`, { ...state, workspaceId }, context);
  const expected = state.revisionId || undefined;
  const clientToken = derivedToken("delete", state.clientToken, workspaceId, expected ?? "", "");
  const identity = identityOf(state, context);
  const adoption = adoptionKey(workspaceId, expected ?? "");
  if (identity !== undefined && adoptedHere.get(adoption) === identity) {
    // A replacement of this same resource adopted this revision earlier in this run: the policy is its now.
    adoptedHere.delete(adoption);
    return;
  }
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await op.retry((thisAttempt) =>
          op.api.deleteResourcePolicy({ workspaceId, clientToken, revisionId: expected }, thisAttempt),
        );
        break;
      } catch (err) {
        if (isAwsError(err, "ResourceNotFoundException")) {
          return;
        }
        if (!isAwsError(err, "ConflictException")) {
          throw err;
        }
        if (isClientTokenConflict(err)) {
          throw clientTokenError(clientToken, state.clientToken, err);
        }
        const live = await op.settled();
        if (live === undefined) {
          return;
        }
        if (expected !== undefined && live.revisionId !== expected) {
          throw new PolicyConflictError(
            `the policy was changed outside Pulumi (expected revision ${expected}, found ${live.revisionId}); nothing was deleted. ` +
              "If another resource now manages this policy (after a rename, or a take-over with overwriteExisting or " +
              "revisionId), remove this old resource from the state with `pulumi state delete <urn>`: do not refresh " +
              "and destroy it, which would delete the other resource's policy. Otherwise run `pulumi refresh` to " +
              "adopt the live policy before deleting it",
            { cause: err },
          );
        }
        // What we expected still holds, so the conflict came from a transition or a busy workspace.
        await pause(`a delete that keeps conflicting on AMP workspace ${workspaceId}`, attempt, op.timing, err);
      }
    }
    await waitFor(
      `the resource policy of AMP workspace ${workspaceId} to be deleted`,
      async () => {
        const live = await op.find();
        const gone = live === undefined || (expected !== undefined && live.revisionId !== expected);
        return { done: gone, status: live?.policyStatus ?? "deleted" };
      },
      op.timing,
    );
  } catch (err) {
    throw op.wrap(err);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Operation plumbing: finder, waiters, conflict handling

interface Operation {
  api: AmpApi;
  timing: TimingOptions;
  /** The live policy, or undefined when the policy or the workspace is gone. Retries transient errors. */
  find(): Promise<LivePolicy | undefined>;
  /** The live policy once it is not transitioning (or undefined once it is gone). */
  settled(): Promise<LivePolicy | undefined>;
  /** Runs one AMP call with retries; the call is given an attempt whose signal aborts it at the deadline. */
  retry<T>(call: (attempt: Attempt) => Promise<T>): Promise<T>;
  /**
   * Puts the document expecting a revision to be current, and waits until AMP shows that write ACTIVE.
   * Success always means a live policy at the returned revision.
   */
  write(request: WriteRequest): Promise<{ policyStatus: string; revisionId: string }>;
  wrap(err: unknown): Error;
}

/** A write as `Operation.write` performs it. */
interface WriteRequest {
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
  /** The conflict to report when the live policy is not the expected one; nothing was written. */
  explain(live: LivePolicy | undefined, expected: string): string;
  /** The conflict to report when AMP accepted `revisionId` but another revision replaced it. */
  replaced(revisionId: string, live: LivePolicy): string;
}

function begin(what: string, inputs: Partial<ResourcePolicyInputs>, context: LifecycleContext): Operation {
  const workspaceId = inputs.workspaceId ?? "";
  const api = context.api ?? ampApi(context.settings ?? {});
  const clock = context.clock ?? systemClock;
  const seconds = inputs.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS;
  const timing: TimingOptions = {
    clock,
    deadline: clock.now() + seconds * 1000,
    schedule: context.schedule,
    signal: context.signal,
  };

  const retry = <T>(call: (attempt: Attempt) => Promise<T>): Promise<T> => withRetries(call, timing);
  const find = async (): Promise<LivePolicy | undefined> => {
    try {
      return await retry((thisAttempt) => api.findResourcePolicy(workspaceId, thisAttempt));
    } catch (err) {
      if (NotFoundError.isInstance(err)) {
        return undefined;
      }
      throw err;
    }
  };
  const settled = async (): Promise<LivePolicy | undefined> => {
    const first = await find();
    if (first === undefined || !transitioning.has(first.policyStatus)) {
      return first;
    }
    return waitFor(
      `the resource policy of AMP workspace ${workspaceId} to finish ${first.policyStatus}`,
      async () => {
        const live = await find();
        return {
          done: live === undefined || !transitioning.has(live.policyStatus),
          status: live?.policyStatus ?? "deleted",
          value: live,
        };
      },
      timing,
      { done: false, status: first.policyStatus },
    );
  };
  const workspaceReady = async (): Promise<void> => {
    const status = await retry((thisAttempt) => api.findWorkspaceStatus(workspaceId, thisAttempt));
    if (status === "ACTIVE") {
      return;
    }
    if (status !== "CREATING" && status !== "UPDATING") {
      throw new Error(`AMP workspace ${workspaceId} is ${status}, not ACTIVE`);
    }
    await waitFor(
      `AMP workspace ${workspaceId} to become ACTIVE`,
      async () => {
        const now = await retry((thisAttempt) => api.findWorkspaceStatus(workspaceId, thisAttempt));
        if (now !== "ACTIVE" && now !== "CREATING" && now !== "UPDATING") {
          throw new Error(`AMP workspace ${workspaceId} became ${now} while waiting for it to be ACTIVE`);
        }
        return { done: now === "ACTIVE", status: now };
      },
      timing,
      { done: false, status },
    );
  };
  /**
   * Waits until the write AMP answered with `revisionId` is ACTIVE, starting from `seen`, the read made right
   * after the write (a write already ACTIVE there returns at once). Returns the live policy: at `revisionId` and
   * ACTIVE, at another revision (replaced), or undefined (gone: the answer replayed a write since deleted).
   */
  const waitWritten = async (
    revisionId: string,
    expected: string,
    seen: LivePolicy | undefined,
  ): Promise<LivePolicy | undefined> => {
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
        `the resource policy of AMP workspace ${workspaceId} (revision ${revisionId}) to become ACTIVE`,
        async () => written(await find()),
        timing,
        written(seen),
      );
    } catch (err) {
      if (!WaitTimeoutError.isInstance(err)) {
        throw err;
      }
      const ended = isCancellation(err) ? "the engine cancelled the operation" : "the deadline";
      throw new WaitTimeoutError(
        `AMP accepted the write (revision ${revisionId}), but it was not seen ACTIVE before ${ended}: ` +
          `${err.message}. Whether it is ACTIVE now is unknown. Run \`pulumi refresh\` to record the policy as it ` +
          "is, or run the same `pulumi up` again: it resends the same client token and takes this write as its own" +
          (isCancellation(err) ? "" : ". A larger waitTimeoutSeconds gives AMP more time"),
        err.lastStatus,
        { cause: err },
      );
    }
  };

  /**
   * Whether a policy that blocks a create turns out to be a deletion AMP did not show yet: re-read for the
   * visibility grace, and report any change (status, revision, gone).
   */
  const deletionShows = async (seen: LivePolicy): Promise<boolean> => {
    const since = clock.now();
    const graceMs = context.visibilityGraceMs ?? defaultVisibilityGraceMs;
    try {
      return await waitFor(
        `the resource policy of AMP workspace ${workspaceId} (revision ${seen.revisionId}) to show a deletion`,
        async () => {
          const live = await find();
          const changed =
            live === undefined || live.revisionId !== seen.revisionId || live.policyStatus !== seen.policyStatus;
          return {
            done: changed || clock.now() - since >= graceMs,
            status: live?.policyStatus ?? "deleted",
            value: changed,
          };
        },
        timing,
        { done: false, status: seen.policyStatus },
      );
    } catch (err) {
      if (WaitTimeoutError.isInstance(err) && !isCancellation(err)) {
        return false;
      }
      throw err;
    }
  };

  /**
   * Whether AMP replays, to a token of an earlier epoch, an answer that names the live policy: then it is this
   * resource's own write (a re-run after a crash). Returns that revision. A token never used meets the live policy
   * and conflicts (nothing is written); a token whose write was since deleted replays a revision that is gone.
   */
  const earlierWrite = async (
    request: WriteRequest,
    expected: string,
    epoch: number,
    live: LivePolicy,
  ): Promise<string | undefined> => {
    for (let back = 1; back <= TOKEN_LOOKBACK_EPOCHS; back++) {
      const clientToken = request.clientToken(expected, epoch - back);
      let revisionId: string;
      try {
        ({ revisionId } = await retry((thisAttempt) =>
          api.putResourcePolicy(
            { workspaceId, policyDocument: request.document, clientToken, revisionId: expected },
            thisAttempt,
          ),
        ));
      } catch (err) {
        if (isAwsError(err, "ConflictException")) {
          continue;
        }
        throw err;
      }
      // Either a replay, or (the live policy went meanwhile) a write AMP applied now: this resource's either way.
      if (revisionId === live.revisionId || (await find())?.revisionId === revisionId) {
        return revisionId;
      }
    }
    return undefined;
  };

  const write: Operation["write"] = async (request) => {
    const { document } = request;
    let expected = request.expected;
    const epoch = Math.floor(clock.now() / TOKEN_EPOCH_MS);
    /** Revisions AMP answered this operation with: proof that a live policy at one of them is ours. */
    const ours = new Set<string>();
    /**
     * Send a token that cannot have been used: the derived one was answered with a revision that is no longer live
     * (AMP replayed an earlier create of this resource, since destroyed), and walking a chain of such answers
     * would cost one write per earlier create.
     */
    let fresh = false;
    let askedEarlier = false;
    /** The revision this operation wrote (with a fresh token) when another revision had already replaced it. */
    let replaced: string | undefined;
    let superseded = 0;
    for (let attempt = 1; ; attempt++) {
      const clientToken = fresh ? freshToken() : request.clientToken(expected, epoch);
      let revisionId: string;
      try {
        ({ revisionId } = await retry((thisAttempt) =>
          api.putResourcePolicy(
            { workspaceId, policyDocument: document, clientToken, revisionId: expected },
            thisAttempt,
          ),
        ));
      } catch (err) {
        if (!isAwsError(err, "ConflictException")) {
          throw err;
        }
        if (isClientTokenConflict(err)) {
          throw clientTokenError(clientToken, inputs.clientToken, err);
        }
        const live = await settled();
        if (live !== undefined && ours.has(live.revisionId)) {
          // This operation's own write, answered before and seen only now.
          revisionId = live.revisionId;
        } else if (live === undefined ? expected === NO_POLICY : live.revisionId === expected) {
          // What we expected still holds, so the conflict came from a transition or a busy workspace.
          await workspaceReady();
          await pause(`a write that keeps conflicting on AMP workspace ${workspaceId}`, attempt, timing, err);
          continue;
        } else if (live === undefined && request.rebase) {
          // The policy to take over was deleted meanwhile: write where there is none.
          expected = NO_POLICY;
          continue;
        } else {
          let adopted: string | undefined;
          if (live !== undefined && request.byEpoch === true && !askedEarlier) {
            askedEarlier = true;
            adopted = await earlierWrite(request, expected, epoch, live);
          }
          if (adopted !== undefined) {
            // This resource's own write of an earlier epoch: a re-run after a crash.
            revisionId = adopted;
          } else if (live !== undefined && expected === NO_POLICY && (await deletionShows(live))) {
            // The policy in the way was being deleted (AMP shows a deletion late) or changed: look again.
            continue;
          } else {
            // If this operation's own write was replaced by another writer, say so: that write was accepted.
            const message =
              live !== undefined && replaced !== undefined
                ? request.replaced(replaced, live)
                : request.explain(live, expected);
            throw new PolicyConflictError(message, { cause: err });
          }
        }
      }
      ours.add(revisionId);
      const now = await find();
      if (now === undefined || (now.revisionId !== revisionId && now.revisionId !== expected)) {
        // AMP's answer names a revision that is not live: a replay of an earlier write of this same request, or this
        // operation's own write, since deleted or replaced. Not success either way: write again, with a token that
        // cannot have been used.
        replaced = now === undefined ? undefined : revisionId;
        fresh = true;
        if (++superseded > 20) {
          await pause(`a write whose revision keeps vanishing on AMP workspace ${workspaceId}`, superseded, timing);
        }
        continue;
      }
      const live = await waitWritten(revisionId, expected, now);
      if (live === undefined) {
        // Deleted while we waited: write again where the request still applies (a create re-creates it; an update
        // at a revision that is gone reports the deletion).
        fresh = true;
        replaced = undefined;
        continue;
      }
      if (live.revisionId !== revisionId) {
        throw new PolicyConflictError(request.replaced(revisionId, live));
      }
      return { policyStatus: live.policyStatus, revisionId };
    }
  };

  const wrap = (err: unknown): Error => {
    const cause = err instanceof Error ? err : new Error(String(err));
    // withRetries says when it gave up: say so, or a storm that outlasted the timeout reads as one error.
    const attempts = RetriesExhaustedError.isInstance(err) ? err.attempts : 0;
    const gaveUp =
      attempts > 0 ? ` (gave up after ${attempts} attempts: another would have passed waitTimeoutSeconds)` : "";
    const message = `${what}: ${messageOf(err)}${gaveUp}`;
    const wrapped = PolicyConflictError.isInstance(err)
      ? new PolicyConflictError(message, { cause })
      : NotFoundError.isInstance(err)
        ? new NotFoundError(message, { cause })
        : new Error(message, { cause });
    return wrapped;
  };

  return { api, timing, find, settled, retry, write, wrap };
}

/** Outputs: inputs plus status and revision, with no `undefined` anywhere. */
function outputs(
  inputs: Partial<ResourcePolicyInputs>,
  written: { policyStatus: string; revisionId: string },
): ResourcePolicyState {
  return stripUndefined({
    ...inputs,
    workspaceId: inputs.workspaceId ?? "",
    policyDocument: inputs.policyDocument ?? "",
    policyStatus: written.policyStatus,
    revisionId: written.revisionId,
  });
}

/**
 * A client token for a write that is the same for every attempt of the same write (same resource, workspace,
 * expected revision, document and, for a create, token epoch), including a re-run after a crash, and different
 * for any other write.
 */
function derivedToken(kind: string, userToken: string | undefined, ...parts: Array<string | undefined>): string {
  const hash = createHash("sha256")
    .update([kind, userToken ?? "", ...parts.map((part) => part ?? "")].join("\u0000"))
    .digest("hex");
  return `pulumi-${kind}-${hash.slice(0, 40)}`;
}

/** A client token no request can have used before. */
function freshToken(): string {
  return `pulumi-fresh-${randomBytes(20).toString("hex")}`;
}

/** The resource's identity: the plugin's URN (context), else the dynamic door's hidden input, else none. */
function identityOf(inputs: Partial<ResourcePolicyInputs>, context: LifecycleContext): string | undefined {
  const hidden = (inputs as Record<string, unknown>)[IDENTITY_INPUT];
  return context.identity ?? (typeof hidden === "string" && hidden !== UNKNOWN ? hidden : undefined);
}

/** The error for AMP's "client token already used with different request parameters": waiting cannot clear it. */
function clientTokenError(clientToken: string, userToken: string | undefined, cause: unknown): Error {
  const origin =
    userToken === undefined
      ? "derived from the workspace, the expected revision and the document"
      : `derived from the clientToken input (${JSON.stringify(userToken)}), the workspace, the expected revision and the document`;
  return new Error(
    `AMP refused client token ${clientToken} (${origin}): it was already used with different request parameters ` +
      `(${messageOf(cause)}). Waiting cannot clear this; set a different clientToken (or remove it) and run again`,
    { cause },
  );
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
