/**
 * Redundancy in a parsed policy: actions of one list that another of the list already covers, and statements
 * whose grant another statement already makes. Pure analysis over the typed document (document.ts); findings.ts
 * puts it into words.
 */
import { canonicalJson, canonicalizeStatement } from "./canonical";
import { DEFAULT_PARTITION, type ParsedStatement, UNKNOWN, containsUnknown, globMatches, stringsOf } from "./document";
import { isObject } from "./json";

/** An action of a list that another action of the same list already covers. */
export interface RedundantAction {
  /** Its position in the list. */
  index: number;
  /** The action as written. */
  action: string;
  /** The action that covers it, as written: the same action (a repeat, in any case) or a wildcard matching it. */
  coveredBy: string;
}

/**
 * Actions of one list that another of the list already covers: a repeat (in any case), reported on its second
 * occurrence, or a wildcard's match, reported on the match; each action once.
 */
export function redundantActions(actions: readonly string[]): RedundantAction[] {
  const out: RedundantAction[] = [];
  const seen: string[] = [];
  actions.forEach((action, index) => {
    if (action === "" || action.includes(UNKNOWN)) {
      return;
    }
    const lower = action.toLowerCase();
    const coveredBy = actions.find((other, j) => {
      const o = other.toLowerCase();
      if (j === index || o === "" || other.includes(UNKNOWN)) {
        return false;
      }
      return o === lower ? j < index : (o.includes("*") || o.includes("?")) && globMatches(o, lower) && o !== lower;
    });
    if (coveredBy !== undefined && !seen.includes(lower)) {
      seen.push(lower);
      out.push({ index, action, coveredBy });
    }
  });
  return out;
}

/** Up to this many statements of one shape are compared pairwise for redundancy; beyond, only repeats are found. */
const MAX_PAIRWISE_STATEMENTS = 200;

/** What redundantStatements compares of a statement, computed once. */
interface StatementGrant {
  /** Effect and the elements that must be the same (Resource, Condition, the Not forms), canonical. */
  shape: string;
  /** Lower-cased actions (patterns). */
  actions: string[];
  /** Principal type → canonical names. */
  principals: Map<string, string[]>;
  /** The whole grant, canonical: equal for two statements that repeat each other. */
  key: string;
}

/**
 * Statements whose grant another statement already makes, as pairs `[redundant, by]` of positions in
 * `statements`, sorted by the redundant one: the same effect, Resource and Condition (by IAM meaning), and
 * Principal and Action lists (not their Not forms) each covered by the other statement's. When two statements
 * cover each other, the later one is redundant. Linear for repeats; pairwise only within a group of statements of
 * one shape, up to MAX_PAIRWISE_STATEMENTS.
 */
export function redundantStatements(statements: readonly ParsedStatement[]): Array<[number, number]> {
  const grants = statements.map((stmt) => statementGrant(stmt));
  const redundant = new Map<number, number>();
  const firstOf = new Map<string, number>();
  const groups = new Map<string, number[]>();
  grants.forEach((grant, j) => {
    if (grant === undefined) {
      return;
    }
    const first = firstOf.get(grant.key);
    if (first !== undefined) {
      redundant.set(j, first);
      return;
    }
    firstOf.set(grant.key, j);
    groups.set(grant.shape, [...(groups.get(grant.shape) ?? []), j]);
  });
  for (const members of groups.values()) {
    if (members.length < 2 || members.length > MAX_PAIRWISE_STATEMENTS) {
      continue;
    }
    for (const j of members) {
      const by = members.find(
        (i) => i !== j && grantCovers(grants[i]!, grants[j]!) && (i < j || !grantCovers(grants[j]!, grants[i]!)),
      );
      if (by !== undefined) {
        redundant.set(j, by);
      }
    }
  }
  return [...redundant].sort(([x], [y]) => x - y);
}

/** A statement's grant, for redundantStatements; undefined for a statement it does not compare. */
function statementGrant(stmt: ParsedStatement): StatementGrant | undefined {
  if (
    !stmt.isObject ||
    stmt.action.positive === undefined ||
    stmt.principal.positive === undefined ||
    containsUnknown(stmt.written)
  ) {
    return undefined;
  }
  const canonical = canonicalizeStatement(stmt, DEFAULT_PARTITION) as Record<string, unknown>;
  const shape = canonicalJson([
    stmt.effect ?? null,
    ...["Resource", "NotResource", "Condition", "NotPrincipal", "NotAction"].map((key) => canonical[key] ?? null),
  ]);
  const actions = [...new Set(stringsOf(stmt.action.positive).map((x) => x.toLowerCase()))].sort();
  const principals = new Map<string, string[]>();
  const principal = canonical.Principal;
  if (isObject(principal)) {
    for (const [type, names] of Object.entries(principal)) {
      principals.set(type, stringsOf(names));
    }
  }
  const key = canonicalJson([shape, actions, [...principals].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))]);
  return { shape, actions, principals, key };
}

/** Whether grant `a` makes every grant `b` makes, given the same shape. */
function grantCovers(a: StatementGrant, b: StatementGrant): boolean {
  if (!b.actions.every((action) => a.actions.some((pattern) => globMatches(pattern, action)))) {
    return false;
  }
  if ((a.principals.get("AWS") ?? []).includes("*")) {
    return true;
  }
  return [...b.principals].every(([type, names]) =>
    names.every((name) => (a.principals.get(type) ?? []).includes(name)),
  );
}
