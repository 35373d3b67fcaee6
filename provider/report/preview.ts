/**
 * The access review of a whole stack from `pulumi preview --json`: every step of a policy resource (both doors'
 * type tokens), old inputs against new, with the workspace's partition and the approval digest the provider's
 * gate prints (`approvalDigest`). Pure: it reads the preview's JSON and makes no call.
 *
 * What the preview's JSON holds (Pulumi 3.274, `display/json.go`): `steps[]` with `op`, `urn`, `oldState` and
 * `newState` (each with `type` and `inputs`), `diagnostics[]`, and the stack's `config` (secrets blinded). A
 * resource with no change has no step of its own. Secret values are `"[secret]"` in the inputs whether or not
 * `--show-secrets` is given.
 */
import { type AccessChange, type AccessOptions, accessChange } from "../access";
import { UNKNOWN, containsUnknown } from "../policy";
import { stripUndefined } from "../resource/types";
import { type ApprovalLevel, APPROVAL_LEVELS, approvalDigest, changesAccess, partitionOf, stricter } from "../review";
import { OTHER_STATEMENTS_NOTE } from "../statement/check";
import { onePolicyOf } from "../statement/document";

// ---------------------------------------------------------------------------------------------------------
// Types

/** What a resource type's inputs say about a workspace's policy: the one row per type the review needs. */
export interface ReviewedResourceType {
  /** The name the review shows (e.g. `ResourcePolicy`). */
  label: string;
  /** The type tokens of this resource in a state or a preview, for each front door. */
  types: readonly string[];
  /**
   * The workspace and the policy document the inputs give (`undefined` when the inputs are not this resource's,
   * e.g. another `pulumi-nodejs:dynamic:Resource`).
   */
  policyOf(inputs: Record<string, unknown>): { workspaceId: unknown; policyDocument: unknown } | undefined;
  /** A note every review of this type ends with (what the review of a part of a policy cannot see). */
  note?: string;
}

/**
 * The resource types reviewed, by type token: a whole policy (`ResourcePolicy`), and one statement of a shared
 * workspace's policy (`ResourcePolicyStatement`), reviewed as the one-statement policy its provider's check reviews.
 */
export const REVIEWED_TYPES: readonly ReviewedResourceType[] = [
  {
    label: "ResourcePolicy",
    // The plugin's, the dynamic resource's (`ResourcePolicy` registers as `pulumi-nodejs:dynamic/amp:ResourcePolicy`),
    // and a plain `pulumi.dynamic.Resource` over the provider.
    types: [
      "amp-resource-policy:index:ResourcePolicy",
      "pulumi-nodejs:dynamic/amp:ResourcePolicy",
      "pulumi-nodejs:dynamic:Resource",
    ],
    // policyDocument marks a plain dynamic resource as ours; a missing workspaceId is then said, not skipped.
    policyOf: (inputs) =>
      "policyDocument" in inputs
        ? { workspaceId: inputs.workspaceId, policyDocument: inputs.policyDocument }
        : undefined,
  },
  {
    label: "ResourcePolicyStatement",
    types: ["amp-resource-policy:index:ResourcePolicyStatement", "pulumi-nodejs:dynamic/amp:ResourcePolicyStatement"],
    policyOf: (inputs) => ({
      workspaceId: inputs.workspaceId,
      policyDocument: onePolicyOf(inputs.sid, inputs.statement),
    }),
    note: OTHER_STATEMENTS_NOTE,
  },
];

/** The type row of a type token, if it is reviewed. */
export function reviewedType(type: unknown): ReviewedResourceType | undefined {
  return REVIEWED_TYPES.find((row) => row.types.includes(String(type)));
}

/** What Pulumi prints for a secret value in `pulumi preview --json` (and `pulumi stack export` without secrets). */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * What a step does to its resource, once per resource (a replacement's several steps are one `replace`);
 * `failed`: the preview has no step for it, only an error (a check failure, e.g. the `requireApproval` gate).
 */
export type PolicyOp = "create" | "update" | "replace" | "delete" | "failed";

/** One policy resource's change in a preview. */
export interface PolicyStep {
  urn: string;
  /** The resource's name (the last part of its URN). */
  name: string;
  type: string;
  /** `ResourcePolicy`, or the label of another reviewed type. */
  label: string;
  op: PolicyOp;
  /** The old inputs (none for a create). */
  olds?: Record<string, unknown>;
  /** The new inputs (none for a delete). */
  news?: Record<string, unknown>;
  /** The engine's error for this resource (op `failed`). */
  error?: string;
}

/** The settings of the review the stack's config (or the command line) gives. */
export interface PreviewScope {
  region?: string;
  partition?: string;
  accountId?: string;
  /** The provider-wide `requireApproval` of the plugin (`amp-resource-policy:requireApproval`). */
  requireApproval?: ApprovalLevel;
}

/** A preview read: its policy steps, how many steps it has of other resources, its config and diagnostics. */
export interface Preview {
  steps: PolicyStep[];
  /** The stack's config as the preview recorded it (secrets blinded). */
  config: Record<string, string>;
  /** The engine's diagnostics: a message and, when the engine knows it, the resource's URN. */
  diagnostics: Array<{ urn?: string; message: string }>;
  /** Resources of the reviewed types the preview counts as unchanged (`changeSummary.same` is every type's). */
  otherSteps: number;
  /** How many errors the preview reported: the engine stops at one, so it may lack the steps of other resources. */
  errors: number;
}

/** The review of one resource's change. */
export interface ResourceReview {
  urn: string;
  name: string;
  type: string;
  label: string;
  op: PolicyOp;
  /** The workspace the new policy is for (the old one's for a delete); undefined when not known yet. */
  workspaceId?: string;
  /** The workspace whose policy a replace onto another workspace deletes. */
  previousWorkspaceId?: string;
  /**
   * `reviewed`: the change below; `withheld`: a document is a secret, its values are not in the preview;
   * `unknown`: a value is computed by another resource and not known at preview; `failed`: the preview has
   * only an error for it (op `failed`).
   */
  status: "reviewed" | "withheld" | "unknown" | "failed";
  /** Why the review is withheld or unknown, in one sentence. */
  reason?: string;
  change?: AccessChange;
  /** The `approvedAccess` value that approves the new access (not for a delete: the gate runs on writes). */
  approvedAccess?: string;
  /** The resource's `requireApproval` (the stricter of its input and the provider's config). */
  requireApproval: ApprovalLevel;
  /** Whether the resource's `approvedAccess` input already holds `approvedAccess`. */
  approved: boolean;
  /** Whether this change needs an approval under `requireApproval`. */
  needsApproval: boolean;
  /** The access digest the provider printed for this resource in the preview's diagnostics, when found. */
  providerDigest?: string;
}

/** The review of a whole preview. */
export interface StackReview {
  resources: ResourceReview[];
  /** The scope the digests are bound to (partition, region, account). */
  scope: PreviewScope;
}

/** A preview that cannot be read: the message says what is wrong. */
export class PreviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewError";
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading the preview

const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);
const OPS: Record<string, PolicyOp | undefined> = { create: "create", update: "update", delete: "delete" };

/** Reads the output of `pulumi preview --json` (with or without `--show-secrets`). */
export function readPreview(text: string, source = "the preview"): Preview {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PreviewError(
      `${source} is not JSON (${(err as Error).message}); expected \`pulumi preview --json\` output`,
    );
  }
  const document = parsed as { steps?: unknown; config?: unknown; diagnostics?: unknown } | null;
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new PreviewError(`${source} is not a JSON object; expected \`pulumi preview --json\` output`);
  }
  if (document.steps !== undefined && !Array.isArray(document.steps)) {
    throw new PreviewError(`${source} has steps that are not a list; expected \`pulumi preview --json\` output`);
  }
  if (document.steps === undefined && document.diagnostics === undefined) {
    throw new PreviewError(`${source} has no steps and no diagnostics; expected \`pulumi preview --json\` output`);
  }
  const byUrn = new Map<string, PolicyStep>();
  let otherSteps = 0;
  for (const raw of (document.steps ?? []) as unknown[]) {
    const step = raw as {
      op?: unknown;
      urn?: unknown;
      oldState?: { type?: unknown; inputs?: Record<string, unknown> };
      newState?: { type?: unknown; inputs?: Record<string, unknown> };
    };
    if (typeof step !== "object" || step === null || typeof step.urn !== "string") {
      continue;
    }
    const stated = step.newState?.type ?? step.oldState?.type;
    const type = typeof stated === "string" ? stated : typeFromUrn(step.urn);
    const row = reviewedType(type);
    const inputs = step.newState?.inputs ?? step.oldState?.inputs ?? {};
    if (row === undefined || row.policyOf(inputs) === undefined) {
      continue;
    }
    const op = REPLACE_OPS.has(String(step.op)) ? "replace" : OPS[String(step.op)];
    if (op === undefined) {
      otherSteps++; // same, read, refresh, import, discard: no write of a policy
      continue;
    }
    const seen = byUrn.get(step.urn);
    const merged: PolicyStep = {
      urn: step.urn,
      name: step.urn.split("::").pop() ?? step.urn,
      type,
      label: row.label,
      op: seen?.op === "replace" ? "replace" : op,
      olds: seen?.olds ?? (op === "create" ? undefined : step.oldState?.inputs),
      news: seen?.news ?? (op === "delete" ? undefined : step.newState?.inputs),
    };
    // The steps of a replacement carry the old state (delete-replaced) and the new (create-replacement) apart.
    if (op === "replace") {
      merged.olds ??= step.oldState?.inputs;
      merged.news ??= step.newState?.inputs;
    }
    byUrn.set(step.urn, merged);
  }
  const config: Record<string, string> = {};
  if (typeof document.config === "object" && document.config !== null) {
    for (const [key, value] of Object.entries(document.config)) {
      config[key] = String(value);
    }
  }
  const raw = Array.isArray(document.diagnostics)
    ? (document.diagnostics as Array<{ urn?: unknown; message?: unknown; severity?: unknown }>).filter(
        (d) => typeof d?.message === "string",
      )
    : [];
  const diagnostics = raw.map((d) => ({
    urn: typeof d.urn === "string" ? d.urn : undefined,
    message: String(d.message),
  }));
  const errors = raw.filter((d) => d.severity === "error");
  // A check failure (the gate's included) leaves the resource without a step: its error is all there is.
  for (const error of errors) {
    const urn = typeof error.urn === "string" ? error.urn : undefined;
    const row = urn === undefined ? undefined : reviewedType(typeFromUrn(urn));
    if (urn !== undefined && row !== undefined && !byUrn.has(urn)) {
      byUrn.set(urn, {
        urn,
        name: urn.split("::").pop() ?? urn,
        type: typeFromUrn(urn),
        label: row.label,
        op: "failed",
        error: String(error.message),
      });
    }
  }
  return { steps: [...byUrn.values()], config, diagnostics, otherSteps, errors: errors.length };
}

function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  return (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
}

/**
 * The review settings a preview's stack config gives: the region (`amp-resource-policy:region`, else
 * `aws:region`) and its partition, the account (`amp-resource-policy:accountId`) and the provider-wide
 * `amp-resource-policy:requireApproval`. Blinded (secret) and unknown values count as not given.
 */
export function scopeFromConfig(config: Record<string, string>): PreviewScope {
  const given = (key: string): string | undefined => {
    const value = config[key];
    return value === undefined || value === "" || value === SECRET_PLACEHOLDER || value === UNKNOWN ? undefined : value;
  };
  const region = given("amp-resource-policy:region") ?? given("aws:region");
  const level = given("amp-resource-policy:requireApproval");
  return stripUndefined({
    region,
    partition: partitionOf(region),
    accountId: given("amp-resource-policy:accountId"),
    requireApproval: (APPROVAL_LEVELS as readonly string[]).includes(level ?? "")
      ? (level as ApprovalLevel)
      : undefined,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Reviewing the steps

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Reviews every policy step of `preview` (by resource name) within `scope` (the command line's, over the stack config's). */
export function reviewPreview(preview: Preview, scope: PreviewScope): StackReview {
  // The engine runs steps in parallel: their order differs from one preview to the next, a comment's must not.
  const steps = [...preview.steps].sort((a, b) => compare(a.name, b.name) || compare(a.urn, b.urn));
  return { resources: steps.map((step) => reviewStep(step, scope, preview.diagnostics)), scope };
}

/** Whether a value is, or holds, the placeholder of a secret. */
export function holdsSecret(value: unknown): boolean {
  if (value === SECRET_PLACEHOLDER) {
    return true;
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(holdsSecret);
  }
  return false;
}

/** The review of one resource's change: old inputs against new, as the provider's check reviews it. */
export function reviewStep(
  step: PolicyStep,
  scope: PreviewScope,
  diagnostics: Preview["diagnostics"] = [],
): ResourceReview {
  const row = reviewedType(step.type);
  const old = step.olds === undefined ? undefined : row?.policyOf(step.olds);
  const next = step.news === undefined ? undefined : row?.policyOf(step.news);
  const workspaceOf = (value: unknown) =>
    typeof value === "string" && value !== UNKNOWN && value !== "" ? value : undefined;
  const newWorkspace = next === undefined ? undefined : workspaceOf(next.workspaceId);
  const oldWorkspace = old === undefined ? undefined : workspaceOf(old.workspaceId);
  const workspaceId = step.op === "delete" ? oldWorkspace : newWorkspace;
  const level = stricter(step.news?.requireApproval, scope.requireApproval);
  const base: ResourceReview = {
    urn: step.urn,
    name: step.name,
    type: step.type,
    label: step.label,
    op: step.op,
    workspaceId,
    status: "reviewed",
    requireApproval: level,
    approved: false,
    needsApproval: false,
  };
  const providerDigest = digestPrinted(step.urn, diagnostics);
  if (providerDigest !== undefined) {
    base.providerDigest = providerDigest;
  }
  if (step.op === "failed") {
    return failedReview(base, step.error ?? "");
  }
  if (step.op !== "delete" && newWorkspace === undefined) {
    return {
      ...base,
      status: "unknown",
      reason:
        next?.workspaceId === UNKNOWN
          ? "workspaceId is not known yet (another resource computes it): the provider reviews and gates this change during up, before anything is written"
          : "workspaceId is missing from the new inputs: there is no workspace to bind the review to",
    };
  }
  // A replace onto another workspace creates a policy there (and deletes the old one): reviewed as a create.
  const moved = step.op === "replace" && oldWorkspace !== undefined && oldWorkspace !== newWorkspace;
  if (moved) {
    base.previousWorkspaceId = oldWorkspace;
  }
  const before = step.op === "create" || moved ? undefined : old?.policyDocument;
  const after = step.op === "delete" ? undefined : next?.policyDocument;
  const secret = holdsSecret(before) || holdsSecret(after) || workspaceId === SECRET_PLACEHOLDER;
  if (secret) {
    return {
      ...base,
      status: "withheld",
      reason:
        "the policy document is a secret: pulumi preview --json never prints a secret's value (not even with --show-secrets), so its access is not reviewed here; the provider reviews it (and gates it) in the preview itself",
    };
  }
  if (containsUnknown(before) || containsUnknown(after) || (step.op !== "delete" && after === undefined)) {
    return {
      ...base,
      status: "unknown",
      reason:
        "policyDocument is not known yet (another resource computes it): the provider reviews and gates it during up, before it is written",
    };
  }
  const options: AccessOptions = stripUndefined({
    workspaceId,
    partition: scope.partition,
    region: scope.region,
    accountId: scope.accountId,
  });
  const reviewed = accessChange(before, after, options);
  const change = row?.note === undefined ? reviewed : { ...reviewed, notes: [...reviewed.notes, row.note] };
  if (step.op === "delete") {
    return { ...base, change };
  }
  const approvedAccess = approvalDigest(change.digest, options);
  const needsApproval =
    (level === "broadening" && change.broadening) || (level === "any-change" && changesAccess(change));
  return {
    ...base,
    change,
    approvedAccess,
    needsApproval,
    approved: step.news?.approvedAccess === approvedAccess,
  };
}

/**
 * A resource the preview has only an error for. The engine's message ends its first line with the reason
 * (`resource '<name>' has a problem: <reason>`, with a property's value between them for failures other than the
 * gate's): the reason's first line is kept, and the
 * digest the gate asks for when it is the gate that failed.
 */
function failedReview(base: ResourceReview, error: string): ResourceReview {
  const problem = /has a problem: ([^\n]*)/.exec(error)?.[1] ?? error.split("\n")[0].replace(/^error: /, "");
  const asked = /set the input approvedAccess: "(access-[0-9a-f]{12})"/.exec(error)?.[1];
  const review: ResourceReview = {
    ...base,
    status: "failed",
    reason: `the preview failed for this resource: ${problem}`,
  };
  if (asked !== undefined) {
    review.approvedAccess = asked;
    review.needsApproval = true;
  }
  return review;
}

/** The access digest the provider printed for `urn` in the preview's diagnostics (the plugin names the URN). */
function digestPrinted(urn: string, diagnostics: Preview["diagnostics"]): string | undefined {
  for (const diagnostic of diagnostics) {
    if (diagnostic.urn === urn) {
      const match = /access digest: (access-[0-9a-f]{12})/.exec(diagnostic.message);
      if (match) {
        return match[1];
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The verdict of the whole review

/** What fails the review (the exit code): as `amp-policy diff --fail-on`. */
export type FailOn = "broadening" | "any-change" | "never";

/**
 * Whether one resource's review fails under `failOn`. A review that could not be made (a secret document, a value
 * not known yet) fails unless `failOn` is `never`: the command cannot show that such a change does not broaden.
 */
export function reviewFails(review: ResourceReview, failOn: FailOn): boolean {
  if (failOn === "never") {
    return false;
  }
  if (review.change === undefined) {
    return true;
  }
  return failOn === "broadening" ? review.change.broadening : changesAccess(review.change);
}
