import assert from "node:assert/strict";

import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";
import { runAmpPolicy } from "../support/amp-policy-bin";

/** One ResourcePolicyStatement of a test program: its name, Sid and the accounts it lets remote-write. */
interface StatementSpec {
  name: string;
  sid: string;
  writers: string[];
}

const statementOf = (spec: StatementSpec) => ({
  Effect: "Allow",
  Principal: { AWS: spec.writers.map((id) => `arn:aws:iam::${id}:root`) },
  Action: "aps:RemoteWrite",
});

/** A TypeScript program (the dynamic door) with these statements on one workspace. */
function typescriptProgram(workspaceId: string, specs: StatementSpec[]): string {
  return [
    'import { ResourcePolicyStatement } from "pulumi-amp-resource-policy";',
    ...specs.map(
      (spec) =>
        `new ResourcePolicyStatement(${JSON.stringify(spec.name)}, { workspaceId: ${JSON.stringify(workspaceId)}, sid: ${JSON.stringify(spec.sid)}, statement: ${JSON.stringify(statementOf(spec))} });`,
    ),
    "",
  ].join("\n");
}

/** A YAML program (the plugin door) with these statements, its plugin path kept from the harness's project. */
function yamlProgram(original: string, workspaceId: string, specs: StatementSpec[]): string {
  const head = original.slice(0, original.indexOf("\nconfig:"));
  const resources = specs.map((spec) =>
    [
      `  ${spec.name}:`,
      "    type: amp-resource-policy:index:ResourcePolicyStatement",
      "    properties:",
      `      workspaceId: ${workspaceId}`,
      `      sid: ${spec.sid}`,
      `      statement: '${JSON.stringify(statementOf(spec))}'`,
    ].join("\n"),
  );
  return `${head}\nresources:\n${resources.join("\n")}\n`;
}

/** What `amp-policy review --format json` prints (the fields read here). */
interface ReviewJson {
  resources: Array<{
    urn: string;
    name: string;
    label: string;
    op: string;
    status: string;
    workspaceId?: string;
    summary?: string;
    notes?: string[];
    approvedAccess?: string;
  }>;
}

/** The access digests the provider printed in the preview's diagnostics: by URN (plugin) or by `<ws>/<sid>` (dynamic). */
function providerDigests(previewJson: string): Map<string, string> {
  const { diagnostics } = JSON.parse(previewJson) as { diagnostics: Array<{ urn?: string; message: string }> };
  const digests = new Map<string, string>();
  let about: string | undefined;
  for (const { urn, message } of diagnostics) {
    about = /amp:ResourcePolicyStatement \((ws-[0-9a-f-]+\/\w+)\): /.exec(message)?.[1] ?? about;
    const digest = /access digest: (access-[0-9a-f]{12})/.exec(message)?.[1];
    for (const key of [urn, about]) {
      if (digest !== undefined && key !== undefined) {
        digests.set(key, digest);
      }
    }
  }
  return digests;
}

/** Runs the built bin as a pipeline does. */
function ampPolicy(args: string[], input: string) {
  return runAmpPolicy(args, { input, env: { NO_COLOR: "1" } });
}

const doors = [
  { door: "dynamic", example: "access-review" },
  { door: "plugin", example: "yaml" },
] as const;

for (const { door, example } of doors) {
  describe(`amp-policy review --preview of ResourcePolicyStatement steps: the ${door} door`, function () {
    this.timeout(600_000);
    let setup: EmulatedProject | undefined;
    let project: PulumiProject;
    let original: string;
    let ws: string;
    let preview: string;

    const deploy = (specs: StatementSpec[]) => {
      if (door === "dynamic") {
        project.write("index.ts", typescriptProgram(ws, specs));
        project.write("Pulumi.yaml", original.slice(0, original.indexOf("\nconfig:") + 1));
      } else {
        project.write("Pulumi.yaml", yamlProgram(original, ws, specs));
      }
    };

    before(async () => {
      setup = await emulatedProject(example);
      project = setup.project;
      original = project.read("Pulumi.yaml");
      ws = setup.emulator.createWorkspace({ alias: "central" });
      deploy([
        { name: "team-a", sid: "TeamA", writers: ["111122223333"] },
        { name: "team-c", sid: "TeamC", writers: ["999988887777"] },
      ]);
      const regionKey = door === "plugin" ? "amp-resource-policy:region" : "aws:region";
      assertOk(await project.pulumi(["config", "set", regionKey, "us-east-1"]), "config set region");
      assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
      deploy([
        { name: "team-a", sid: "TeamA", writers: ["111122223333", "444455556666"] },
        { name: "team-b", sid: "TeamB", writers: ["777788889999"] },
      ]);
      const result = await project.pulumi(["preview", "--json"]);
      assertOk(result, "preview --json");
      preview = result.stdout;
    });
    after(async () => {
      await setup?.dispose();
    });

    it("reviews each statement's step as its one-statement policy, with the provider's digest and the note on other statements", () => {
      const run = ampPolicy(["review", "--preview", "-", "--format", "json"], preview);
      assert.equal(run.stderr, "");
      assert.equal(run.code, 2, "a broadening fails by default");
      const { resources } = JSON.parse(run.stdout) as ReviewJson;
      assert.deepEqual(resources.map((r) => `${r.name} ${r.label} ${r.op} ${r.status}`).sort(), [
        "team-a ResourcePolicyStatement update reviewed",
        "team-b ResourcePolicyStatement create reviewed",
        "team-c ResourcePolicyStatement delete reviewed",
      ]);
      const byName = Object.fromEntries(resources.map((r) => [r.name, r]));
      assert.match(
        byName["team-a"].summary!,
        /^broadens access: arn:aws:iam::444455556666:root gains aps:RemoteWrite$/,
      );
      assert.match(
        byName["team-b"].summary!,
        /^broadens access: arn:aws:iam::777788889999:root gains aps:RemoteWrite$/,
      );
      assert.match(byName["team-c"].summary!, /^narrows access: arn:aws:iam::999988887777:root loses aps:RemoteWrite/);
      for (const resource of resources) {
        assert.ok(
          resource.notes?.some((note) => /this statement alone/.test(note)),
          `${resource.name}: the note on other statements in ${JSON.stringify(resource.notes)}`,
        );
      }
      const printed = providerDigests(preview);
      for (const [name, sid] of [
        ["team-a", "TeamA"],
        ["team-b", "TeamB"],
      ]) {
        const resource = byName[name];
        const expected = printed.get(door === "plugin" ? resource.urn : `${ws}/${sid}`);
        assert.ok(expected, `the provider printed a digest for ${name}`);
        assert.equal(resource.approvedAccess, expected, `${name}: the provider printed ${expected}`);
      }
    });

    it("--format markdown: a heading per statement resource and the note folded with the others", () => {
      const run = ampPolicy(["review", "--preview", "-", "--format", "markdown"], preview);
      assert.equal(run.code, 2, run.stderr);
      for (const name of ["team-a", "team-b", "team-c"]) {
        assert.ok(run.stdout.includes(`### \`${name}\``), `a heading for ${name} in:\n${run.stdout}`);
      }
      assert.match(run.stdout, /this statement alone/);
    });
  });
}
