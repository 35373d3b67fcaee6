import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";
import { runAmpPolicy } from "../support/amp-policy-bin";

/** One ResourcePolicy of a test program: its name, workspace, principals allowed to remote-write and query. */
interface PolicySpec {
  name: string;
  workspaceId: string;
  writers: string[];
  readers?: string[];
  secret?: boolean;
  requireApproval?: string;
}

const account = (id: string) => `arn:aws:iam::${id}:root`;

function policyOf(spec: PolicySpec): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RemoteWrite",
        Effect: "Allow",
        Principal: { AWS: spec.writers.map(account) },
        Action: ["aps:RemoteWrite"],
      },
      ...(spec.readers === undefined
        ? []
        : [
            {
              Sid: "Query",
              Effect: "Allow",
              Principal: { AWS: spec.readers.map(account) },
              Action: ["aps:QueryMetrics", "aps:GetSeries"],
            },
          ]),
    ],
  };
}

/** A TypeScript program (the dynamic door) with these resources. */
function typescriptProgram(specs: PolicySpec[]): string {
  const lines = specs.map((spec) => {
    const text = JSON.stringify(JSON.stringify(policyOf(spec)));
    const document = spec.secret === true ? `pulumi.secret(${text})` : text;
    const gate = spec.requireApproval === undefined ? "" : `, requireApproval: ${JSON.stringify(spec.requireApproval)}`;
    return `new ResourcePolicy(${JSON.stringify(spec.name)}, { workspaceId: ${JSON.stringify(spec.workspaceId)}, policyDocument: ${document}${gate} });`;
  });
  return [
    'import * as pulumi from "@pulumi/pulumi";',
    'import { ResourcePolicy } from "pulumi-amp-resource-policy";',
    "void pulumi;",
    ...lines,
    "",
  ].join("\n");
}

/** A YAML program (the plugin door) with these resources, its plugin path kept from the harness's project. */
function yamlProgram(original: string, specs: PolicySpec[]): string {
  const head = original.slice(0, original.indexOf("\nconfig:"));
  const resources = specs.map((spec) => {
    const text = JSON.stringify(policyOf(spec));
    const document = spec.secret === true ? `\n        fn::secret: '${text}'` : ` '${text}'`;
    return [
      `  ${spec.name}:`,
      "    type: amp-resource-policy:index:ResourcePolicy",
      "    properties:",
      `      workspaceId: ${spec.workspaceId}`,
      `      policyDocument:${document}`,
      ...(spec.requireApproval === undefined ? [] : [`      requireApproval: ${spec.requireApproval}`]),
    ].join("\n");
  });
  return `${head}\nresources:\n${resources.join("\n")}\n`;
}

/** Keeps an output in .test-tmp/pipeline-review (git-ignored): the README's examples and the CLI fixtures come from there. */
function keep(name: string, text: string): void {
  fs.mkdirSync(kept, { recursive: true });
  fs.writeFileSync(path.join(kept, name), text);
}

/** What `amp-policy review --format json` prints (the fields these tests read). */
interface ReviewJson {
  resources: Array<{
    urn: string;
    name: string;
    op: string;
    status: string;
    workspaceId?: string;
    previousWorkspaceId?: string;
    reason?: string;
    summary?: string;
    approvedAccess?: string;
    needsApproval?: boolean;
  }>;
}

const kept = path.join(repoRoot, ".test-tmp", "pipeline-review");

/**
 * The access digests the provider printed in a preview's diagnostics: the plugin's by URN, the dynamic
 * provider's (its log lines reach the engine one by one, without a URN) by the workspace its first line names.
 */
function providerDigests(previewJson: string, door: "dynamic" | "plugin"): Map<string, string> {
  const { diagnostics } = JSON.parse(previewJson) as { diagnostics: Array<{ urn?: string; message: string }> };
  const digests = new Map<string, string>();
  let workspace: string | undefined;
  for (const { urn, message } of diagnostics) {
    workspace = /amp:ResourcePolicy \((ws-[0-9a-f-]+)\): /.exec(message)?.[1] ?? workspace;
    const digest = /access digest: (access-[0-9a-f]{12})/.exec(message)?.[1];
    const key = door === "plugin" ? urn : workspace;
    if (digest !== undefined && key !== undefined) {
      digests.set(key, digest);
    }
  }
  return digests;
}

/** Runs the built bin as a pipeline does: a separate Node process. */
function ampPolicy(args: string[], input?: string) {
  return runAmpPolicy(args, { input, env: { NO_COLOR: "1" } });
}

const doors = [
  { door: "dynamic", example: "access-review" },
  { door: "plugin", example: "yaml" },
] as const;

for (const { door, example } of doors) {
  describe(`amp-policy review --preview on real \`pulumi preview --json\` output: the ${door} door`, function () {
    this.timeout(600_000);
    let setup: EmulatedProject | undefined;
    let project: PulumiProject;
    let original: string;
    const ws: Record<string, string> = {};
    let preview: string;

    /** The second program: kept gains a reader, moved moves, fresh is new, retired is gone, hidden changes. */
    const changed = (keptGate?: string): PolicySpec[] => [
      {
        name: "kept",
        workspaceId: ws.kept,
        writers: ["111122223333"],
        readers: ["444455556666"],
        requireApproval: keptGate,
      },
      { name: "moved", workspaceId: ws["moved-to"], writers: ["111122223333"] },
      { name: "fresh", workspaceId: ws.fresh, writers: ["777788889999"] },
      { name: "same", workspaceId: ws.same, writers: ["111122223333"] },
      { name: "hidden", workspaceId: ws.hidden, writers: ["111122223333", "555566667777"], secret: true },
    ];

    const deploy = (specs: PolicySpec[]) => {
      if (door === "dynamic") {
        project.write("index.ts", typescriptProgram(specs));
        project.write("Pulumi.yaml", original.slice(0, original.indexOf("\nconfig:") + 1));
      } else {
        project.write("Pulumi.yaml", yamlProgram(original, specs));
      }
    };

    before(async () => {
      setup = await emulatedProject(example);
      project = setup.project;
      original = project.read("Pulumi.yaml");
      for (const alias of ["kept", "moved-from", "moved-to", "retired", "fresh", "same", "hidden"]) {
        ws[alias] = setup.emulator.createWorkspace({ alias });
      }
      deploy([
        { name: "kept", workspaceId: ws.kept, writers: ["111122223333"] },
        { name: "moved", workspaceId: ws["moved-from"], writers: ["111122223333"] },
        { name: "retired", workspaceId: ws.retired, writers: ["111122223333"], readers: ["444455556666"] },
        { name: "same", workspaceId: ws.same, writers: ["111122223333"] },
        { name: "hidden", workspaceId: ws.hidden, writers: ["111122223333"], secret: true },
      ]);
      // The region the provider binds its digests to (AWS_REGION here), as the stack's config says it.
      const regionKey = door === "plugin" ? "amp-resource-policy:region" : "aws:region";
      assertOk(await project.pulumi(["config", "set", regionKey, "us-east-1"]), "config set region");
      assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
      deploy(changed());
      const result = await project.pulumi(["preview", "--json"]);
      assertOk(result, "preview --json");
      preview = result.stdout;
      keep(`${door}-preview.json`, preview);
      const shown = await project.pulumi(["preview", "--json", "--show-secrets"]);
      assertOk(shown, "preview --json --show-secrets");
      keep(`${door}-preview-show-secrets.json`, shown.stdout);
    });
    after(async () => {
      await setup?.dispose();
    });

    const reviewOf = (args: string[] = [], input = preview) => {
      const run = ampPolicy(["review", "--preview", "-", "--format", "json", ...args], input);
      assert.equal(run.stderr, "", "nothing on stderr");
      return { code: run.code, json: JSON.parse(run.stdout) as ReviewJson };
    };

    it("finds every ResourcePolicy step once: create, update, replace (onto another workspace), delete; a secret withheld", () => {
      const { json } = reviewOf();
      const byName = Object.fromEntries(json.resources.map((r) => [r.name, r]));
      assert.deepEqual(json.resources.map((r) => `${r.name} ${r.op} ${r.status}`).sort(), [
        "fresh create reviewed",
        "hidden update withheld",
        "kept update reviewed",
        "moved replace reviewed",
        "retired delete reviewed",
      ]);
      assert.equal(byName.moved.workspaceId, ws["moved-to"]);
      assert.equal(byName.moved.previousWorkspaceId, ws["moved-from"]);
      assert.equal(byName.retired.workspaceId, ws.retired);
      assert.match(
        byName.kept.summary!,
        /^broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics, aps:GetSeries$/,
      );
      assert.match(byName.fresh.summary!, /^broadens access: arn:aws:iam::777788889999:root gains aps:RemoteWrite$/);
      assert.match(byName.retired.summary!, /^narrows access: arn:aws:iam::111122223333:root loses aps:RemoteWrite/);
      assert.equal(byName.retired.approvedAccess, undefined, "a delete is not gated");
      assert.match(byName.hidden.reason!, /the policy document is a secret/);
      assert.equal(byName.same, undefined, "an unchanged resource has no step");
      // --show-secrets changes nothing: the engine prints "[secret]" for secret inputs in either case.
      const shown = reviewOf([], fs.readFileSync(path.join(kept, `${door}-preview-show-secrets.json`), "utf8"));
      assert.deepEqual(
        shown.json.resources.map((r) => `${r.name} ${r.status}`),
        json.resources.map((r) => `${r.name} ${r.status}`),
      );
    });

    it("prints the approval digest the provider printed for each resource in the same preview (region from the stack config)", () => {
      const { json } = reviewOf();
      const printed = providerDigests(preview, door);
      const written = json.resources.filter((r) => r.approvedAccess !== undefined);
      assert.equal(written.length, 3);
      for (const resource of written) {
        const expected = printed.get(door === "plugin" ? resource.urn : resource.workspaceId!);
        assert.equal(resource.approvedAccess, expected, `${resource.name}: the provider printed ${expected}`);
      }
      // The digest is bound to the region: another region is another approval.
      const elsewhere = reviewOf(["--region", "eu-west-1"]).json.resources.find((r) => r.name === "kept")!;
      assert.notEqual(elsewhere.approvedAccess, written.find((r) => r.name === "kept")!.approvedAccess);
    });

    it("a preview the requireApproval gate fails has no step for the resource: review names it, the gate's reason and the digest the gate asks for", async () => {
      deploy(changed("broadening"));
      const gated = await project.pulumi(["preview", "--json"]);
      deploy(changed());
      assert.notEqual(gated.code, 0, "the gate fails the preview");
      keep(`${door}-gated-preview.json`, gated.stdout);
      const asked = /set the input approvedAccess: \\?"(access-[0-9a-f]{12})\\?"/.exec(gated.stdout);
      assert.ok(asked, `the gate's digest in the preview's JSON:\n${gated.stdout.slice(0, 4000)}`);
      const { code, json } = reviewOf([], gated.stdout);
      assert.equal(code, 2);
      const keptReview = json.resources.find((r) => r.name === "kept");
      assert.ok(keptReview, `kept is reviewed: ${json.resources.map((r) => r.name).join(", ")}`);
      assert.equal(keptReview.approvedAccess, asked[1]);
      assert.equal(keptReview.needsApproval, true);
    });

    it("exits as diff does: 2 on a broadening (default), 2 with any-change, 0 with --fail-on never", () => {
      assert.equal(reviewOf().code, 2);
      assert.equal(reviewOf(["--fail-on", "any-change"]).code, 2);
      assert.equal(reviewOf(["--fail-on", "never"]).code, 0);
    });

    it("--format markdown: one comment, a heading per resource, the tables and the digests", () => {
      const run = ampPolicy(["review", "--preview", path.join(kept, `${door}-preview.json`), "--format", "markdown"]);
      assert.equal(run.code, 2, run.stderr);
      keep(`${door}-comment.md`, run.stdout);
      const { json } = reviewOf();
      for (const resource of json.resources) {
        assert.ok(
          run.stdout.includes(`### \`${resource.name}\`: ${resource.op}`),
          `a heading for ${resource.name} in:\n${run.stdout}`,
        );
        if (resource.approvedAccess !== undefined) {
          assert.ok(run.stdout.includes(`approvedAccess: "${resource.approvedAccess}"`));
        }
      }
      assert.match(
        run.stdout,
        /\| \*\*\+\*\* \| Allow \| aps:QueryMetrics<br>aps:GetSeries \| arn:aws:iam::444455556666:root \|/,
      );
      assert.match(run.stdout, /\*\*Access review withheld:\*\* the policy document is a secret/);
      assert.ok(run.stdout.length < 65_536);
    });
  });
}
