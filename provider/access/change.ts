/**
 * The difference of two access models: who gains and who loses access, and the statements added and removed.
 *
 * Broadening is decided by meaning, not text: for every principal (each one either policy names, anyone, and a
 * stand-in for the principals an account root or a role covers that no policy names) and every action AMP
 * enforces, each way `after` allows the request (an Allow's conditions, unless a Deny of `after` blocks them
 * whenever they hold) must be a way `before` allowed it too: some Allow of `before` with weaker conditions, and
 * no Deny of `before` that `after` has dropped or narrowed. A condition set A is weaker than B when every
 * clause of A is implied by a clause of B (same key; e.g. the same operator with a superset of values).
 * What this cannot decide exactly (two operators on one key, operators IAM does not document, a request
 * covered only by the union of several statements) is reported as a change, with a note saying so.
 */
import { SUPPORTED_ACTIONS, globMatches } from "../policy";
import {
  type AccessModel,
  type AccessOptions,
  type AccessRow,
  type AccessStatement,
  type ConditionClause,
  type OperatorShape,
  type Principal,
  accessModel,
  accessRow,
  actionLines,
  clauseId,
  compareText,
  modelDigest,
  operatorShape,
  principalCovers,
  representativePrincipals,
  statementCovers,
} from "./model";

/** A statement added (`+`) or removed (`-`). */
export interface AccessChangeRow extends AccessRow {
  change: "+" | "-";
}

/** A principal that may now make a request (an action) it could not before, or the reverse. */
export interface AccessGain {
  /** The principal, as printed (a stand-in reads e.g. `principals of arn:aws:iam::111122223333:root`). */
  principal: string;
  /** The action, e.g. `aps:QueryMetrics`. */
  action: string;
  /**
   * `new`: no statement allowed it before; `conditions`: allowed before only under conditions that do not
   * cover the new ones; `deny`: a Deny that blocked it is gone or narrower.
   */
  reason: "new" | "conditions" | "deny";
  /** The verdict rests on a comparison that could not be exact (see `notes`). */
  approximate: boolean;
}

/** What changes in who may do what on the workspace, from one policy to another. */
export interface AccessChange {
  /** `after` allows some request (principal, action, request context) that `before` did not. */
  broadening: boolean;
  /** `before` allowed some request that `after` does not. */
  narrowing: boolean;
  /** Statements whose access is in `after` but not in `before`. */
  added: AccessChangeRow[];
  /** Statements whose access is in `before` but not in `after`. */
  removed: AccessChangeRow[];
  /** Who gains what. */
  gains: AccessGain[];
  /** Who loses what. */
  losses: AccessGain[];
  /**
   * One line: `broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics`,
   * `narrows access: ...`, `broadens and narrows access: ...`, or `no change in access`.
   */
  summary: string;
  /** The digest of the access `after` grants (accessDigest). */
  digest: string;
  /** One of the documents is not fully known yet (preview): nothing could be decided. */
  unknown: boolean;
  /** Notes on the comparison as a whole (e.g. approximations not tied to one added or removed row). */
  notes: string[];
}

/**
 * The difference in access between two policies on the same workspace. Each may be a JSON string, an object,
 * or `undefined` for no policy (a create or a delete).
 *
 * @throws PolicyParseError when a document cannot be read as a JSON object.
 */
export function accessChange(before: unknown, after: unknown, options: AccessOptions = {}): AccessChange {
  const old = accessModel(before, options);
  const next = accessModel(after, options);
  const digest = modelDigest(next);
  if (old.unknown || next.unknown) {
    return {
      broadening: false,
      narrowing: false,
      added: [],
      removed: [],
      gains: [],
      losses: [],
      summary: "access not known yet: the policy is known only at apply",
      digest,
      unknown: true,
      notes: [],
    };
  }
  const principals = representativePrincipals([old, next]);
  const gained = exceeding(next, old, principals);
  const lost = exceeding(old, next, principals);

  const oldKeys = new Set(old.statements.map(statementKey));
  const nextKeys = new Set(next.statements.map(statementKey));
  const notes: string[] = [];
  const rows = (
    model: AccessModel,
    others: Set<string>,
    change: "+" | "-",
    approximations: Map<number, Set<string>>,
  ): AccessChangeRow[] => {
    const seen = new Set<string>();
    const out: AccessChangeRow[] = [];
    for (const stmt of model.statements) {
      const key = statementKey(stmt);
      const approximate = [...(approximations.get(stmt.index) ?? [])];
      if (others.has(key) || seen.has(key)) {
        notes.push(...approximate);
        continue;
      }
      seen.add(key);
      out.push({ change, ...accessRow(stmt, approximate) });
    }
    return out;
  };
  const added = rows(next, oldKeys, "+", gained.approximations);
  const removed = rows(old, nextKeys, "-", lost.approximations);
  return {
    broadening: gained.gains.length > 0,
    narrowing: lost.gains.length > 0,
    added,
    removed,
    gains: gained.gains.map(({ who, ...gain }) => ({ ...gain, principal: who.label })),
    losses: lost.gains.map(({ who, ...gain }) => ({ ...gain, principal: who.label })),
    summary: summarize(gained.gains, lost.gains),
    digest,
    unknown: false,
    notes: [...new Set(notes)],
  };
}

/** What a statement grants, without its Sid or position: equal keys, equal access. */
function statementKey(stmt: AccessStatement): string {
  return JSON.stringify([
    stmt.effect,
    stmt.exceptPrincipals,
    stmt.principals.map((p) => p.key),
    stmt.actions,
    [...new Set(stmt.ignoredActions.map((a) => a.toLowerCase()))].sort(compareText),
    stmt.conditions.map(clauseId),
    stmt.appliesHere,
  ]);
}

interface Gain extends Omit<AccessGain, "principal"> {
  who: Principal;
}

/**
 * The requests `wider` allows that `narrower` does not, per representative principal and action; and, per
 * statement of `wider`, the notes on approximations behind them.
 */
function exceeding(
  wider: AccessModel,
  narrower: AccessModel,
  principals: readonly Principal[],
): { gains: Gain[]; approximations: Map<number, Set<string>> } {
  const gains: Gain[] = [];
  const approximations = new Map<number, Set<string>>();
  // Only the distinct condition sets matter for one principal and action: keep the first statement of each,
  // so that many statements alike cost no more than one.
  const applying = (
    model: AccessModel,
    effect: "Allow" | "Deny",
    who: Principal,
    action: string,
  ): AccessStatement[] => {
    const byConditions = new Map<string, AccessStatement>();
    for (const s of model.statements) {
      if (s.effect === effect && s.appliesHere && s.actions.includes(action) && statementCovers(s, who)) {
        const key = s.conditions.map(clauseId).join("\u0000");
        if (!byConditions.has(key)) {
          byConditions.set(key, s);
        }
      }
    }
    return [...byConditions.values()];
  };
  for (const who of principals) {
    for (const action of SUPPORTED_ACTIONS) {
      const allows = applying(wider, "Allow", who, action);
      if (allows.length === 0) {
        continue;
      }
      const denies = applying(wider, "Deny", who, action);
      const oldAllows = applying(narrower, "Allow", who, action);
      const oldDenies = applying(narrower, "Deny", who, action);
      let gain: Gain | undefined;
      for (const allow of allows) {
        if (denies.some((deny) => weaker(deny.conditions, allow.conditions).weaker)) {
          continue; // denied whenever it holds
        }
        const comparisons = oldAllows.map((old) => weaker(old.conditions, allow.conditions));
        if (!comparisons.some((c) => c.weaker)) {
          const why = comparisons.flatMap((c) => c.approximate);
          note(approximations, allow.index, why);
          gain ??= { who, action, reason: oldAllows.length === 0 ? "new" : "conditions", approximate: why.length > 0 };
          continue;
        }
        for (const oldDeny of oldDenies) {
          if (disjoint(oldDeny.conditions, allow.conditions)) {
            continue;
          }
          const still = denies.map((deny) => weaker(deny.conditions, oldDeny.conditions));
          if (!still.some((c) => c.weaker)) {
            const why = still.flatMap((c) => c.approximate);
            note(approximations, allow.index, why);
            gain ??= { who, action, reason: "deny", approximate: why.length > 0 };
          }
        }
      }
      if (gain !== undefined) {
        gains.push(gain);
      }
    }
  }
  return { gains, approximations };
}

function note(notes: Map<number, Set<string>>, index: number, why: readonly string[]): void {
  if (why.length === 0) {
    return;
  }
  const set = notes.get(index) ?? new Set<string>();
  why.forEach((text) => set.add(text));
  notes.set(index, set);
}

// ---------------------------------------------------------------------------------------------------------
// Conditions

/**
 * Whether condition set `a` is weaker than (or the same as) `b`: every request that satisfies `b` satisfies
 * `a`. Sufficient, not necessary: when it cannot tell, it answers false and says why in `approximate`.
 */
export function weaker(a: readonly ConditionClause[], b: readonly ConditionClause[]): Weaker {
  let byB = weakerCache.get(a);
  if (byB === undefined) {
    byB = new WeakMap();
    weakerCache.set(a, byB);
  }
  let result = byB.get(b);
  if (result === undefined) {
    result = compareConditions(a, b);
    byB.set(b, result);
  }
  return result;
}

/** Whether one condition set is weaker than another, and the notes on any approximation made. */
export interface Weaker {
  weaker: boolean;
  approximate: string[];
}

// Comparisons depend only on the two condition sets, not on the principal or action asked about.
const weakerCache = new WeakMap<readonly ConditionClause[], WeakMap<readonly ConditionClause[], Weaker>>();

function compareConditions(a: readonly ConditionClause[], b: readonly ConditionClause[]): Weaker {
  const approximate: string[] = [];
  let all = true;
  for (const clause of a) {
    let implied = false;
    const why: string[] = [];
    for (const other of b) {
      const result = implies(other, clause);
      if (result === true) {
        implied = true;
        break;
      }
      if (typeof result === "string") {
        why.push(result);
      }
    }
    if (!implied) {
      all = false;
      approximate.push(...why);
    }
  }
  return { weaker: all, approximate: all ? [] : [...new Set(approximate)] };
}

/**
 * Whether clause `b` implies clause `a`. `true`, `false`, or a note (a string) when the two cannot be compared
 * exactly and `false` is the cautious answer.
 */
function implies(b: ConditionClause, a: ConditionClause): boolean | string {
  if (a.key !== b.key) {
    return false;
  }
  if (clauseId(a) === clauseId(b)) {
    return true;
  }
  const sa = operatorShape(a.operator);
  const sb = operatorShape(b.operator);
  const inexact = `conditions on ${a.displayKey} compared approximately (${b.operator} against ${a.operator}): reported as a change`;
  if (sa === undefined || sb === undefined) {
    return a.operator === b.operator
      ? `unknown operator ${a.operator} on ${a.displayKey}: compared as written, reported as a change`
      : inexact;
  }
  if (sa.qualifier !== sb.qualifier) {
    return inexact;
  }
  const needsKey = sa.qualifier === "" && !sa.ifExists && sa.base !== "Null";
  if (needsKey && (sb.ifExists || (sb.kind === "none" && sa.kind === "any"))) {
    // A request without the key satisfies b (XIfExists, or a negated operator) but not a.
    return false;
  }
  if (sb.ifExists && !sa.ifExists) {
    return inexact;
  }
  // b's patterns stand for endless values, a's exact values for a few: a request b allows is not among them.
  if (sb.base === "StringLike" && sa.base === "StringEquals") {
    return b.values.every((value) => !/[*?]/.test(value) && a.values.includes(value));
  }
  // StringEquals x implies StringNotEquals y when no x is a y.
  if (sa.kind === "none" && sb.kind === "any" && exclusive(sb.base, sa.base)) {
    return b.values.every((value) => !a.values.includes(value));
  }
  // X implies XIfExists; StringEquals implies StringLike and StringEqualsIgnoreCase; ArnEquals implies ArnLike;
  // a strict bound implies the inclusive one.
  const compatible =
    sa.base === sb.base ||
    (sb.base === "StringEquals" && (sa.base === "StringLike" || sa.base === "StringEqualsIgnoreCase")) ||
    (sb.base === "ArnEquals" && sa.base === "ArnLike") ||
    (sa.kind === sb.kind && (sa.kind === "below" || sa.kind === "above") && family(sa) === family(sb));
  if (!compatible) {
    return inexact;
  }
  switch (sa.kind) {
    case "any":
      // Every value b accepts, a accepts.
      return everyCovered(b.values, a.values, (value, wide) => valueCovers(sa.base, wide, sb.base, value), inexact);
    case "none":
      // Every value a excludes, b excludes.
      return everyCovered(a.values, b.values, (value, wide) => valueCovers(sb.base, wide, sa.base, value), inexact);
    case "below":
    case "above": {
      const boundA = bound(sa, a.values);
      const boundB = bound(sb, b.values);
      if (boundA === undefined || boundB === undefined) {
        return inexact;
      }
      const inclusiveA = sa.base.endsWith("Equals");
      const inclusiveB = sb.base.endsWith("Equals");
      const wider = sa.kind === "below" ? boundA > boundB : boundA < boundB;
      return wider || (boundA === boundB && (inclusiveA || !inclusiveB));
    }
  }
}

/** Whether `equals` and `notEquals` are an exact test and its negation. */
function exclusive(equals: string, notEquals: string): boolean {
  // Not for ARNs (ArnEquals takes wildcards too) nor numbers ("10" and "10.0" are equal).
  return equals === "StringEquals" && notEquals === "StringNotEquals";
}

/** `Numeric` or `Date`: bounds of one family compare. */
function family(shape: OperatorShape): string {
  return shape.base.startsWith("Date") ? "Date" : "Numeric";
}

/** The loosest bound of a threshold clause (its values are alternatives), or undefined if one is not a number. */
function bound(shape: OperatorShape, values: readonly string[]): number | undefined {
  const numbers = values.map((value) =>
    family(shape) === "Date" ? (/^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value)) : Number(value),
  );
  if (numbers.length === 0 || numbers.some((n) => Number.isNaN(n))) {
    return undefined;
  }
  return shape.kind === "below" ? Math.max(...numbers) : Math.min(...numbers);
}

/**
 * Whether each of `narrow` is covered by one of `wide`: true, false, or `inexact` when some value could not be
 * compared exactly (patterns against patterns, addresses that are not IPv4).
 */
function everyCovered(
  narrow: readonly string[],
  wide: readonly string[],
  covers: (value: string, wide: string) => boolean | undefined,
  inexact: string,
): boolean | string {
  let unsure = false;
  for (const value of narrow) {
    const answers = wide.map((w) => covers(value, w));
    if (answers.includes(true)) {
      continue;
    }
    if (answers.includes(undefined)) {
      unsure = true;
    } else {
      return false;
    }
  }
  return unsure ? inexact : true;
}

const patternOperators = new Set(["StringLike", "ArnLike", "ArnEquals"]);

/**
 * Whether every request value that `narrow` (read as operator `narrowBase` reads it) matches, `wide` (read as
 * `wideBase` reads it) matches too; undefined when that cannot be told exactly.
 */
function valueCovers(wideBase: string, wide: string, narrowBase: string, narrow: string): boolean | undefined {
  if (wide === narrow && (wideBase === narrowBase || !patternOperators.has(narrowBase))) {
    return true;
  }
  const narrowIsPattern = patternOperators.has(narrowBase) && /[*?]/.test(narrow);
  if (wideBase === "StringEqualsIgnoreCase") {
    return narrowIsPattern ? undefined : wide.toLowerCase() === narrow.toLowerCase();
  }
  if (patternOperators.has(wideBase)) {
    if (wide === "*") {
      return true;
    }
    if (!narrowIsPattern) {
      return globMatches(wide, narrow);
    }
    // A pattern without `?` covers another exactly when it matches that pattern's text (its `*` absorb the
    // other's wildcards). With `?`: not covered when it misses one value the other matches; else unknown.
    if (!wide.includes("?")) {
      return globMatches(wide, narrow);
    }
    return globMatches(wide, narrow.replace(/[*?]/g, "\u0000")) ? undefined : false;
  }
  if (narrowIsPattern) {
    return undefined;
  }
  if (wideBase.startsWith("Numeric")) {
    return Number(wide) === Number(narrow) && !Number.isNaN(Number(wide));
  }
  if (wideBase.startsWith("Date")) {
    const [w, n] = [Date.parse(wide), Date.parse(narrow)];
    return !Number.isNaN(w) && w === n;
  }
  if (wideBase === "IpAddress" || wideBase === "NotIpAddress") {
    return cidrContains(wide, narrow);
  }
  return false;
}

/** Whether IPv4 range `wide` contains range `narrow` (CIDR or single addresses); undefined for other forms. */
function cidrContains(wide: string, narrow: string): boolean | undefined {
  const read = (text: string): { address: number; bits: number } | undefined => {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
    if (!match) {
      return undefined;
    }
    const octets = match.slice(1, 5).map(Number);
    const bits = match[5] === undefined ? 32 : Number(match[5]);
    if (octets.some((o) => o > 255) || bits > 32) {
      return undefined;
    }
    return { address: octets.reduce((sum, o) => sum * 256 + o, 0), bits };
  };
  const w = read(wide);
  const n = read(narrow);
  if (w === undefined || n === undefined) {
    return wide === narrow ? true : undefined;
  }
  const block = 2 ** (32 - w.bits);
  return w.bits <= n.bits && Math.floor(w.address / block) === Math.floor(n.address / block);
}

/**
 * Whether no request can satisfy both condition sets: a key whose single value one set requires to be among
 * some values and the other to be among others (or not among them). Only StringEquals / StringNotEquals on
 * single-valued keys are considered; otherwise false (not known to be disjoint).
 */
function disjoint(a: readonly ConditionClause[], b: readonly ConditionClause[]): boolean {
  const plain = (clause: ConditionClause): OperatorShape | undefined => {
    const shape = operatorShape(clause.operator);
    return shape && shape.qualifier === "" && !shape.ifExists && /^String(Not)?Equals$/.test(shape.base)
      ? shape
      : undefined;
  };
  return a.some((x) =>
    b.some((y) => {
      const sx = plain(x);
      const sy = plain(y);
      if (!sx || !sy || x.key !== y.key || sx.base.replace("Not", "") !== sy.base.replace("Not", "")) {
        return false;
      }
      if (sx.kind === "any" && sy.kind === "any") {
        return !x.values.some((value) => y.values.includes(value));
      }
      if (sx.kind === "any" && sy.kind === "none") {
        return x.values.every((value) => y.values.includes(value));
      }
      if (sx.kind === "none" && sy.kind === "any") {
        return y.values.every((value) => x.values.includes(value));
      }
      return false;
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Summary

const MAX_SUMMARY_GROUPS = 3;

function summarize(gains: readonly Gain[], losses: readonly Gain[]): string {
  if (gains.length === 0 && losses.length === 0) {
    return "no change in access";
  }
  const verdict =
    gains.length > 0 && losses.length > 0
      ? "broadens and narrows access"
      : gains.length > 0
        ? "broadens access"
        : "narrows access";
  const parts = [...describe(gains, "gains", "gain"), ...describe(losses, "loses", "lose")];
  const shown = parts.slice(0, MAX_SUMMARY_GROUPS);
  const more = parts.length > shown.length ? `; and ${parts.length - shown.length} more` : "";
  const approximate = [...gains, ...losses].some((gain) => gain.approximate)
    ? " (some conditions compared approximately: see the notes)"
    : "";
  return `${verdict}: ${shown.join("; ")}${more}${approximate}`;
}

/** Groups changes by principal and reason, leaving out a principal when one covering it changes the same way. */
function describe(gains: readonly Gain[], verb: string, pluralVerb: string): string[] {
  const visible = gains.filter(
    (gain) =>
      !gains.some(
        (other) =>
          other !== gain &&
          other.action === gain.action &&
          !other.who.synthetic &&
          other.who.key !== gain.who.key &&
          principalCovers(other.who, gain.who),
      ),
  );
  const groups = new Map<string, { who: Principal; reason: Gain["reason"]; actions: string[] }>();
  for (const gain of visible) {
    const id = `${gain.who.key}\u0000${gain.reason}`;
    const group = groups.get(id) ?? { who: gain.who, reason: gain.reason, actions: [] };
    group.actions.push(gain.action);
    groups.set(id, group);
  }
  const because = { new: "", conditions: " (under wider conditions)", deny: " (no longer denied)" };
  const becauseLost = { new: "", conditions: " (under narrower conditions)", deny: " (now denied)" };
  return [...groups.values()].map(({ who, reason, actions }) => {
    const label = who.kind === "anyone" ? "anyone (*)" : who.label;
    const plural = who.synthetic === true;
    const why = verb === "gains" ? because[reason] : becauseLost[reason];
    return `${label} ${plural ? pluralVerb : verb} ${actionLines(actions).join(", ")}${why}`;
  });
}
