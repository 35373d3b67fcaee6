import assert from "node:assert/strict";

import fc from "fast-check";

import { check } from "../../provider/lifecycle";
import {
  PolicyParseError,
  normalizePolicy,
  parsePolicy,
  policiesEquivalent,
  serializePolicy,
  validatePolicy,
} from "../../provider/policy";

// The policy as the user wrote it: what is sent (serializePolicy), what is refused (duplicated keys), and
// what the canonical form keeps (every number's text).

const WORKSPACE_ID = "ws-1";
const STATEMENT =
  '{"Sid":"W","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"aps:RemoteWrite","Resource":"*"}';

/** A document whose one statement has `condition` (JSON text) as its Condition. */
function withCondition(condition: string): string {
  return `{"Version":"2012-10-17","Statement":[${STATEMENT.slice(0, -1)},"Condition":${condition}}]}`;
}

describe("serializePolicy: a string document is sent as written, minified", () => {
  const rows: Array<[string, string, string]> = [
    [
      "a 20-digit number keeps every digit",
      withCondition('{ "NumericEquals" : { "aws:MultiFactorAuthAge" : 12345678901234567891 } }'),
      withCondition('{"NumericEquals":{"aws:MultiFactorAuthAge":12345678901234567891}}'),
    ],
    [
      "1.0 stays 1.0, 1e3 stays 1e3, -0 stays -0, 1E+2 stays 1E+2",
      withCondition('{"NumericEquals": {"k": [1.0, 1e3, -0, 1E+2, 0.10]}}'),
      withCondition('{"NumericEquals":{"k":[1.0,1e3,-0,1E+2,0.10]}}'),
    ],
    [
      "escapes inside strings stay as written",
      withCondition('{"StringEquals": {"k": ["\\u0041", "a\\/b", "\\"q\\"", "\\\\", "\\n"]}}'),
      withCondition('{"StringEquals":{"k":["\\u0041","a\\/b","\\"q\\"","\\\\","\\n"]}}'),
    ],
    [
      "whitespace inside strings stays, every kind outside goes",
      ` \r\n\t${withCondition('{ "StringEquals" :\n\t{ "k" : "a  b\\t" } }')}\r\n `,
      withCondition('{"StringEquals":{"k":"a  b\\t"}}'),
    ],
    [
      "non-ASCII text stays as written",
      withCondition('{"StringEquals": {"aws:PrincipalTag/Team": ["équipe", "\\u00e9quipe", "😀"]}}'),
      withCondition('{"StringEquals":{"aws:PrincipalTag/Team":["équipe","\\u00e9quipe","😀"]}}'),
    ],
    [
      "true, false and null stay",
      withCondition('{"Bool": {"aws:SecureTransport": [true, false, null]}}'),
      withCondition('{"Bool":{"aws:SecureTransport":[true,false,null]}}'),
    ],
    ["empty objects and arrays", '{ "Statement" : [ ] , "Id" : { } }', '{"Statement":[],"Id":{}}'],
  ];
  for (const [what, text, sent] of rows) {
    it(`sends ${what}`, () => {
      assert.equal(serializePolicy(text), sent);
    });
  }

  it("sends an object input as JSON.stringify does", () => {
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Condition: { N: { k: [1.5, 10, true] } } }] };
    assert.equal(serializePolicy(doc), JSON.stringify(doc));
  });

  it("refuses a document with a duplicated key rather than send it", () => {
    assert.throws(
      () => serializePolicy('{"Statement":[{"Effect":"Deny","Effect":"Allow"}]}'),
      (err: Error) => err instanceof PolicyParseError && err.message === 'Statement[0] has the key "Effect" twice',
    );
  });

  it("sends what it reads: minified text of random JSON equals JSON.stringify of it (JSON.parse as the oracle)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 5 })), fc.nat(8), (doc, indent) => {
        const text = JSON.stringify(doc, null, indent);
        assert.equal(serializePolicy(text), JSON.stringify(doc));
        assert.deepEqual(parsePolicy(text), JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe("duplicated keys fail validation, naming where", () => {
  const rows: Array<[string, string, string]> = [
    [
      "Effect twice in a statement (Deny first, then Allow)",
      `{"Version":"2012-10-17","Statement":[${STATEMENT.slice(0, -1)},"Effect":"Deny"}]}`,
      'Statement[0] has the key "Effect" twice',
    ],
    [
      "Version twice at the top",
      `{"Version":"2012-10-17","Version":"2008-10-17","Statement":[${STATEMENT}]}`,
      'has the key "Version" twice',
    ],
    [
      "Statement twice at the top",
      `{"Version":"2012-10-17","Statement":[${STATEMENT}],"Statement":[]}`,
      'has the key "Statement" twice',
    ],
    [
      "a key in the second statement",
      `{"Version":"2012-10-17","Statement":[${STATEMENT},{"Sid":"B","Sid":"C"}]}`,
      'Statement[1] has the key "Sid" twice',
    ],
    [
      "a key of a single Statement object",
      `{"Version":"2012-10-17","Statement":${STATEMENT.slice(0, -1)},"Action":"aps:QueryMetrics"}}`,
      'Statement has the key "Action" twice',
    ],
    [
      "a principal type",
      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"1","AWS":"*"},"Action":"aps:RemoteWrite"}]}`,
      'Statement[0].Principal has the key "AWS" twice',
    ],
    [
      "a condition key",
      withCondition('{"StringEquals":{"aws:SourceAccount":"1","aws:SourceAccount":"2"}}'),
      'Statement[0].Condition.StringEquals has the key "aws:SourceAccount" twice',
    ],
    [
      "a condition operator",
      withCondition('{"StringEquals":{"a":"1"},"StringEquals":{"b":"2"}}'),
      'Statement[0].Condition has the key "StringEquals" twice',
    ],
    [
      "keys equal once their escapes are read",
      `{"Version":"2012-10-17","Statement":[${STATEMENT.slice(0, -1)},"\\u0045ffect":"Deny"}]}`,
      'Statement[0] has the key "Effect" twice',
    ],
    [
      "a key that needs quoting in the path",
      withCondition('{"String Equals":{"k":"1","k":"2"}}'),
      'Statement[0].Condition["String Equals"] has the key "k" twice',
    ],
  ];
  for (const [what, text, error] of rows) {
    it(`fails on ${what}`, () => {
      assert.deepEqual(validatePolicy(text, WORKSPACE_ID).errors, [error]);
      assert.deepEqual(
        check({ workspaceId: WORKSPACE_ID, policyDocument: text }).failures.map((failure) => failure.reason),
        [`policyDocument ${error}`],
      );
      assert.throws(() => normalizePolicy(text), PolicyParseError);
    });
  }

  it("accepts the same key in sibling objects", () => {
    const text = `{"Version":"2012-10-17","Statement":[${STATEMENT},${STATEMENT.replace('"W"', '"X"')}]}`;
    assert.deepEqual(validatePolicy(text, WORKSPACE_ID).errors, []);
  });
});

describe("the canonical form keeps every number's text", () => {
  const rows: Array<[string, string, string, boolean]> = [
    [
      "two 20-digit numbers that differ in the last digit",
      withCondition('{"NumericEquals":{"k":12345678901234567890}}'),
      withCondition('{"NumericEquals":{"k":12345678901234567891}}'),
      false,
    ],
    [
      "two 20-digit numbers in a Resource list",
      '{"Statement":[{"Effect":"Allow","Resource":[12345678901234567890]}]}',
      '{"Statement":[{"Effect":"Allow","Resource":[12345678901234567891]}]}',
      false,
    ],
    [
      "1.0 vs 1 in a condition (compared as strings)",
      withCondition('{"NumericEquals":{"k":1.0}}'),
      withCondition('{"NumericEquals":{"k":1}}'),
      false,
    ],
    [
      "the same 20-digit number, as a number and as its text",
      withCondition('{"NumericEquals":{"k":12345678901234567891}}'),
      withCondition('{"NumericEquals":{"k":"12345678901234567891"}}'),
      true,
    ],
    [
      "the same 20-digit number, formatted differently",
      withCondition('{"NumericEquals":{"k":[12345678901234567891, 2]}}'),
      withCondition('{ "NumericEquals" : { "k" : [ 2 , 12345678901234567891 ] } }'),
      true,
    ],
    ["a string escape vs its character", '{"Statement":[{"Sid":"\\u0041"}]}', '{"Statement":[{"Sid":"A"}]}', true],
  ];
  for (const [what, a, b, expected] of rows) {
    it(`is ${expected} for ${what}`, () => {
      assert.equal(policiesEquivalent(a, b), expected);
      assert.equal(policiesEquivalent(b, a), expected);
      assert.equal(normalizePolicy(a) === normalizePolicy(b), expected);
    });
  }

  it("writes a 20-digit number's text into the canonical form", () => {
    assert.match(
      normalizePolicy(withCondition('{"NumericEquals":{"k":12345678901234567891}}')),
      /"12345678901234567891"/,
    );
    assert.match(normalizePolicy('{"Statement":[{"Resource":[1.50]}]}'), /"Resource":\[1\.50\]/);
  });
});

describe("the JSON scanner refuses what JSON.parse refuses", () => {
  const texts = [
    "{",
    "}",
    '{"a":1,}',
    '{"a":[1,]}',
    '{"a":1 "b":2}',
    '{"a" 1}',
    "{'a':1}",
    "{a:1}",
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":+1}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":"\\x"}',
    '{"a":"\\u12"}',
    '{"a":"\\u12G4"}',
    '{"a":"unterminated}',
    '{"a":"tab\there"}',
    '{"a":"nl\nhere"}',
    '{"a":1} x',
    '{"a":1}{}',
    "\ufeff{}",
    '{"a":1} // comment',
    '/* c */ {"a":1}',
    "{\u00a0}",
    '{"a":[1 2]}',
    '{"a"::1}',
    '{,"a":1}',
    " ",
  ];
  for (const text of texts) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(() => JSON.parse(text), SyntaxError, "the oracle refuses it too");
      assert.throws(() => parsePolicy(text), PolicyParseError);
      const errors = validatePolicy(text, WORKSPACE_ID).errors;
      assert.equal(errors.length, 1);
      assert.match(errors[0], /^is not valid JSON \(/);
    });
  }

  it("reads a __proto__ key as an ordinary key, as JSON.parse does", () => {
    const doc = parsePolicy('{"__proto__":{"Statement":[]},"Version":"2012-10-17"}');
    assert.deepEqual(Object.keys(doc), ["__proto__", "Version"]);
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.equal(doc.Statement, undefined);
  });

  it("refuses a document nested a million levels deep without overflowing the stack", () => {
    for (const text of [
      `{"Statement":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`,
      `{"Statement":${"[".repeat(1_000_000)}`,
      `{"Statement":${'{"a":'.repeat(1_000_000)}1${"}".repeat(1_000_000)}}`,
    ]) {
      assert.throws(
        () => parsePolicy(text),
        (err: Error) => err instanceof PolicyParseError && /more than 64 levels deep/.test(err.message),
      );
      assert.throws(() => serializePolicy(text), PolicyParseError);
    }
  });
});

describe("a __proto__ member is a member like any other (never dropped from the comparison)", () => {
  const rows: Array<[string, string, string]> = [
    ["at the top", '{"Statement":[],"__proto__":{"a":1}}', '{"Statement":[]}'],
    ["in a statement", '{"Statement":[{"Effect":"Allow","__proto__":{"a":1}}]}', '{"Statement":[{"Effect":"Allow"}]}'],
    ["in a Principal", '{"Statement":[{"Principal":{"__proto__":"x"}}]}', '{"Statement":[{"Principal":{}}]}'],
    [
      "in a Condition block",
      '{"Statement":[{"Condition":{"StringEquals":{"__proto__":"x"}}}]}',
      '{"Statement":[{"Condition":{"StringEquals":{}}}]}',
    ],
  ];
  for (const [where, a, b] of rows) {
    it(`tells apart a document with a __proto__ member ${where} from one without`, () => {
      assert.equal(policiesEquivalent(a, b), false);
      assert.equal(policiesEquivalent(b, a), false);
      assert.notEqual(normalizePolicy(a), normalizePolicy(b));
      assert.match(normalizePolicy(a), /"__proto__"/);
    });
  }
});
