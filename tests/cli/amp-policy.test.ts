import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { accessDigest } from "../../provider/access";
import { reviewAccess, reviewSettingsFromEnv } from "../../provider/review";
import { type BinRun, ensureCliBuilt, runAmpPolicy } from "../support/amp-policy-bin";

const root = path.resolve(__dirname, "../..");
const bin = path.join(root, "bin", "amp-policy");
const WS_ARN = "arn:aws:aps:us-east-1:999988887777:workspace/ws-1";

type Run = BinRun;

/** Runs the built bin as a user would: a separate Node process, no TTY. */
function ampPolicy(args: string[], input?: string): Run {
  return runAmpPolicy(args, { cwd: dir, input, env: { NO_COLOR: "" } });
}

let dir: string;

function file(name: string, content: unknown): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return name;
}

function stmt(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Effect: "Allow",
    Principal: { AWS: "111122223333" },
    Action: "aps:RemoteWrite",
    Resource: WS_ARN,
    ...overrides,
  };
}

function doc(...statements: Array<Record<string, unknown>>): Record<string, unknown> {
  return { Version: "2012-10-17", Statement: statements };
}

/** The Query statement of WRITE_AND_QUERY as two statements, one action each: the same access. */
function splitQuery(): Array<Record<string, unknown>> {
  return ["aps:QueryMetrics", "aps:GetSeries"].map((action, i) =>
    stmt({ Sid: `Query${i}`, Principal: { AWS: "444455556666" }, Action: action }),
  );
}

const WRITE = doc(stmt({ Sid: "Write" }));
const QUERY_ANYWHERE = stmt({
  Sid: "Query",
  Principal: { AWS: "444455556666" },
  Action: "aps:QueryMetrics",
  Resource: undefined,
});
/** States exported by the real CLI: a TypeScript stack (dynamic door, 0.1.0) and a YAML one (resource plugin). */
const dynamicState = path.join(root, "tests", "e2e", "fixtures", "state-0.1.0.json");
const pluginState = path.join(root, "tests", "e2e", "fixtures", "state-plugin-yaml.json");
const WRITE_AND_QUERY = doc(
  stmt({ Sid: "Write" }),
  stmt({ Sid: "Query", Principal: { AWS: "444455556666" }, Action: ["aps:QueryMetrics", "aps:GetSeries"] }),
);

/**
 * A `pulumi stack export` with a dynamic and a plugin ResourcePolicy, and an unrelated resource. The types are
 * those the real CLI records (see the exported states in tests/e2e/fixtures).
 */
function stackExport(policies: Record<string, unknown>): Record<string, unknown> {
  const resources: unknown[] = [
    { urn: "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", type: "pulumi:pulumi:Stack", outputs: {} },
  ];
  for (const [name, policy] of Object.entries(policies)) {
    const dynamic = name.startsWith("dyn");
    resources.push({
      urn: dynamic
        ? `urn:pulumi:dev::proj::pulumi-nodejs:dynamic/amp:ResourcePolicy::${name}`
        : `urn:pulumi:dev::proj::amp-resource-policy:index:ResourcePolicy::${name}`,
      type: dynamic ? "pulumi-nodejs:dynamic/amp:ResourcePolicy" : "amp-resource-policy:index:ResourcePolicy",
      id: "ws-1",
      inputs: { workspaceId: "ws-1", policyDocument: policy },
      outputs: { workspaceId: "ws-1", policyDocument: policy, revisionId: "r1", policyStatus: "ACTIVE" },
    });
  }
  return { version: 3, deployment: { manifest: {}, resources } };
}

describe("amp-policy (the built bin)", function () {
  this.timeout(120_000);

  before(() => {
    ensureCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-policy-cli-"));
    file("write.json", WRITE);
    file("write-and-query.json", WRITE_AND_QUERY);
    file(
      "write-reformatted.json",
      JSON.stringify(doc(stmt({ Sid: "Write", Principal: { AWS: ["arn:aws:iam::111122223333:root"] } }))),
    );
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("diff", () => {
    it("exits 2 on a broadening and prints the verdict and the table", () => {
      const run = ampPolicy(["diff", "write.json", "write-and-query.json"]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(
        run.stdout,
        [
          "broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics, aps:GetSeries",
          "┌───┬────────┬──────────────────┬────────────────────────────────┬───────────┬───────┐",
          "│   │ Effect │ Action           │ Principal                      │ Condition │ Sid   │",
          "├───┼────────┼──────────────────┼────────────────────────────────┼───────────┼───────┤",
          "│ + │ Allow  │ aps:QueryMetrics │ arn:aws:iam::444455556666:root │           │ Query │",
          "│   │        │ aps:GetSeries    │                                │           │       │",
          "└───┴────────┴──────────────────┴────────────────────────────────┴───────────┴───────┘",
          "",
        ].join("\n"),
      );
      assert.equal(run.stderr, "");
    });

    it("exits 0 on a narrowing, and 2 with --fail-on any-change", () => {
      const narrowing = ampPolicy(["diff", "write-and-query.json", "write.json"]);
      assert.equal(narrowing.code, 0);
      assert.match(
        narrowing.stdout,
        /^narrows access: arn:aws:iam::444455556666:root loses aps:QueryMetrics, aps:GetSeries\n/,
      );
      assert.equal(ampPolicy(["diff", "--fail-on", "any-change", "write-and-query.json", "write.json"]).code, 2);
    });

    it("exits 0 on a broadening with --fail-on never", () => {
      assert.equal(ampPolicy(["diff", "--fail-on", "never", "write.json", "write-and-query.json"]).code, 0);
    });

    it("exits 0 with no table when the documents mean the same", () => {
      const run = ampPolicy(["diff", "write.json", "write-reformatted.json"]);
      assert.deepEqual([run.code, run.stdout], [0, "no change in access\n"]);
    });

    it("prints JSON that parses, with the digest of after", () => {
      const run = ampPolicy(["diff", "--json", "write.json", "write-and-query.json"]);
      assert.equal(run.code, 2);
      const change = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.deepEqual(
        [change.broadening, change.narrowing, change.digest, (change.added as unknown[]).length],
        [true, false, accessDigest(WRITE_AND_QUERY), 1],
      );
    });

    it("reads - from standard input", () => {
      const run = ampPolicy(["diff", "write.json", "-"], JSON.stringify(WRITE_AND_QUERY));
      assert.equal(run.code, 2);
      assert.match(run.stdout, /^broadens access/);
    });

    it("reads an empty file as no policy: a create and a delete", () => {
      const create = ampPolicy(["diff", "/dev/null", "write.json"]);
      assert.deepEqual(
        [create.code, create.stdout.split("\n")[0]],
        [2, "broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite"],
      );
      const remove = ampPolicy(["diff", "write.json", "/dev/null"]);
      assert.deepEqual(
        [remove.code, remove.stdout.split("\n")[0]],
        [0, "narrows access: arn:aws:iam::111122223333:root loses aps:RemoteWrite"],
      );
    });

    it("prints colour only when asked", () => {
      assert.ok(!ampPolicy(["diff", "write.json", "write-and-query.json"]).stdout.includes("\u001b["));
      assert.ok(ampPolicy(["diff", "--color", "write.json", "write-and-query.json"]).stdout.includes("\u001b[32m"));
      assert.ok(!ampPolicy(["diff", "--ascii", "write.json", "write-and-query.json"]).stdout.includes("│"));
    });

    it("drops statements for another workspace with --workspace", () => {
      file(
        "other-workspace.json",
        doc(stmt({ Sid: "Write" }), stmt({ Principal: "*", Resource: WS_ARN.replace("ws-1", "ws-2") })),
      );
      assert.equal(ampPolicy(["diff", "write.json", "other-workspace.json"]).code, 2);
      const run = ampPolicy(["diff", "--workspace", "ws-1", "write.json", "other-workspace.json"]);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^no change in access\n/);
      assert.match(run.stdout, /Resource names another workspace/);
    });
  });

  describe("diff --stack-state", () => {
    before(() => {
      file("q.json", doc(stmt({ Sid: "CrossAccountRemoteWrite", Resource: undefined })));
      file("one.json", stackExport({ "dyn-policy": JSON.stringify(WRITE) }));
      file("two.json", stackExport({ "dyn-policy": JSON.stringify(WRITE), "plugin-policy": WRITE_AND_QUERY }));
    });

    it("takes before from the only ResourcePolicy of the state", () => {
      const run = ampPolicy(["diff", "--stack-state", "one.json", "write-and-query.json"]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stdout, /^broadens access: arn:aws:iam::444455556666:root gains/);
    });

    it("selects a resource by name or URN", () => {
      const byName = ampPolicy(["diff", "--stack-state", "two.json", "--resource", "plugin-policy", "write.json"]);
      assert.equal(byName.code, 0, byName.stderr);
      assert.match(byName.stdout, /^narrows access/);
      const urn = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/amp:ResourcePolicy::dyn-policy";
      const byUrn = ampPolicy(["diff", "--stack-state", "two.json", "--resource", urn, "write.json"]);
      assert.deepEqual([byUrn.code, byUrn.stdout], [0, "no change in access\n"]);
    });

    it("uses the resource's workspaceId", () => {
      file(
        "with-other.json",
        doc(stmt({ Sid: "Write" }), stmt({ Principal: "*", Resource: WS_ARN.replace("ws-1", "ws-9") })),
      );
      const run = ampPolicy(["diff", "--stack-state", "one.json", "with-other.json"]);
      assert.equal(run.code, 0, run.stdout);
    });

    it("refuses to guess between several resources", () => {
      const run = ampPolicy(["diff", "--stack-state", "two.json", "write.json"]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        "amp-policy: two.json holds several ResourcePolicy resources (dyn-policy, plugin-policy): choose one with --resource\n",
      );
    });

    it("names the resources it has when --resource matches none", () => {
      const run = ampPolicy(["diff", "--stack-state", "two.json", "--resource", "nope", "write.json"]);
      assert.deepEqual(
        [run.code, run.stderr],
        [1, 'amp-policy: two.json has no ResourcePolicy named "nope" (it has: dyn-policy, plugin-policy)\n'],
      );
    });

    it("explains how to export an encrypted policy", () => {
      file(
        "secret.json",
        stackExport({
          "dyn-policy": {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            ciphertext: "v1:abc",
          },
        }),
      );
      const run = ampPolicy(["diff", "--stack-state", "secret.json", "write.json"]);
      assert.deepEqual(
        [run.code, run.stderr],
        [
          1,
          "amp-policy: the policyDocument of dyn-policy is a secret in this state: export it with `pulumi stack export --show-secrets`\n",
        ],
      );
      file(
        "shown.json",
        stackExport({
          "dyn-policy": {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            plaintext: JSON.stringify(JSON.stringify(WRITE)),
          },
        }),
      );
      assert.deepEqual(
        ampPolicy(["diff", "--stack-state", "shown.json", "write.json"]).stdout,
        "no change in access\n",
      );
    });

    it("finds the ResourcePolicy of a TypeScript stack in a state the real CLI exported (dynamic door, 0.1.0)", () => {
      // A stack of examples/basic, `pulumi up` with 0.1.0, then `pulumi stack export` (see e2e/old-state.test.ts).
      file("query-anywhere.json", doc(stmt({ Sid: "Write", Resource: undefined }), QUERY_ANYWHERE));
      const run = ampPolicy(["diff", "--stack-state", dynamicState, "query-anywhere.json"]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stdout, /^broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics\n/);
      const same = ampPolicy([
        "diff",
        "--stack-state",
        dynamicState,
        "--resource",
        "cross-account-remote-write",
        "q.json",
      ]);
      assert.deepEqual([same.code, same.stdout], [0, "no change in access\n"]);
    });

    it("finds the ResourcePolicy of a YAML stack in a state the real CLI exported (resource plugin)", () => {
      const run = ampPolicy(["diff", "--stack-state", pluginState, "query-anywhere.json"]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stdout, /^broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics\n/);
    });

    it("rejects a file that is not a stack export", () => {
      const run = ampPolicy(["diff", "--stack-state", "write.json", "write.json"]);
      assert.deepEqual(
        [run.code, run.stderr],
        [1, "amp-policy: write.json has no deployment.resources; expected `pulumi stack export` output\n"],
      );
    });
  });

  describe("issue 15: one definition of a change, the workspace, and a closed pipe", () => {
    it("--fail-on any-change and the requireApproval any-change gate agree on what changes access", () => {
      const pairs: Array<[string, unknown, unknown]> = [
        ["a statement split in two", WRITE_AND_QUERY, doc(stmt({ Sid: "Write" }), ...splitQuery())],
        [
          "an action AMP ignores",
          WRITE,
          doc(stmt({ Sid: "Write", Action: ["aps:RemoteWrite", "aps:CreateWorkspace"] })),
        ],
        ["a new principal", WRITE, WRITE_AND_QUERY],
        ["a lost principal", WRITE_AND_QUERY, WRITE],
      ];
      for (const [name, before, after] of pairs) {
        const cli = ampPolicy([
          "diff",
          "--fail-on",
          "any-change",
          "--workspace",
          "ws-1",
          file("b.json", before),
          file("a.json", after),
        ]);
        const gate = reviewAccess(
          { workspaceId: "ws-1", policyDocument: before },
          { workspaceId: "ws-1", policyDocument: after, requireApproval: "any-change" },
        );
        assert.equal(
          cli.code === 2,
          gate.failure !== undefined,
          `${name}: amp-policy exits ${cli.code}, the gate ${gate.failure ? "fails" : "passes"}`,
        );
      }
    });

    it("--account (and --region): a Resource naming this workspace id in another account grants nothing", () => {
      const foreign = doc(
        stmt({ Sid: "Write" }),
        stmt({
          Sid: "Query",
          Principal: { AWS: "444455556666" },
          Resource: WS_ARN.replace("999988887777", "111122223333"),
        }),
      );
      file("foreign.json", foreign);
      const known = ampPolicy([
        "diff",
        "--workspace",
        "ws-1",
        "--region",
        "us-east-1",
        "--account",
        "999988887777",
        "write.json",
        "foreign.json",
      ]);
      assert.deepEqual([known.code, known.stderr], [0, ""]);
      assert.match(known.stdout, /^no change in access\n/);
      const bad = ampPolicy(["diff", "--account", "9999", "write.json", "foreign.json"]);
      assert.deepEqual(
        [bad.code, bad.stderr],
        [1, 'amp-policy: --account must be a 12-digit AWS account id, not "9999"\n'],
      );
    });

    it("with --workspace, prints the approvedAccess value the provider's gate takes for that workspace", () => {
      const run = ampPolicy([
        "diff",
        "--workspace",
        "ws-1",
        "--region",
        "us-east-1",
        "write.json",
        "write-and-query.json",
      ]);
      const gate = reviewAccess(
        { workspaceId: "ws-1", policyDocument: WRITE },
        { workspaceId: "ws-1", policyDocument: WRITE_AND_QUERY, requireApproval: "broadening" },
        reviewSettingsFromEnv({ AWS_REGION: "us-east-1" }),
      );
      const approval = /approvedAccess: "(access-[0-9a-f]{12})"/.exec(gate.failure!.reason)![1];
      assert.ok(run.stdout.endsWith(`approvedAccess for workspace ws-1: ${approval}\n`), run.stdout);
      const other = ampPolicy([
        "diff",
        "--workspace",
        "ws-2",
        "--region",
        "us-east-1",
        "write.json",
        "write-and-query.json",
      ]);
      assert.ok(!other.stdout.includes(approval), "another workspace, another approval");
      const explained = ampPolicy(["explain", "--workspace", "ws-1", "--region", "us-east-1", "write-and-query.json"]);
      assert.ok(explained.stdout.endsWith(`approvedAccess for workspace ws-1: ${approval}\n`), explained.stdout);
    });

    it("diff | head: exits with the verdict and prints no trace when the reader closes the pipe early (EPIPE)", async () => {
      // Enough rows that the table outgrows the pipe's buffer: the writes go on after the reader is gone.
      const many = doc(
        ...Array.from({ length: 3000 }, (_, i) => stmt({ Sid: `S${i}`, Principal: { AWS: String(100000000000 + i) } })),
      );
      file("many.json", many);
      const child = spawn(process.execPath, [bin, "diff", "/dev/null", "many.json"], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.stdout.once("data", () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      assert.deepEqual([code, stderr], [2, ""]);
    });
  });

  describe("explain", () => {
    it("prints who can do what and the digest", () => {
      const run = ampPolicy(["explain", "write-and-query.json"]);
      assert.equal(run.code, 0);
      assert.equal(
        run.stdout,
        [
          "┌────────┬──────────────────┬────────────────────────────────┬───────────┬───────┐",
          "│ Effect │ Action           │ Principal                      │ Condition │ Sid   │",
          "├────────┼──────────────────┼────────────────────────────────┼───────────┼───────┤",
          "│ Allow  │ aps:RemoteWrite  │ arn:aws:iam::111122223333:root │           │ Write │",
          "├────────┼──────────────────┼────────────────────────────────┼───────────┼───────┤",
          "│ Allow  │ aps:QueryMetrics │ arn:aws:iam::444455556666:root │           │ Query │",
          "│        │ aps:GetSeries    │                                │           │       │",
          "└────────┴──────────────────┴────────────────────────────────┴───────────┴───────┘",
          "statements by Sid (who owns what):",
          "  Query  Allow  arn:aws:iam::444455556666:root  aps:QueryMetrics, aps:GetSeries",
          "  Write  Allow  arn:aws:iam::111122223333:root  aps:RemoteWrite",
          `access digest: ${accessDigest(WRITE_AND_QUERY)}`,
          "",
        ].join("\n"),
      );
    });

    it("lists the statements by Sid, one line each with effect, principals and actions; (no Sid) last", () => {
      file(
        "shared.json",
        doc(
          stmt({ Sid: "TeamB", Principal: { AWS: ["666677778888", "444455556666"] } }),
          stmt({ Principal: "*", Effect: "Deny", Action: "aps:QueryMetrics" }),
          stmt({ Sid: "TeamA", Action: ["aps:RemoteWrite", "aps:GetSeries"] }),
        ),
      );
      const run = ampPolicy(["explain", "shared.json"]);
      assert.equal(run.code, 0);
      const lines = run.stdout.split("\n");
      const at = lines.indexOf("statements by Sid (who owns what):");
      assert.ok(at > 0, run.stdout);
      assert.deepEqual(lines.slice(at + 1, at + 4), [
        "  TeamA     Allow  arn:aws:iam::111122223333:root                                  aps:RemoteWrite, aps:GetSeries",
        "  TeamB     Allow  arn:aws:iam::444455556666:root, arn:aws:iam::666677778888:root  aps:RemoteWrite",
        "  (no Sid)  Deny   * (anyone)                                                      aps:QueryMetrics",
      ]);
      assert.match(lines[at + 4], /^access digest: /);
    });

    it("--json adds the statements by Sid and keeps rows and digest as they were", () => {
      file("shared-json.json", doc(stmt({ Sid: "TeamA" }), stmt({ Effect: "Deny", Principal: "*" })));
      const run = ampPolicy(["explain", "--json", "shared-json.json"]);
      const explanation = JSON.parse(run.stdout) as {
        rows: unknown[];
        digest: string;
        statements: Array<{ sid: string | null; effect: string; principals: string[]; actions: string[] }>;
      };
      assert.equal(run.code, 0);
      assert.equal(explanation.rows.length, 2);
      assert.equal(
        explanation.digest,
        accessDigest(doc(stmt({ Sid: "TeamA" }), stmt({ Effect: "Deny", Principal: "*" }))),
      );
      assert.deepEqual(explanation.statements, [
        { sid: "TeamA", effect: "Allow", principals: ["arn:aws:iam::111122223333:root"], actions: ["aps:RemoteWrite"] },
        { sid: null, effect: "Deny", principals: ["* (anyone)"], actions: ["aps:RemoteWrite"] },
      ]);
    });

    it("prints JSON that parses", () => {
      const run = ampPolicy(["explain", "--json", "write.json"]);
      const explanation = JSON.parse(run.stdout) as { rows: Array<{ principals: string[] }>; digest: string };
      assert.deepEqual(
        [run.code, explanation.rows.map((row) => row.principals), explanation.digest],
        [0, [["arn:aws:iam::111122223333:root"]], accessDigest(WRITE)],
      );
    });
  });

  describe("validate", () => {
    const PUBLIC = {
      Version: "2012-10-17",
      Statement: [stmt({ Sid: "Anyone", Principal: "*", Action: ["aps:QueryMetrics", "aps:GetSeries"] })],
    };

    it("exits 0 on a tight policy, printing its suggestions", () => {
      const run = ampPolicy(["validate", "write.json"]);
      assert.deepEqual(
        [run.code, run.stdout],
        [
          0,
          "SUGGESTION KMS_KEY_GRANTS: the policy grants access to principals: if the workspace is encrypted with a " +
            "customer-managed KMS key, each of them must also be allowed to use that key (in its key policy or by a " +
            "grant), or their requests fail\n1 finding, 0 at or above SECURITY_WARNING\n",
        ],
      );
    });

    it("exits 2 on a SECURITY_WARNING by default, naming the code and the path", () => {
      file("public.json", PUBLIC);
      const run = ampPolicy(["validate", "public.json"]);
      assert.equal(run.code, 2);
      assert.equal(
        run.stdout.split("\n")[0],
        'SECURITY_WARNING PUBLIC_ACCESS at Statement[0]: Statement[0] allows Principal "*" with no condition ' +
          "restricting who (e.g. aws:PrincipalOrgID or aws:SourceAccount): the workspace is open to anyone",
      );
      assert.match(run.stdout, /\n2 findings, 1 at or above SECURITY_WARNING\n$/);
    });

    it("follows --fail-on and --ignore-finding", () => {
      assert.equal(ampPolicy(["validate", "--fail-on", "ERROR", "public.json"]).code, 0);
      assert.equal(ampPolicy(["validate", "--fail-on", "suggestion", "write.json"]).code, 2);
      assert.equal(ampPolicy(["validate", "--fail-on", "never", "public.json"]).code, 0);
      const ignored = ampPolicy(["validate", "--ignore-finding", "public_access,KMS_KEY_GRANTS", "public.json"]);
      assert.deepEqual([ignored.code, ignored.stdout], [0, "no findings\n"]);
    });

    it("checks the Resource against --workspace", () => {
      const run = ampPolicy(["validate", "--workspace", "ws-2", "--fail-on", "WARNING", "write.json"]);
      assert.equal(run.code, 2);
      assert.match(run.stdout, /^WARNING OTHER_WORKSPACE_RESOURCE at Statement\[0\]\.Resource: /);
    });

    it("exits 2 on an ERROR and prints JSON that parses", () => {
      file("no-version-no-effect.json", {
        Statement: [{ Principal: { AWS: "111122223333" }, Action: "aps:RemoteWrite" }],
      });
      const run = ampPolicy(["validate", "--json", "no-version-no-effect.json"]);
      assert.equal(run.code, 2);
      const output = JSON.parse(run.stdout) as {
        findings: Array<Record<string, string>>;
        failOn: string;
        blocking: number;
      };
      assert.deepEqual(
        output.findings.map((f) => [f.findingType, f.issueCode, f.path]),
        [
          ["WARNING", "MISSING_VERSION", ""],
          ["ERROR", "MISSING_EFFECT", "Statement[0]"],
        ],
      );
      assert.deepEqual([output.failOn, output.blocking], ["SECURITY_WARNING", 1]);
    });

    it("refuses an unknown issue code and an empty file", () => {
      const unknown = ampPolicy(["validate", "--ignore-finding", "NOPE", "write.json"]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^amp-policy: --ignore-finding: no issue code NOPE \(codes: MISSING_POLICY, /);
      const empty = ampPolicy(["validate", "/dev/null"]);
      assert.deepEqual(
        [empty.code, empty.stderr],
        [1, "amp-policy: /dev/null is empty: there is no policy to validate\n"],
      );
    });
  });

  describe("bad input: exit 1, one clear line, no stack trace", () => {
    const cases: Array<{ name: string; args: string[]; setup?: () => void; stderr: string | RegExp }> = [
      {
        name: "a missing file",
        args: ["diff", "missing.json", "write.json"],
        stderr: "cannot read missing.json: no such file",
      },
      { name: "a directory", args: ["explain", "."], stderr: "cannot read .: it is a directory" },
      {
        name: "a file that is not JSON",
        args: ["diff", "write.json", "broken.json"],
        setup: () => file("broken.json", '{"Version": "2012-10-17",'),
        // The parser's own words are not this command's.
        stderr: /^broken\.json is not a policy: it is not valid JSON \(.+\)$/,
      },
      {
        name: "JSON that is not an object",
        args: ["explain", "list.json"],
        setup: () => file("list.json", "[1, 2]"),
        stderr: "list.json is not a policy: it must be a JSON object with a Statement, not an array",
      },
      {
        name: "a policy the provider would refuse",
        args: ["diff", "write.json", "no-effect.json"],
        setup: () =>
          file("no-effect.json", {
            Version: "2012-10-17",
            Statement: [{ Principal: "*", Action: "aps:*", NotAction: "aps:RemoteWrite" }],
          }),
        stderr:
          'no-effect.json is not a valid policy: the document Statement[0] has no Effect (must be "Allow" or "Deny") (and 1 more problem; see amp-policy validate)',
      },
      {
        name: "no command",
        args: [],
        stderr: "a command is required: diff, explain, validate or review (see amp-policy --help)",
      },
      {
        name: "an unknown command",
        args: ["approve", "write.json"],
        stderr: 'unknown command "approve": use diff, explain, validate or review (see amp-policy --help)',
      },
      {
        name: "an unknown option",
        args: ["diff", "--frob", "a", "b"],
        stderr: "unknown option --frob (see amp-policy --help)",
      },
      {
        name: "one file for diff",
        args: ["diff", "write.json"],
        stderr: "expected diff <before> <after>, got 1 argument (see amp-policy --help)",
      },
      {
        name: "stdin twice",
        args: ["diff", "-", "-"],
        stderr: "only one of <before> and <after> can be - (standard input)",
      },
      {
        name: "a bad --fail-on",
        args: ["diff", "--fail-on", "sometimes", "write.json", "write.json"],
        stderr: '--fail-on for diff must be broadening, any-change or never, not "sometimes"',
      },
      {
        name: "a bad --partition",
        args: ["explain", "--partition", "mars", "write.json"],
        stderr: '--partition must be an AWS partition name (aws, aws-cn, aws-us-gov, ...), not "mars"',
      },
      {
        name: "--resource without --stack-state",
        args: ["diff", "--resource", "x", "write.json", "write.json"],
        stderr: "--resource needs --stack-state",
      },
    ];
    for (const { name, args, setup, stderr } of cases) {
      it(`on ${name}`, () => {
        setup?.();
        const run = ampPolicy(args);
        assert.deepEqual([run.code, run.stdout], [1, ""]);
        assert.match(run.stderr, /^amp-policy: [^\n]*\n$/);
        if (typeof stderr === "string") {
          assert.equal(run.stderr, `amp-policy: ${stderr}\n`);
        } else {
          assert.match(run.stderr.slice("amp-policy: ".length, -1), stderr);
        }
      });
    }
  });

  it("prints its usage with --help", () => {
    const run = ampPolicy(["--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: amp-policy <command> \[options\]\n/);
    assert.match(run.stdout, /Exit codes: 0 no broadening/);
  });
});
