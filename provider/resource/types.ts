/**
 * The types of the resource policy's lifecycle: its inputs and state, what `diff` answers, what the effectful
 * methods are given, and the constants a state or a client token depends on.
 */
import type { AmpApi, AmpSettings } from "../aws/amp";
import type { ApprovalLevel } from "../review";
import type { PolicyInput } from "../policy";
import type { Clock, PollSchedule } from "../time";

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

/** Outputs: inputs plus status and revision, with no `undefined` anywhere. */
export function outputs(
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

/** `value` without its `undefined` properties (state holds no `undefined`). */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
