import assert from "node:assert/strict";

import fc from "fast-check";

import { type AccessOptions, accessChange, accessDigest } from "../../provider/access";
import { SUPPORTED_ACTIONS, policiesEquivalent } from "../../provider/policy";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

// ---------------------------------------------------------------------------------------------------------
// Generators: small vocabularies, so that two random policies often overlap.

const ACCOUNTS = ["111122223333", "444455556666"];
const WS_ARN = "arn:aws:aps:us-east-1:999988887777:workspace/ws-1";
const OPTIONS_CASES: AccessOptions[] = [{}, { workspaceId: "ws-1" }];

const awsPrincipalArb = fc.oneof(
  fc.constantFrom(...ACCOUNTS),
  fc.constantFrom(...ACCOUNTS).map((id) => `arn:aws:iam::${id}:root`),
  fc.constantFrom(...ACCOUNTS).map((id) => `arn:aws-cn:iam::${id}:root`),
  fc.constantFrom(...ACCOUNTS).map((id) => `arn:aws:iam::${id}:role/Writer`),
  fc.constantFrom(...ACCOUNTS).map((id) => `arn:aws:sts::${id}:assumed-role/Writer/s1`),
  fc.constant("*"),
);

const principalArb: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.constant("*"), weight: 1 },
  {
    arbitrary: fc.uniqueArray(awsPrincipalArb, { minLength: 1, maxLength: 3 }).map((aws) => ({ AWS: aws })),
    weight: 5,
  },
  { arbitrary: fc.constant({ Service: "grafana.amazonaws.com" }), weight: 1 },
);

const actionArb = fc.constantFrom(
  ...SUPPORTED_ACTIONS.slice(0, 4),
  "aps:Get*",
  "aps:List*",
  "aps:*",
  "APS:queryMETRICS",
  "s3:GetObject",
  "aps:CreateWorkspace",
);

const conditionArb: fc.Arbitrary<JsonObject> = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom(
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringEqualsIfExists",
        "ForAnyValue:StringEquals",
        "NumericLessThan",
      ),
      fc.constantFrom("aws:PrincipalOrgID", "aws:SourceVpc"),
      fc.uniqueArray(fc.constantFrom("o-1", "o-2", "o-*", "o-1*", "o-?", "10", "20"), { minLength: 1, maxLength: 2 }),
    ),
    { minLength: 1, maxLength: 2, selector: ([operator, key]) => `${operator} ${key}` },
  )
  .map((clauses) => {
    const out: JsonObject = {};
    for (const [operator, key, values] of clauses) {
      const block = (out[operator] ?? {}) as JsonObject;
      block[key] = values;
      out[operator] = block;
    }
    return out;
  });

function statementArb(effect?: "Allow" | "Deny"): fc.Arbitrary<JsonObject> {
  return fc
    .record({
      effect: effect === undefined ? fc.constantFrom("Allow", "Deny") : fc.constant(effect),
      notPrincipal: fc.boolean(),
      principal: principalArb,
      notAction: fc.boolean(),
      actions: fc.uniqueArray(actionArb, { minLength: 1, maxLength: 3 }),
      resource: fc.constantFrom(WS_ARN, "*", "arn:aws:aps:us-east-1:999988887777:workspace/ws-2"),
      condition: fc.option(conditionArb, { nil: undefined, freq: 2 }),
    })
    .map(({ effect: e, notPrincipal, principal, notAction, actions, resource, condition }) => {
      const stmt: JsonObject = { Effect: e, Resource: resource };
      // NotPrincipal only with Deny, where IAM supports it; NotAction now and then.
      stmt[e === "Deny" && notPrincipal && principal !== "*" ? "NotPrincipal" : "Principal"] = principal;
      stmt[notAction && actions.length === 1 ? "NotAction" : "Action"] = actions;
      if (condition !== undefined) {
        stmt.Condition = condition;
      }
      return stmt;
    });
}

const policyArb: fc.Arbitrary<JsonObject> = fc
  .array(statementArb(), { minLength: 1, maxLength: 4 })
  .map((statements) => ({ Version: "2012-10-17", Statement: statements }));

const optionsArb = fc.constantFrom(...OPTIONS_CASES);

// ---------------------------------------------------------------------------------------------------------
// Rewrites that keep the meaning (policiesEquivalent) or only the access.

type Rng = () => number;

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

function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const asList = (value: Json): Json[] => (Array.isArray(value) ? value : [value]);
const statementsOf = (doc: JsonObject): JsonObject[] => asList(doc.Statement) as JsonObject[];
/** A scalar as IAM compares it: as a string. */
const text = (value: Json): string => (typeof value === "object" ? JSON.stringify(value) : String(value));
const clone = <T extends Json>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The same document to IAM: statements and lists reordered and repeated, names respelled, values retyped. */
function equivalent(doc: JsonObject, seed: number): JsonObject | string {
  const rng = rngFrom(seed);
  const statements = statementsOf(clone(doc)).map((stmt) => {
    const out: JsonObject = {};
    for (const key of shuffle(Object.keys(stmt), rng)) {
      const value = stmt[key];
      if (key === "Action" || key === "NotAction") {
        out[key] = shuffle(
          asList(value).map((a) => (typeof a === "string" && rng() < 0.5 ? a.toUpperCase() : a)),
          rng,
        );
      } else if ((key === "Principal" || key === "NotPrincipal") && typeof value === "object" && value !== null) {
        const aws = (value as JsonObject).AWS;
        out[key] =
          aws === undefined
            ? value
            : {
                AWS: shuffle(
                  asList(aws).map((name) => {
                    const root = typeof name === "string" ? /^arn:aws:iam::(\d{12}):root$/.exec(name) : null;
                    return root && rng() < 0.5 ? root[1] : name;
                  }),
                  rng,
                ),
              };
      } else if (key === "Principal" && value === "*") {
        out[key] = rng() < 0.5 ? { AWS: "*" } : "*";
      } else if (key === "Condition") {
        const condition: JsonObject = {};
        for (const [operator, block] of Object.entries(value as JsonObject)) {
          const keys: JsonObject = {};
          for (const [name, values] of Object.entries(block as JsonObject)) {
            keys[rng() < 0.5 ? name.toUpperCase() : name] = shuffle(
              asList(values).map((v) => (typeof v === "string" && /^\d+$/.test(v) && rng() < 0.5 ? Number(v) : v)),
              rng,
            );
          }
          condition[operator] = keys;
        }
        out[key] = condition;
      } else {
        out[key] = value;
      }
    }
    return out;
  });
  const repeated = rng() < 0.3 ? [...statements, statements[0]] : statements;
  const result: JsonObject = { Statement: shuffle(repeated, rng), Version: doc.Version };
  return rng() < 0.5 ? result : JSON.stringify(result, null, 1 + Math.floor(rng() * 3));
}

/** The same access, said differently: Sids added, statements split per action, an ignored action added. */
function sameAccess(doc: JsonObject, seed: number): JsonObject {
  const rng = rngFrom(seed);
  const statements = statementsOf(clone(doc)).flatMap((stmt, index) => {
    const withSid = rng() < 0.5 ? { ...stmt, Sid: `S${index}` } : stmt;
    if (withSid.Action !== undefined && asList(withSid.Action).length > 1 && rng() < 0.5) {
      return asList(withSid.Action).map((action) => ({ ...withSid, Action: action }));
    }
    if (withSid.Action !== undefined && rng() < 0.3) {
      return [{ ...withSid, Action: [...asList(withSid.Action), "ec2:DescribeInstances"] }];
    }
    return [withSid];
  });
  return { Version: "2012-10-17", Statement: statements };
}

const verdict = (before: unknown, after: unknown, options: AccessOptions): [boolean, boolean] => {
  const change = accessChange(before, after, options);
  return [change.broadening, change.narrowing];
};

// ---------------------------------------------------------------------------------------------------------
// An oracle: IAM's evaluation of one concrete request, over a finite universe of requests.

interface Request {
  /** The caller: an ARN, "anonymous", or "Service:<name>". */
  principal: string;
  action: string;
  /** Condition key (lower-cased) → its single value; a missing key is absent from the request. */
  context: Record<string, string>;
}

const CALLERS = [
  "anonymous",
  "Service:grafana.amazonaws.com",
  ...["aws", "aws-cn"].flatMap((partition) =>
    ACCOUNTS.flatMap((account) => [
      `arn:${partition}:iam::${account}:root`,
      `arn:${partition}:iam::${account}:user/u`,
      `arn:${partition}:sts::${account}:assumed-role/Writer/s1`,
      `arn:${partition}:sts::${account}:assumed-role/Writer/s2`,
      `arn:${partition}:sts::${account}:assumed-role/Reader/s1`,
    ]),
  ),
];
const CONTEXT_VALUES = [
  undefined,
  "o-1",
  "o-2",
  "o-3",
  "o-12",
  "o-",
  "o-*",
  "o-1*",
  "o-?",
  "5",
  "10",
  "15",
  "20",
  "30",
];
const CONTEXTS: Array<Record<string, string>> = CONTEXT_VALUES.flatMap((org) =>
  CONTEXT_VALUES.map((vpc) => {
    const context: Record<string, string> = {};
    if (org !== undefined) {
      context["aws:principalorgid"] = org;
    }
    if (vpc !== undefined) {
      context["aws:sourcevpc"] = vpc;
    }
    return context;
  }),
);

function glob(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(value);
}

/** Whether a Principal entry names the caller (an account root covers its account; a role, its sessions). */
function names(entry: string, caller: string): boolean {
  if (entry === "*") {
    return true;
  }
  const root = /^\d{12}$/.test(entry) ? `arn:aws:iam::${entry}:root` : entry;
  const account = /^arn:([^:]+):iam::(\d{12}):root$/.exec(root);
  if (account) {
    return new RegExp(`^arn:${account[1]}:(iam|sts)::${account[2]}:`).test(caller);
  }
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
  if (role && caller.startsWith(`arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/`)) {
    return true;
  }
  return entry === caller;
}

function principalEntries(principal: Json): string[] {
  if (principal === "*") {
    return ["*"];
  }
  return Object.entries(principal as JsonObject).flatMap(([type, value]) =>
    asList(value).map((name) => (type === "AWS" ? text(name) : `${type}:${text(name)}`)),
  );
}

function clauseHolds(operator: string, values: string[], actual: string | undefined): boolean {
  switch (operator) {
    case "StringEquals":
      return actual !== undefined && values.includes(actual);
    case "StringNotEquals":
      return actual === undefined || !values.includes(actual);
    case "StringLike":
      return actual !== undefined && values.some((pattern) => glob(pattern, actual));
    case "StringEqualsIfExists":
      return actual === undefined || values.includes(actual);
    case "ForAnyValue:StringEquals":
      return actual !== undefined && values.includes(actual);
    case "NumericLessThan":
      return (
        actual !== undefined &&
        /^\d+$/.test(actual) &&
        values.some((value) => /^\d+$/.test(value) && Number(actual) < Number(value))
      );
    default:
      throw new Error(`the oracle does not know ${operator}`);
  }
}

function statementMatches(stmt: JsonObject, request: Request): boolean {
  if (stmt.Resource !== WS_ARN && stmt.Resource !== "*") {
    return false; // another workspace (the oracle runs with workspaceId ws-1)
  }
  const caller = request.principal;
  if (stmt.NotPrincipal !== undefined) {
    const exempt = principalEntries(stmt.NotPrincipal).some((entry) =>
      entry === "*" ? true : (/^\d{12}$/.test(entry) ? `arn:aws:iam::${entry}:root` : entry) === caller,
    );
    if (exempt) {
      return false;
    }
  } else if (
    !principalEntries(stmt.Principal).some((entry) => (caller === "anonymous" ? entry === "*" : names(entry, caller)))
  ) {
    return false;
  }
  const patterns = asList(stmt.Action ?? stmt.NotAction).map((a) => text(a).toLowerCase());
  const listed = patterns.some((pattern) => glob(pattern, request.action.toLowerCase()));
  if (stmt.Action !== undefined ? !listed : listed) {
    return false;
  }
  return Object.entries((stmt.Condition ?? {}) as JsonObject).every(([operator, block]) =>
    Object.entries(block as JsonObject).every(([key, values]) =>
      clauseHolds(operator, asList(values).map(text), request.context[key.toLowerCase()]),
    ),
  );
}

function allowed(doc: JsonObject | undefined, request: Request): boolean {
  const statements = doc === undefined ? [] : statementsOf(doc);
  return (
    statements.some((stmt) => stmt.Effect === "Allow" && statementMatches(stmt, request)) &&
    !statements.some((stmt) => stmt.Effect === "Deny" && statementMatches(stmt, request))
  );
}

/** A request `after` allows and `before` does not, if the universe holds one. */
function witness(before: JsonObject | undefined, after: JsonObject | undefined): Request | undefined {
  for (const principal of CALLERS) {
    for (const action of SUPPORTED_ACTIONS.slice(0, 12)) {
      for (const context of CONTEXTS) {
        const request = { principal, action, context };
        if (allowed(after, request) && !allowed(before, request)) {
          return request;
        }
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------

describe("access model properties", () => {
  it("a policy and a rewrite policiesEquivalent calls the same: no change, the same digest", () => {
    fc.assert(
      fc.property(policyArb, fc.integer(), optionsArb, (doc, seed, options) => {
        const other = equivalent(doc, seed);
        assert.ok(policiesEquivalent(doc, other), "the rewrite must be equivalent to the policy model");
        assert.deepEqual(verdict(doc, other, options), [false, false]);
        assert.equal(accessDigest(other, options), accessDigest(doc, options));
      }),
      { numRuns: 200 },
    );
  });

  it("a policy compared with itself: no change", () => {
    fc.assert(
      fc.property(policyArb, optionsArb, (doc, options) => {
        assert.deepEqual(verdict(doc, doc, options), [false, false]);
      }),
    );
  });

  it("broadening(a, b) ⇔ narrowing(b, a)", () => {
    fc.assert(
      fc.property(fc.option(policyArb), fc.option(policyArb), optionsArb, (a, b, options) => {
        const forward = verdict(a ?? undefined, b ?? undefined, options);
        const backward = verdict(b ?? undefined, a ?? undefined, options);
        assert.deepEqual(forward, [backward[1], backward[0]]);
      }),
      { numRuns: 200 },
    );
  });

  it("adding an Allow never narrows; removing one never broadens", () => {
    fc.assert(
      fc.property(policyArb, statementArb("Allow"), optionsArb, (doc, allow, options) => {
        const more = { ...doc, Statement: [...statementsOf(doc), allow] };
        assert.equal(accessChange(doc, more, options).narrowing, false);
        assert.equal(accessChange(more, doc, options).broadening, false);
      }),
      { numRuns: 200 },
    );
  });

  it("adding a Deny never broadens; removing one never narrows", () => {
    fc.assert(
      fc.property(policyArb, statementArb("Deny"), optionsArb, (doc, deny, options) => {
        const more = { ...doc, Statement: [...statementsOf(doc), deny] };
        assert.equal(accessChange(doc, more, options).broadening, false);
        assert.equal(accessChange(more, doc, options).narrowing, false);
      }),
      { numRuns: 200 },
    );
  });

  it("creating a policy never narrows, deleting one never broadens", () => {
    // Issue 15 item 4: a Deny binds the workspace's own principals, whom their IAM policies may allow without
    // any policy here; so a policy with a Deny may narrow on create, for those principals only.
    fc.assert(
      fc.property(policyArb, optionsArb, (doc, options) => {
        const created = accessChange(undefined, doc, options);
        const deleted = accessChange(doc, undefined, options);
        const hasDeny = statementsOf(doc).some((stmt) => stmt.Effect === "Deny");
        if (!hasDeny) {
          assert.equal(created.narrowing, false);
          assert.equal(deleted.broadening, false);
        }
        for (const loss of [...created.losses, ...deleted.gains]) {
          assert.match(loss.principal, /\(as their IAM policies allow\)$/);
          assert.equal(loss.reason, "deny");
        }
      }),
    );
  });

  it("a rewrite that keeps the access (Sids, split statements, ignored actions): no change, the same digest", () => {
    fc.assert(
      fc.property(policyArb, fc.integer(), optionsArb, (doc, seed, options) => {
        const other = sameAccess(doc, seed);
        assert.deepEqual(verdict(doc, other, options), [false, false]);
        assert.equal(accessDigest(other, options), accessDigest(doc, options));
      }),
      { numRuns: 200 },
    );
  });

  it("equal digests mean no change; a change means different digests", () => {
    fc.assert(
      fc.property(policyArb, policyArb, optionsArb, (a, b, options) => {
        const change = accessChange(a, b, options);
        if (accessDigest(a, options) === accessDigest(b, options)) {
          assert.deepEqual([change.broadening, change.narrowing], [false, false]);
        }
        if (change.broadening || change.narrowing) {
          assert.notEqual(change.digest, accessDigest(a, options));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("adding a condition to an Allow never broadens", () => {
    fc.assert(
      fc.property(policyArb, fc.nat(), conditionArb, optionsArb, (doc, pick, condition, options) => {
        const statements = statementsOf(clone(doc));
        const target = statements[pick % statements.length];
        fc.pre(target.Effect === "Allow");
        const merged: JsonObject = clone((target.Condition ?? {}) as JsonObject);
        for (const [operator, block] of Object.entries(condition)) {
          merged[operator] = { ...(block as JsonObject), ...((merged[operator] ?? {}) as JsonObject) };
        }
        target.Condition = merged;
        assert.equal(accessChange(doc, { ...doc, Statement: statements }, options).broadening, false);
      }),
      { numRuns: 200 },
    );
  });

  it("widening an Allow's principals to anyone never narrows", () => {
    fc.assert(
      fc.property(policyArb, fc.nat(), optionsArb, (doc, pick, options) => {
        const statements = statementsOf(clone(doc));
        const target = statements[pick % statements.length];
        fc.pre(target.Effect === "Allow" && target.Principal !== undefined);
        target.Principal = "*";
        assert.equal(accessChange(doc, { ...doc, Statement: statements }, options).narrowing, false);
      }),
      { numRuns: 200 },
    );
  });
  describe("against an oracle that evaluates concrete requests as IAM does", () => {
    const ws1: AccessOptions = { workspaceId: "ws-1" };

    it("reports a broadening whenever after allows a request before did not (sound)", () => {
      fc.assert(
        fc.property(fc.option(policyArb, { nil: undefined }), fc.option(policyArb, { nil: undefined }), (a, b) => {
          const found = witness(a, b);
          if (found !== undefined) {
            assert.equal(accessChange(a, b, ws1).broadening, true, JSON.stringify(found));
          }
        }),
        { numRuns: 150 },
      );
    });

    it("reports no broadening that no request shows, when it says it was exact (one Allow before, no Deny)", () => {
      const simpleAllow = statementArb("Allow").filter((stmt) => {
        const clauses = Object.entries((stmt.Condition ?? {}) as JsonObject).flatMap(([operator, block]) =>
          Object.entries(block as JsonObject).map(([key, values]) => ({ operator, key, values: asList(values) })),
        );
        const keys = clauses.map((clause) => clause.key);
        return (
          new Set(keys).size === keys.length &&
          clauses.every((c) => c.operator !== "NumericLessThan" || c.values.every((v) => /^\d+$/.test(text(v))))
        );
      });
      const docOf = (statements: JsonObject[]): JsonObject => ({ Version: "2012-10-17", Statement: statements });
      fc.assert(
        fc.property(simpleAllow, fc.array(simpleAllow, { minLength: 1, maxLength: 3 }), (before, after) => {
          const change = accessChange(docOf([before]), docOf(after), ws1);
          // "Exact" means no gain marked approximate and no note that conditions were compared approximately.
          fc.pre(change.broadening && change.notes.length === 0 && !change.gains.some((gain) => gain.approximate));
          assert.notEqual(witness(docOf([before]), docOf(after)), undefined, change.summary);
        }),
        { numRuns: 100 },
      );
    });
  });
});
