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

  it("leaves a check of nothing secret as it is", () => {
    const news = { workspaceId: "ws-1", policyDocument: '{"Statement":[{"Effect":"Maybe"}]}' };
    assert.deepEqual(redactCheck(lifecycle.check(news), []), lifecycle.check(news));
  });
});
