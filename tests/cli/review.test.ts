import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BinRun, ensureCliBuilt, runAmpPolicy } from "../support/amp-policy-bin";

const fixtures = path.join(__dirname, "fixtures");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Run = BinRun;

/** Runs the built bin as a pipeline does: a separate Node process, no TTY. */
function ampPolicy(args: string[], input?: string): Run {
  return runAmpPolicy(args, { cwd: dir, input, env: { NO_COLOR: "" } });
}

let dir: string;

interface Step {
  op: string;
  urn: string;
  oldState?: { type: string; inputs: Record<string, unknown> };
  newState?: { type: string; inputs: Record<string, unknown> };
}
interface PreviewJson {
  config?: Record<string, string>;
  steps: Step[];
  diagnostics: Array<{ urn?: string; message: string; severity?: string }>;
}
interface ReviewJson {
  failOn: string;
  fails: boolean;
  resources: Array<{
    urn: string;
    name: string;
    op: string;
    status: string;
    workspaceId?: string;
    previousWorkspaceId?: string;
    reason?: string;
    summary?: string;
    broadening?: boolean;
    approvedAccess?: string;
    providerDigest?: string;
    fails: boolean;
  }>;
}

/** A real `pulumi preview --json` of tests/e2e/pipeline-review.test.ts (kept from .test-tmp/pipeline-review). */
const fixture = (door: "dynamic" | "plugin"): PreviewJson =>
  JSON.parse(fs.readFileSync(path.join(fixtures, `preview-${door}.json`), "utf8")) as PreviewJson;

function file(name: string, content: unknown): string {
  fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return name;
}

function review(preview: PreviewJson | string, args: string[] = []): Run & { json: ReviewJson } {
  const run = ampPolicy(["review", "--preview", "-", "--format", "json", ...args], JSON.stringify(preview));
  assert.equal(run.stderr, "", "nothing on stderr");
  return { ...run, json: JSON.parse(run.stdout) as ReviewJson };
}

/** A plugin-door preview of one create of `policy` on workspace ws-big, plus `more` creates of small policies. */
function createPreview(policy: object, more = 0): PreviewJson {
  const type = "amp-resource-policy:index:ResourcePolicy";
  const step = (name: string, workspaceId: string, document: object): Step => ({
    op: "create",
    urn: `urn:pulumi:dev::big::${type}::${name}`,
    newState: { type, inputs: { workspaceId, policyDocument: JSON.stringify(document) } },
  });
  const small = (i: number) => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${String(100000000000 + i)}:root` },
        Action: "aps:RemoteWrite",
      },
    ],
  });
  return {
    config: { "aws:region": "us-east-1" },
    steps: [
      step("big", "ws-big", policy),
      ...Array.from({ length: more }, (_, i) => step(`small-${String(i).padStart(5, "0")}`, `ws-${i}`, small(i))),
    ],
    diagnostics: [],
  };
}

/** A policy of `n` statements, each letting another account remote-write. */
function manyStatements(n: number): object {
  return {
    Version: "2012-10-17",
    Statement: Array.from({ length: n }, (_, i) => ({
      Sid: `Writer${i}`,
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${String(200000000000 + i)}:root` },
      Action: ["aps:RemoteWrite", "aps:QueryMetrics"],
      Condition: { StringEquals: { "aws:PrincipalTag/team": `team-${i}` } },
    })),
  };
}

describe("amp-policy review --preview (the built bin, on real pulumi preview --json output)", function () {
  this.timeout(120_000);

  before(() => {
    ensureCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-policy-review-"));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const door of ["dynamic", "plugin"] as const) {
    it(`${door} door: one review per resource (create, update, replace, delete), exit 2 on a broadening`, () => {
      const run = review(fixture(door));
      assert.equal(run.code, 2);
      assert.deepEqual(
        run.json.resources.map((r) => `${r.name} ${r.op} ${r.status}`),
        [
          "fresh create reviewed",
          "hidden update withheld",
          "kept update reviewed",
          "moved replace reviewed",
          "retired delete reviewed",
        ],
      );
      assert.equal(run.json.fails, true);
    });

    it(`${door} door: the digests are the ones the provider printed in that preview`, () => {
      const preview = fixture(door);
      const printed = preview.diagnostics
        .map((d) => /access digest: (access-[0-9a-f]{12})/.exec(d.message)?.[1])
        .filter((digest) => digest !== undefined);
      const { json } = review(preview);
      const digests = json.resources.map((r) => r.approvedAccess).filter((digest) => digest !== undefined);
      assert.equal(digests.length, 3);
      for (const digest of digests) {
        assert.ok(printed.includes(digest), `${digest} is not among the printed ${printed.join(", ")}`);
      }
    });
  }

  it("plugin door: a secret document's review is withheld, naming the digest the provider printed for its URN", () => {
    const { json } = review(fixture("plugin"));
    const hidden = json.resources.find((r) => r.name === "hidden")!;
    assert.equal(hidden.status, "withheld");
    assert.match(
      hidden.reason!,
      /the policy document is a secret: pulumi preview --json never prints a secret's value/,
    );
    assert.equal(hidden.approvedAccess, undefined);
    assert.match(hidden.providerDigest!, /^access-[0-9a-f]{12}$/);
    assert.equal(hidden.fails, true, "a review that cannot be made fails unless --fail-on never");
  });

  it("a preview the requireApproval gate failed: the resource it has only an error for is named, with the gate's reason and digest", () => {
    const gated = JSON.parse(fs.readFileSync(path.join(fixtures, "preview-plugin-gated.json"), "utf8")) as PreviewJson;
    const { code, json } = review(gated);
    assert.equal(code, 2);
    // The engine stops at the error: which other steps made it into the output varies from run to run.
    const kept = json.resources.find((r) => r.name === "kept")!;
    assert.equal(`${kept.op} ${kept.status}`, "failed failed");
    const asked = /set the input approvedAccess: "(access-[0-9a-f]{12})"/.exec(
      gated.diagnostics.map((d) => d.message).join("\n"),
    );
    assert.equal(kept.approvedAccess, asked![1]);
    assert.equal(
      kept.reason,
      "the preview failed for this resource: policyDocument needs approval before it is applied (requireApproval: broadening): broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics, aps:GetSeries",
    );
    const markdown = ampPolicy([
      "review",
      "--preview",
      path.join(fixtures, "preview-plugin-gated.json"),
      "--format",
      "markdown",
    ]);
    assert.match(
      markdown.stdout,
      /> \*\*The preview failed\*\* \(1 error\): the engine stops at an error, so resources it did not reach are not listed\./,
    );
    assert.ok(markdown.stdout.includes(`set \`approvedAccess: "${asked![1]}"\` on \`kept\``));
    assert.doesNotMatch(
      markdown.stdout,
      /"Version":"2012-10-17"/,
      "the engine's quote of the whole document is left out",
    );

    // A preview that failed elsewhere (no error of a policy resource) is still incomplete: exit 2, unless never.
    const elsewhere: PreviewJson = {
      ...gated,
      steps: gated.steps.filter((step) => !step.urn.includes("ResourcePolicy")),
      diagnostics: [{ message: "error: preview failed\n", severity: "error" }],
    };
    const incomplete = review(elsewhere);
    assert.deepEqual([incomplete.code, incomplete.json.resources.length, incomplete.json.fails], [2, 0, true]);
    assert.equal(review(elsewhere, ["--fail-on", "never"]).code, 0);
  });

  it("exit codes as diff: --fail-on any-change and never; a narrowing alone passes by default", () => {
    const preview = fixture("plugin");
    assert.equal(review(preview, ["--fail-on", "never"]).code, 0);
    const deleteOnly = { ...preview, steps: preview.steps.filter((s) => s.op === "delete") };
    assert.equal(review(deleteOnly).code, 0);
    assert.equal(review(deleteOnly, ["--fail-on", "any-change"]).code, 2);
    const bad = ampPolicy(["review", "--preview", "-", "--fail-on", "SECURITY_WARNING"], JSON.stringify(preview));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--fail-on for review must be broadening, any-change or never, not "SECURITY_WARNING"/);
  });

  it("--region and --account win over the stack config; the digest is bound to them", () => {
    const preview = fixture("plugin");
    const fromConfig = review(preview).json.resources.find((r) => r.name === "kept")!.approvedAccess;
    const sameRegion = review(preview, ["--region", "us-east-1"]).json.resources.find((r) => r.name === "kept")!;
    assert.equal(sameRegion.approvedAccess, fromConfig);
    const other = review(preview, ["--region", "cn-north-1"]).json.resources.find((r) => r.name === "kept")!;
    assert.notEqual(other.approvedAccess, fromConfig);
    const account = review(preview, ["--account", "999988887777"]).json.resources.find((r) => r.name === "kept")!;
    assert.notEqual(account.approvedAccess, fromConfig);
    const configured = { ...preview, config: { ...preview.config, "amp-resource-policy:accountId": "999988887777" } };
    assert.equal(
      review(configured).json.resources.find((r) => r.name === "kept")!.approvedAccess,
      account.approvedAccess,
    );
  });

  it("a replacement's steps (delete-replaced, replace, create-replacement) are one review", () => {
    const preview = fixture("dynamic");
    const moved = preview.steps.find((s) => s.op === "replace")!;
    const split: Step[] = [
      { op: "delete-replaced", urn: moved.urn, oldState: moved.oldState },
      { op: "replace", urn: moved.urn, oldState: moved.oldState, newState: moved.newState },
      { op: "create-replacement", urn: moved.urn, oldState: moved.oldState, newState: moved.newState },
    ];
    const { json } = review({ ...preview, steps: preview.steps.flatMap((s) => (s === moved ? split : [s])) });
    const reviews = json.resources.filter((r) => r.name === "moved");
    assert.equal(reviews.length, 1);
    assert.equal(reviews[0].op, "replace");
    assert.equal(reviews[0].previousWorkspaceId, moved.oldState!.inputs.workspaceId);
    assert.equal(reviews[0].workspaceId, moved.newState!.inputs.workspaceId);
  });

  it("says plainly when a value is not known at preview (the engine's unknown) or workspaceId is missing", () => {
    const preview = fixture("plugin");
    const change = (name: string, inputs: Record<string, unknown>): PreviewJson => ({
      ...preview,
      steps: preview.steps.map((s) =>
        s.urn.endsWith(`::${name}`)
          ? { ...s, newState: { ...s.newState!, inputs: { ...s.newState!.inputs, ...inputs } } }
          : s,
      ),
    });
    const byName = (json: ReviewJson, name: string) => json.resources.find((r) => r.name === name)!;
    const unknownWorkspace = byName(review(change("kept", { workspaceId: UNKNOWN })).json, "kept");
    assert.equal(unknownWorkspace.status, "unknown");
    assert.match(unknownWorkspace.reason!, /^workspaceId is not known yet \(another resource computes it\)/);
    const unknownDocument = byName(review(change("fresh", { policyDocument: UNKNOWN })).json, "fresh");
    assert.equal(unknownDocument.status, "unknown");
    assert.match(unknownDocument.reason!, /^policyDocument is not known yet/);
    const missing = byName(review(change("kept", { workspaceId: undefined })).json, "kept");
    assert.equal(missing.status, "unknown");
    assert.match(missing.reason!, /^workspaceId is missing from the new inputs/);

    const text = ampPolicy(["review", "--preview", "-"], JSON.stringify(change("kept", { workspaceId: UNKNOWN })));
    assert.match(
      text.stdout,
      /ResourcePolicy kept: update on workspace not known yet\naccess review not possible yet: workspaceId is not known yet/,
    );
  });

  it("--json is --format json; formats are checked per command", () => {
    const preview = JSON.stringify(fixture("plugin"));
    const long = ampPolicy(["review", "--preview", "-", "--format", "json"], preview);
    const short = ampPolicy(["review", "--preview", "-", "--json"], preview);
    assert.equal(short.stdout, long.stdout);
    const after = file("json-after.json", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "444455556666" }, Action: "aps:QueryMetrics" }],
    });
    const diffJson = ampPolicy(["diff", "/dev/null", after, "--json", "--workspace", "ws-1"]);
    assert.equal(
      ampPolicy(["diff", "/dev/null", after, "--format", "json", "--workspace", "ws-1"]).stdout,
      diffJson.stdout,
    );
    assert.deepEqual(Object.keys(JSON.parse(diffJson.stdout) as object).sort(), [
      "added",
      "approvedAccess",
      "broadening",
      "digest",
      "gains",
      "losses",
      "narrowing",
      "notes",
      "removed",
      "summary",
      "unknown",
    ]);
    const both = ampPolicy(["review", "--preview", "-", "--json", "--format", "markdown"], preview);
    assert.deepEqual(
      [both.code, both.stderr],
      [1, "amp-policy: --json is --format json: it cannot go with --format markdown\n"],
    );
    const explain = ampPolicy(["explain", "/dev/null", "--format", "markdown"]);
    assert.deepEqual(
      [explain.code, explain.stderr],
      [1, 'amp-policy: --format for explain must be text or json, not "markdown"\n'],
    );
    const sarif = ampPolicy(["review", "--preview", "-", "--format", "sarif"], preview);
    assert.equal(sarif.code, 1);
    assert.match(sarif.stderr, /--format for review must be text, json or markdown, not "sarif"/);
  });

  it("refuses what is not a preview, and options of other commands, in one line", () => {
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [
        ["review", "--preview", "-"],
        "not json",
        /^amp-policy: standard input is not JSON \(.*\); expected `pulumi preview --json` output\n$/,
      ],
      [
        ["review", "--preview", "-"],
        '{"deployment":{}}',
        /^amp-policy: standard input has no steps and no diagnostics/,
      ],
      [["review"], undefined, /^amp-policy: review needs --preview <file>/],
      [["review", "--preview", "missing.json"], undefined, /^amp-policy: cannot read missing.json: no such file\n$/],
      [["review", "--preview", "-", "--workspace", "ws-1"], "{}", /^amp-policy: --workspace does not apply to review/],
      [["diff", "--preview", "x", "a", "b"], undefined, /^amp-policy: --preview applies only to review\n$/],
    ];
    for (const [args, input, expected] of cases) {
      const run = ampPolicy(args, input);
      assert.equal(run.code, 1, args.join(" "));
      assert.match(run.stderr, expected);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    }
  });

  describe("--format markdown", () => {
    it("one comment: a summary table, a heading per resource, the verdict, the table, the digest and how to approve", () => {
      const run = ampPolicy([
        "review",
        "--preview",
        path.join(fixtures, "preview-plugin.json"),
        "--format",
        "markdown",
      ]);
      assert.equal(run.code, 2);
      const kept = review(fixture("plugin")).json.resources.find((r) => r.name === "kept")!;
      assert.ok(
        run.stdout.startsWith(
          "## AMP resource policy review\n\n5 policy changes: **3 broaden access**, 1 narrows access, **1 not reviewed here**.\n",
        ),
      );
      assert.ok(run.stdout.includes(`| \`kept\` | update | \`${kept.workspaceId}\` | **broadens** |`));
      assert.ok(
        run.stdout.includes(
          `### \`kept\`: update on \`${kept.workspaceId}\`\n\n**broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics, aps:GetSeries**\n`,
        ),
      );
      assert.ok(
        run.stdout.includes(
          "| **+** | Allow | aps:QueryMetrics<br>aps:GetSeries | arn:aws:iam::444455556666:root |  | Query |",
        ),
      );
      assert.ok(run.stdout.includes(`set \`approvedAccess: "${kept.approvedAccess}"\` on \`kept\``));
      assert.match(run.stdout, /### `retired`: delete on `ws-[0-9a-f-]+`\n\nnarrows access: /);
      assert.match(run.stdout, /A delete needs no approval/);
      assert.match(
        run.stdout,
        /\*\*Access review withheld:\*\* the policy document is a secret.* The provider printed the access digest `access-[0-9a-f]{12}` for it in this preview\./,
      );
    });

    it("stays under GitHub's 65,536 characters with thousands of statements, saying how many rows were left out", () => {
      const statements = 3000;
      const run = ampPolicy([
        "review",
        "--preview",
        file("big.json", createPreview(manyStatements(statements))),
        "--format",
        "markdown",
      ]);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(run.stdout.length <= 65_536, `${run.stdout.length} characters`);
      const shown = run.stdout.split("\n").filter((line) => line.startsWith("| **+** |")).length;
      assert.ok(shown > 0, "some rows are shown");
      const leftOut = /_([\d,]+) more rows of this table left out\._/.exec(run.stdout);
      assert.ok(leftOut, "says how many rows were left out");
      assert.equal(shown + Number(leftOut[1].replace(/,/g, "")), statements);
      assert.match(
        run.stdout,
        /> \*\*Left out to stay under GitHub's 65,536-character comment limit:\*\* [\d,]+ table rows\. Run `amp-policy review --preview big.json` for the whole review\./,
      );
      // Without the cut, the same comment would not fit.
      const json = review(createPreview(manyStatements(statements)));
      assert.equal(json.json.resources[0].status, "reviewed");
    });

    it("stays under the limit with thousands of resources, cutting sections and then summary rows", () => {
      const run = ampPolicy([
        "review",
        "--preview",
        file("many.json", createPreview(manyStatements(2), 4000)),
        "--format",
        "markdown",
      ]);
      assert.ok(run.stdout.length <= 65_536, `${run.stdout.length} characters`);
      assert.match(run.stdout, /^4,001 policy changes: \*\*4,001 broaden access\*\*\.$/m);
      assert.match(
        run.stdout,
        /Left out to stay under GitHub's 65,536-character comment limit:\*\* .*the sections of [\d,]+ resources/,
      );
    });

    it("a cell with hundreds of principals lists 30 and says how many more", () => {
      const policy = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: Array.from({ length: 500 }, (_, i) => `arn:aws:iam::${String(300000000000 + i)}:root`) },
            Action: "aps:RemoteWrite",
          },
        ],
      };
      const run = ampPolicy(["review", "--preview", file("wide.json", createPreview(policy)), "--format", "markdown"]);
      assert.match(run.stdout, /<br>… and 470 more \|/);
    });

    it("escapes what a policy says: no HTML, cell breaks, emphasis or mentions from a condition value", () => {
      const policy = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "aps:RemoteWrite",
            Condition: { StringEquals: { "aws:PrincipalTag/team": "<img src=x> | *bold* @org/admins" } },
          },
        ],
      };
      const run = ampPolicy([
        "review",
        "--preview",
        file("hostile.json", createPreview(policy)),
        "--format",
        "markdown",
      ]);
      assert.ok(run.stdout.includes("&lt;img src=x&gt; \\| \\*bold\\* &#64;org/admins"), run.stdout);
      assert.doesNotMatch(run.stdout, /<img|@org/);
    });

    it("diff --format markdown: the same comment for two files, exit codes unchanged", () => {
      const before = file("before.json", {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "aps:RemoteWrite" }],
      });
      const after = file("after.json", {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "444455556666" }, Action: "aps:QueryMetrics" }],
      });
      const run = ampPolicy(["diff", before, after, "--format", "markdown", "--workspace", "ws-1"]);
      assert.equal(run.code, 2);
      assert.ok(
        run.stdout.startsWith(
          "## Access review\n\n1 policy change: **1 broadens access**.\n\n### `before.json → after.json`: update on `ws-1`\n",
        ),
        run.stdout,
      );
      assert.match(
        run.stdout,
        /\| \*\*-\*\* \| Allow \| aps:RemoteWrite \| arn:aws:iam::111122223333:root \|(.|\n)*\| \*\*\+\*\* \| Allow \| aps:QueryMetrics \| arn:aws:iam::444455556666:root \|/,
      );
      assert.match(run.stdout, /set `approvedAccess: "access-[0-9a-f]{12}"`/);
      assert.equal(ampPolicy(["diff", before, after, "--format", "markdown", "--fail-on", "never"]).code, 0);
    });
  });
});
