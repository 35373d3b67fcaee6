/**
 * The lifecycle methods of a `ResourcePolicyStatement` over plain values, each a straight run of named steps:
 * diff (pure), create, read, update, delete. Each write is a merge loop (merge.ts) over the live policy
 * (document.ts), in the words of messages.ts.
 */
import type { LivePolicy } from "../aws/amp";
import { PolicyConflictError } from "../errors";
import { type PolicyComparisonOptions, type PolicyStatement, UNKNOWN } from "../policy";
import { findPolicy } from "../resource/finder";
import { diff } from "../resource/methods";
import { type Operation, beginOperation, derivedToken, freshToken, identityOf, wrapError } from "../resource/operation";
import {
  type DiffResult,
  type LifecycleContext,
  TOKEN_EPOCH_MS,
  TOKEN_LOOKBACK_EPOCHS,
  stripUndefined,
} from "../resource/types";
import {
  jsonText,
  liveStatements,
  mergedDocument,
  onePolicy,
  onePolicyOf,
  ownStatement,
  statementWithSid,
  statementsEquivalent,
} from "./document";
import { type MergeOutcome, type MergeRequest, type OwnershipProof, mergeWrite, proveOwnWrite } from "./merge";
import * as messages from "./messages";
import { type StatementInputs, type StatementState, parseStatementId, statementId } from "./types";

// ---------------------------------------------------------------------------------------------------------
// diff

/**
 * Compares the state with new inputs, by IAM meaning in the workspace's partition (`options.partition`, default
 * `aws`): the policy's `diff` over the statement as a one-statement policy (both with the new `sid`). Pure: no API
 * call. A new `workspaceId` or `sid` replaces (deleting first when neither changes, i.e. a replacement the engine
 * was asked for: the old statement and the new one have the same place); a statement with a different meaning
 * updates; a new `waitTimeoutSeconds` updates the state only; anything else is no change.
 */
export function diffStatement(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: PolicyComparisonOptions = {},
): DiffResult {
  const asPolicy = (inputs: Record<string, unknown>) => ({
    ...inputs,
    policyDocument: onePolicyOf(news.sid, inputs.statement),
  });
  const policy = diff(asPolicy(olds), asPolicy(news), options);
  const sidChanged = news.sid === UNKNOWN || olds.sid !== news.sid;
  const named = policy.diffs.map((key) => (key === "policyDocument" ? "statement" : key));
  const moved = named.filter((key) => key === "workspaceId");
  const sid = sidChanged ? ["sid"] : [];
  const diffs = [...moved, ...sid, ...named.filter((key) => key !== "workspaceId")];
  return {
    changes: diffs.length > 0,
    replaces: [...moved, ...sid],
    diffs,
    deleteBeforeReplace: policy.deleteBeforeReplace && (news.sid === UNKNOWN || !sidChanged),
  };
}

// ---------------------------------------------------------------------------------------------------------
// create

/**
 * Adds the statement to the workspace's live policy by the merge loop (a policy of `Version` 2012-10-17 where there
 * is none), waits until it is `ACTIVE`, and returns `<workspaceId>/<sid>` as the id. A statement with the same Sid
 * already there fails, naming the Sid, unless AMP proves it this resource's own earlier write (`proveOwnWrite`: a
 * re-run after a crash) and it means the same.
 */
export async function createStatement(
  inputs: StatementInputs,
  context: LifecycleContext = {},
): Promise<{ id: string; outs: StatementState }> {
  const { op, workspaceId, sid } = beginStatement("creating", undefined, inputs, context);
  try {
    const own = ownStatement(sid, inputs.statement);
    const ownText = jsonText(own);
    const identity = identityOf(inputs, context);
    const epoch = Math.floor(op.clock.now() / TOKEN_EPOCH_MS);
    // Derived from the resource and its statement, not from the revision or the merged document: the same for every
    // attempt of the loop and for a re-run after a crash, so that the probe can ask AMP whether it was spent.
    const tokenOf = (at: number): string =>
      derivedToken("statement", inputs.clientToken, identity, workspaceId, sid, ownText, String(at));
    const tokens = Array.from({ length: TOKEN_LOOKBACK_EPOCHS + 1 }, (_, back) => tokenOf(epoch - back));
    const outcome = await mergeWrite(op, {
      plan: async (live) => {
        const existing = statementWithSid(liveStatements(live), sid);
        if (existing === undefined) {
          return { kind: "write", document: mergedDocument(live, sid, own)! };
        }
        const sameMeaning = statementsEquivalent(existing, own, context.partition);
        const proof: OwnershipProof = sameMeaning
          ? await proveOwnWrite(op, onePolicy(own), tokens, live!)
          : { kind: "notOurs" };
        if (proof.kind === "notOurs") {
          throw new PolicyConflictError(messages.sidTaken(workspaceId, sid, live!, sameMeaning));
        }
        return proof.kind === "ours" ? { kind: "keep" } : { kind: "confirm", revisionId: proof.revisionId };
      },
      putToken: (_expected, _document, spent) => (spent ? freshToken() : tokens[0]),
      deleteToken: requestTokens("statement-create", inputs.clientToken, identity, workspaceId, sid).deleteToken,
      holds: (live) => holdsStatement(live, sid, own, context),
    });
    return { id: statementId(workspaceId, sid), outs: statementOutputs(inputs, written(outcome)) };
  } catch (err) {
    throw wrapError(op, err);
  }
}

// ---------------------------------------------------------------------------------------------------------
// read

/**
 * Reads the statement from the live policy for a refresh, or an import by `<workspaceId>/<sid>` (`state` empty).
 * A missing statement, policy or workspace returns no id. A live statement equivalent to the one in state keeps the
 * state's text, so that a refresh shows no diff when only the service's serialization differs.
 */
export async function readStatement(
  id: string,
  state: Partial<StatementState>,
  context: LifecycleContext = {},
): Promise<{ id?: string; props?: StatementState; inputs?: StatementInputs }> {
  const { op, workspaceId, sid } = beginStatement("reading", id, state, context);
  let live: LivePolicy | undefined;
  let existing: unknown;
  try {
    live = await findPolicy(op);
    existing = statementWithSid(liveStatements(live), sid);
  } catch (err) {
    throw wrapError(op, err);
  }
  if (live === undefined || existing === undefined) {
    return {};
  }
  const known = state.statement;
  const keepKnown = known !== undefined && sameStatement(sid, known, existing, context);
  const inputs: StatementInputs = stripUndefined({
    workspaceId,
    sid,
    statement: keepKnown ? known : recordedStatement(existing, known),
    clientToken: state.clientToken,
    waitTimeoutSeconds: state.waitTimeoutSeconds,
    requireApproval: state.requireApproval,
    approvedAccess: state.approvedAccess,
    suppressFindings: state.suppressFindings,
  });
  return { id: statementId(workspaceId, sid), props: statementOutputs(inputs, live), inputs };
}

/**
 * The live statement as a read records it: without its `Sid` (the `sid` input holds it), as an object where the
 * state held one, else as JSON text with each number as written, so that a refresh's diff shows only what changed.
 */
function recordedStatement(live: unknown, known: unknown): StatementInputs["statement"] {
  const { Sid: _sid, ...rest } = live as Record<string, unknown>;
  const text = jsonText(rest);
  return typeof known === "object" && known !== null ? (JSON.parse(text) as PolicyStatement) : text;
}

// ---------------------------------------------------------------------------------------------------------
// update

/**
 * Replaces the statement in the live policy by the merge loop and waits until it is `ACTIVE`. The live statement
 * with the Sid must still mean what the state says this resource wrote: else it fails as drift (or, removed, as
 * gone), with nothing written. An update whose statement means the same as the old makes no call.
 */
export async function updateStatement(
  olds: StatementState,
  news: StatementInputs,
  context: LifecycleContext = {},
): Promise<{ outs: StatementState }> {
  const kept = keptOutputs(olds, news, { partition: context.partition });
  if (kept !== undefined) {
    return { outs: kept };
  }
  const { op, workspaceId, sid } = beginStatement("updating", undefined, news, context);
  try {
    const own = ownStatement(sid, news.statement);
    const before = ownStatement(sid, olds.statement);
    const identity = identityOf(news, context);
    const outcome = await mergeWrite(op, {
      plan: async (live) => {
        const existing = statementWithSid(liveStatements(live), sid);
        if (existing === undefined) {
          throw new PolicyConflictError(messages.statementGone(sid));
        }
        if (statementsEquivalent(existing, own, context.partition)) {
          // Already what this update writes (a re-run after a crash, or a write whose answer was lost).
          return { kind: "keep" };
        }
        if (!statementsEquivalent(existing, before, context.partition)) {
          throw new PolicyConflictError(messages.statementDrifted(sid, live!, false));
        }
        return { kind: "write", document: mergedDocument(live, sid, own)! };
      },
      ...requestTokens("statement-update", news.clientToken, identity, workspaceId, sid),
      holds: (live) => holdsStatement(live, sid, own, context),
    });
    return { outs: statementOutputs(news, written(outcome)) };
  } catch (err) {
    throw wrapError(op, err);
  }
}

/**
 * The outputs a preview shows for an update, with no call: those `updateStatement` returns when it makes no call
 * (the statement means the same, e.g. only `waitTimeoutSeconds` changed), else the new inputs with the status and
 * revision unknown.
 */
export function previewStatementUpdate(
  olds: Partial<StatementState>,
  news: StatementInputs,
  options: PolicyComparisonOptions = {},
): StatementState {
  return keptOutputs(olds, news, options) ?? statementOutputs(news, { policyStatus: UNKNOWN, revisionId: UNKNOWN });
}

/** The outputs of an update that makes no call (its statement means the same as the state's), else undefined. */
function keptOutputs(
  olds: Partial<StatementState>,
  news: StatementInputs,
  options: PolicyComparisonOptions,
): StatementState | undefined {
  const changed = diffStatement(olds, news as unknown as Record<string, unknown>, options).diffs;
  if (changed.some((key) => key !== "waitTimeoutSeconds") || !olds.revisionId) {
    return undefined;
  }
  return statementOutputs(news, { policyStatus: olds.policyStatus || "ACTIVE", revisionId: olds.revisionId });
}

// ---------------------------------------------------------------------------------------------------------
// delete

/**
 * Removes the statement from the live policy by the merge loop, or deletes the policy (at the revision read) when
 * it was the last statement, and waits until that is done. A statement, policy or workspace already gone is
 * success; a statement changed outside Pulumi is left in place with an error.
 */
export async function removeStatement(
  id: string,
  state: Partial<StatementState>,
  context: LifecycleContext = {},
): Promise<void> {
  const { op, workspaceId, sid } = beginStatement("deleting", id, state, context);
  try {
    const before = state.statement === undefined ? undefined : ownStatement(sid, state.statement);
    const identity = identityOf(state, context);
    await mergeWrite(op, {
      plan: async (live) => {
        const existing = statementWithSid(liveStatements(live), sid);
        if (existing === undefined) {
          return { kind: "keep" };
        }
        if (before !== undefined && !statementsEquivalent(existing, before, context.partition)) {
          throw new PolicyConflictError(messages.statementDrifted(sid, live!, true));
        }
        const document = mergedDocument(live, sid, undefined);
        return document === undefined ? { kind: "deletePolicy" } : { kind: "write", document };
      },
      ...requestTokens("statement-remove", state.clientToken, identity, workspaceId, sid),
      holds: (live) => statementWithSid(liveStatements(live), sid) === undefined,
    });
  } catch (err) {
    throw wrapError(op, err);
  }
}

// ---------------------------------------------------------------------------------------------------------
// outcomes

/**
 * Starts the operation `verb` (creating, reading, ...) on a statement: its workspace and Sid from the inputs (or
 * state), else from the id `<workspaceId>/<sid>` (an import, or a state without them).
 */
function beginStatement(
  verb: string,
  id: string | undefined,
  inputs: Partial<StatementInputs>,
  context: LifecycleContext,
): { op: Operation; workspaceId: string; sid: string } {
  const { workspaceId, sid } =
    inputs.workspaceId && inputs.sid
      ? { workspaceId: inputs.workspaceId, sid: inputs.sid }
      : parseStatementId(id ?? `${inputs.workspaceId ?? ""}/${inputs.sid ?? ""}`);
  const what = `${verb} statement "${sid}" of the resource policy for AMP workspace ${workspaceId}`;
  return { op: beginOperation(what, { ...inputs, workspaceId }, context), workspaceId, sid };
}

/**
 * The client tokens of a merge loop's writes, derived from the request (`kind` of Put, the resource, the revision
 * expected and, for a Put, the document): the same for a retry and for a re-run after a crash, a fresh one once the
 * derived one is spent. Every kind of operation deletes the policy (its last statement removed) with the same token.
 */
function requestTokens(
  kind: string,
  clientToken: string | undefined,
  identity: string | undefined,
  workspaceId: string,
  sid: string,
): Pick<MergeRequest, "putToken" | "deleteToken"> {
  return {
    putToken: (expected, document, spent) =>
      spent ? freshToken() : derivedToken(kind, clientToken, identity, workspaceId, sid, expected, document),
    deleteToken: (expected) => derivedToken("statement-delete", clientToken, identity, workspaceId, sid, expected),
  };
}

/** Outputs: inputs plus status and revision, with no `undefined` anywhere. */
function statementOutputs(
  inputs: Partial<StatementInputs>,
  seen: { policyStatus: string; revisionId: string },
): StatementState {
  return stripUndefined({
    ...inputs,
    workspaceId: inputs.workspaceId ?? "",
    sid: inputs.sid ?? "",
    statement: inputs.statement ?? "",
    policyStatus: seen.policyStatus,
    revisionId: seen.revisionId,
  });
}

/** The status and revision a create or an update ends with: its write's, or (nothing written) the live policy's. */
function written(outcome: MergeOutcome): { policyStatus: string; revisionId: string } {
  if (outcome.kind === "written") {
    return outcome;
  }
  const live = outcome.kind === "kept" ? outcome.live : undefined;
  return { policyStatus: live?.policyStatus ?? "ACTIVE", revisionId: live?.revisionId ?? "" };
}

/** Whether `live` holds the statement `sid` meaning what `own` means. */
function holdsStatement(live: LivePolicy, sid: string, own: unknown, context: LifecycleContext): boolean {
  const existing = statementWithSid(liveStatements(live), sid);
  return existing !== undefined && statementsEquivalent(existing, own, context.partition);
}

/** Whether a statement given as input means what a live statement means. */
function sameStatement(sid: string, given: unknown, live: unknown, context: LifecycleContext): boolean {
  try {
    return statementsEquivalent(ownStatement(sid, given), live, context.partition);
  } catch {
    return false;
  }
}
