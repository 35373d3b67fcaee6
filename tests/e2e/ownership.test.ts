import assert from "node:assert/strict";

import type { AmpEmulator } from "../../emulator";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";

// Whose write it is (issue 15, item 1), through the real CLI: a create never adopts another resource's write, a
// replacement onto the same workspace never leaves it without the policy, a rename needs `aliases`. One program per
// door, rewritten per scenario; one emulator and one stack each (a second stack where the scenario is two stacks).

const policyFor = (account: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "RemoteWrite",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ["aps:RemoteWrite"],
    },
  ],
});

/** A TypeScript program declaring one ResourcePolicy per name (with options) on the workspace of the config. */
const typescriptProgram = (resources: { name: string; opts?: string }[]) => `
import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const workspaceId = new pulumi.Config().require("workspaceId");
const policyDocument = ${JSON.stringify(JSON.stringify(policyFor("111122223333")))};
${resources.map((r) => `new ResourcePolicy(${JSON.stringify(r.name)}, { workspaceId, policyDocument }, ${r.opts ?? "{}"});`).join("\n")}
`;

/** The YAML example with its resources replaced by one ResourcePolicy per name. */
const yamlProgram = (original: string, names: string[]) => {
  const resources = names
    .map(
      (name) => `  ${name}:
    type: amp-resource-policy:index:ResourcePolicy
    properties:
      workspaceId: \${workspaceId}
      policyDocument:
        fn::toJSON: ${JSON.stringify(policyFor("111122223333"))}
`,
    )
    .join("");
  return original.replace(/^resources:\n[\s\S]*$/m, `resources:\n${resources}`);
};

const policyUrns = async (project: PulumiProject) =>
  (await project.resources()).filter((r) => r.type.endsWith("ResourcePolicy"));

/** The deletions the emulator applied since the last clear. */
const deletions = (emulator: AmpEmulator) =>
  emulator.appliedWrites().filter((w) => w.operation === "DeleteResourcePolicy");

/** The write calls the emulator received since the last clear, in order. */
const writes = (emulator: AmpEmulator) =>
  emulator
    .requestLog()
    .filter((e) => e.operation === "PutResourcePolicy" || e.operation === "DeleteResourcePolicy")
    .map((e) => `${e.operation}:${e.statusCode}`);

describe("ownership through the engine: the dynamic door (TypeScript)", function () {
  this.timeout(600_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;

  before(async () => {
    setup = await emulatedProject("basic", { emulator: { transitionDelayMs: 100 } });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace();
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
  });
  after(async () => setup?.dispose());

  it("two resources on one workspace in one program: the second create fails and the first keeps the policy", async () => {
    project.write("index.ts", typescriptProgram([{ name: "policy" }, { name: "second", opts: "{ dependsOn: [] }" }]));
    const up = await project.pulumi(["up", "--yes", "--skip-preview", "--parallel", "1"]);
    assert.notEqual(up.code, 0, "the second resource's create succeeded");
    assert.match(up.output, /already exists/);
    const inState = await policyUrns(project);
    assert.equal(inState.length, 1, "only one resource owns the policy");
    assert.equal(inState[0].outputs?.revisionId, emulator.getPolicy(ws)!.revisionId, "the state's revision is live");
    // The hidden identity is the resource's URN.
    const exported = JSON.parse(await project.exportState()) as {
      deployment: { resources: { urn: string; inputs?: Record<string, unknown> }[] };
    };
    const resource = exported.deployment.resources.find((r) => r.urn === inState[0].urn)!;
    assert.equal(resource.inputs?.__identity, inState[0].urn);
  });

  it("up --replace (create before delete, no diff asked) leaves the workspace with the policy the state names", async () => {
    // The program keeps the one resource that owns the policy (which of the two won is the engine's order).
    const [resource] = await policyUrns(project);
    project.write("index.ts", typescriptProgram([{ name: resource.urn.split("::").pop()! }]));
    emulator.clearAppliedWrites();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview", "--replace", resource.urn]), "up --replace");
    assert.deepEqual(deletions(emulator), [], "the old resource's delete deleted the replacement's policy");
    const live = emulator.getPolicy(ws)!;
    assert.equal(live.policyStatus, "ACTIVE");
    assert.equal((await policyUrns(project))[0].outputs?.revisionId, live.revisionId);
  });

  it("a rename without aliases fails safely naming aliases; with aliases it moves with no write", async () => {
    const before = emulator.getPolicy(ws)!.revisionId;
    const name = (await policyUrns(project))[0].urn.split("::").pop()!;

    project.write("index.ts", typescriptProgram([{ name: "renamed" }]));
    emulator.clearRequestLog();
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assert.notEqual(up.code, 0, "the renamed resource adopted the old one's write");
    assert.match(up.output, /aliases/);
    assert.equal(emulator.getPolicy(ws)?.revisionId, before, "the workspace keeps its policy");
    assert.deepEqual(
      (await policyUrns(project)).map((r) => r.urn.split("::").pop()),
      [name],
    );

    project.write(
      "index.ts",
      typescriptProgram([{ name: "renamed", opts: `{ aliases: [{ name: ${JSON.stringify(name)} }] }` }]),
    );
    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up with aliases");
    assert.deepEqual(writes(emulator), [], "a rename with aliases writes nothing");
    assert.equal(emulator.getPolicy(ws)?.revisionId, before);
    const renamed = await policyUrns(project);
    assert.deepEqual(
      renamed.map((r) => r.urn.split("::").pop()),
      ["renamed"],
    );
    assert.equal(renamed[0].outputs?.revisionId, before);
  });

  it("the same resource in a second stack fails its create; the first stack keeps the policy", async () => {
    const revision = emulator.getPolicy(ws)!.revisionId;
    assertOk(await project.pulumi(["stack", "init", "prod"]), "stack init prod");
    try {
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
      const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
      assert.notEqual(up.code, 0, "the second stack adopted the first stack's write");
      assert.match(up.output, /already exists/);
      assert.equal(emulator.getPolicy(ws)?.revisionId, revision);
    } finally {
      assertOk(await project.pulumi(["stack", "select", "dev"]), "stack select dev");
    }
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy dev");
    assert.equal(emulator.getPolicy(ws), undefined);
  });
});

describe("ownership through the engine: the plugin door (YAML)", function () {
  this.timeout(600_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;
  let original: string;

  before(async () => {
    setup = await emulatedProject("yaml", { emulator: { transitionDelayMs: 100 } });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace();
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
    original = project.read("Pulumi.yaml");
  });
  after(async () => setup?.dispose());

  it("two resources on one workspace: the second create fails and the first keeps the policy", async () => {
    project.write("Pulumi.yaml", yamlProgram(original, ["policy", "second"]));
    const up = await project.pulumi(["up", "--yes", "--skip-preview", "--parallel", "1"]);
    assert.notEqual(up.code, 0, "the second resource's create succeeded");
    assert.match(up.output, /aliases/);
    const inState = await policyUrns(project);
    assert.equal(inState.length, 1);
    assert.equal(inState[0].outputs?.revisionId, emulator.getPolicy(ws)!.revisionId);
  });

  it("up --replace leaves the workspace with the policy the state names", async () => {
    project.write("Pulumi.yaml", yamlProgram(original, [(await policyUrns(project))[0].urn.split("::").pop()!]));
    const [resource] = await policyUrns(project);
    emulator.clearAppliedWrites();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview", "--replace", resource.urn]), "up --replace");
    assert.deepEqual(deletions(emulator), [], "the old resource's delete deleted the replacement's policy");
    const live = emulator.getPolicy(ws)!;
    assert.equal(live.policyStatus, "ACTIVE");
    assert.equal((await policyUrns(project))[0].outputs?.revisionId, live.revisionId);
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
  });
});
