/**
 * The access review of a policy change, the same in both front doors: what a create, update or replace of a
 * `ResourcePolicy` grants or takes away (the access model's table and one-line verdict), the approval gate
 * (`requireApproval` / `approvedAccess`) and the suppression of findings by code (`suppressFindings`).
 *
 * Everything here runs in check (provider/resource/check.ts, the one pipeline both doors call), where the engine
 * gives the old inputs (the refreshed ones under `--refresh`) and the new ones: it is pure and makes no API call.
 * The settings that are provider-wide come from the environment (dynamic provider) or the provider's config
 * (plugin), read when the provider runs.
 */
import { createHash } from "node:crypto";

import { type AccessChange, accessChange, formatAccessChange } from "./access";
import { UNKNOWN, containsUnknown, policiesEquivalent } from "./policy";

// ---------------------------------------------------------------------------------------------------------
// Types

/** When a change of access needs an `approvedAccess` before it is applied. */
export type ApprovalLevel = "never" | "broadening" | "any-change";

/** The approval levels, from the least to the most strict. */
export const APPROVAL_LEVELS: readonly ApprovalLevel[] = ["never", "broadening", "any-change"];

/** The provider-wide review settings (the environment for the dynamic provider, config for the plugin). */
export interface ReviewSettings {
  /** The least strict gate every resource gets; a resource's own `requireApproval` may only be stricter. */
  requireApproval?: ApprovalLevel;
  /** Finding codes (`issueCode`) never shown, for every resource, besides the resource's own. */
  suppressFindings?: string[];
  /** The AWS region of the workspaces: a `Resource` in another region names another workspace. */
  region?: string;
  /** The AWS partition of the workspaces (`aws`, `aws-cn`, `aws-us-gov`), for account-id principals. */
  partition?: string;
  /** The AWS account of the workspaces, when the user gives it: a `Resource` in another account names another workspace. */
  accountId?: string;
  /** Settings that could not be read (a bad environment variable): each fails check, so no gate is lost. */
  problems?: ReviewFailure[];
}

/** A check failure of the review: the property and what is wrong with it. */
export interface ReviewFailure {
  property: string;
  reason: string;
  /**
   * The reason names the property in words and says all there is to say: the engine is to print it alone, not
   * after the property's value (a whole policy document, which the engine prints in Go map notation).
   */
  standalone?: boolean;
}

/** What the review of one change says: messages for the engine's log, and the gate's failure if it closes. */
export interface AccessReview {
  /** The verdict, the table and the digest of the new access; empty when the change is cosmetic. */
  diagnostics: string[];
  /** Set when the change needs an approval it does not have: check fails naming `policyDocument`. */
  failure?: ReviewFailure;
}

/** Per-resource facts the front door knows and the inputs do not say. */
export interface ReviewContext {
  /** The policy document is a secret: its access is not printed (see `redactReview`). */
  secret?: boolean;
}

/** The names of the review settings under `amp-resource-policy:` in stack config (the plugin). */
export const REVIEW_CONFIG_KEYS = ["requireApproval", "suppressFindings", "accountId"] as const;

/** The environment variables of the review settings (the dynamic provider, which has no provider config). */
export const REVIEW_ENV = {
  requireApproval: "AMP_POLICY_REQUIRE_APPROVAL",
  suppressFindings: "AMP_POLICY_SUPPRESS_FINDINGS",
  accountId: "AMP_POLICY_ACCOUNT_ID",
} as const;

const codePattern = /^[A-Za-z0-9_.:-]{1,128}$/;
const digestPattern = /^[!-~]{1,128}$/;
const accountIdPattern = /^\d{12}$/;

// ---------------------------------------------------------------------------------------------------------
// Settings

/**
 * The provider-wide review settings from the environment (`AMP_POLICY_REQUIRE_APPROVAL`,
 * `AMP_POLICY_SUPPRESS_FINDINGS`, `AMP_POLICY_ACCOUNT_ID`) and the region and its partition from `AWS_REGION`
 * (else `AWS_DEFAULT_REGION`). Read when called: never captured.
 */
export function reviewSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ReviewSettings {
  return reviewSettings(
    (key) => env[REVIEW_ENV[key]],
    (key) => REVIEW_ENV[key],
    env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
  );
}

/**
 * The provider-wide review settings from the plugin's provider config: `config` holds the values of
 * `REVIEW_CONFIG_KEYS` (`amp-resource-policy:requireApproval`, `:accountId`, ...) and `region`, which gives the
 * partition (the caller falls back to `AWS_REGION` when the config has none).
 */
export function reviewSettingsFromConfig(config: {
  [key in (typeof REVIEW_CONFIG_KEYS)[number] | "region"]?: unknown;
}): ReviewSettings {
  return reviewSettings(
    (key) => config[key],
    (key) => `amp-resource-policy:${key}`,
    typeof config.region === "string" ? config.region : undefined,
  );
}

function reviewSettings(
  lookup: (key: (typeof REVIEW_CONFIG_KEYS)[number]) => unknown,
  nameOf: (key: (typeof REVIEW_CONFIG_KEYS)[number]) => string,
  region: string | undefined,
): ReviewSettings {
  const problems: ReviewFailure[] = [];
  const settings: ReviewSettings = stripUndefined({ region: known(region), partition: partitionOf(region) });
  const level = lookup("requireApproval");
  if (level !== undefined && level !== "" && level !== UNKNOWN) {
    if (isApprovalLevel(level)) {
      settings.requireApproval = level;
    } else {
      problems.push({ property: "requireApproval", reason: `${nameOf("requireApproval")} ${levelProblem(level)}` });
    }
  }
  const codes = parseCodes(lookup("suppressFindings"));
  if (codes === undefined) {
    problems.push({
      property: "suppressFindings",
      reason: `${nameOf("suppressFindings")} must be finding codes separated by commas, or a JSON list of them`,
    });
  } else if (codes.length > 0) {
    settings.suppressFindings = codes;
  }
  const account = lookup("accountId");
  if (account !== undefined && account !== "" && account !== UNKNOWN) {
    if (typeof account === "string" && accountIdPattern.test(account)) {
      settings.accountId = account;
    } else {
      problems.push({
        property: "accountId",
        reason: `${nameOf("accountId")} must be a 12-digit AWS account id, not ${JSON.stringify(account)}`,
      });
    }
  }
  if (problems.length > 0) {
    settings.problems = problems;
  }
  return settings;
}

/** Validates the review keys of provider config (`CheckConfig`): each problem is a failure naming its key. */
export function checkReviewConfig(news: Record<string, unknown>): ReviewFailure[] {
  return reviewSettingsFromConfig(news).problems ?? [];
}

/** The AWS partition of a region: where an account id in a principal means `arn:<partition>:iam::<id>:root`. */
export function partitionOf(region: string | undefined): string | undefined {
  if (region === undefined || region === "" || region === UNKNOWN) {
    return undefined;
  }
  const prefixes: Array<[string, string]> = [
    ["cn-", "aws-cn"],
    ["us-gov-", "aws-us-gov"],
    ["us-iso-", "aws-iso"],
    ["us-isob-", "aws-iso-b"],
    ["eu-isoe-", "aws-iso-e"],
    ["us-isof-", "aws-iso-f"],
  ];
  return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

// ---------------------------------------------------------------------------------------------------------
// What counts as a change of access, and what an approval approves

/**
 * Whether a change changes access: someone may make a request they could not before, or may no longer make one
 * they could. The one definition behind the gate's `any-change` and `amp-policy diff --fail-on any-change`: a
 * rewording (statements split or merged, an action AMP ignores, Sids) changes nothing.
 */
export function changesAccess(change: Pick<AccessChange, "broadening" | "narrowing">): boolean {
  return change.broadening || change.narrowing;
}

/** What is known of the workspace a policy is for: what an approval is bound to besides the access. */
export interface WorkspaceScope {
  workspaceId?: string;
  partition?: string;
  region?: string;
  accountId?: string;
}

/**
 * The digest `approvedAccess` takes: the access digest of the new policy (`AccessChange.digest`) bound to the
 * workspace it is for (its id, and its partition, region and account where known), so that an approval given
 * for one workspace never approves the same access on another (a replace onto another workspace, another
 * region or account). Format: `access-` and 12 hex characters.
 */
export function approvalDigest(accessDigest: string, workspace: WorkspaceScope): string {
  const bound = [accessDigest, workspace.workspaceId, workspace.partition, workspace.region, workspace.accountId];
  const hash = createHash("sha256")
    .update(JSON.stringify(bound.map((part) => part ?? "")))
    .digest("hex");
  return `access-${hash.slice(0, 12)}`;
}

/** Finding codes from a list, a JSON list or a comma- or space-separated string; undefined when malformed. */
function parseCodes(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === "" || value === UNKNOWN) {
    return [];
  }
  let list: unknown = value;
  if (typeof value === "string") {
    const text = value.trim();
    if (text.startsWith("[")) {
      try {
        list = JSON.parse(text);
      } catch {
        return undefined;
      }
    } else {
      list = text.split(/[\s,]+/).filter((code) => code !== "");
    }
  }
  if (!Array.isArray(list) || !list.every((code) => typeof code === "string" && codePattern.test(code))) {
    return undefined;
  }
  return list as string[];
}

function known(value: string | undefined): string | undefined {
  return value === undefined || value === "" || value === UNKNOWN ? undefined : value;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function isApprovalLevel(value: unknown): value is ApprovalLevel {
  return typeof value === "string" && (APPROVAL_LEVELS as readonly string[]).includes(value);
}

function levelProblem(value: unknown): string {
  return `must be one of ${APPROVAL_LEVELS.map((l) => `"${l}"`).join(", ")}, not ${JSON.stringify(value)}`;
}

// ---------------------------------------------------------------------------------------------------------
// check: the inputs of the review

/** Validates the review inputs (`requireApproval`, `approvedAccess`, `suppressFindings`); unknown values pass. */
export function checkReviewInputs(news: Record<string, unknown>): ReviewFailure[] {
  const failures: ReviewFailure[] = [];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason: `${property} ${reason}` });
  };
  const level = news.requireApproval;
  if (level !== undefined && level !== UNKNOWN && !isApprovalLevel(level)) {
    fail("requireApproval", levelProblem(level));
  }
  const approved = news.approvedAccess;
  if (approved !== undefined && approved !== UNKNOWN) {
    if (typeof approved !== "string" || !digestPattern.test(approved)) {
      fail("approvedAccess", "must be the access digest a preview printed (e.g. from a failed requireApproval gate)");
    }
  }
  const codes = news.suppressFindings;
  if (codes !== undefined && !containsUnknown(codes)) {
    if (!Array.isArray(codes) || !codes.every((code) => typeof code === "string" && codePattern.test(code))) {
      fail("suppressFindings", 'must be a list of finding codes (issueCode), e.g. ["MISSING_VERSION"]');
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------------------
// check: the review of a change

/**
 * Reviews the change from `olds` (the old inputs; `{}` for a create) to `news`, both already valid: the access
 * model's verdict and table, the digest of the new access, and the gate. Pure; never throws.
 *
 * Nothing is said when the two documents mean the same (a cosmetic change). A new `workspaceId` is reviewed
 * as a create on the new workspace. A document not known yet (preview of a value computed by another resource)
 * is reviewed when it is known, which is during `up`, before anything is written.
 */
export function reviewAccess(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  settings: ReviewSettings = {},
  context: ReviewContext = {},
): AccessReview {
  const after = news.policyDocument;
  if (news.workspaceId === UNKNOWN) {
    // An approval is bound to its workspace: neither the review nor the gate can be decided before it is known.
    return {
      diagnostics: [
        "access review deferred: workspaceId is not known yet; the access review and the requireApproval gate run during up, once it is, before anything is written",
      ],
    };
  }
  const workspaceId = typeof news.workspaceId === "string" ? news.workspaceId : undefined;
  const replaced = olds.workspaceId !== undefined && workspaceId !== undefined && olds.workspaceId !== workspaceId;
  const before = replaced ? undefined : olds.policyDocument;
  if (after === undefined || containsUnknown(after)) {
    return {
      diagnostics: [
        "access review deferred: policyDocument is not known yet; it is reviewed (and gated) when it is, before it is written",
      ],
    };
  }
  const scope: WorkspaceScope = {
    workspaceId,
    partition: settings.partition,
    region: settings.region,
    accountId: settings.accountId,
  };
  if (
    before !== undefined &&
    !containsUnknown(before) &&
    policiesEquivalent(before, after, { partition: settings.partition })
  ) {
    return { diagnostics: [] };
  }

  const level = stricter(news.requireApproval, settings.requireApproval);
  let change: AccessChange;
  try {
    change = accessChange(before, after, stripUndefined(scope));
  } catch (err) {
    // check validated the new document; an old one (e.g. refreshed from the service) may still not parse.
    const reason = `policyDocument could not be reviewed: ${err instanceof Error ? err.message : String(err)}`;
    return level === "never"
      ? { diagnostics: [reason] }
      : {
          diagnostics: [],
          failure: { property: "policyDocument", reason: `${reason} (requireApproval: ${level})`, standalone: true },
        };
  }
  const digest = approvalDigest(change.digest, scope);
  const needed =
    (level === "broadening" && change.broadening) || (level === "any-change" && changesAccess(change))
      ? level
      : undefined;

  // The verdict, then the table of the statements added and removed (none when only the wording changed).
  const shown = redactReview([formatAccessChange(change)], context);
  if (replaced) {
    shown.push(`(workspaceId changes: the policy of ${String(olds.workspaceId)} is deleted, this one is created)`);
  }
  const approved = news.approvedAccess;
  const say = (last: string): AccessReview => ({ diagnostics: [[...shown, last].join("\n")] });
  if (needed === undefined) {
    return say(`access digest: ${digest}`);
  }
  if (approved === UNKNOWN) {
    return say(`access digest: ${digest} (approvedAccess is not known yet: it is compared during up)`);
  }
  if (approved === digest) {
    return say(`access digest: ${digest}, approved by approvedAccess (requireApproval: ${needed})`);
  }
  const stale =
    typeof approved === "string"
      ? `approvedAccess "${approved}" approves other access than this change grants: the policy changed since. `
      : "";
  const reason =
    `policyDocument needs approval before it is applied (requireApproval: ${needed}): ${shown.join("\n")}\n` +
    `${stale}To approve this access, review it and set the input approvedAccess: "${digest}" ` +
    "(it stops matching as soon as the policy grants anything else)";
  return { diagnostics: [], failure: { property: "policyDocument", reason, standalone: true } };
}

/**
 * The gate a resource gets: the stricter of its `requireApproval` and the provider's; an unknown input counts as
 * `never`. The provider's check and `amp-policy review` both decide by it.
 */
export function stricter(input: unknown, setting: ApprovalLevel | undefined): ApprovalLevel {
  const own = isApprovalLevel(input) ? input : "never";
  const floor = setting ?? "never";
  return APPROVAL_LEVELS.indexOf(own) >= APPROVAL_LEVELS.indexOf(floor) ? own : floor;
}

/**
 * The seam for the redaction of diagnostics (provider/redact.ts, to come): the lines that say who gets what,
 * as they may be printed for this resource. The review of a secret policy document must not print its
 * principals and conditions; until the redaction lands, it is withheld whole (the digest, a hash the approval
 * needs, is still printed by the caller).
 */
export function redactReview(lines: string[], context: ReviewContext): string[] {
  return context.secret ? ["the access review of policyDocument is withheld: the document is a secret"] : lines;
}

// ---------------------------------------------------------------------------------------------------------
// check: what is suppressed (provider/resource/check.ts filters the typed findings by these codes)

/** The finding codes suppressed for a resource: its own `suppressFindings` and the provider's, upper-cased. */
export function suppressedCodes(news: Record<string, unknown>, settings: ReviewSettings = {}): string[] {
  const own = Array.isArray(news.suppressFindings) ? news.suppressFindings.filter((c) => typeof c === "string") : [];
  return [...new Set([...own, ...(settings.suppressFindings ?? [])].map((c) => c.toUpperCase()))];
}
