import assert from "node:assert/strict";

import { validatePolicy } from "../../provider/policy";
import { locatePath, pathSteps, sarifLog } from "../../provider/report/sarif";

/** The text a located span covers. */
function located(text: string, path: string): string | undefined {
  const span = locatePath(text, path);
  return span === undefined ? undefined : text.slice(span.start, span.end);
}

describe("SARIF locations (provider/report/sarif.ts): a finding's path in the policy's text", () => {
  it("reads the paths findings.ts writes: members, indexes, quoted keys", () => {
    assert.deepEqual(pathSteps(""), []);
    assert.deepEqual(pathSteps("Version"), [{ key: "Version" }]);
    assert.deepEqual(pathSteps('Statement[2].Condition.StringEquals["aws:SourceAccount"][0]'), [
      { key: "Statement" },
      { index: 2 },
      { key: "Condition" },
      { key: "StringEquals" },
      { key: "aws:SourceAccount" },
      { index: 0 },
    ]);
  });

  const text =
    '{"Id":"a]b\\"}{","Statement":[{"Sid":"x","Action":["aps:A",{"k":[1,2]},"aps:B"]},' +
    '{"Condition":{"StringEquals":{"aws:Source\\u0041ccount":"1"}}}],"Version":"2012-10-17"}';

  it("spans a member from its key to the end of its value, an element as its value, skipping strings with brackets", () => {
    assert.equal(located(text, ""), text);
    assert.equal(located(text, "Version"), '"Version":"2012-10-17"');
    assert.equal(located(text, "Statement[0].Action"), '"Action":["aps:A",{"k":[1,2]},"aps:B"]');
    assert.equal(located(text, "Statement[0].Action[2]"), '"aps:B"');
    assert.equal(located(text, "Statement[0].Action[1]"), '{"k":[1,2]}');
    assert.equal(
      located(text, 'Statement[1].Condition.StringEquals["aws:SourceAccount"]'),
      '"aws:Source\\u0041ccount":"1"',
      "a key is compared as JSON reads it, escapes decoded",
    );
  });

  it("points a path it cannot follow to its end at the deepest value it reaches", () => {
    assert.equal(
      located(text, "Statement[5].Sid"),
      text.slice(text.indexOf('"Statement"'), text.lastIndexOf(',"Version"')),
    );
    assert.equal(located(text, "Statement[0].NotAction"), '{"Sid":"x","Action":["aps:A",{"k":[1,2]},"aps:B"]}');
    assert.equal(located("   ", "Version"), undefined);
  });

  it("gives a region to every finding of a policy with many, each starting inside the text", () => {
    const policy = JSON.stringify(
      {
        Statement: [
          { Sid: "a-b", Effect: "Allow", Principal: "*", Action: ["aps:*", "aps:RemoteWrite", "s3:GetObject"] },
          { Sid: "a-b", Effect: "Permit", Principal: { AWS: [] }, Action: "aps:QueryMetrics", Condition: {} },
        ],
        Extra: 1,
      },
      null,
      4,
    );
    const findings = validatePolicy(policy).findings;
    assert.ok(findings.length >= 5, JSON.stringify(findings));
    const log = sarifLog({ path: "dir/my policy.json", text: policy, findings }) as {
      runs: Array<{
        results: Array<{
          locations: Array<{
            physicalLocation: {
              artifactLocation: { uri: string };
              region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
            };
          }>;
        }>;
      }>;
    };
    const lineCount = policy.split("\n").length;
    for (const result of log.runs[0].results) {
      const { artifactLocation, region } = result.locations[0].physicalLocation;
      assert.equal(artifactLocation.uri, "dir/my%20policy.json");
      assert.ok(region.startLine >= 1 && region.endLine <= lineCount, JSON.stringify(region));
      assert.ok(region.startLine < region.endLine || region.startColumn < region.endColumn, JSON.stringify(region));
    }
  });
});
