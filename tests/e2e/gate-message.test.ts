import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import type { AmpEmulator } from "../../emulator";
import { repoRoot } from "../../scripts/lib/package";
import {
  type EmulatedProject,
  type PulumiProject,
  type RunResult,
  assertOk,
  emulatedProject,
} from "../../scripts/lib/pulumi-project";

/** Keeps the engine's output in .test-tmp/ (git-ignored), where the README's example comes from. */
function keep(name: string, result: RunResult): void {
  const dir = path.join(repoRoot, ".test-tmp", "gate-message");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.txt`), result.output);
}

/**
 * The gate's failure as the engine prints it, for the resource `type name`: the reason alone (`resource 'x' has a
 * problem: policyDocument needs approval ...`), then the verdict, the table and how to approve, with no value
 * printed before it (a property's value is printed in Go map notation: `property policyDocument value {map[...`).
 */
function assertCleanGate(output: string, type: string, name: string, gained: RegExp): void {
  const escaped = type.replace(/[/.]/g, "\\$&");
  assert.match(
    output,
    new RegExp(
      `${escaped} resource '${name}' has a problem: policyDocument needs approval before it is applied \\(requireApproval: broadening\\): `,
    ),
  );
  assert.doesNotMatch(output, /property policyDocument value/);
  assert.doesNotMatch(output, /map\[/);
  assert.match(output, gained);
  assert.match(output, /│ \+ │ Allow\s+│ aps:RemoteWrite\s+│/);
  assert.match(output, /To approve this access, review it and set the input approvedAccess: "access-[0-9a-f]{12}"/);
}

describe("the requireApproval gate's failure reads cleanly: the dynamic provider (examples/access-review)", function () {
  this.timeout(600_000);
  let setup: EmulatedProject | undefined;
  let emulator: AmpEmulator;
  let project: PulumiProject;

  before(async () => {
    setup = await emulatedProject("access-review");
    ({ emulator, project } = setup);
    const ws = emulator.createWorkspace({ alias: "gate-dynamic" });
    for (const [key, value] of [
      ["workspaceId", ws],
      ["requireApproval", "broadening"],
    ]) {
      assertOk(await project.pulumi(["config", "set", key, value]), `config set ${key}`);
    }
  });
  after(async () => {
    await setup?.dispose();
  });

  it("prints the reason, the table and how to approve standing alone, without the document in Go map notation", async () => {
    const preview = await project.pulumi(["preview"]);
    keep("dynamic-gate-preview", preview);
    assert.notEqual(preview.code, 0, `preview of an unapproved create should have failed:\n${preview.output}`);
    assertCleanGate(
      preview.output,
      "pulumi-nodejs:dynamic/amp:ResourcePolicy",
      "access-reviewed",
      /broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite/,
    );
  });
});

describe("the requireApproval gate's failure reads cleanly: the resource plugin (examples/yaml)", function () {
  this.timeout(600_000);
  let setup: EmulatedProject | undefined;
  let emulator: AmpEmulator;
  let project: PulumiProject;

  before(async () => {
    setup = await emulatedProject("yaml");
    ({ emulator, project } = setup);
    const ws = emulator.createWorkspace({ alias: "gate-plugin" });
    for (const [key, value] of [
      ["workspaceId", ws],
      ["amp-resource-policy:requireApproval", "broadening"],
    ]) {
      assertOk(await project.pulumi(["config", "set", key, value]), `config set ${key}`);
    }
  });
  after(async () => {
    await setup?.dispose();
  });

  it("prints the reason, the table and how to approve standing alone, without the document in Go map notation", async () => {
    const preview = await project.pulumi(["preview"]);
    keep("plugin-gate-preview", preview);
    assert.notEqual(preview.code, 0, `preview of an unapproved create should have failed:\n${preview.output}`);
    assertCleanGate(
      preview.output,
      "amp-resource-policy:index:ResourcePolicy",
      "policy",
      /broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite/,
    );
  });
});
