import assert from "node:assert/strict";

import type { AmpEmulator } from "../../emulator";
import {
  type PulumiProject,
  assertOk,
  emulatedProject,
  installedPulumiVersion,
} from "../../scripts/lib/pulumi-project";
import { policySteps } from "../plugin/support/plugin-project";

/** preview plans a create, up writes the policy, a second preview has no changes, destroy removes it. */
async function lifecycle(project: PulumiProject, emulator: AmpEmulator, ws: string): Promise<void> {
  const preview = await project.pulumi(["preview"]);
  assertOk(preview, "preview");
  assert.match(preview.output, /\+ .*ResourcePolicy/);
  assert.equal(emulator.getPolicy(ws), undefined, "preview wrote nothing");
  assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
  assert.equal(emulator.getPolicy(ws)?.policyStatus, "ACTIVE");
  assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
  assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
  assert.equal(emulator.getPolicy(ws), undefined, "destroy deleted the policy");
}

// The short engine test of the version matrix (scripts/version-matrix.sh): both doors, on whichever
// @pulumi/pulumi is installed in this checkout.
describe(`engine smoke test with @pulumi/pulumi ${installedPulumiVersion()}: preview, up, no-change preview, destroy`, function () {
  this.timeout(600_000);
  it("the dynamic provider, from a TypeScript program (examples/basic)", async () => {
    const { emulator, project, dispose } = await emulatedProject("basic", { emulator: { transitionDelayMs: 100 } });
    try {
      const ws = emulator.createWorkspace({ alias: "smoke-ts" });
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
      await lifecycle(project, emulator, ws);
    } finally {
      await dispose();
    }
  });

  it("the resource plugin, from a YAML program (examples/yaml)", async () => {
    const { emulator, project, dispose } = await emulatedProject("yaml", { emulator: { transitionDelayMs: 100 } });
    try {
      const ws = emulator.createWorkspace({ alias: "smoke-yaml" });
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
      const plan = await project.pulumi(["preview", "--json"]);
      assertOk(plan, "preview --json");
      assert.deepEqual(
        policySteps(plan.stdout).map((s) => s.op),
        ["create"],
      );
      await lifecycle(project, emulator, ws);
    } finally {
      await dispose();
    }
  });
});
