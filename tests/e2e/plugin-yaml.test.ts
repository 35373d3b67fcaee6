import assert from "node:assert/strict";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";
import { policySteps } from "../plugin/support/plugin-project";

/** The example's policy for a principal. */
const examplePolicy = (principal: string) => ({
  Version: "2012-10-17",
  Statement: [
    { Sid: "CrossAccountRemoteWrite", Effect: "Allow", Principal: { AWS: principal }, Action: ["aps:RemoteWrite"] },
  ],
});

/** The example with its `policyDocument:` block replaced by `block` (indented under `properties:`). */
function withPolicyBlock(program: string, block: string): string {
  const changed = program.replace(/^ {6}policyDocument:\n(?: {8}.*\n)+/m, block);
  assert.notEqual(changed, program, "the example's policyDocument block was not found");
  return changed;
}

describe("a Pulumi YAML program (examples/yaml) through the resource plugin, against the emulator", function () {
  this.timeout(300_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;
  let original: string;

  before(async () => {
    // Region and endpoint come from the provider's stack config only: none in the environment.
    setup = await emulatedProject("yaml", {
      emulator: { transitionDelayMs: 300 },
      env: () => ({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_ENDPOINT_URL_AMP: undefined }),
    });
    ({ emulator, project } = setup);
    const { url } = setup;
    ws = emulator.createWorkspace({ alias: "yaml" });
    for (const [key, value] of [
      ["workspaceId", ws],
      ["amp-resource-policy:endpoint", url],
      ["amp-resource-policy:region", "us-east-1"],
    ]) {
      assertOk(await project.pulumi(["config", "set", key, value]), `config set ${key}`);
    }
    original = project.read("Pulumi.yaml");
  });
  after(async () => setup?.dispose());

  it("1. preview plans one create; up creates the policy (endpoint and region from amp-resource-policy:* config)", async () => {
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.deepEqual(
      policySteps(preview.stdout).map((s) => s.op),
      ["create"],
    );
    assert.equal(emulator.getPolicy(ws), undefined, "preview wrote nothing");

    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
    assert.equal(outputs.policyStatus, "ACTIVE");
    assert.equal(outputs.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.ok(
      policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy("arn:aws:iam::111122223333:root")),
    );
  });

  it("2. the same policy as a reformatted, reordered JSON string is no change", async () => {
    project.write(
      "Pulumi.yaml",
      withPolicyBlock(
        original,
        "      policyDocument: |\n" +
          '        { "Statement": { "Action": "APS:RemoteWrite", "Principal": { "AWS": ["111122223333"] },\n' +
          '                         "Effect": "Allow", "Sid": "CrossAccountRemoteWrite" },\n' +
          '          "Version": "2012-10-17" }\n',
      ),
    );
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    project.write("Pulumi.yaml", original);
  });

  it("3. a check warning is shown by the engine, for the resource", async () => {
    project.write(
      "Pulumi.yaml",
      withPolicyBlock(
        original,
        "      policyDocument:\n" +
          "        fn::toJSON:\n" +
          "          Statement:\n" +
          "            - Sid: CrossAccountRemoteWrite\n" +
          "              Effect: Allow\n" +
          "              Principal:\n" +
          "                AWS: ${writerPrincipal}\n" +
          "              Action: aps:RemoteWrite\n",
      ),
    );
    const preview = await project.pulumi(["preview"]);
    project.write("Pulumi.yaml", original);
    assertOk(preview, "preview");
    assert.match(
      preview.output,
      /amp-resource-policy:index:ResourcePolicy \(policy\):\s+warning: policyDocument has no Version/,
    );
  });

  it("4. a new principal is an update of policyDocument alone (detailed diff), written at the stored revision", async () => {
    const before = emulator.getPolicy(ws)!.revisionId;
    assertOk(await project.pulumi(["config", "set", "writerPrincipal", "arn:aws:iam::444455556666:root"]), "config");
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    const steps = policySteps(preview.stdout);
    assert.deepEqual(
      steps.map((s) => s.op),
      ["update"],
    );
    assert.deepEqual(steps[0].detailedDiff, { policyDocument: { kind: "update", inputDiff: true } });
    const shown = await project.pulumi(["preview", "--diff"]);
    assert.match(shown.output, /~ AWS: "arn:aws:iam::111122223333:root" => "arn:aws:iam::444455556666:root"/);
    assert.doesNotMatch(shown.output, /~ workspaceId/);

    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
    assert.deepEqual(
      puts.map((p) => p.revisionId),
      [before],
    );
    assert.ok(
      policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy("arn:aws:iam::444455556666:root")),
    );
  });

  it("5. refresh records an out-of-band change; up then restores the program's policy; they converge", async () => {
    emulator.putPolicyOutOfBand(ws, JSON.stringify(examplePolicy("arn:aws:iam::999999999999:root")));
    const drift = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
    assert.notEqual(drift.code, 0, "drift is visible to preview --refresh");

    assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh");
    const [resource] = (await project.resources()).filter((r) => r.type === "amp-resource-policy:index:ResourcePolicy");
    assert.equal(resource.outputs!.revisionId, emulator.getPolicy(ws)!.revisionId, "refresh stored the live revision");
    assert.ok(policiesEquivalent(resource.outputs!.policyDocument, examplePolicy("arn:aws:iam::999999999999:root")));

    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up after refresh");
    assert.ok(
      policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy("arn:aws:iam::444455556666:root")),
    );
    assertOk(await project.pulumi(["preview", "--refresh", "--expect-no-changes"]), "converged");
  });

  it("6. refresh of a policy deleted outside Pulumi drops it from the stack; up creates it again", async () => {
    emulator.deletePolicyOutOfBand(ws);
    assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh");
    const left = (await project.resources()).filter((r) => r.type === "amp-resource-policy:index:ResourcePolicy");
    assert.deepEqual(left, []);
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    assert.ok(
      policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy("arn:aws:iam::444455556666:root")),
    );
  });

  it("7. destroy deletes the policy", async () => {
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(ws), undefined);
  });
});
