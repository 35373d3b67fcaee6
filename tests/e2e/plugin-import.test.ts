import assert from "node:assert/strict";
import * as path from "node:path";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";

const TYPE = "amp-resource-policy:index:ResourcePolicy";

/** A policy made outside Pulumi, pretty-printed as a console would save it. */
const outOfBandPolicy = (action: string) =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GrafanaQuery",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:role/grafana" },
          Action: [action],
        },
      ],
    },
    null,
    4,
  );

describe("pulumi import of a policy made outside Pulumi (YAML program), then the generated code", function () {
  this.timeout(300_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let managed: string;
  let adopted: string;
  let importedRevision: string;
  let generated: string;

  before(async () => {
    setup = await emulatedProject("yaml", { emulator: { transitionDelayMs: 200 } });
    ({ emulator, project } = setup);
    managed = emulator.createWorkspace({ alias: "import-managed" });
    adopted = emulator.createWorkspace({ alias: "import-adopted" });
    importedRevision = emulator.putPolicyOutOfBand(adopted, outOfBandPolicy("aps:QueryMetrics"));
    assertOk(await project.pulumi(["config", "set", "workspaceId", managed]), "config set");
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up of the program's own policy");
  });
  after(async () => setup?.dispose());

  it("1. `pulumi import <type> <name> <workspaceId>` adopts the policy without writing it", async () => {
    emulator.clearRequestLog();
    const result = await project.pulumi([
      "import",
      TYPE,
      "adopted",
      adopted,
      "--yes",
      "--out",
      path.join(project.dir, "imported.yaml"),
    ]);
    assertOk(result, "import");
    assert.deepEqual(
      emulator
        .requestLog()
        .filter((e) => e.operation !== "DescribeResourcePolicy")
        .map((e) => e.operation),
      [],
      "import only reads",
    );
    const resource = (await project.resources()).find((r) => r.urn.endsWith(`${TYPE}::adopted`))!;
    assert.equal(resource.id, adopted);
    assert.equal(resource.outputs!.revisionId, importedRevision);
    assert.equal(resource.outputs!.policyStatus, "ACTIVE");
    assert.ok(policiesEquivalent(resource.outputs!.policyDocument, outOfBandPolicy("aps:QueryMetrics")));
    generated = project.read("imported.yaml");
  });

  it("2. the generated code is a YAML resource with the workspace and the live policy", () => {
    assert.match(generated, /^resources:\n {2}adopted:\n {4}type: amp-resource-policy:(index:)?ResourcePolicy\n/);
    assert.match(generated, new RegExp(`\\n {6}workspaceId: ${adopted}\\n`));
    assert.match(generated, /\n {6}policyDocument: /);
    assert.match(generated, /\n {6}protect: true\n/);
  });

  it("3. with the generated code added to the program, preview --expect-no-changes passes", async () => {
    const program = project.read("Pulumi.yaml");
    const body = generated.slice("resources:\n".length);
    project.write("Pulumi.yaml", program.replace(/^outputs:\n/m, `${body}outputs:\n`));
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    assertOk(await project.pulumi(["preview", "--refresh", "--expect-no-changes"]), "preview --refresh");
  });

  it("4. a change to the adopted policy is written at the revision it was imported at", async () => {
    const program = project.read("Pulumi.yaml");
    const changed = program.replace(/aps:QueryMetrics/g, "aps:GetSeries");
    assert.notEqual(changed, program, "the generated policy names aps:QueryMetrics");
    project.write("Pulumi.yaml", changed);
    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
    assert.deepEqual(
      puts.map((p) => [p.workspaceId, p.revisionId]),
      [[adopted, importedRevision]],
    );
    assert.ok(policiesEquivalent(emulator.getPolicy(adopted)!.policyDocument, outOfBandPolicy("aps:GetSeries")));
  });

  it("5. importing a workspace that has no policy fails and says the resource does not exist", async () => {
    const empty = emulator.createWorkspace({ alias: "import-empty" });
    const result = await project.pulumi(["import", TYPE, "ghost", empty, "--yes"]);
    assert.notEqual(result.code, 0);
    assert.match(result.output, new RegExp(`${empty}.*(does not exist|not found)`, "s"));
  });

  it("6. once unprotected, destroy deletes both policies", async () => {
    assertOk(await project.pulumi(["state", "unprotect", "--all", "--yes"]), "unprotect");
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(managed), undefined);
    assert.equal(emulator.getPolicy(adopted), undefined);
  });
});
