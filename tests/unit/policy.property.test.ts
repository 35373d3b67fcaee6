import assert from "node:assert/strict";

import fc from "fast-check";

import { check } from "../../provider/lifecycle";
import {
  PolicyParseError,
  SUPPORTED_ACTIONS,
  UNKNOWN,
  normalizePolicy,
  policiesEquivalent,
  validatePolicy,
} from "../../provider/policy";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

// ---------------------------------------------------------------------------------------------------------
// Randomness for transformations: a seeded generator, so that fast-check replays and shrinks a failure.

type Rng = () => number;

/** mulberry32: a small seeded PRNG. */
function rngFrom(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const chance = (rng: Rng, p = 0.5): boolean => rng() < p;
const pickIndex = (rng: Rng, length: number): number => Math.floor(rng() * length);

function shuffle<T>(items: T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = pickIndex(rng, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Each letter in random case. */
function randomCase(text: string, rng: Rng): string {
  return [...text].map((c) => (chance(rng) ? c.toUpperCase() : c.toLowerCase())).join("");
}

/** A condition value as IAM compares it: as a string. */
function scalarText(value: Json): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Each letter in the other case. */
function swapCase(text: string): string {
  return [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");
}

function clone<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string-or-list element as a list. */
function asList(value: Json): Json[] {
  return Array.isArray(value) ? value : [value];
}

/** An object with its keys in random order. */
function shuffleKeys(object: JsonObject, rng: Rng): JsonObject {
  const out: JsonObject = {};
  for (const key of shuffle(Object.keys(object), rng)) {
    out[key] = object[key];
  }
  return out;
}

/** A list in random order, some items repeated, a single item sometimes unwrapped: all neutral to IAM. */
function reshapeList(items: Json[], rng: Rng, mapItem: (item: Json) => Json = (item) => item): Json {
  let out = items.map(mapItem);
  while (out.length > 0 && chance(rng, 0.3)) {
    out.push(mapItem(items[pickIndex(rng, items.length)]));
  }
  out = shuffle(out, rng);
  return out.length === 1 && chance(rng) ? out[0] : out;
}

// ---------------------------------------------------------------------------------------------------------
// Generators of valid policies

const ACCOUNTS = ["111122223333", "444455556666", "123456789012"];
const WORKSPACE_ID = "ws-abc";
const RESOURCES = [
  "arn:aws:aps:us-east-1:444455556666:workspace/ws-abc",
  "arn:aws:aps:us-east-1:444455556666:workspace/WS-ABC",
  "arn:aws:aps:us-east-1:444455556666:workspace/ws-Def",
  "arn:aws:aps:*:444455556666:workspace/*",
  "*",
];
const OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringLike",
  "ArnLike",
  "NumericLessThan",
  "Bool",
  "ForAnyValue:StringEquals",
];
const CONDITION_KEYS = [
  "aws:PrincipalOrgID",
  "aws:SourceAccount",
  "aws:SecureTransport",
  "aws:RequestTag/Team",
  "aws:MultiFactorAuthAge",
  "aps:ResourceTag/Env",
];

const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"];

const awsPrincipalArb = fc.oneof(
  fc.constantFrom(...ACCOUNTS),
  fc.constantFrom(...ACCOUNTS).map((id) => `arn:aws:iam::${id}:root`),
  fc
    .tuple(fc.constantFrom(...ACCOUNTS), fc.constantFrom("aws-cn", "aws-us-gov"))
    .map(([id, partition]) => `arn:${partition}:iam::${id}:root`),
  fc
    .tuple(fc.constantFrom(...ACCOUNTS), fc.constantFrom("Writer", "reader", "Prometheus-Agent"))
    .map(([id, role]) => `arn:aws:iam::${id}:role/${role}`),
);

/** A list element as generated: a string when it has one item and `single` is set. */
const listOf = (arb: fc.Arbitrary<Json[]>): fc.Arbitrary<Json> =>
  fc.tuple(arb, fc.boolean()).map(([items, single]) => (items.length === 1 && single ? items[0] : items));

const principalArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constant("*"),
  fc.constant({ AWS: "*" }),
  fc.record({ AWS: listOf(fc.array(awsPrincipalArb, { minLength: 1, maxLength: 3 })) }),
  fc.record({
    Service: listOf(fc.constantFrom(["grafana.amazonaws.com"], ["aps.amazonaws.com", "grafana.amazonaws.com"])),
  }),
  fc.record({
    AWS: listOf(fc.array(awsPrincipalArb, { minLength: 1, maxLength: 2 })),
    Service: fc.constant("grafana.amazonaws.com"),
  }),
);

const actionsArb: fc.Arbitrary<Json> = listOf(
  fc
    .tuple(fc.uniqueArray(fc.constantFrom(...SUPPORTED_ACTIONS), { minLength: 1, maxLength: 4 }), fc.integer())
    .map(([actions, seed]) => {
      const rng = rngFrom(seed);
      return actions.map((action) => (chance(rng, 0.3) ? randomCase(action, rng) : action));
    }),
);

const resourcesArb: fc.Arbitrary<Json> = listOf(
  fc.uniqueArray(fc.constantFrom(...RESOURCES), { minLength: 1, maxLength: 3 }),
);

const conditionValueArb: fc.Arbitrary<string | number | boolean> = fc.oneof(
  fc.constantFrom("o-abc123", "o-XYZ789", "111122223333", "team-a", "Prod", "true"),
  fc.integer({ min: 0, max: 1000 }),
  fc.boolean(),
);

/** Values of one key: distinct even as strings (IAM compares them as strings). */
const conditionValuesArb: fc.Arbitrary<Json> = listOf(
  fc.uniqueArray(conditionValueArb, { minLength: 1, maxLength: 3, selector: (value) => String(value) }),
);

/** A Condition: distinct operators, each with keys distinct regardless of case. */
const conditionArb: fc.Arbitrary<JsonObject> = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom(...OPERATORS),
      fc.uniqueArray(fc.tuple(fc.constantFrom(...CONDITION_KEYS), conditionValuesArb), {
        minLength: 1,
        maxLength: 2,
        selector: ([key]) => key.toLowerCase(),
      }),
    ),
    { minLength: 1, maxLength: 2, selector: ([operator]) => operator },
  )
  .map((blocks) => Object.fromEntries(blocks.map(([operator, keys]) => [operator, Object.fromEntries(keys)])));

function statementArb(withCondition: "never" | "maybe" | "always"): fc.Arbitrary<JsonObject> {
  const condition: fc.Arbitrary<JsonObject | undefined> =
    withCondition === "always"
      ? conditionArb
      : withCondition === "never"
        ? fc.constant(undefined)
        : fc.option(conditionArb, { nil: undefined });
  return fc
    .record({
      sid: fc.option(fc.constantFrom("Write", "Query", "Alerts"), { nil: undefined }),
      effect: fc.constantFrom("Allow", "Deny"),
      principal: principalArb,
      actionKey: fc.constantFrom("Action", "NotAction"),
      actions: actionsArb,
      resourceKey: fc.constantFrom("Resource", "NotResource"),
      resources: resourcesArb,
      condition,
    })
    .map(({ sid, effect, principal, actionKey, actions, resourceKey, resources, condition: block }) => {
      const stmt: JsonObject = { Effect: effect, Principal: principal, [actionKey]: actions, [resourceKey]: resources };
      if (sid !== undefined) {
        stmt.Sid = sid;
      }
      if (block !== undefined) {
        stmt.Condition = block;
      }
      return stmt;
    });
}

/** A valid policy document: 1-4 statements, Sids made unique, a single statement sometimes unwrapped. */
function policyArb(withCondition: "never" | "maybe" | "always" = "maybe"): fc.Arbitrary<JsonObject> {
  return fc
    .record({
      version: fc.constantFrom("2012-10-17", "2008-10-17", undefined),
      statements: fc.array(statementArb(withCondition), { minLength: 1, maxLength: 4 }),
      single: fc.boolean(),
    })
    .map(({ version, statements, single }) => {
      statements.forEach((stmt, index) => {
        if (typeof stmt.Sid === "string") {
          stmt.Sid = `${stmt.Sid}${index}`;
        }
      });
      const doc: JsonObject = { Statement: statements.length === 1 && single ? statements[0] : statements };
      if (version !== undefined) {
        doc.Version = version;
      }
      return doc;
    });
}

// ---------------------------------------------------------------------------------------------------------
// IAM-neutral transformations

function neutralPrincipal(principal: Json, rng: Rng): Json {
  const isStar =
    principal === "*" ||
    (isObject(principal) &&
      Object.keys(principal).length === 1 &&
      asList(principal.AWS ?? []).every((p) => p === "*") &&
      principal.AWS !== undefined);
  if (isStar) {
    return [() => "*", () => ({ AWS: "*" }), () => ({ AWS: ["*"] }), () => ({ AWS: ["*", "*"] })][pickIndex(rng, 4)]();
  }
  if (!isObject(principal)) {
    return principal;
  }
  const out: JsonObject = {};
  for (const [type, value] of Object.entries(principal)) {
    out[type] = reshapeList(asList(value), rng, (name) => {
      if (type !== "AWS" || typeof name !== "string" || !chance(rng)) {
        return name;
      }
      const root = /^arn:aws:iam::(\d{12}):root$/.exec(name);
      return root ? root[1] : /^\d{12}$/.test(name) ? `arn:aws:iam::${name}:root` : name;
    });
  }
  return shuffleKeys(out, rng);
}

/** A condition value as a string, or a string as the boolean or number it spells: all the same to IAM. */
function neutralConditionValue(value: Json, rng: Rng): Json {
  if (!chance(rng)) {
    return value;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (value === "true" || value === "false") {
    return value === "true";
  }
  if (typeof value === "string" && /^(0|[1-9]\d{0,8})$/.test(value)) {
    return Number(value);
  }
  return value;
}

function neutralCondition(condition: Json | undefined, rng: Rng): Json | undefined {
  if (condition === undefined) {
    return chance(rng, 0.2) ? {} : undefined;
  }
  if (!isObject(condition)) {
    return condition;
  }
  const out: JsonObject = {};
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) {
      out[operator] = block;
      continue;
    }
    const keys: JsonObject = {};
    for (const [key, values] of Object.entries(block)) {
      keys[chance(rng) ? randomCase(key, rng) : key] = reshapeList(asList(values), rng, (value) =>
        neutralConditionValue(value, rng),
      );
    }
    out[operator] = shuffleKeys(keys, rng);
  }
  return shuffleKeys(out, rng);
}

function neutralStatement(stmt: Json, rng: Rng): Json {
  if (!isObject(stmt)) {
    return stmt;
  }
  const out: JsonObject = { ...stmt };
  for (const key of ["Action", "NotAction"]) {
    if (out[key] !== undefined) {
      out[key] = reshapeList(asList(out[key]), rng, (action) =>
        typeof action === "string" && chance(rng) ? randomCase(action, rng) : action,
      );
    }
  }
  for (const key of ["Resource", "NotResource"]) {
    if (out[key] !== undefined) {
      out[key] = reshapeList(asList(out[key]), rng);
    }
  }
  if (out.Principal !== undefined) {
    out.Principal = neutralPrincipal(out.Principal, rng);
  }
  const condition = neutralCondition(out.Condition, rng);
  if (condition === undefined) {
    delete out.Condition;
  } else {
    out.Condition = condition;
  }
  return shuffleKeys(out, rng);
}

/** A document with the same IAM meaning, as an object or as JSON text of random indentation. */
function neutral(doc: JsonObject, seed: number): JsonObject | string {
  const rng = rngFrom(seed);
  const statements = asList(clone(doc).Statement);
  let out = statements.map((stmt) => neutralStatement(stmt, rng));
  while (statements.length > 0 && chance(rng, 0.25)) {
    out.push(neutralStatement(clone(statements[pickIndex(rng, statements.length)]), rng));
  }
  out = shuffle(out, rng);
  const transformed: JsonObject = { ...doc, Statement: out.length === 1 && chance(rng) ? out[0] : out };
  if (transformed.Version === undefined && chance(rng, 0.3)) {
    transformed.Version = "2008-10-17";
  }
  const result = shuffleKeys(transformed, rng);
  switch (pickIndex(rng, 4)) {
    case 0:
      return result;
    case 1:
      return JSON.stringify(result);
    case 2:
      return JSON.stringify(result, null, 1 + pickIndex(rng, 4));
    default:
      return ` \n${JSON.stringify(result, null, "\t").replace(/,\n/g, () => (chance(rng) ? ",\r\n  " : ",\n"))}\n\t`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Meaning-changing mutations

/** Whether no two statements of the document mean the same (so that changing one changes the set). */
function statementsDistinct(doc: JsonObject): boolean {
  const statements = asList(doc.Statement);
  const canonical = statements.map((stmt) => normalizePolicy({ Version: "2012-10-17", Statement: [stmt] }));
  return new Set(canonical).size === statements.length;
}

type Mutation = (statements: JsonObject[], rng: Rng) => JsonObject[] | undefined;

const mutations: Record<string, Mutation> = {
  "flipping one statement's Effect": (statements, rng) => {
    const i = pickIndex(rng, statements.length);
    statements[i].Effect = statements[i].Effect === "Allow" ? "Deny" : "Allow";
    return statements;
  },
  "swapping Action and NotAction in one statement": (statements, rng) => {
    const i = pickIndex(rng, statements.length);
    const { Action, NotAction, ...rest } = statements[i];
    statements[i] = Action !== undefined ? { ...rest, NotAction: Action } : { ...rest, Action: NotAction };
    return statements;
  },
  "changing the case of one resource ARN": (statements, rng) => {
    const candidates: Array<[number, string, number]> = [];
    statements.forEach((stmt, i) => {
      for (const key of ["Resource", "NotResource"]) {
        if (stmt[key] !== undefined) {
          asList(stmt[key]).forEach((resource, j) => {
            if (resource !== "*") {
              candidates.push([i, key, j]);
            }
          });
        }
      }
    });
    if (candidates.length === 0) {
      return undefined;
    }
    const [i, key, j] = candidates[pickIndex(rng, candidates.length)];
    const list = asList(statements[i][key]);
    list[j] = swapCase(list[j] as string);
    statements[i][key] = list;
    return statements;
  },
  "changing the case of one condition value": (statements, rng) => {
    const candidates: Array<[JsonObject, string, number]> = [];
    for (const stmt of statements) {
      if (isObject(stmt.Condition)) {
        for (const block of Object.values(stmt.Condition)) {
          if (isObject(block)) {
            for (const [key, values] of Object.entries(block)) {
              asList(values).forEach((value, j) => {
                if (/[a-z]/i.test(scalarText(value))) {
                  candidates.push([block, key, j]);
                }
              });
            }
          }
        }
      }
    }
    if (candidates.length === 0) {
      return undefined;
    }
    const [block, key, j] = candidates[pickIndex(rng, candidates.length)];
    const values = asList(block[key]);
    values[j] = swapCase(scalarText(values[j]));
    block[key] = values;
    return statements;
  },
  "moving one account's root to another partition": (statements, rng) => {
    const candidates: Array<[JsonObject, string]> = [];
    for (const stmt of statements) {
      const principal = stmt.Principal;
      if (isObject(principal) && principal.AWS !== undefined) {
        for (const name of asList(principal.AWS)) {
          const id = /^(?:arn:aws:iam::)?(\d{12})(?::root)?$/.exec(scalarText(name))?.[1];
          if (id !== undefined) {
            candidates.push([principal, id]);
          }
        }
      }
    }
    if (candidates.length === 0) {
      return undefined;
    }
    // Every spelling of that root in the statement moves, so the statement's set of principals changes.
    const [principal, id] = candidates[pickIndex(rng, candidates.length)];
    principal.AWS = asList(principal.AWS).map((name) =>
      name === id || name === `arn:aws:iam::${id}:root` ? `arn:aws-cn:iam::${id}:root` : name,
    );
    return statements;
  },
  "dropping one statement": (statements, rng) => {
    statements.splice(pickIndex(rng, statements.length), 1);
    return statements;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Random damage, for robustness

/** Every path to a value of the document, the root included. */
function paths(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(value)) {
    value.forEach((item, i) => out.push(...paths(item, [...at, i])));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      out.push(...paths(item, [...at, key]));
    }
  }
  return out;
}

/** The document with the value at `path` replaced (the root may be replaced by anything). */
function replaceAt(doc: Json, path: Array<string | number>, replacement: unknown): unknown {
  if (path.length === 0) {
    return replacement;
  }
  const copy = clone(doc);
  let parent: Json = copy;
  for (const step of path.slice(0, -1)) {
    parent = (parent as Record<string | number, Json>)[step];
  }
  (parent as Record<string | number, unknown>)[path[path.length - 1]] = replacement;
  return copy;
}

/** Values chosen to upset a validator: wrong types, the sentinel, bad text, deep nesting, JSON junk. */
const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom<unknown>(
    UNKNOWN,
    null,
    "",
    "*",
    [],
    {},
    [[]],
    -0,
    1e308,
    "\u0000",
    "\ud800",
    "Allow",
    "2012-10-17",
    { AWS: [] },
    { StringEquals: null },
    undefined,
  ),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer({ min: 60, max: 3000 }).map((depth) => {
    let value: unknown = "x";
    for (let i = 0; i < depth; i++) {
      value = depth % 2 === 0 ? [value] : { k: value };
    }
    return value;
  }),
);

interface Damage {
  kind: "replace" | "add key" | "remove key" | "text edit";
  pick: number;
  key: string;
  junk: unknown;
  asText: boolean;
}

const damageArb: fc.Arbitrary<Damage> = fc.record({
  kind: fc.constantFrom("replace", "add key", "remove key", "text edit"),
  pick: fc.nat(),
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("Statement", "Effect", "Condition", "AWS", "__proto__")),
  junk: junkArb,
  asText: fc.boolean(),
});

/** A valid document damaged once; as an object or (sometimes) as JSON text. */
function damage(doc: JsonObject, d: Damage): unknown {
  const all = paths(doc);
  const path = all[d.pick % all.length];
  switch (d.kind) {
    case "replace":
      return replaceAt(doc, path, d.junk);
    case "add key": {
      const objects = all.filter((p) => {
        let value: Json = doc;
        for (const step of p) {
          value = (value as Record<string | number, Json>)[step];
        }
        return isObject(value);
      });
      const target = objects[d.pick % objects.length];
      const copy = clone(doc);
      let value: Json = copy;
      for (const step of target) {
        value = (value as Record<string | number, Json>)[step];
      }
      Object.defineProperty(value, d.key, { value: d.junk, enumerable: true, configurable: true, writable: true });
      return d.asText ? JSON.stringify(copy) : copy;
    }
    case "remove key": {
      if (path.length === 0) {
        return doc;
      }
      const copy = clone(doc);
      let parent: Json = copy;
      for (const step of path.slice(0, -1)) {
        parent = (parent as Record<string | number, Json>)[step];
      }
      if (Array.isArray(parent)) {
        parent.splice(path[path.length - 1] as number, 1);
      } else {
        delete (parent as JsonObject)[path[path.length - 1]];
      }
      return copy;
    }
    default: {
      const text = JSON.stringify(doc);
      const at = d.pick % (text.length + 1);
      return `${text.slice(0, at)}${typeof d.junk === "string" ? d.junk : String(d.pick % 10)}${text.slice(at + (d.pick % 3))}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// An independent model of IAM meaning, written from DESIGN.md 4 for the shapes the generators make (not from
// provider/policy/): a policy is its Version, Id and set of statements; a statement is its Sid, Effect and
// sets of principals, actions, resources and condition values. Sets are compared as sets, never as sorted text.

interface StatementMeaning {
  fields: Map<string, string>;
  sets: Map<string, Set<string>>;
}

interface PolicyMeaning {
  fields: Map<string, string>;
  statements: StatementMeaning[];
}

function meaningOf(input: JsonObject | string, partition: string): PolicyMeaning {
  const doc = (typeof input === "string" ? JSON.parse(input) : input) as JsonObject;
  const fields = new Map<string, string>([["Version", scalarText(doc.Version ?? "2008-10-17")]]);
  if (doc.Id !== undefined) {
    fields.set("Id", scalarText(doc.Id));
  }
  return { fields, statements: asList(doc.Statement).map((stmt) => statementMeaning(stmt as JsonObject, partition)) };
}

function statementMeaning(stmt: JsonObject, partition: string): StatementMeaning {
  const fields = new Map<string, string>();
  const sets = new Map<string, Set<string>>();
  for (const [key, value] of Object.entries(stmt)) {
    if (key === "Sid" || key === "Effect") {
      fields.set(key, scalarText(value));
    } else if (key === "Action" || key === "NotAction") {
      sets.set(key, new Set(asList(value).map((action) => scalarText(action).toLowerCase())));
    } else if (key === "Resource" || key === "NotResource") {
      sets.set(key, new Set(asList(value).map(scalarText)));
    } else if (key === "Principal" || key === "NotPrincipal") {
      const principal: JsonObject = value === "*" ? { AWS: "*" } : (value as JsonObject);
      for (const [type, names] of Object.entries(principal)) {
        const canonical = asList(names).map((name) =>
          type === "AWS" && /^\d{12}$/.test(scalarText(name))
            ? `arn:${partition}:iam::${scalarText(name)}:root`
            : scalarText(name),
        );
        sets.set(`${key} ${type}`, new Set(canonical));
      }
    } else if (key === "Condition") {
      for (const [operator, block] of Object.entries(value as JsonObject)) {
        for (const [conditionKey, values] of Object.entries(block as JsonObject)) {
          sets.set(`Condition ${operator} ${conditionKey.toLowerCase()}`, new Set(asList(values).map(scalarText)));
        }
      }
    } else {
      throw new Error(`the model does not know ${key}`);
    }
  }
  return { fields, sets };
}

function sameMap<T>(a: Map<string, T>, b: Map<string, T>, same: (x: T, y: T) => boolean): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.has(key) && same(value, b.get(key)!));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

function sameStatement(a: StatementMeaning, b: StatementMeaning): boolean {
  return sameMap(a.fields, b.fields, (x, y) => x === y) && sameMap(a.sets, b.sets, sameSet);
}

function sameMeaning(a: PolicyMeaning, b: PolicyMeaning): boolean {
  const covers = (x: StatementMeaning[], y: StatementMeaning[]): boolean =>
    x.every((stmt) => y.some((other) => sameStatement(stmt, other)));
  return (
    sameMap(a.fields, b.fields, (x, y) => x === y) &&
    covers(a.statements, b.statements) &&
    covers(b.statements, a.statements)
  );
}

// ---------------------------------------------------------------------------------------------------------

describe("policy model properties", () => {
  it("generates policies that validate without errors (the generators are sound)", () => {
    fc.assert(
      fc.property(policyArb(), (doc) => {
        assert.deepEqual(validatePolicy(doc, WORKSPACE_ID).errors, []);
        assert.deepEqual(check({ workspaceId: WORKSPACE_ID, policyDocument: doc }).failures, []);
      }),
      { numRuns: 300 },
    );
  });

  it("normalizePolicy is idempotent, from the canonical text and from its parsed object", () => {
    fc.assert(
      fc.property(policyArb(), (doc) => {
        const canonical = normalizePolicy(doc);
        assert.equal(normalizePolicy(canonical), canonical);
        assert.equal(normalizePolicy(JSON.parse(canonical)), canonical);
        assert.equal(policiesEquivalent(JSON.parse(canonical), doc), true);
      }),
      { numRuns: 500 },
    );
  });

  it("the canonical form of a policy without conditions is itself a valid policy of the same meaning", () => {
    fc.assert(
      fc.property(policyArb("never"), (doc) => {
        const canonical = JSON.parse(normalizePolicy(doc)) as JsonObject;
        assert.deepEqual(validatePolicy(canonical, WORKSPACE_ID).errors, []);
        assert.equal(policiesEquivalent(canonical, doc), true);
      }),
      { numRuns: 300 },
    );
  });

  it("normalizePolicy is invariant under IAM-neutral transformations", () => {
    fc.assert(
      fc.property(policyArb(), fc.integer(), (doc, seed) => {
        const variant = neutral(doc, seed);
        assert.equal(normalizePolicy(variant), normalizePolicy(doc));
        assert.equal(policiesEquivalent(doc, variant), true);
      }),
      { numRuns: 1000 },
    );
  });

  it("normalizePolicy is invariant under chains of transformations", () => {
    fc.assert(
      fc.property(policyArb(), fc.array(fc.integer(), { minLength: 2, maxLength: 4 }), (doc, seeds) => {
        let variant: JsonObject | string = doc;
        for (const seed of seeds) {
          const next = neutral(typeof variant === "string" ? (JSON.parse(variant) as JsonObject) : variant, seed);
          assert.equal(policiesEquivalent(variant, next), true);
          variant = next;
        }
        assert.equal(normalizePolicy(variant), normalizePolicy(doc));
      }),
      { numRuns: 300 },
    );
  });

  for (const [name, mutate] of Object.entries(mutations)) {
    it(`normalizePolicy changes when ${name}, however the result is reformatted`, () => {
      const withCondition = name.includes("condition") ? "always" : "maybe";
      fc.assert(
        fc.property(policyArb(withCondition), fc.integer(), fc.integer(), (doc, mutationSeed, seed) => {
          fc.pre(statementsDistinct(doc));
          const mutated = mutate(asList(clone(doc).Statement) as JsonObject[], rngFrom(mutationSeed));
          fc.pre(mutated !== undefined);
          const changed = neutral({ ...doc, Statement: mutated }, seed);
          assert.notEqual(normalizePolicy(changed), normalizePolicy(doc));
          assert.equal(policiesEquivalent(doc, changed), false);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("policiesEquivalent agrees with an independent model of IAM meaning on related and unrelated pairs, in every partition", () => {
    const mutationList = Object.values(mutations);
    const fields: Record<string, fc.Arbitrary<Json | undefined>> = {
      Principal: principalArb,
      Action: actionsArb,
      Resource: resourcesArb,
      Condition: fc.option(conditionArb, { nil: undefined }),
    };
    const pairArb = fc.oneof(
      // Reformatted: the same meaning by construction, in the aws partition.
      fc.tuple(policyArb(), fc.integer()).map(([doc, seed]) => [doc, neutral(doc, seed)] as const),
      // Changed by a mutation, then reformatted.
      fc.tuple(policyArb(), fc.integer(), fc.nat(), fc.integer()).map(([doc, seed, which, format]) => {
        const mutated = mutationList[which % mutationList.length](
          asList(clone(doc).Statement) as JsonObject[],
          rngFrom(seed),
        );
        return [doc, neutral(mutated === undefined ? doc : { ...doc, Statement: mutated }, format)] as const;
      }),
      // One element of one statement drawn again: sometimes the same meaning in another spelling, mostly not.
      fc.tuple(policyArb(), fc.constantFrom(...Object.keys(fields)), fc.nat()).chain(([doc, field, which]) =>
        fields[field].map((value) => {
          const statements = asList(clone(doc).Statement) as JsonObject[];
          const target = statements[which % statements.length];
          if (value === undefined) {
            delete target[field];
          } else if (field === "Action" && target.NotAction !== undefined) {
            target.NotAction = value;
          } else if (field === "Resource" && target.NotResource !== undefined) {
            target.NotResource = value;
          } else {
            target[field] = value;
          }
          return [doc, { ...doc, Statement: statements }] as const;
        }),
      ),
      // Unrelated.
      fc.tuple(policyArb(), policyArb()),
    );
    const outcomes = { equivalent: 0, different: 0 };
    fc.assert(
      fc.property(pairArb, fc.constantFrom(...PARTITIONS), ([a, b], partition) => {
        const expected = sameMeaning(meaningOf(a, partition), meaningOf(b, partition));
        outcomes[expected ? "equivalent" : "different"]++;
        assert.equal(policiesEquivalent(a, b, { partition }), expected);
        assert.equal(policiesEquivalent(b, a, { partition }), expected);
        assert.equal(policiesEquivalent(a, a, { partition }), true);
        assert.equal(policiesEquivalent(a, clone(a as Json), { partition }), true);
      }),
      { numRuns: 1500 },
    );
    // Both outcomes must have been exercised, or the agreement proves little.
    assert.ok(outcomes.equivalent > 200 && outcomes.different > 200, JSON.stringify(outcomes));
  });

  it("random damage never makes check, validatePolicy or policiesEquivalent throw", () => {
    fc.assert(
      fc.property(policyArb(), damageArb, fc.constantFrom(WORKSPACE_ID, UNKNOWN, "ws/bad"), (doc, d, workspaceId) => {
        const damaged = damage(doc, d);
        const result = check({ workspaceId, policyDocument: damaged });
        assert.ok(Array.isArray(result.failures) && Array.isArray(result.warnings));
        for (const failure of result.failures) {
          assert.ok(["workspaceId", "policyDocument"].includes(failure.property), failure.property);
          assert.ok(failure.reason.startsWith(`${failure.property} `), failure.reason);
        }
        for (const warning of result.warnings) {
          assert.equal(typeof warning, "string");
        }
        const validation = validatePolicy(damaged, workspaceId);
        assert.ok(validation.errors.every((error) => typeof error === "string"));
        assert.equal(policiesEquivalent(damaged, damaged), true);
        assert.equal(typeof policiesEquivalent(damaged, doc), "boolean");
      }),
      { numRuns: 1000 },
    );
  });

  it("random damage makes normalizePolicy throw nothing but a PolicyParseError", () => {
    fc.assert(
      fc.property(policyArb(), damageArb, (doc, d) => {
        const damaged = damage(doc, d);
        try {
          assert.equal(typeof normalizePolicy(damaged), "string");
        } catch (err) {
          assert.ok(err instanceof PolicyParseError, String(err));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
