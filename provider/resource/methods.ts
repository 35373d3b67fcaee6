/**
 * The lifecycle methods of a resource policy over plain values, each a straight run of named steps: diff (pure),
 * create, read, update, delete. The steps sit below them: the operation (operation.ts), the finder and waiters
 * (finder.ts), the conditional write and delete (write.ts), and the user's words for each outcome (messages.ts).
 */
import type { LivePolicy } from "../aws/amp";
import { PolicyConflictError } from "../errors";
import { type PolicyComparisonOptions, UNKNOWN, containsUnknown, policiesEquivalent, serializePolicy } from "../policy";
import { findPolicy } from "./finder";
import * as messages from "./messages";
import {
  type Operation,
  beginOperation,
  derivedToken,
  identityOf,
  recordAdoption,
  seamCause,
  takeAdoption,
  wrapError,
} from "./operation";
import {
  type DiffResult,
  type LifecycleContext,
  NO_POLICY,
  type ResourcePolicyInputs,
  type ResourcePolicyState,
  outputs,
  stripUndefined,
} from "./types";
import { type DeleteOutcome, type WriteOutcome, deletePolicy, writePolicy } from "./write";

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
  const op = beginOperation(`creating resource policy for AMP workspace ${workspaceId}`, inputs, context);
  const document = serializePolicy(inputs.policyDocument);
  const identity = identityOf(inputs, context);
  const takeOver = inputs.overwriteExisting === true && inputs.revisionId === undefined;
  try {
    // What is there before the write: a create that ends at this very revision adopted it (see `recordAdoption`,
    // which only a create with an identity records).
    const before = identity !== undefined || takeOver ? await findPolicy(op) : undefined;
    const outcome = await writePolicy(op, {
      document,
      expected: takeOver ? (before?.revisionId ?? NO_POLICY) : (inputs.revisionId ?? NO_POLICY),
      clientToken: (at, epoch) =>
        derivedToken("create", inputs.clientToken, identity, workspaceId, at, document, String(epoch)),
      byEpoch: true,
      rebase: takeOver,
    });
    const written = writtenOrThrow(op, outcome, {
      conflict: (live, expected) => messages.createConflict(live, expected, takeOver),
      replaced: messages.createReplaced,
    });
    if (identity !== undefined && written.revisionId === before?.revisionId) {
      recordAdoption(workspaceId, written.revisionId, identity);
    }
    return { id: workspaceId, outs: outputs(inputs, written) };
  } catch (err) {
    throw wrapError(op, err);
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
  const op = beginOperation(
    `reading resource policy for AMP workspace ${workspaceId}`,
    { ...state, workspaceId },
    context,
  );
  const live = await findPolicy(op).catch((err: unknown) => {
    throw wrapError(op, err);
  });
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
  const op = beginOperation(`updating resource policy for AMP workspace ${workspaceId}`, news, context);
  const document = serializePolicy(news.policyDocument);
  const identity = identityOf(news, context);
  try {
    const outcome = await writePolicy(op, {
      document,
      expected: olds.revisionId || news.revisionId || NO_POLICY,
      clientToken: (at) => derivedToken("update", news.clientToken, identity, workspaceId, at, document),
    });
    const written = writtenOrThrow(op, outcome, {
      conflict: messages.updateConflict,
      replaced: messages.updateReplaced,
    });
    return { outs: outputs(news, written) };
  } catch (err) {
    throw wrapError(op, err);
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
  const op = beginOperation(
    `deleting resource policy for AMP workspace ${workspaceId}`,
    { ...state, workspaceId },
    context,
  );
  const expected = state.revisionId || undefined;
  if (takeAdoption(workspaceId, expected ?? "", identityOf(state, context))) {
    // A replacement of this same resource adopted this revision earlier in this run: the policy is its now.
    return;
  }
  const clientToken = derivedToken("delete", state.clientToken, workspaceId, expected ?? "", "");
  let outcome: DeleteOutcome;
  try {
    outcome = await deletePolicy(op, { expected, clientToken });
  } catch (err) {
    throw wrapError(op, err);
  }
  if (outcome.kind === "conflict") {
    const conflict = new PolicyConflictError(messages.deleteConflict(outcome.live, outcome.expected), {
      cause: seamCause(outcome.cause),
    });
    throw wrapError(op, conflict);
  }
  if (outcome.kind === "tokenReused") {
    const refused = messages.clientTokenRefused(outcome.clientToken, op.userClientToken, outcome.cause);
    throw wrapError(op, new Error(refused, { cause: seamCause(outcome.cause) }));
  }
}

// ---------------------------------------------------------------------------------------------------------
// outcomes

/** The words a method gives a write's `conflict` (and `gone`: `live` undefined) and `replaced` outcomes. */
interface WriteWords {
  conflict(live: LivePolicy | undefined, expected: string): string;
  replaced(revisionId: string, live: LivePolicy): string;
}

/** The status and revision of a `written` outcome; any other outcome thrown as an error in `words`. */
function writtenOrThrow(
  op: Operation,
  outcome: WriteOutcome,
  words: WriteWords,
): { policyStatus: string; revisionId: string } {
  switch (outcome.kind) {
    case "written":
      return { policyStatus: outcome.policyStatus, revisionId: outcome.revisionId };
    case "conflict":
    case "gone":
      throw new PolicyConflictError(
        words.conflict(outcome.kind === "conflict" ? outcome.live : undefined, outcome.expected),
        { cause: seamCause(outcome.cause) },
      );
    case "replaced":
      throw new PolicyConflictError(
        words.replaced(outcome.revisionId, outcome.live),
        outcome.cause === undefined ? undefined : { cause: seamCause(outcome.cause) },
      );
    case "tokenReused":
      throw new Error(messages.clientTokenRefused(outcome.clientToken, op.userClientToken, outcome.cause), {
        cause: seamCause(outcome.cause),
      });
  }
}
