/**
 * The engine test every compiled-language example shares (Go, Java): a program with the generated SDK, through
 * the resource plugin, against the emulator, run by the real CLI from the one engine harness
 * (scripts/lib/pulumi-project.ts): preview, up, a no-change preview, refresh, destroy.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import type { AmpEmulator } from "../../../emulator";
import { policiesEquivalent } from "../../../provider/policy";
import { repoRoot } from "../../../scripts/lib/package";
import {
  type EmulatedProject,
  type PulumiProject,
  assertOk,
  cliBin,
  emulatedProject,
} from "../../../scripts/lib/pulumi-project";
import { policySteps } from "../../plugin/support/plugin-project";

/** The policy every example writes, for `principal`. */
export const examplePolicy = (principal: string) => ({
  Version: "2012-10-17",
  Statement: [
    { Sid: "CrossAccountRemoteWrite", Effect: "Allow", Principal: { AWS: principal }, Action: ["aps:RemoteWrite"] },
  ],
});

/** How a language's example is made ready to run once copied (e.g. its SDK dependency pointed at this checkout). */
export interface SdkProgram {
  /** `examples/<example>`. */
  example: string;
  /** The language, for the test titles. */
  language: string;
  /** The language host the CLI runs it with (built by scripts/build-pulumi-cli.sh). */
  host: string;
  /** Runs after the copy, before the first CLI command. */
  prepare: (project: PulumiProject) => Promise<void> | void;
  /** The ceiling of the whole describe: the first build of a program may compile a whole SDK. */
  timeoutMs: number;
}

/** Defines the lifecycle test of `program`: five steps, each through the real CLI. */
export function describeSdkProgram(program: SdkProgram): void {
  describe(`a ${program.language} program (examples/${program.example}) with the generated SDK, through the resource plugin`, function () {
    this.timeout(program.timeoutMs);
    let setup: EmulatedProject;
    let emulator: AmpEmulator;
    let project: PulumiProject;
    let ws: string;

    before(async () => {
      if (!fs.existsSync(path.join(cliBin, program.host))) {
        execFileSync("bash", [path.join(repoRoot, "scripts/build-pulumi-cli.sh")], { stdio: "inherit" });
      }
      setup = await emulatedProject(program.example, { emulator: { transitionDelayMs: 300 } });
      ({ emulator, project } = setup);
      await program.prepare(project);
      ws = emulator.createWorkspace({ alias: program.example });
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
    });
    after(async () => setup?.dispose());

    it("1. preview plans one create of the policy and writes nothing", async () => {
      const preview = await project.pulumi(["preview", "--json"]);
      assertOk(preview, "preview");
      assert.deepEqual(
        policySteps(preview.stdout).map((s) => s.op),
        ["create"],
      );
      assert.equal(emulator.getPolicy(ws), undefined, "preview wrote a policy");
    });

    it("2. up creates the policy, with policyStatus and revisionId outputs", async () => {
      assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
      const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
      assert.equal(outputs.policyStatus, "ACTIVE");
      assert.equal(outputs.revisionId, emulator.getPolicy(ws)!.revisionId);
      assert.ok(
        policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy("arn:aws:iam::111122223333:root")),
      );
    });

    it("3. a preview of the unchanged program plans no change (--expect-no-changes)", async () => {
      emulator.clearRequestLog();
      assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
      assert.deepEqual(
        emulator.requestLog().filter((e) => ["PutResourcePolicy", "DeleteResourcePolicy"].includes(e.operation)),
        [],
        "a no-change preview made writes",
      );
    });

    it("4. refresh after an out-of-band rewrite with the same meaning stores the new revision; nothing changes", async () => {
      const revision = emulator.putPolicyOutOfBand(ws, JSON.stringify(examplePolicy("111122223333"), null, 2));
      assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh");
      const [resource] = (await project.resources()).filter(
        (r) => r.type === "amp-resource-policy:index:ResourcePolicy",
      );
      assert.equal(resource.outputs!.revisionId, revision);
      assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes after refresh");
    });

    it("5. destroy deletes the policy", async () => {
      assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
      assert.equal(emulator.getPolicy(ws), undefined);
      assert.deepEqual(
        (await project.resources()).filter((r) => r.type === "amp-resource-policy:index:ResourcePolicy"),
        [],
      );
    });
  });
}
