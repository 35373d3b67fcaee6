import assert from "node:assert/strict";

import * as fc from "fast-check";

import {
  JsonNumber,
  PolicyParseError,
  documentScans,
  forgetParsedPolicies,
  normalizePolicy,
  parseDocument,
  validatePolicy,
} from "../../provider/policy";

// The one parsed policy (provider/policy/document.ts): each statement's elements settled once, and each text read once.

describe("parseDocument: one typed document", () => {
  beforeEach(() => forgetParsedPolicies());

  it("settles each element and its Not… form: the Not… form is in force only when it alone is written", () => {
    const parsed = parseDocument({
      Statement: [
        { Effect: "Deny", NotPrincipal: { AWS: "111122223333" }, NotAction: "aps:RemoteWrite", NotResource: "*" },
        { Effect: "Allow", Principal: "*", NotPrincipal: "*", Action: ["aps:GetSeries"], Resource: "*" },
      ],
    });
    const [deny, both] = parsed.statements;
    assert.deepEqual(deny.principal, {
      positive: undefined,
      negative: { AWS: "111122223333" },
      negated: true,
      value: { AWS: "111122223333" },
    });
    assert.deepEqual(deny.action, {
      positive: undefined,
      negative: "aps:RemoteWrite",
      negated: true,
      value: "aps:RemoteWrite",
    });
    assert.equal(deny.resource.negated, true);
    assert.deepEqual(both.principal, { positive: "*", negative: "*", negated: false, value: "*" });
    assert.deepEqual(both.action, {
      positive: ["aps:GetSeries"],
      negative: undefined,
      negated: false,
      value: ["aps:GetSeries"],
    });
  });

  it("names each statement by its place, keeps unknown elements in order and numbers as written", () => {
    const one = parseDocument('{"Statement":{"Effect":"Allow","Zeta":1.50,"Alpha":true}}');
    assert.equal(one.statements.length, 1);
    assert.equal(one.statements[0].path, "Statement");
    assert.deepEqual(
      one.statements[0].others.map(([name]) => name),
      ["Zeta", "Alpha"],
    );
    const zeta = one.statements[0].others[0][1];
    assert.ok(zeta instanceof JsonNumber);
    assert.equal(zeta.text, "1.50");

    const list = parseDocument('{"Statement":[{"Effect":"Allow"},"not a statement"]}');
    assert.deepEqual(
      list.statements.map((stmt) => [stmt.path, stmt.isObject, stmt.effect]),
      [
        ["Statement[0]", true, "Allow"],
        ["Statement[1]", false, undefined],
      ],
    );
    assert.deepEqual(parseDocument('{"Version":"2012-10-17"}').statements, []);
  });

  it("gives the text sent, minified, and its size in UTF-8 bytes", () => {
    const parsed = parseDocument('{ "Statement" : [ { "Sid" : "é" } ] }');
    assert.equal(parsed.text, '{"Statement":[{"Sid":"é"}]}');
    assert.equal(parsed.bytes, Buffer.byteLength('{"Statement":[{"Sid":"é"}]}'));
  });

  it("gives the minified text exactly as JSON.stringify writes the same value, whatever the whitespace", () => {
    fc.assert(
      fc.property(fc.json(), fc.constantFrom(" ", "\t", "\r\n", "\n  \t"), (json, space) => {
        const doc = { Version: "2012-10-17", Statement: [{ Sid: "S", Effect: "Allow", Extra: JSON.parse(json) }] };
        const written = JSON.stringify(doc, null, 2).replace(/\n/g, `\n${space}`);
        const parsed = parseDocument(written);
        assert.equal(parsed.bytes, Buffer.byteLength(JSON.stringify(doc), "utf8"));
        assert.equal(parsed.text, JSON.stringify(doc));
      }),
      { numRuns: 500 },
    );
  });

  it("reads a text once: the same text, or an object with that JSON text, gives the same parsed document", () => {
    const text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"aps:GetSeries"}]}';
    const before = documentScans();
    const first = parseDocument(text);
    assert.equal(parseDocument(text), first);
    assert.equal(parseDocument(JSON.parse(text)), first);
    validatePolicy(text, "ws-1");
    normalizePolicy(text);
    normalizePolicy(JSON.parse(text));
    assert.equal(documentScans() - before, 1);
  });

  it("reads a text again once it is forgotten, and never remembers a failure", () => {
    const text = '{"Statement":[]}';
    const first = parseDocument(text);
    forgetParsedPolicies();
    const before = documentScans();
    const second = parseDocument(text);
    assert.notEqual(second, first);
    assert.deepEqual(second.doc, first.doc);
    assert.equal(documentScans() - before, 1);

    const scansBefore = documentScans();
    assert.throws(() => parseDocument('{"a":1,"a":2}'), PolicyParseError);
    assert.throws(() => parseDocument('{"a":1,"a":2}'), /has the key "a" twice/);
    assert.equal(documentScans() - scansBefore, 2);
  });

  it("remembers the 16 most recently read texts", () => {
    const texts = Array.from({ length: 17 }, (_, i) => `{"Id":"doc-${i}","Statement":[]}`);
    texts.forEach((text) => parseDocument(text));
    const before = documentScans();
    texts.slice(1).forEach((text) => parseDocument(text));
    assert.equal(documentScans() - before, 0, "the last 16 are remembered");
    parseDocument(texts[0]);
    assert.equal(documentScans() - before, 1, "the first, read 17 texts ago, is read again");
  });

  it("does not remember a text longer than 256 Ki characters", () => {
    const text = `{"Id":"${"x".repeat(1 << 18)}","Statement":[]}`;
    const before = documentScans();
    assert.notEqual(parseDocument(text), parseDocument(text));
    assert.equal(documentScans() - before, 2);
  });

  it("keeps the canonical text on the parsed document, per partition", () => {
    const text = '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"aps:GetSeries"}]}';
    const aws = normalizePolicy(text);
    const china = normalizePolicy(text, { partition: "aws-cn" });
    assert.match(aws, /arn:aws:iam::111122223333:root/);
    assert.match(china, /arn:aws-cn:iam::111122223333:root/);
    assert.deepEqual([...parseDocument(text).canonicalTexts.keys()].sort(), ["aws", "aws-cn"]);
  });
});
