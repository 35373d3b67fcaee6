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
import { SUPPORTED_ACTIONS, UNKNOWN, globMatches } from "../policy";
import {
  type AccessModel,
  type AccessOptions,
  type AccessRow,
  type AccessStatement,
  type ConditionClause,
  type OperatorShape,
  type NotPrincipalReading,
  type Principal,
  type ResourcePlace,
  accessModel,
  accessRow,
  actionLines,
  arnMatches,
  clauseId,
  compareText,
  exempted,
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
  const places = placeWorlds([old, next], options);
  // Worlds in which every statement applies alike compare alike: each is weighed once.
  const compared = new Map<string, Comparison>();
  const compare = (o: AccessModel, n: AccessModel): Comparison => {
    const signature = worldSignature([o, n]);
    let result = compared.get(signature);
    if (result === undefined) {
      result = compareModels(o, n, options);
      compared.set(signature, result);
    }
    return result;
  };
  const primary = compare(old, next);
  let gained = primary.gained;
  let lost = primary.lost;
  const notes = new Set<string>();
  if (places.length > 0) {
    // The workspace's account or region is not known and a Resource names one: weigh each place it may be.
    // A world in which neither policy applies here at all is one where their own ARNs are wrong: weighed (its
    // changes count), but its lack of a change does not make the others' approximate.
    const outcomes = distinctWorlds(before, after, options, places).map(([o, n]) => ({
      result: compare(o, n),
      void: [o, n].every((model) => model.statements.every((stmt) => !stmt.appliesHere)),
    }));
    const unknownPlace = [
      options.accountId === undefined ? "account" : "",
      options.region === undefined ? "region" : "",
    ];
    const placeNote =
      `the workspace's ${unknownPlace.filter(Boolean).join(" and ")} not known: a Resource naming ` +
      `${describePlaces(places)} may or may not name this workspace; access compared approximately for each case`;
    gained = mergeWorlds(
      outcomes.map(({ result, void: empty }) => ({ gains: result.gained.gains, empty })),
      placeNote,
    );
    lost = mergeWorlds(
      outcomes.map(({ result, void: empty }) => ({ gains: result.lost.gains, empty })),
      placeNote,
    );
    gained.approximations = primary.gained.approximations;
    lost.approximations = primary.lost.approximations;
  }
  for (const gain of [...gained.gains, ...lost.gains]) {
    if (gain.approximate) {
      gain.why.forEach((text) => notes.add(text));
    }
  }

  const oldKeys = new Set(old.statements.map(statementKey));
  const nextKeys = new Set(next.statements.map(statementKey));
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
        approximate.forEach((text) => notes.add(text));
        continue;
      }
      seen.add(key);
      out.push({ change, ...accessRow(stmt, approximate) });
    }
    return out;
  };
  const added = rows(next, oldKeys, "+", gained.approximations);
  const removed = rows(old, nextKeys, "-", lost.approximations);
  const rowNotes = new Set([...added, ...removed].flatMap((row) => row.notes));
  return {
    broadening: gained.gains.length > 0,
    narrowing: lost.gains.length > 0,
    added,
    removed,
    gains: gained.gains.map(publicGain),
    losses: lost.gains.map(publicGain),
    summary: summarize(gained.gains, lost.gains),
    digest,
    unknown: false,
    notes: [...notes].filter((text) => !rowNotes.has(text)),
  };
}

function publicGain(gain: Gain): AccessGain {
  return { principal: gainLabel(gain), action: gain.action, reason: gain.reason, approximate: gain.approximate };
}

function gainLabel(gain: Gain): string {
  if (!gain.identity) {
    return gain.who.label;
  }
  const who = gain.who.kind === "root" ? `principals of ${gain.who.key}` : gain.who.label;
  return `${who} (as their IAM policies allow)`;
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
  /** Allowed by the principal's identity policy (a principal of the workspace's account), not by this policy. */
  identity: boolean;
  /** The notes behind `approximate`. */
  why: string[];
}

interface Exceeding {
  gains: Gain[];
  approximations: Map<number, Set<string>>;
}

/** Who gains and who loses, in one world. */
interface Comparison {
  gained: Exceeding;
  lost: Exceeding;
}

/** Which statements apply, in two models read in one world. */
function worldSignature(models: readonly AccessModel[]): string {
  return models.map((m) => m.statements.map((s) => (s.appliesHere ? "1" : "0")).join("")).join("|");
}

function compareModels(old: AccessModel, next: AccessModel, options: AccessOptions): Comparison {
  const principals = representativePrincipals([old, next], options);
  const oldIndex = new ModelIndex(old);
  const nextIndex = new ModelIndex(next);
  return {
    gained: exceeding(nextIndex, oldIndex, principals, options),
    lost: exceeding(oldIndex, nextIndex, principals, options),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Places: the workspace's account and region, when not known

const ANOTHER_PLACE = "(another)";

/** The accounts and regions the policies' Resources name where the workspace's are not known. */
function placeWorlds(models: readonly AccessModel[], options: AccessOptions): ResourcePlace[] {
  const seen = new Map<string, ResourcePlace>();
  for (const model of models) {
    for (const stmt of model.statements) {
      for (const place of stmt.resourcePlaces) {
        seen.set(`${place.account}:${place.region}`, place);
      }
    }
  }
  return options.accountId === undefined || options.region === undefined ? [...seen.values()] : [];
}

function describePlaces(places: readonly ResourcePlace[]): string {
  const accounts = [...new Set(places.map((p) => p.account))].filter((a) => a !== "*" && a !== "");
  const regions = [...new Set(places.map((p) => p.region))].filter((r) => r !== "*" && r !== "");
  return [
    accounts.length > 0 ? `account ${accounts.join(", ")}` : "",
    regions.length > 0 ? `region ${regions.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
}

/**
 * Each combination of a named account (or another one) and a named region (or another one) the workspace may be
 * in, as the two models read there; worlds in which every statement applies alike are weighed once.
 */
function distinctWorlds(
  before: unknown,
  after: unknown,
  options: AccessOptions,
  places: readonly ResourcePlace[],
): Array<[AccessModel, AccessModel]> {
  const accounts =
    options.accountId === undefined ? [...new Set(places.map((p) => p.account)), ANOTHER_PLACE] : [options.accountId];
  const regions =
    options.region === undefined ? [...new Set(places.map((p) => p.region)), ANOTHER_PLACE] : [options.region];
  const out = new Map<string, [AccessModel, AccessModel]>();
  for (const accountId of accounts) {
    for (const region of regions) {
      const world = { ...options, accountId, region };
      const models: [AccessModel, AccessModel] = [accessModel(before, world), accessModel(after, world)];
      const signature = worldSignature(models);
      if (!out.has(signature)) {
        out.set(signature, models);
      }
    }
  }
  return [...out.values()];
}

/**
 * The gains of any world; approximate unless every world in which some statement applies has them (the verdict
 * errs towards a change).
 */
function mergeWorlds(worlds: ReadonlyArray<{ gains: readonly Gain[]; empty: boolean }>, note: string): Exceeding {
  const byKey = new Map<string, { gain: Gain; count: number }>();
  const needed = worlds.filter((world) => !world.empty).length;
  for (const { gains } of worlds) {
    for (const gain of gains) {
      const key = `${gain.who.key}\u0000${gain.action}\u0000${gain.identity}`;
      const seen = byKey.get(key);
      if (seen === undefined) {
        byKey.set(key, { gain: { ...gain }, count: 1 });
      } else {
        seen.count += 1;
        if (seen.gain.approximate && !gain.approximate) {
          seen.gain = { ...gain };
        }
      }
    }
  }
  const gains = [...byKey.values()].map(({ gain, count }) =>
    count >= needed ? gain : { ...gain, approximate: true, why: [...gain.why, note] },
  );
  return { gains, approximations: new Map() };
}

// ---------------------------------------------------------------------------------------------------------
// Requests: who asks, as which identity

/** What is known of a request by `who` from who it is (IAM global condition keys). */
interface CallerFacts {
  /** Condition keys (lower-cased) the caller decides: their value, or null when it never carries the key. */
  keys: ReadonlyMap<string, string | null>;
  /** For an IAM caller whose ARN is not known: the partition and account its `aws:PrincipalArn` has. */
  arnPlace?: { partition: string; account: string };
  /** The above as text, for caching. */
  id: string;
}

const factsOf = new WeakMap<Principal, CallerFacts>();

function callerFacts(who: Principal): CallerFacts {
  let facts = factsOf.get(who);
  if (facts === undefined) {
    facts = readCallerFacts(who);
    factsOf.set(who, facts);
  }
  return facts;
}

function readCallerFacts(who: Principal): CallerFacts {
  const keys = new Map<string, string | null>();
  let arnPlace: CallerFacts["arnPlace"];
  if (who.kind === "other" && who.key.startsWith("Service:")) {
    keys.set("aws:principalarn", null);
    keys.set("aws:principalaccount", null);
    keys.set("aws:principalisawsservice", "true");
  } else if (who.kind !== "anyone" && who.kind !== "other") {
    SERVICE_ONLY_KEYS.forEach((key) => keys.set(key, null));
    keys.set("aws:principalisawsservice", "false");
    if (who.account !== undefined) {
      keys.set("aws:principalaccount", who.account);
    }
    if (!who.synthetic && (who.kind === "root" || who.kind === "user" || who.kind === "role")) {
      keys.set("aws:principalarn", who.key);
    } else if (who.account !== undefined) {
      arnPlace = { partition: who.partition ?? "aws", account: who.account };
    }
  }
  return { keys, arnPlace, id: JSON.stringify([[...keys], arnPlace]) };
}

/**
 * One way a request may be decided: with or without an identity policy allowing it, whether an Allow naming the
 * caller's own (the workspace's) account grants it anything, and a NotPrincipal reading.
 */
interface Variant {
  identity: boolean;
  /** An Allow naming the account grants its principals nothing by itself (they need their identity policies). */
  delegates: boolean;
  reading: NotPrincipalReading;
  /** Why a gain found only in this variant is approximate ("" when it is exact). */
  why: string;
}

const IDENTITY_UNKNOWN_ACCOUNT =
  "the workspace's account is not known: any AWS principal may be in it, allowed by its IAM policies unless denied here (compared approximately)";
const OTHER_READINGS =
  "NotPrincipal read also as exempting the listed principals alone, or as a Principal list (AWS documents that the account, and for a session the role, must be listed too): compared approximately under each reading";
const GRANTS_READING =
  "an Allow naming the workspace's own account read also as granting its principals (AWS: it delegates to their IAM policies): compared approximately";

function variantsFor(who: Principal, models: readonly ModelIndex[], options: AccessOptions): Variant[] {
  const accountKnown = options.accountId !== undefined && options.accountId !== UNKNOWN;
  const iam = who.kind !== "anyone" && who.kind !== "other";
  const sameAccount = accountKnown
    ? iam && who.account === options.accountId && (who.partition ?? "aws") === (options.partition ?? "aws")
    : iam && (who.account !== undefined || who.workspaceAccount === true);
  const readings: NotPrincipalReading[] = ["documented"];
  for (const reading of ["listed", "as-principal"] as const) {
    const differs = models.some((index) =>
      index.except.some(
        (stmt) => exempted(stmt.principals, who, "documented") !== exempted(stmt.principals, who, reading),
      ),
    );
    if (differs) {
      readings.push(reading);
    }
  }
  type Side = Pick<Variant, "identity" | "delegates"> & { why: string };
  let sides: Side[];
  if (!sameAccount) {
    sides = [{ identity: false, delegates: false, why: "" }];
  } else if (!accountKnown) {
    // Read as a principal of another account first (exact then), and as one of the workspace's (approximate).
    sides = [
      { identity: false, delegates: false, why: "" },
      { identity: false, delegates: true, why: IDENTITY_UNKNOWN_ACCOUNT },
      { identity: true, delegates: true, why: IDENTITY_UNKNOWN_ACCOUNT },
    ];
  } else if (who.kind === "root") {
    // The root user of the workspace's account may do anything this policy does not deny.
    sides = [{ identity: true, delegates: true, why: "" }];
  } else {
    sides = [
      { identity: false, delegates: true, why: "" },
      { identity: false, delegates: false, why: GRANTS_READING },
      { identity: true, delegates: true, why: "" },
    ];
  }
  const out: Variant[] = [];
  for (const side of sides) {
    for (const reading of readings) {
      const why = [side.why, reading === "documented" ? "" : OTHER_READINGS].filter(Boolean).join("; ");
      out.push({ identity: side.identity, delegates: side.delegates, reading, why });
    }
  }
  return out;
}

/** A statement as it applies to one caller: its conditions with what the caller fixes already decided. */
interface Applying {
  stmt: AccessStatement | undefined;
  conditions: readonly ConditionClause[];
}

const UNCONDITIONAL: readonly ConditionClause[] = [];

/**
 * Condition sets of one effect that apply to a caller and action, one per distinct set, arranged to answer
 * "does one of them hold whenever these conditions hold?" without comparing against every one: a set can only
 * when each of its keys is among the conditions' keys, so the sets are grouped by their keys.
 */
class ConditionSets {
  private ids?: Set<string>;
  private groups?: Array<{ keys: string[]; items: Applying[] }>;

  constructor(readonly items: readonly Applying[]) {}

  /** The sets by their keys (built on first use, and only for many sets: a few are compared one by one). */
  private arranged(): { ids: Set<string>; groups: Array<{ keys: string[]; items: Applying[] }> } {
    if (this.ids === undefined || this.groups === undefined) {
      const ids = new Set<string>();
      const groups = new Map<string, { keys: string[]; items: Applying[] }>();
      for (const item of this.items) {
        ids.add(conditionsId(item.conditions));
        const keys = [...new Set(item.conditions.map((clause) => clause.key))].sort(compareText);
        const id = keys.join("\u0000");
        const group = groups.get(id) ?? { keys, items: [] };
        group.items.push(item);
        groups.set(id, group);
      }
      this.ids = ids;
      this.groups = [...groups.values()];
    }
    return { ids: this.ids, groups: this.groups };
  }

  /** Whether one of the sets is weaker than `conditions` (holds whenever they do), and the notes if none is. */
  covers(conditions: readonly ConditionClause[]): Weaker {
    if (this.items.length === 0) {
      return NOT_WEAKER;
    }
    if (this.items.length <= FEW) {
      return this.coversEach(this.items, conditions);
    }
    const { ids, groups } = this.arranged();
    if (ids.has(conditionsId(conditions)) || conditions.some(unsatisfiable)) {
      return WEAKER;
    }
    const keys = new Set(conditions.map((clause) => clause.key));
    const eligible = groups.filter((group) => group.keys.every((key) => keys.has(key)));
    return this.coversEach(
      eligible.flatMap((group) => group.items),
      conditions,
    );
  }

  private coversEach(items: readonly Applying[], conditions: readonly ConditionClause[]): Weaker {
    const approximate: string[] = [];
    {
      for (const item of items) {
        const result = weaker(item.conditions, conditions);
        if (result.weaker) {
          return WEAKER;
        }
        approximate.push(...result.approximate);
      }
    }
    return approximate.length === 0 ? NOT_WEAKER : { weaker: false, approximate: [...new Set(approximate)] };
  }
}

/** Up to this many condition sets are compared one by one. */
const FEW = 8;
const WEAKER: Weaker = { weaker: true, approximate: [] };
const NOT_WEAKER: Weaker = { weaker: false, approximate: [] };
const NO_SETS = new ConditionSets([]);
/** An identity policy's Allow: whatever the conditions. */
const UNCONDITIONAL_SETS = new ConditionSets([{ stmt: undefined, conditions: UNCONDITIONAL }]);

/**
 * The statements of a model, found by the principal keys that reach them. Statements granting anyone (`"*"`)
 * are the same for every caller: their condition sets are built once per effect, action and what callers fix
 * of their conditions, not once per caller.
 */
class ModelIndex {
  private readonly byKey = new Map<string, AccessStatement[]>();
  /** The statements with `NotPrincipal`. */
  readonly except: AccessStatement[] = [];
  /** The statements granting (or denying) anyone. */
  private readonly anyone: AccessStatement[] = [];
  /** Whether some statement grants (or denies) anyone. */
  get hasAnyone(): boolean {
    return this.anyone.length > 0;
  }
  /** The condition keys the anyone statements use. */
  private readonly anyoneKeys = new Set<string>();
  private readonly shared = new Map<string, AnyoneTable>();
  private readonly byFacts = new WeakMap<CallerFacts, AnyoneTable>();

  constructor(readonly model: AccessModel) {
    for (const stmt of model.statements) {
      if (!stmt.appliesHere || stmt.actions.length === 0) {
        continue;
      }
      if (stmt.exceptPrincipals) {
        this.except.push(stmt);
        continue;
      }
      if (stmt.principals.some((p) => p.kind === "anyone")) {
        this.anyone.push(stmt);
        stmt.conditions.forEach((clause) => this.anyoneKeys.add(clause.key));
        continue;
      }
      for (const key of new Set(stmt.principals.flatMap(grantKeys))) {
        const list = this.byKey.get(key) ?? [];
        list.push(stmt);
        this.byKey.set(key, list);
      }
    }
  }

  /** The statements other than the anyone ones that may apply to `who` (its principals reach it). */
  specific(who: Principal): AccessStatement[] {
    const found = new Set<AccessStatement>();
    for (const key of lookupKeys(who)) {
      for (const stmt of this.byKey.get(key) ?? []) {
        found.add(stmt);
      }
    }
    this.except.forEach((stmt) => found.add(stmt));
    return [...found].sort((a, b) => a.index - b.index);
  }

  /** The condition sets of the anyone statements with `effect` and `action`, as a caller with `facts` reads them. */
  anyoneSets(effect: "Allow" | "Deny", action: string, facts: CallerFacts): ConditionSets {
    if (this.anyone.length === 0) {
      return NO_SETS;
    }
    let table = this.byFacts.get(facts);
    if (table === undefined) {
      // Callers that fix the same values of the keys these statements use read them alike: one table for them.
      const relevant = [...facts.keys].filter(([key]) => this.anyoneKeys.has(key));
      const arnPlace = this.anyoneKeys.has("aws:principalarn") ? facts.arnPlace : undefined;
      const id = JSON.stringify([relevant, arnPlace]);
      table = this.shared.get(id);
      if (table === undefined) {
        table = { facts: { keys: new Map(relevant), arnPlace, id }, sets: [] };
        this.shared.set(id, table);
      }
      this.byFacts.set(facts, table);
    }
    const slot = (effect === "Allow" ? 0 : SUPPORTED_ACTIONS.length) + actionIndex(action);
    let sets = table.sets[slot];
    if (sets === undefined) {
      sets = new ConditionSets(
        distinctConditions(
          this.anyone.filter((stmt) => stmt.effect === effect && stmt.actions.includes(action)),
          table.facts,
        ),
      );
      table.sets[slot] = sets;
    }
    return sets;
  }
}

/** The anyone statements' condition sets for callers that fix the same values, by effect and action. */
interface AnyoneTable {
  facts: CallerFacts;
  sets: Array<ConditionSets | undefined>;
}

const actionIndexes = new Map(SUPPORTED_ACTIONS.map((action, i) => [action, i]));

function actionIndex(action: string): number {
  return actionIndexes.get(action) ?? 0;
}

/** The statements as they apply to a caller with `facts`, one per distinct condition set (the first of each). */
function distinctConditions(statements: readonly AccessStatement[], facts: CallerFacts): Applying[] {
  const out: Applying[] = [];
  const seen = new Set<string>();
  for (const stmt of statements) {
    const conditions = specialize(stmt.conditions, facts);
    if (conditions === undefined) {
      continue;
    }
    const id = conditionsId(conditions);
    if (!seen.has(id)) {
      seen.add(id);
      out.push({ stmt, conditions });
    }
  }
  return out;
}

/** Whether a statement names `who` otherwise than through the root of its own account. */
function grantedBeyondAccount(stmt: AccessStatement, who: Principal): boolean {
  return stmt.principals.some(
    (p) => principalCovers(p, who) && (p.kind !== "root" || who.kind === "root" || p.account !== who.account),
  );
}

/** The keys under which a grant to `p` is found (see principalCovers). */
function grantKeys(p: Principal): string[] {
  if (p.kind === "root") {
    return [p.key, `account:${p.partition}:${p.account}`];
  }
  if (p.kind === "role") {
    return [p.key, `role:${p.partition}:${p.account}:${p.roleName}`];
  }
  return [p.key];
}

/** The keys of the grants that may reach `who`. */
function lookupKeys(who: Principal): string[] {
  const keys = [who.key];
  if (who.kind !== "anyone" && who.kind !== "other" && who.account !== undefined) {
    keys.push(`account:${who.partition}:${who.account}`);
  }
  if (who.kind === "session") {
    keys.push(`role:${who.partition}:${who.account}:${who.roleName}`);
  }
  return keys;
}

const conditionIds = new WeakMap<readonly ConditionClause[], string>();

function conditionsId(conditions: readonly ConditionClause[]): string {
  let id = conditionIds.get(conditions);
  if (id === undefined) {
    id = conditions.map(clauseId).join("\u0000");
    conditionIds.set(conditions, id);
  }
  return id;
}

/** What applies to one caller for one action in one variant, in one model. */
interface Side {
  allows: ConditionSets;
  denies: ConditionSets;
  /** The anyone Denies, apart: weighed once for every caller (see liftedAnyone). */
  anyoneDenies: ConditionSets;
}

/**
 * The requests `wider` allows that `narrower` does not, per representative principal and action; and, per
 * statement of `wider`, the notes on approximations behind them. Actions to which the same statements apply
 * are weighed once.
 */
function exceeding(
  wider: ModelIndex,
  narrower: ModelIndex,
  principals: readonly Principal[],
  options: AccessOptions,
): Exceeding {
  const gains: Gain[] = [];
  const approximations = new Map<number, Set<string>>();
  for (const who of principals) {
    const facts = callerFacts(who);
    const variants = variantsFor(who, [wider, narrower], options);
    const specificWide = wider.specific(who);
    const specificNarrow = narrower.specific(who);
    if (specificWide.length + specificNarrow.length === 0 && !wider.hasAnyone && !narrower.hasAnyone) {
      continue; // no statement reaches it
    }
    const classes = new Map<string, string[]>();
    const anyone = wider.hasAnyone || narrower.hasAnyone;
    for (let i = 0; i < SUPPORTED_ACTIONS.length; i++) {
      const action = SUPPORTED_ACTIONS[i];
      let key = "";
      for (const stmt of specificWide) {
        key += actionBit(stmt, i);
      }
      key += "|";
      for (const stmt of specificNarrow) {
        key += actionBit(stmt, i);
      }
      if (anyone) {
        for (const index of [wider, narrower]) {
          key += setId(index.anyoneSets("Allow", action, facts)) + setId(index.anyoneSets("Deny", action, facts));
        }
      }
      const list = classes.get(key);
      if (list === undefined) {
        classes.set(key, [action]);
      } else {
        list.push(action);
      }
    }
    for (const actions of classes.values()) {
      const action = actions[0];
      let best: Gain | undefined;
      const sides = new Map<string, [Side, Side]>();
      for (const variant of variants) {
        const side = (index: ModelIndex, specific: readonly AccessStatement[]): Side => {
          const matching = specific.filter(
            (stmt) => stmt.actions.includes(action) && statementCovers(stmt, who, variant.reading),
          );
          const allows = matching.filter(
            (stmt) =>
              stmt.effect === "Allow" &&
              (!variant.delegates || stmt.exceptPrincipals || grantedBeyondAccount(stmt, who)),
          );
          return {
            allows: new ConditionSets([
              ...distinctConditions(allows, facts),
              ...index.anyoneSets("Allow", action, facts).items,
            ]),
            denies: new ConditionSets(
              distinctConditions(
                matching.filter((stmt) => stmt.effect === "Deny"),
                facts,
              ),
            ),
            anyoneDenies: index.anyoneSets("Deny", action, facts),
          };
        };
        const sidesId = `${variant.reading}\u0000${variant.delegates}`;
        let pair = sides.get(sidesId);
        if (pair === undefined) {
          pair = [side(wider, specificWide), side(narrower, specificNarrow)];
          sides.set(sidesId, pair);
        }
        const gain = gainOf(pair[0], pair[1], who, action, variant, approximations);
        if (gain !== undefined && (best === undefined || (best.approximate && !gain.approximate))) {
          best = gain;
        }
        if (best !== undefined && !best.approximate) {
          break;
        }
      }
      if (best !== undefined) {
        for (const each of actions) {
          gains.push({ ...best, action: each });
        }
      }
    }
  }
  gains.sort((a, b) => SUPPORTED_ACTIONS.indexOf(a.action) - SUPPORTED_ACTIONS.indexOf(b.action));
  return { gains: regroup(gains, principals), approximations };
}

/** The gains in the order of the principals, then of the actions (as they were found before action classes). */
function regroup(gains: readonly Gain[], principals: readonly Principal[]): Gain[] {
  const order = new Map(principals.map((p, i) => [p, i]));
  return [...gains].sort((a, b) => (order.get(a.who) ?? 0) - (order.get(b.who) ?? 0));
}

const actionMasks = new WeakMap<AccessStatement, number>();

/** "1" when the statement covers the i-th Prometheus-compatible action, else "0". */
function actionBit(stmt: AccessStatement, i: number): string {
  let mask = actionMasks.get(stmt);
  if (mask === undefined) {
    mask = SUPPORTED_ACTIONS.reduce((bits, action, k) => (stmt.actions.includes(action) ? bits | (1 << k) : bits), 0);
    actionMasks.set(stmt, mask);
  }
  return (mask >> i) & 1 ? "1" : "0";
}

const setIds = new WeakMap<ConditionSets, number>();
let nextSetId = 0;

function setId(sets: ConditionSets): string {
  let id = setIds.get(sets);
  if (id === undefined) {
    id = nextSetId++;
    setIds.set(sets, id);
  }
  return `,${id}`;
}

const liftedCache = new WeakMap<ConditionSets, WeakMap<ConditionSets, Array<{ oldDeny: Applying; why: string[] }>>>();

/** The anyone Denies of `narrower` that no anyone Deny of `wider` still covers: the same for every caller. */
function liftedAnyone(old: ConditionSets, next: ConditionSets): Array<{ oldDeny: Applying; why: string[] }> {
  let byNext = liftedCache.get(old);
  if (byNext === undefined) {
    byNext = new WeakMap();
    liftedCache.set(old, byNext);
  }
  let lifted = byNext.get(next);
  if (lifted === undefined) {
    lifted = old.items.flatMap((oldDeny) => {
      const still = next.covers(oldDeny.conditions);
      return still.weaker ? [] : [{ oldDeny, why: still.approximate }];
    });
    byNext.set(next, lifted);
  }
  return lifted;
}

/** Whether `who` may make a request for `action` under `wider` that it may not under `narrower`, in one variant. */
function gainOf(
  wider: Side,
  narrower: Side,
  who: Principal,
  action: string,
  variant: Variant,
  approximations: Map<number, Set<string>>,
): Gain | undefined {
  const { identity } = variant;
  const noDenies = [wider, narrower].every((side) => side.denies.items.length + side.anyoneDenies.items.length === 0);
  if (identity && noDenies) {
    return undefined; // allowed by its identity policy either way
  }
  // An identity policy may allow the request whatever the conditions: one unconditional Allow on both sides.
  const unconditional = UNCONDITIONAL_SETS;
  const allows = identity ? unconditional : wider.allows;
  if (allows.items.length === 0) {
    return undefined;
  }
  const oldAllows = identity ? unconditional : narrower.allows;
  const deniedAfter = (conditions: readonly ConditionClause[]): Weaker => {
    const specific = wider.denies.covers(conditions);
    if (specific.weaker) {
      return specific;
    }
    const anyone = wider.anyoneDenies.covers(conditions);
    return anyone.weaker ? anyone : { weaker: false, approximate: [...specific.approximate, ...anyone.approximate] };
  };
  // The Denies of `narrower` that no Deny of `wider` still covers (weighed once, not per Allow).
  const lifted = [
    ...narrower.denies.items.flatMap((oldDeny) => {
      const still = deniedAfter(oldDeny.conditions);
      return still.weaker ? [] : [{ oldDeny, why: still.approximate }];
    }),
    ...liftedAnyone(narrower.anyoneDenies, wider.anyoneDenies).flatMap(({ oldDeny, why }) => {
      const still = wider.denies.covers(oldDeny.conditions);
      return still.weaker ? [] : [{ oldDeny, why: [...why, ...still.approximate] }];
    }),
  ];
  const make = (reason: Gain["reason"], why: readonly string[], index: number | undefined): Gain => {
    if (index !== undefined) {
      note(approximations, index, why);
    }
    const all = [...new Set([...why, ...(variant.why === "" ? [] : [variant.why])])];
    return { who, action, reason, identity, approximate: all.length > 0, why: all };
  };
  let gain: Gain | undefined;
  for (const allow of allows.items) {
    if (deniedAfter(allow.conditions).weaker) {
      continue; // denied whenever it holds
    }
    const before = oldAllows.covers(allow.conditions);
    if (!before.weaker) {
      gain ??= make(oldAllows.items.length === 0 ? "new" : "conditions", before.approximate, allow.stmt?.index);
      continue;
    }
    for (const { oldDeny, why } of lifted) {
      if (!disjoint(oldDeny.conditions, allow.conditions)) {
        gain ??= make("deny", why, allow.stmt?.index ?? oldDeny.stmt?.index);
      }
    }
  }
  return gain;
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
// What the caller decides of the conditions

const SERVICE_ONLY_KEYS = new Set([
  "aws:sourcearn",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
]);

const specialized = new WeakMap<readonly ConditionClause[], Map<string, readonly ConditionClause[] | undefined>>();

/**
 * A condition set as it reads for a caller: clauses the caller decides (keys it never carries, its account, its
 * ARN) dropped when they hold; undefined when one cannot hold, so the statement never applies to the caller.
 */
function specialize(
  conditions: readonly ConditionClause[],
  facts: CallerFacts,
): readonly ConditionClause[] | undefined {
  if (conditions.length === 0 || (facts.keys.size === 0 && facts.arnPlace === undefined)) {
    return conditions;
  }
  let byFacts = specialized.get(conditions);
  if (byFacts === undefined) {
    byFacts = new Map();
    specialized.set(conditions, byFacts);
  }
  if (byFacts.has(facts.id)) {
    return byFacts.get(facts.id);
  }
  let result: ClauseList | undefined = [];
  for (const clause of conditions) {
    const holds = facts.keys.has(clause.key)
      ? clauseHolds(clause, facts.keys.get(clause.key) ?? undefined)
      : clause.key === "aws:principalarn" && facts.arnPlace !== undefined
        ? principalArnPlaceHolds(clause, facts.arnPlace)
        : undefined;
    if (holds === false) {
      result = undefined;
      break;
    }
    if (holds === undefined) {
      result.push(clause);
    }
  }
  const out = result !== undefined && result.length === conditions.length ? conditions : result;
  byFacts.set(facts.id, out);
  return out;
}

/**
 * Whether an ARN clause on `aws:PrincipalArn` holds for a caller known only by its partition and account (its
 * ARN is `arn:<partition>:iam::<account>:<something>`); undefined when that depends on the rest.
 */
function principalArnPlaceHolds(
  clause: ConditionClause,
  place: { partition: string; account: string },
): boolean | undefined {
  const shape = operatorShape(clause.operator);
  if (shape === undefined || shape.qualifier !== "" || !shape.base.startsWith("Arn")) {
    return undefined;
  }
  const known = ["arn", place.partition, "iam", "", place.account];
  const answers = clause.values.map((pattern): boolean | undefined => {
    if (pattern === "*") {
      return undefined;
    }
    const parts = pattern.split(":");
    if (parts.length < 6) {
      return false;
    }
    if (!known.every((value, i) => globMatches(parts[i], value))) {
      return false;
    }
    return parts.slice(5).join(":") === "*" ? true : undefined;
  });
  const any = answers.includes(true) ? true : answers.includes(undefined) ? undefined : false;
  if (any === undefined) {
    return undefined;
  }
  return shape.kind === "none" ? !any : shape.kind === "any" ? any : undefined;
}

type ClauseList = ConditionClause[];

/** Whether a clause holds for a request whose value of its key is `value` (undefined: absent); undefined when not told. */
function clauseHolds(clause: ConditionClause, value: string | undefined): boolean | undefined {
  const shape = operatorShape(clause.operator);
  if (shape === undefined || shape.qualifier !== "") {
    return undefined;
  }
  if (shape.base === "Null") {
    const wanted = clause.values.map((v) => v.toLowerCase());
    const isNull = value === undefined ? "true" : "false";
    return wanted.every((v) => v === "true" || v === "false") ? wanted.includes(isNull) : undefined;
  }
  if (value === undefined) {
    return shape.ifExists || shape.kind === "none";
  }
  let any: boolean | undefined;
  switch (shape.base.replace("Not", "")) {
    case "StringEquals":
      any = clause.values.includes(value);
      break;
    case "StringEqualsIgnoreCase":
      any = clause.values.some((v) => v.toLowerCase() === value.toLowerCase());
      break;
    case "StringLike":
      any = clause.values.some((v) => globMatches(v, value));
      break;
    case "Bool":
      any = clause.values.some((v) => v.toLowerCase() === value.toLowerCase());
      break;
    case "ArnEquals":
    case "ArnLike": {
      const answers = clause.values.map((v) => arnMatches(v, value));
      any = answers.includes(true) ? true : answers.includes(undefined) ? undefined : false;
      break;
    }
    default:
      return undefined;
  }
  if (any === undefined) {
    return undefined;
  }
  return shape.kind === "none" ? !any : shape.kind === "any" ? any : undefined;
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
  if (b.some(unsatisfiable)) {
    return { weaker: true, approximate: [] }; // no request satisfies b
  }
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
 * Whether no request can satisfy a clause: an ARN operator whose every pattern has fewer than the six components
 * an ARN has (e.g. `ArnLike aws:PrincipalArn arn:aws:iam::*`), on a key that must be present.
 */
function unsatisfiable(clause: ConditionClause): boolean {
  const shape = operatorShape(clause.operator);
  return (
    shape !== undefined &&
    shape.qualifier === "" &&
    !shape.ifExists &&
    shape.kind === "any" &&
    shape.base.startsWith("Arn") &&
    clause.values.every((value) => value !== "*" && value.split(":").length < 6)
  );
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
  if (wideBase.startsWith("Arn") && narrowBase.startsWith("Arn")) {
    return arnCovers(wide, narrow);
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

/**
 * Whether every ARN that ARN pattern `narrow` matches, `wide` matches: component by component (IAM matches each
 * of the six separately); a pattern of fewer components matches nothing. Undefined when it cannot be told.
 */
function arnCovers(wide: string, narrow: string): boolean | undefined {
  if (wide === "*" || narrow === "*") {
    return wide === narrow ? true : undefined;
  }
  const split = (arn: string): string[] | undefined => {
    const parts = arn.split(":");
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  const [w, n] = [split(wide), split(narrow)];
  if (n === undefined) {
    return true; // narrow matches nothing
  }
  if (w === undefined) {
    return false;
  }
  let unsure = false;
  for (let i = 0; i < 6; i++) {
    const [ws, ns] = [w[i], n[i]];
    const covered =
      !/[*?]/.test(ns) || !ws.includes("?")
        ? globMatches(ws, ns)
        : globMatches(ws, ns.replace(/[*?]/g, "\u0000"))
          ? undefined
          : false;
    if (covered === false) {
      return false;
    }
    unsure ||= covered === undefined;
  }
  return unsure ? undefined : true;
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
  if (a.some(unsatisfiable) || b.some(unsatisfiable)) {
    return true;
  }
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
    ? " (some of it compared approximately: see the notes)"
    : "";
  return `${verdict}: ${shown.join("; ")}${more}${approximate}`;
}

/** Groups changes by principal and reason, leaving out a principal when one covering it changes the same way. */
function describe(gains: readonly Gain[], verb: string, pluralVerb: string): string[] {
  // A gain is left out when a named principal covering it (anyone, its account's root, its role) gains the same.
  const named = new Set(
    gains.filter((g) => !g.who.synthetic).map((g) => `${g.who.key}\u0000${g.action}\u0000${g.identity}`),
  );
  const coverers = (who: Principal): string[] => {
    const keys = who.kind === "anyone" ? [] : ["*"];
    if (who.kind !== "anyone" && who.kind !== "other" && who.kind !== "root" && who.account !== undefined) {
      keys.push(`arn:${who.partition}:iam::${who.account}:root`);
    }
    return keys;
  };
  const sessionRoles = new Map<string, string[]>();
  for (const g of gains) {
    if (g.who.kind === "role" && !g.who.synthetic) {
      const id = `${g.who.partition}:${g.who.account}:${g.who.roleName}`;
      sessionRoles.set(id, [...(sessionRoles.get(id) ?? []), g.who.key]);
    }
  }
  const visible = gains.filter((gain) => {
    const keys = coverers(gain.who);
    if (gain.who.kind === "session") {
      keys.push(...(sessionRoles.get(`${gain.who.partition}:${gain.who.account}:${gain.who.roleName}`) ?? []));
    }
    return !keys.some((key) => key !== gain.who.key && named.has(`${key}\u0000${gain.action}\u0000${gain.identity}`));
  });
  const groups = new Map<string, { label: string; plural: boolean; reason: Gain["reason"]; actions: string[] }>();
  for (const gain of visible) {
    const id = `${gain.who.key}\u0000${gain.identity}\u0000${gain.reason}`;
    const label = gain.who.kind === "anyone" ? "anyone (*)" : gainLabel(gain);
    const plural = gain.who.synthetic === true || (gain.identity && gain.who.kind === "root");
    const group = groups.get(id) ?? { label, plural, reason: gain.reason, actions: [] };
    group.actions.push(gain.action);
    groups.set(id, group);
  }
  const because = { new: "", conditions: " (under wider conditions)", deny: " (no longer denied)" };
  const becauseLost = { new: "", conditions: " (under narrower conditions)", deny: " (now denied)" };
  return [...groups.values()].map(({ label, plural, reason, actions }) => {
    const why = verb === "gains" ? because[reason] : becauseLost[reason];
    return `${label} ${plural ? pluralVerb : verb} ${actionLines(actions).join(", ")}${why}`;
  });
}
