import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

import { FINDING_TYPES, ISSUE_CODES } from "../../provider/policy";
import { type BinRun, ensureCliBuilt, runAmpPolicy } from "../support/amp-policy-bin";

/**
 * The SARIF 2.1.0 JSON schema as published (OASIS; schemastore's `sarif-2.1.0-rtm.5.json`), as the npm package
 * `@microsoft/jest-sarif` ships it. It is a draft-04 schema.
 */
const schemaFile = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

type Run = BinRun;

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string };
      region?: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }>;
  properties: { findingType: string; path: string };
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: string };
  properties: { tags: string[]; "security-severity"?: string };
}

interface SarifLog {
  version: string;
  runs: Array<{ tool: { driver: { name: string; rules: SarifRule[] } }; results: SarifResult[] }>;
}

let dir: string;

/** Runs the built bin as a user would: a separate Node process, no TTY. */
function ampPolicy(args: string[], input?: string): Run {
  return runAmpPolicy(args, { cwd: dir, input });
}

function file(name: string, text: string): string {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
  return name;
}

// The schema's language pattern has a stray "]", which a regular expression with the u flag refuses.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validateSarif = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")) as object);

/** The log `validate --format sarif` prints for this file, checked against the published schema. */
function sarifOf(name: string, extra: string[] = []): { log: SarifLog; run: Run } {
  const run = ampPolicy(["validate", "--format", "sarif", ...extra, name]);
  assert.equal(run.stderr, "");
  const log = JSON.parse(run.stdout) as SarifLog;
  assert.ok(validateSarif(log), `${name}: ${ajv.errorsText(validateSarif.errors, { separator: "\n" })}`);
  return { log, run };
}

function resultsOf(log: SarifLog): SarifResult[] {
  assert.equal(log.runs.length, 1);
  return log.runs[0].results;
}

/** The 1-based line and column of `offset` in `text` (lines end at LF or CR LF), computed apart from the code under test. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r?\n/);
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The one result with this rule at this path. */
function resultAt(results: SarifResult[], ruleId: string, at: string): SarifResult {
  const found = results.filter((r) => r.ruleId === ruleId && r.properties.path === at);
  assert.equal(found.length, 1, `${ruleId} at ${at}: ${JSON.stringify(results, null, 1)}`);
  return found[0];
}

function assertStartsAt(result: SarifResult, text: string, offset: number, what: string): void {
  assert.ok(offset >= 0, `${what} is not in the text`);
  const region = result.locations[0].physicalLocation.region!;
  const expected = position(text, offset);
  assert.deepEqual({ line: region.startLine, column: region.startColumn }, expected, what);
}

const WRITER = { AWS: "arn:aws:iam::111122223333:root" };

/** One policy per finding type: each has exactly the findings named, of that type (and the KMS suggestion). */
const policies: Record<(typeof FINDING_TYPES)[number], { text: string; codes: string[] }> = {
  ERROR: {
    text: JSON.stringify(
      { Version: "2012-10-17", Statement: [{ Principal: WRITER, Action: "aps:RemoteWrite" }] },
      null,
      2,
    ),
    codes: ["MISSING_EFFECT"],
  },
  SECURITY_WARNING: {
    text: JSON.stringify(
      { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "aps:RemoteWrite" }] },
      null,
      2,
    ),
    codes: ["PUBLIC_ACCESS"],
  },
  WARNING: {
    text: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: WRITER, Action: "aps:RemoteWrite" }] }, null, 2),
    codes: ["MISSING_VERSION"],
  },
  SUGGESTION: {
    text: JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: WRITER, Action: ["aps:RemoteWrite", "aps:remotewrite"] }],
      },
      null,
      2,
    ),
    codes: ["REDUNDANT_ACTION"],
  },
};

describe("amp-policy validate --format sarif (the built bin, checked against the published SARIF 2.1.0 schema)", () => {
  before(function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-policy-sarif-"));
    ensureCliBuilt();
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("describes every issue code as a rule: name, short and full description, help, level from its finding type", () => {
    const { log } = sarifOf(file("clean.json", policies.ERROR.text));
    const { driver } = log.runs[0].tool;
    assert.equal(driver.name, "amp-policy");
    assert.deepEqual(
      driver.rules.map((rule) => rule.id),
      Object.keys(ISSUE_CODES),
    );
    const levels = { ERROR: "error", SECURITY_WARNING: "error", WARNING: "warning", SUGGESTION: "note" };
    for (const rule of driver.rules) {
      const findingType = ISSUE_CODES[rule.id as keyof typeof ISSUE_CODES];
      assert.match(rule.name, /^[A-Z][A-Za-z]+$/, rule.id);
      assert.ok(rule.shortDescription.text.length > 10, rule.id);
      assert.ok(rule.fullDescription.text.length >= rule.shortDescription.text.length, rule.id);
      assert.ok(rule.help.text.includes(rule.id), rule.id);
      assert.equal(rule.defaultConfiguration.level, levels[findingType], rule.id);
      assert.equal(rule.properties.tags.includes("security"), findingType === "SECURITY_WARNING", rule.id);
      assert.equal(rule.properties["security-severity"] !== undefined, findingType === "SECURITY_WARNING", rule.id);
    }
    assert.equal(new Set(driver.rules.map((rule) => rule.shortDescription.text)).size, driver.rules.length);
  });

  for (const findingType of FINDING_TYPES) {
    it(`reports a finding of type ${findingType} at its level, with its rule, message and location`, () => {
      const policy = policies[findingType];
      const name = file(`${findingType.toLowerCase()}.json`, policy.text);
      const { log } = sarifOf(name, ["--fail-on", "never"]);
      const results = resultsOf(log).filter((r) => r.ruleId !== "KMS_KEY_GRANTS");
      assert.deepEqual(
        results.map((r) => r.ruleId),
        policy.codes,
      );
      const levels = { ERROR: "error", SECURITY_WARNING: "error", WARNING: "warning", SUGGESTION: "note" };
      for (const result of results) {
        assert.equal(result.properties.findingType, findingType);
        assert.equal(result.level, levels[findingType]);
        assert.equal(log.runs[0].tool.driver.rules[result.ruleIndex].id, result.ruleId);
        assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, name);
        assert.ok(result.message.text.length > 0);
      }
    });
  }

  it("puts each result at the line and column of its path's token in a multi-line file (CR LF lines too)", () => {
    const lines = [
      "{",
      '  "Statement": [',
      '    { "Sid": "Write", "Effect": "Allow",',
      '      "Principal": { "AWS": "arn:aws:iam::111122223333:root" },',
      '      "Action": ["aps:RemoteWrite", "aps:*"] },',
      "    {",
      '      "Sid": "Query-Open",',
      '      "Effect": "Allow",',
      '      "Principal": "*",',
      '      "Action": "aps:QueryMetrics",',
      '      "Condition": { "StringEquals": {} }',
      "    }",
      "  ]",
      "}",
    ];
    for (const eol of ["\n", "\r\n"]) {
      const text = lines.join(eol) + eol;
      const name = file(`policies/multi-line${eol === "\n" ? "" : "-crlf"}.json`, text);
      const results = resultsOf(sarifOf(name, ["--fail-on", "never"]).log);
      assertStartsAt(resultAt(results, "MISSING_VERSION", ""), text, 0, "the document");
      assertStartsAt(
        resultAt(results, "WILDCARD_ACTION", "Statement[0].Action"),
        text,
        text.indexOf('"Action"'),
        "Statement[0].Action",
      );
      assertStartsAt(
        resultAt(results, "REDUNDANT_ACTION", "Statement[0].Action[0]"),
        text,
        text.indexOf('"aps:RemoteWrite"'),
        "Statement[0].Action[0]",
      );
      assertStartsAt(
        resultAt(results, "SID_CHARACTERS", "Statement[1].Sid"),
        text,
        text.indexOf('"Sid": "Query-Open"'),
        "Statement[1].Sid",
      );
      assertStartsAt(
        resultAt(results, "PUBLIC_ACCESS", "Statement[1]"),
        text,
        text.indexOf(`    {${eol}`) + 4,
        "Statement[1]",
      );
      assertStartsAt(
        resultAt(results, "EMPTY_ELEMENT", "Statement[1].Condition.StringEquals"),
        text,
        text.indexOf('"StringEquals"'),
        "Statement[1].Condition.StringEquals",
      );
      // The region ends just after the value: `"Sid": "Query-Open"` is one line, 19 characters.
      const sid = resultAt(results, "SID_CHARACTERS", "Statement[1].Sid").locations[0].physicalLocation.region!;
      assert.deepEqual([sid.endLine, sid.endColumn - sid.startColumn], [sid.startLine, '"Sid": "Query-Open"'.length]);
    }
  });

  it("puts each result at its column on the one line of a minified file, and a quoted condition key at its key", () => {
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: "*", Action: "aps:RemoteWrite", Condition: { StringEquals: {} } },
        {
          Effect: "Allow",
          Principal: WRITER,
          Action: ["aps:QueryMetrics", "aps:querymetrics"],
          Condition: { StringLike: { "aws:PrincipalTag/team": [] } },
        },
      ],
    });
    const results = resultsOf(sarifOf(file("minified.json", text), ["--fail-on", "never"]).log);
    for (const result of results) {
      const region = result.locations[0].physicalLocation.region!;
      assert.equal(region.startLine, 1, result.ruleId);
      assert.equal(region.endLine, 1, result.ruleId);
    }
    assertStartsAt(
      resultAt(results, "PUBLIC_ACCESS", "Statement[0]"),
      text,
      text.indexOf("{", 1 + text.indexOf("[")),
      "Statement[0]",
    );
    assertStartsAt(
      resultAt(results, "REDUNDANT_ACTION", "Statement[1].Action[1]"),
      text,
      text.indexOf('"aps:querymetrics"'),
      "Statement[1].Action[1]",
    );
    const emptyValues = results.filter((r) => r.ruleId === "EMPTY_VALUE");
    assert.equal(emptyValues.length, 1, JSON.stringify(results));
    assert.match(emptyValues[0].properties.path, /^Statement\[1\]\.Condition\.StringLike\["aws:PrincipalTag\/team"\]$/);
    assertStartsAt(emptyValues[0], text, text.indexOf('"aws:PrincipalTag/team"'), "the quoted condition key");
  });

  it("points a document that is not JSON at the character where reading stopped", () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [ { "Effect": Allow } ]\n}\n';
    const { log, run } = sarifOf(file("broken.json", text));
    assert.equal(run.code, 2);
    const [result] = resultsOf(log);
    assert.equal(result.ruleId, "INVALID_JSON");
    assert.equal(result.level, "error");
    assertStartsAt(result, text, text.indexOf("Allow"), "the unquoted Allow");
  });

  it("keeps the exit codes of --fail-on, and names standard input", () => {
    const name = file("open.json", policies.SECURITY_WARNING.text);
    assert.equal(sarifOf(name).run.code, 2, "SECURITY_WARNING fails by default");
    assert.equal(sarifOf(name, ["--fail-on", "ERROR"]).run.code, 0);
    assert.equal(sarifOf(file("fine.json", policies.SUGGESTION.text)).run.code, 0);
    const run = ampPolicy(["validate", "--format", "sarif", "-"], policies.WARNING.text);
    assert.equal(run.code, 0, run.stderr);
    const log = JSON.parse(run.stdout) as SarifLog;
    assert.ok(validateSarif(log), ajv.errorsText(validateSarif.errors));
    assert.equal(resultsOf(log)[0].locations[0].physicalLocation.artifactLocation.uri, "-");
  });

  it("prints an empty result list for a policy without findings, still a valid log", () => {
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: WRITER,
          Action: "aps:RemoteWrite",
        },
      ],
    });
    const { log, run } = sarifOf(file("quiet.json", text), ["--ignore-finding", "KMS_KEY_GRANTS"]);
    assert.equal(run.code, 0);
    assert.deepEqual(resultsOf(log), []);
  });

  it("--format json is --json; --format is checked per command", () => {
    const name = file("json.json", policies.WARNING.text);
    const viaFormat = ampPolicy(["validate", "--format", "json", name]);
    const viaJson = ampPolicy(["validate", "--json", name]);
    assert.equal(viaFormat.stdout, viaJson.stdout);
    assert.equal(viaFormat.code, viaJson.code);
    assert.ok(Array.isArray((JSON.parse(viaFormat.stdout) as { findings: unknown[] }).findings));
    assert.equal(ampPolicy(["validate", "--format", "text", name]).stdout, ampPolicy(["validate", name]).stdout);

    const diff = ampPolicy(["diff", "--format", "sarif", name, name]);
    assert.equal(diff.code, 1);
    assert.match(diff.stderr, /^amp-policy: --format for diff must be text, json or markdown, not "sarif"\n$/);
    const both = ampPolicy(["validate", "--json", "--format", "sarif", name]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--json is --format json/);
    const unknown = ampPolicy(["validate", "--format", "xml", name]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--format for validate must be text, json or sarif, not "xml"/);
  });
});
