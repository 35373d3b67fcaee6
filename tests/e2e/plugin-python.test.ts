import assert from "node:assert/strict";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";
import { policySteps, pythonBin } from "../plugin/support/plugin-project";

const examplePolicy = (principal: string) => ({
  Version: "2012-10-17",
  Statement: [
    { Sid: "CrossAccountRemoteWrite", Effect: "Allow", Principal: { AWS: principal }, Action: ["aps:RemoteWrite"] },
  ],
});

/** The example with its `policy_document=` argument replaced by `expression`. */
function withPolicyDocument(program: string, expression: string): string {
  const changed = program.replace(
    / {4}policy_document=json\.dumps\(\n[\s\S]*?\n {4}\),\n/,
    `    policy_document=${expression},\n`,
  );
  assert.notEqual(changed, program, "the example's policy_document argument was not found");
  return changed;
}

describe("a Python program (examples/python) with the generated SDK, through the resource plugin", function () {
  this.timeout(300_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;
  let original: string;

  before(async () => {
    // The Python language host (v3.68) ignores runtime options: the venv's python must come first on PATH.
    // Region and endpoint from the AWS environment variables this time (emulatorEnv).
    setup = await emulatedProject("python", { emulator: { transitionDelayMs: 300 }, pathFirst: [await pythonBin()] });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace({ alias: "python" });
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
    original = project.read("__main__.py");
  });
  after(async () => setup?.dispose());

  it("1. preview plans one create; up creates the policy with policyStatus and revisionId outputs", async () => {
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.deepEqual(
      policySteps(preview.stdout).map((s) => s.op),
      ["create"],
    );
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
    assert.equal(outputs.policyStatus, "ACTIVE");
    assert.equal(outputs.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.ok(
      policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy("arn:aws:iam::111122223333:root")),
    );
  });

  it("2. the same policy built differently in Python (indented, reordered, string action) is no change", async () => {
    project.write(
      "__main__.py",
      withPolicyDocument(
        original,
        'json.dumps({"Statement": {"Action": "aps:remotewrite", "Effect": "Allow", "Sid": "CrossAccountRemoteWrite", ' +
          '"Principal": {"AWS": ["111122223333"]}}, "Version": "2012-10-17"}, indent=4)',
      ),
    );
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    project.write("__main__.py", original);
  });

  it("3. an out-of-band rewrite with the same meaning: refresh stores the new revision, and nothing changes", async () => {
    const revision = emulator.putPolicyOutOfBand(
      ws,
      JSON.stringify(examplePolicy("111122223333"), null, 2), // a bare account id: the same principal
    );
    assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh");
    const [resource] = (await project.resources()).filter((r) => r.type === "amp-resource-policy:index:ResourcePolicy");
    assert.equal(resource.outputs!.revisionId, revision);
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes after refresh");
  });

  it("4. a secret policy with a new principal: an update of policyDocument whose output stays secret", async () => {
    const before = emulator.getPolicy(ws)!.revisionId;
    project.write(
      "__main__.py",
      withPolicyDocument(
        original,
        'pulumi.Output.secret(json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "CrossAccountRemoteWrite", ' +
          '"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "aps:RemoteWrite"}]}))',
      ),
    );
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    const steps = policySteps(preview.stdout);
    assert.deepEqual(
      steps.map((s) => s.op),
      ["update"],
    );
    assert.deepEqual(steps[0].detailedDiff, { policyDocument: { kind: "update", inputDiff: true } });

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
    const [resource] = (await project.resources()).filter((r) => r.type === "amp-resource-policy:index:ResourcePolicy");
    const stored = resource.outputs!.policyDocument as Record<string, unknown>;
    assert.equal(stored["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "secret in state");
    assert.ok(typeof stored.ciphertext === "string" && !stored.ciphertext.includes("444455556666"));
  });

  it("5. the import resource option adopts an existing policy without writing it", async () => {
    const other = emulator.createWorkspace({ alias: "python-import" });
    const live = JSON.stringify(examplePolicy("arn:aws:iam::123456789012:root"));
    const revision = emulator.putPolicyOutOfBand(other, live);
    project.write(
      "__main__.py",
      `${original}\nadopted = amp.ResourcePolicy(\n    "adopted",\n    workspace_id="${other}",\n` +
        `    policy_document=${JSON.stringify(live)},\n    opts=pulumi.ResourceOptions(import_="${other}"),\n)\n`,
    );
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.deepEqual(
      policySteps(preview.stdout)
        .map((s) => s.op)
        .sort(),
      ["import", "update"],
    );
    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    assert.deepEqual(
      emulator
        .requestLog()
        .filter((e) => e.operation === "PutResourcePolicy")
        .map((e) => e.workspaceId),
      [ws],
      "the adopted workspace was not written",
    );
    const adopted = (await project.resources()).find((r) => r.urn.endsWith("::adopted"))!;
    assert.equal(adopted.id, other);
    assert.equal(adopted.outputs!.revisionId, revision);
  });

  it("6. destroy deletes both policies", async () => {
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.ok(emulator.workspaces().every((w) => emulator.getPolicy(w.workspaceId) === undefined));
  });

  it("7. ResourcePolicyStatement from Python: two statements merged beside another owner's, which destroy leaves", async () => {
    const shared = emulator.createWorkspace({ alias: "python-shared" });
    const foreign = {
      Sid: "CentralTeam",
      Effect: "Allow",
      Principal: { AWS: "999999999999" },
      Action: "aps:QueryMetrics",
    };
    emulator.putPolicyOutOfBand(shared, JSON.stringify({ Version: "2012-10-17", Statement: [foreign] }));
    const statement = (account: string) =>
      JSON.stringify({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["aps:RemoteWrite"],
      });
    project.write(
      "__main__.py",
      [
        "import pulumi",
        "import pulumi_amp_resource_policy as amp",
        "",
        ...["111122223333", "444455556666"].map(
          (account) =>
            `amp.ResourcePolicyStatement("writer-${account}", workspace_id="${shared}", sid="RemoteWrite${account}", ` +
            `statement=${JSON.stringify(statement(account))})`,
        ),
        "",
      ].join("\n"),
    );
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const sids = () =>
      (JSON.parse(emulator.getPolicy(shared)!.policyDocument) as { Statement: Array<{ Sid: string }> }).Statement.map(
        (s) => s.Sid,
      ).sort();
    assert.deepEqual(sids(), ["CentralTeam", "RemoteWrite111122223333", "RemoteWrite444455556666"]);
    const ids = (await project.resources()).filter((r) => r.type.endsWith("ResourcePolicyStatement")).map((r) => r.id);
    assert.deepEqual(ids.sort(), [`${shared}/RemoteWrite111122223333`, `${shared}/RemoteWrite444455556666`]);
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.deepEqual(sids(), ["CentralTeam"], "the other owner's statement stays");
    assert.ok(
      policiesEquivalent(emulator.getPolicy(shared)!.policyDocument, { Version: "2012-10-17", Statement: [foreign] }),
    );
  });
});
