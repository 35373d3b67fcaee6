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
  run,
} from "../../scripts/lib/pulumi-project";
import { policySteps } from "../plugin/support/plugin-project";

const ACCOUNT = "111122223333";

function assertFailed(result: RunResult, what: string): void {
  assert.notEqual(result.code, 0, `${what} should have failed:\n${result.output}`);
}

/** The digest a failed gate tells the user to approve. */
function approvalIn(output: string): string {
  const match = /set the input approvedAccess: "(access-[0-9a-f]{12})"/.exec(output);
  assert.ok(match, `no approvedAccess digest in:\n${output}`);
  return match[1];
}

/** `amp-policy diff --stack-state` (the built bin) on the stack's `pulumi stack export`. */
async function diffAgainstState(project: PulumiProject, after: unknown): Promise<RunResult> {
  fs.writeFileSync(path.join(project.root, "state.json"), await project.exportState());
  fs.writeFileSync(path.join(project.root, "after.json"), JSON.stringify(after));
  const bin = path.join(repoRoot, "bin", "amp-policy");
  return run(process.execPath, [bin, "diff", "--stack-state", "state.json", "after.json"], project.root, process.env);
}

const writeAndQuery = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "aps:RemoteWrite" },
    { Effect: "Allow", Principal: { AWS: "444455556666" }, Action: "aps:QueryMetrics" },
  ],
};

describe("partitions and approvals through the real CLI: the dynamic provider in cn-north-1 (examples/access-review)", function () {
  this.timeout(600_000);
  let setup: EmulatedProject | undefined;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let original: string;
  let ws: string;

  const config = async (key: string, value: string | undefined) => {
    const args = value === undefined ? ["config", "rm", key] : ["config", "set", key, value];
    assertOk(await project.pulumi(args), args.join(" "));
  };

  before(async () => {
    setup = await emulatedProject("access-review", {
      emulator: { region: "cn-north-1", transitionDelayMs: 50 },
      env: () => ({ AWS_REGION: "cn-north-1", AWS_DEFAULT_REGION: undefined }),
    });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace({ alias: "cn" });
    await config("workspaceId", ws);
    await config("requireApproval", "never");
    original = project.read("index.ts");
  });
  after(async () => {
    await setup?.dispose();
  });

  it("1. a bare account id turned into arn:aws:iam::<id>:root previews as an update there, naming the aws-cn root", async () => {
    const bare = original.replace(
      "Principal: { AWS: `arn:aws:iam::${writerAccountId}:root` },",
      "Principal: { AWS: writerAccountId },",
    );
    assert.notEqual(bare, original, "the program's writer principal was not found");
    project.write("index.ts", bare);
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up with the bare account id");
    const revision = emulator.getPolicy(ws)!.revisionId;

    project.write("index.ts", original);
    const preview = await project.pulumi(["preview"]);
    assertOk(preview, "preview");
    assert.match(preview.output, /~\s+pulumi-nodejs:dynamic\/amp:ResourcePolicy access-reviewed update/);
    assert.match(preview.output, /arn:aws-cn:iam::111122223333:root loses aps:RemoteWrite/);
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    assert.notEqual(emulator.getPolicy(ws)!.revisionId, revision, "the new principal was written");
  });

  it("2. amp-policy diff --stack-state finds the TypeScript stack's ResourcePolicy in its exported state", async () => {
    const diff = await diffAgainstState(project, writeAndQuery);
    assert.equal(diff.code, 2, diff.output);
    assert.match(diff.stdout, /^broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics\n/);
  });

  it("3. an approval for one workspace does not approve the same access on another (a replace)", async () => {
    await config("requireApproval", "broadening");
    await config("readerAccountIds", "444455556666");
    const gated = await project.pulumi(["preview"]);
    assertFailed(gated, "preview of an unapproved broadening");
    const approval = approvalIn(gated.output);
    await config("approvedAccess", approval);
    assertOk(await project.pulumi(["up", "--yes"]), "up with the approval");

    const other = emulator.createWorkspace({ alias: "cn-other" });
    await config("workspaceId", other);
    const replace = await project.pulumi(["preview"]);
    assertFailed(replace, "preview of a replace onto another workspace with the old approval");
    assert.match(
      replace.output,
      new RegExp(`approvedAccess "${approval}" approves other access than this change grants`),
    );
    assert.notEqual(approvalIn(replace.output), approval);
    await config("workspaceId", ws);
    await config("readerAccountIds", undefined);
    await config("approvedAccess", undefined);
    await config("requireApproval", "never");
    assertOk(await project.pulumi(["up", "--yes"]), "back to the first policy");
  });

  it("4. a workspaceId not known at preview: the preview says the review and the gate wait for up, and up gates", async () => {
    const later = emulator.createWorkspace({ alias: "cn-later" });
    const seedWorkspace = emulator.createWorkspace({ alias: "cn-seed" });
    // A workspace id known only once another resource is written (its revisionId): unknown during preview.
    project.write(
      "index.ts",
      `${original}
const seed = new ResourcePolicy("seed", {
  workspaceId: ${JSON.stringify(seedWorkspace)},
  policyDocument: { Version: "2012-10-17", Statement: statements },
});
new ResourcePolicy("later", {
  workspaceId: seed.revisionId.apply(() => ${JSON.stringify(later)}),
  policyDocument: { Version: "2012-10-17", Statement: statements },
  requireApproval: "broadening",
});
`,
    );
    const preview = await project.pulumi(["preview"]);
    assertOk(preview, "preview");
    assert.match(
      preview.output,
      /workspaceId is not known yet; the access review and the requireApproval gate run during up/,
    );
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertFailed(up, "up of an unapproved create on the later workspace");
    assert.match(up.output, /policyDocument needs approval before it is applied \(requireApproval: broadening\)/);
    assert.equal(emulator.getPolicy(later), undefined, "nothing was written there");
    project.write("index.ts", original);
  });
});

describe("partitions through the real CLI: the resource plugin in cn-north-1 (examples/yaml)", function () {
  this.timeout(600_000);
  let setup: EmulatedProject | undefined;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;
  let original: string;

  /**
   * The example with `principal` in its policy, as a JSON string literal: YAML config and interpolation turn a
   * bare account id into a number (111122223333 becomes 1.11122223333e+11).
   */
  const withPrincipal = (principal: string): void => {
    const program = original.replace(
      /^ {6}policyDocument:\n(?: {8}.*\n)+/m,
      "      policyDocument: '" +
        '{"Version":"2012-10-17","Statement":[{"Sid":"CrossAccountRemoteWrite","Effect":"Allow",' +
        `"Principal":{"AWS":"${principal}"},"Action":["aps:RemoteWrite"]}]}'\n`,
    );
    assert.notEqual(program, original, "the example's policyDocument block was not found");
    project.write("Pulumi.yaml", program);
  };

  before(async () => {
    // The region comes from the provider's stack config only.
    setup = await emulatedProject("yaml", {
      emulator: { region: "cn-north-1", transitionDelayMs: 50 },
      env: () => ({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_ENDPOINT_URL_AMP: undefined }),
    });
    ({ emulator, project } = setup);
    const { url } = setup;
    original = project.read("Pulumi.yaml");
    ws = emulator.createWorkspace({ alias: "yaml-cn" });
    for (const [key, value] of [
      ["workspaceId", ws],
      ["amp-resource-policy:endpoint", url],
      ["amp-resource-policy:region", "cn-north-1"],
    ]) {
      assertOk(await project.pulumi(["config", "set", key, value]), `config set ${key}`);
    }
  });
  after(async () => {
    await setup?.dispose();
  });

  it("1. a bare account id turned into arn:aws:iam::<id>:root previews as an update; arn:aws-cn:iam::<id>:root as none", async () => {
    withPrincipal(ACCOUNT);
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up with the bare account id");
    withPrincipal(`arn:aws-cn:iam::${ACCOUNT}:root`);
    assertOk(
      await project.pulumi(["preview", "--expect-no-changes"]),
      "the partition's own root is the same principal",
    );
    withPrincipal(`arn:aws:iam::${ACCOUNT}:root`);
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.deepEqual(
      policySteps(preview.stdout).map((s) => s.op),
      ["update"],
    );
  });

  it("2. amp-policy diff --stack-state finds the YAML stack's ResourcePolicy in its exported state", async () => {
    const diff = await diffAgainstState(project, writeAndQuery);
    assert.equal(diff.code, 2, diff.output);
    assert.match(diff.stdout, /arn:aws:iam::444455556666:root gains aps:QueryMetrics/);
  });
});
