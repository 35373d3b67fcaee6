import assert from "node:assert/strict";

import * as lifecycle from "../../provider/lifecycle";
import { REDACTED, redact, redactCheck, secretTexts } from "../../provider/redact";

/** Every message of a check, redacted for `secretValues`, as one text. */
function shownBy(news: Record<string, unknown>, secretValues: unknown[]): string {
  const result = redactCheck(lifecycle.check(news), secretValues);
  return [...result.failures.map((f) => f.reason), ...result.warnings].join("\n");
}

describe("provider/redact.ts: no value of a secret in a message, whatever the wording", () => {
  it("removes whole values longest first, keeping paths and the IAM grammar words", () => {
    const texts = secretTexts(['{"Statement":[{"Sid":"Ab","Effect":"Allow","Action":"aps:Ab-long","N":12}]}']);
    assert.deepEqual(texts.whole, ["aps:Ab-long", "Ab", "12"]);
    assert.deepEqual(texts.pieces, [], "a document's values are removed whole only");
    assert.equal(
      redact('Statement[0].Action "aps:Ab-long" and Sid "Ab", 12 times, Effect "Allow"', texts),
      `Statement[0].Action "${REDACTED}" and Sid "${REDACTED}", ${REDACTED} times, Effect "Allow"`,
    );
  });

  it("removes the snippet a JSON parse error quotes from a secret document that does not parse", () => {
    const doc = `{"Sid": "x", "more": "BeforeTheErrorSecret", "k": ParseSnippetSecret, "z": "AfterTheError"}`;
    let parseError = "";
    try {
      JSON.parse(doc);
    } catch (err) {
      parseError = (err as Error).message;
    }
    assert.match(parseError, /"et", "k": ParseSnipp/, "Node quotes a snippet of the text");
    const shown = redact(`policyDocument is not valid JSON (${parseError})`, secretTexts([doc]));
    assert.match(shown, /^policyDocument is not valid JSON \(/);
    for (const piece of ["ParseSnipp", "Snipp", 'k": Parse', 'et", "k']) {
      assert.ok(!shown.includes(piece), `${piece} in ${shown}`);
    }
  });

  it("removes a truncated quote of a secret workspace id, and a value quoted with JSON escapes", () => {
    const longId = `ws-${"TruncatedSecretId".repeat(6)}`;
    const shown = shownBy({ workspaceId: longId, policyDocument: "{}" }, [longId]);
    assert.match(shown, /workspaceId .* is not a valid AMP workspace id/);
    assert.ok(!shown.includes("TruncatedSecret"), shown);
    const quoted = 'say "hi"\tthere';
    assert.equal(redact(`Sid ${JSON.stringify(quoted)} is odd`, secretTexts([quoted])), `Sid "${REDACTED}" is odd`);
  });

  it("never shows a piece of a long Sid (cut to 80 characters with ...) of a secret document: with a dash, or used twice", () => {
    const sid = `Long-${"SecretSidText".repeat(8)}`;
    const document = JSON.stringify({
      Version: "2012-10-17",
      Statement: [0, 1].map(() => ({
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: "111122223333" },
        Action: "aps:RemoteWrite",
      })),
    });
    const plain = shownBy({ workspaceId: "ws-1", policyDocument: document }, []);
    assert.ok(
      plain.includes(`"${sid.slice(0, 80)}..."`),
      `the quote is cut, so whole-value redaction misses it:\n${plain}`,
    );
    const shown = shownBy({ workspaceId: "ws-1", policyDocument: document }, [document]);
    assert.match(shown, /Statement\[1\]\.Sid .* is used by another statement/);
    assert.match(shown, /Statement\[0\]\.Sid .* has characters other than letters and digits/);
    assert.ok(!shown.includes("SecretSid"), shown);
  });

  it("property: no 8-character piece of any Sid or account of a secret document shows, over many long values", () => {
    let seed = 15;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    const text = (length: number): string => Array.from({ length }, () => alphabet[random(alphabet.length)]).join("");
    for (let trial = 0; trial < 300; trial++) {
      const sids = Array.from({ length: 1 + random(3) }, () => text(60 + random(200)));
      const accounts = sids.map(() => String(100000000000 + random(899999999999)));
      const statements = [...sids, sids[0]].map((sid, i) => ({
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: accounts[i % accounts.length] },
        Action: "aps:RemoteWrite",
      }));
      const document = JSON.stringify({ Version: "2012-10-17", Statement: statements });
      const shown = shownBy({ workspaceId: "ws-1", policyDocument: document }, [document]);
      for (const value of [...sids, ...accounts]) {
        for (let i = 0; i + 8 <= value.length; i++) {
          const piece = value.slice(i, i + 8);
          assert.ok(!shown.includes(piece), `trial ${trial}: "${piece}" of "${value}" shows in:\n${shown}`);
        }
      }
    }
  });

  it("leaves a check of nothing secret as it is", () => {
    const news = { workspaceId: "ws-1", policyDocument: '{"Statement":[{"Effect":"Maybe"}]}' };
    assert.deepEqual(redactCheck(lifecycle.check(news), []), lifecycle.check(news));
  });
});
