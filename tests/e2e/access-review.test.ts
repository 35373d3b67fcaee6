import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { repoRoot } from "../../scripts/lib/package";
import {
  type EmulatedProject,
  type PulumiProject,
  type RunResult,
  assertOk,
  emulatedProject,
} from "../../scripts/lib/pulumi-project";

function assertFailed(result: RunResult, what: string): void {
  assert.notEqual(result.code, 0, `${what} should have failed:\n${result.output}`);
}

/** Keeps the engine's output of a step in .test-tmp/ (git-ignored), where the README's examples come from. */
function keep(name: string, result: RunResult): void {
  const dir = path.join(repoRoot, ".test-tmp", "access-review");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.txt`), result.output);
}

/** The digest a failed gate tells the user to approve. */
function approvalDigest(output: string): string {
  const match = /set the input approvedAccess: "(access-[0-9a-f]{12})"/.exec(output);
  assert.ok(match, `no approvedAccess digest in:\n${output}`);
  return match[1];
}

const totalCalls = (emulator: AmpEmulator) => Object.values(emulator.callCounts()).reduce((a, b) => a + b, 0);

const WRITER = "arn:aws:iam::111122223333:root";
const QUERY_ACTIONS = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"];

/** The policy the programs write: the writer, and a query statement when there are readers. */
const programPolicy = (readers: string[]) => ({
  Version: "2012-10-17",
  Statement: [
    { Sid: "CrossAccountRemoteWrite", Effect: "Allow", Principal: { AWS: WRITER }, Action: ["aps:RemoteWrite"] },
    ...(readers.length > 0
      ? [
          {
            Sid: "CrossAccountQuery",
            Effect: "Allow",
            Principal: { AWS: readers.map((id) => `arn:aws:iam::${id}:root`) },
            Action: QUERY_ACTIONS,
          },
        ]
      : []),
  ],
});

/** A broadening out-of-band edit: account 999999999999 may remote-write too. */
const driftedPolicy = (readers: string[]) => {
  const policy = programPolicy(readers);
  policy.Statement.push({
    Sid: "OutOfBand",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::999999999999:root" },
    Action: ["aps:RemoteWrite"],
  });
  return policy;
};

const newReaderVerdict = /broadens access: arn:aws:iam::444455556666:root gains aps:QueryMetrics/;
const newReaderRow = /│ \+ │ Allow\s+│ aps:QueryMetrics\s+│ arn:aws:iam::444455556666:root\s+│/;
const driftVerdict = /narrows access: arn:aws:iam::999999999999:root loses aps:RemoteWrite/;
const driftRow = /│ - │ Allow\s+│ aps:RemoteWrite\s+│ arn:aws:iam::999999999999:root\s+│/;
const anyReview = /access digest:|broadens access|narrows access|needs approval/;

describe("access review at preview: the dynamic provider (examples/access-review, TypeScript)", function () {
  this.timeout(600_000);
  let emulator: AmpEmulator;
  let setup: EmulatedProject | undefined;
  let project: PulumiProject;
  let ws: string;

  const config = async (key: string, value: string | undefined) => {
    const args = value === undefined ? ["config", "rm", key] : ["config", "set", key, value];
    assertOk(await project.pulumi(args), args.join(" "));
  };

  before(async () => {
    setup = await emulatedProject("access-review", { emulator: { transitionDelayMs: 200 } });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace({ alias: "review" });
    await config("workspaceId", ws);
    await config("requireApproval", "never");
  });
  after(async () => {
    await setup?.dispose();
  });

  it("1. a create is reviewed; a new principal shows the verdict, the table and the digest in preview, for the workspace", async () => {
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertOk(up, "up");
    assert.match(up.output, /broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite/);

    await config("readerAccountIds", "444455556666");
    const preview = await project.pulumi(["preview"]);
    keep("dynamic-broadening-preview", preview);
    assertOk(preview, "preview");
    // The dynamic provider's log reaches the engine as a runtime diagnostic (info, not a warning): it names the workspace.
    assert.match(preview.output, new RegExp(`info: \\[runtime\\] amp:ResourcePolicy \\(${ws}\\): broadens access`));
    assert.match(preview.output, newReaderVerdict);
    assert.match(preview.output, newReaderRow);
    assert.match(preview.output, /access digest: access-[0-9a-f]{12}/);
    assert.match(preview.output, /~\s+pulumi-nodejs:dynamic\/amp:ResourcePolicy access-reviewed update/);
    await config("readerAccountIds", undefined);
  });

  it("2. a cosmetic change (the same policy as a reformatted JSON string) shows no review", async () => {
    const original = project.read("index.ts");
    const reformatted = original.replace(
      'policyDocument: { Version: "2012-10-17", Statement: statements },',
      'policyDocument: `{ "Statement": { "Action": "APS:REMOTEWRITE", "Effect": "Allow",\n' +
        '    "Principal": { "AWS": "${writerAccountId}" }, "Sid": "CrossAccountRemoteWrite" }, "Version": "2012-10-17" }`,',
    );
    assert.notEqual(reformatted, original, "the program's policyDocument line was not found");
    project.write("index.ts", reformatted);
    const preview = await project.pulumi(["preview", "--expect-no-changes"]);
    project.write("index.ts", original);
    assertOk(preview, "preview --expect-no-changes");
    assert.doesNotMatch(preview.output, anyReview);
  });

  let digest: string;

  it("3. requireApproval: broadening fails preview (and up) naming policyDocument, with the table and the digest; no API call", async () => {
    await config("requireApproval", "broadening");
    await config("readerAccountIds", "444455556666");
    emulator.resetCallCounts();
    const preview = await project.pulumi(["preview"]);
    keep("dynamic-gate-preview", preview);
    assertFailed(preview, "preview of an unapproved broadening");
    assert.match(preview.output, /resource 'access-reviewed' has a problem: policyDocument needs approval/);
    assert.match(preview.output, /policyDocument needs approval before it is applied \(requireApproval: broadening\)/);
    assert.match(preview.output, newReaderVerdict);
    assert.match(preview.output, newReaderRow);
    digest = approvalDigest(preview.output);
    assert.equal(totalCalls(emulator), 0, "the gate makes no API call");

    const before = emulator.getPolicy(ws)!.revisionId;
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertFailed(up, "up of an unapproved broadening");
    assert.equal(approvalDigest(up.output), digest);
    assert.equal(emulator.getPolicy(ws)!.revisionId, before, "nothing was written");
  });

  it("4. the printed digest in approvedAccess lets up through", async () => {
    await config("approvedAccess", digest);
    const up = await project.pulumi(["up", "--yes"]);
    keep("dynamic-approved-up", up);
    assertOk(up, "up with approvedAccess");
    assert.ok(up.output.includes(`access digest: ${digest}, approved by approvedAccess (requireApproval: broadening)`));
    assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, programPolicy(["444455556666"])));
  });

  it("5. a further change invalidates the approval; going back needs none; the review inputs alone are no change", async () => {
    await config("readerAccountIds", "444455556666,777788889999");
    const preview = await project.pulumi(["preview"]);
    keep("dynamic-stale-approval-preview", preview);
    assertFailed(preview, "preview of a further broadening");
    assert.match(
      preview.output,
      new RegExp(`approvedAccess "${digest}" approves other access than this change grants`),
    );
    assert.match(preview.output, /broadens access: arn:aws:iam::777788889999:root gains aps:QueryMetrics/);
    assert.notEqual(approvalDigest(preview.output), digest);

    await config("readerAccountIds", "444455556666");
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview of the approved policy");

    // The review inputs alone are no change: up records them without a call to AMP.
    await config("requireApproval", "any-change");
    await config("approvedAccess", "access-000000000000");
    emulator.resetCallCounts();
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertOk(up, "up of the review inputs alone");
    assert.equal(totalCalls(emulator), 0, "no API call");
    assert.doesNotMatch(up.output, anyReview);
    await config("approvedAccess", digest);
  });

  it("6. AMP_POLICY_REQUIRE_APPROVAL, read when the provider runs, is a floor for a resource that says never", async () => {
    await config("requireApproval", "never");
    await config("readerAccountIds", undefined);
    project.env.AMP_POLICY_REQUIRE_APPROVAL = "any-change";
    const gated = await project.pulumi(["preview"]);
    delete project.env.AMP_POLICY_REQUIRE_APPROVAL;
    assertFailed(gated, "preview of a narrowing under AMP_POLICY_REQUIRE_APPROVAL=any-change");
    assert.match(gated.output, /needs approval before it is applied \(requireApproval: any-change\)/);
    assert.match(gated.output, /narrows access: arn:aws:iam::444455556666:root loses aps:QueryMetrics/);

    const open = await project.pulumi(["preview"]);
    assertOk(open, "the same preview without the variable");
    assert.match(open.output, /narrows access: arn:aws:iam::444455556666:root loses aps:QueryMetrics/);
    await config("readerAccountIds", "444455556666");
  });

  it("7. drift found by preview --refresh is reviewed against the live policy", async () => {
    emulator.putPolicyOutOfBand(ws, JSON.stringify(driftedPolicy(["444455556666"])));
    const preview = await project.pulumi(["preview", "--refresh"]);
    keep("dynamic-drift-preview", preview);
    assertOk(preview, "preview --refresh");
    assert.match(preview.output, driftVerdict);
    assert.match(preview.output, driftRow);
    assert.match(preview.output, /~\s+pulumi-nodejs:dynamic\/amp:ResourcePolicy access-reviewed update/);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** The YAML example's `policyDocument:` block for these readers (or as a reformatted string), and more properties. */
function yamlProgram(
  original: string,
  options: { readers?: string[]; reformatted?: boolean; approvedAccess?: string },
): string {
  const readers = options.readers ?? [];
  let block: string;
  if (options.reformatted) {
    block =
      "      policyDocument: |\n" +
      '        { "Statement": { "Action": "APS:RemoteWrite", "Principal": { "AWS": ["111122223333"] },\n' +
      '                         "Effect": "Allow", "Sid": "CrossAccountRemoteWrite" },\n' +
      '          "Version": "2012-10-17" }\n';
  } else {
    block =
      "      policyDocument:\n" +
      "        fn::toJSON:\n" +
      '          Version: "2012-10-17"\n' +
      "          Statement:\n" +
      "            - Sid: CrossAccountRemoteWrite\n" +
      "              Effect: Allow\n" +
      "              Principal:\n" +
      "                AWS: ${writerPrincipal}\n" +
      "              Action:\n" +
      "                - aps:RemoteWrite\n";
    if (readers.length > 0) {
      block +=
        "            - Sid: CrossAccountQuery\n" +
        "              Effect: Allow\n" +
        "              Principal:\n" +
        `                AWS: [${readers.map((id) => `"arn:aws:iam::${id}:root"`).join(", ")}]\n` +
        `              Action: [${QUERY_ACTIONS.join(", ")}]\n`;
    }
  }
  if (options.approvedAccess !== undefined) {
    block += `      approvedAccess: ${options.approvedAccess}\n`;
  }
  const changed = original.replace(/^ {6}policyDocument:\n(?: {8}.*\n)+/m, block);
  assert.notEqual(changed, original, "the example's policyDocument block was not found");
  return changed;
}

describe("access review at preview: the resource plugin (examples/yaml)", function () {
  this.timeout(600_000);
  let emulator: AmpEmulator;
  let setup: EmulatedProject | undefined;
  let project: PulumiProject;
  let ws: string;
  let original: string;

  const config = async (key: string, value: string | undefined) => {
    const args = value === undefined ? ["config", "rm", key] : ["config", "set", key, value];
    assertOk(await project.pulumi(args), args.join(" "));
  };
  const program = (options: Parameters<typeof yamlProgram>[1]) =>
    project.write("Pulumi.yaml", yamlProgram(original, options));

  before(async () => {
    setup = await emulatedProject("yaml", { emulator: { transitionDelayMs: 200 } });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace({ alias: "review-yaml" });
    await config("workspaceId", ws);
    original = project.read("Pulumi.yaml");
  });
  after(async () => {
    await setup?.dispose();
  });

  it("1. a create is reviewed; a new principal shows the verdict, the table and the digest in preview, on the resource", async () => {
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertOk(up, "up");
    assert.match(up.output, /broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite/);

    program({ readers: ["444455556666"] });
    const preview = await project.pulumi(["preview"]);
    keep("plugin-broadening-preview", preview);
    assertOk(preview, "preview");
    // Logged with the resource's URN (info, not a warning): the engine shows it under the resource.
    assert.match(preview.output, /amp-resource-policy:index:ResourcePolicy \(policy\):\n {4}broadens access: /);
    assert.match(preview.output, newReaderVerdict);
    assert.match(preview.output, newReaderRow);
    assert.match(preview.output, /access digest: access-[0-9a-f]{12}/);
  });

  it("2. a cosmetic change (the same policy as a reformatted JSON string) shows no review", async () => {
    program({ reformatted: true });
    const preview = await project.pulumi(["preview", "--expect-no-changes"]);
    assertOk(preview, "preview --expect-no-changes");
    assert.doesNotMatch(preview.output, anyReview);
  });

  let digest: string;

  it("3. amp-resource-policy:requireApproval broadening fails preview naming policyDocument; no API call", async () => {
    await config("amp-resource-policy:requireApproval", "broadening");
    program({ readers: ["444455556666"] });
    emulator.resetCallCounts();
    const preview = await project.pulumi(["preview"]);
    keep("plugin-gate-preview", preview);
    assertFailed(preview, "preview of an unapproved broadening");
    assert.match(preview.output, /resource 'policy' has a problem: policyDocument needs approval/);
    assert.match(preview.output, /policyDocument needs approval before it is applied \(requireApproval: broadening\)/);
    assert.match(preview.output, newReaderVerdict);
    assert.match(preview.output, newReaderRow);
    digest = approvalDigest(preview.output);
    assert.equal(totalCalls(emulator), 0, "the gate makes no API call");
  });

  it("4. the printed digest in approvedAccess lets up through", async () => {
    program({ readers: ["444455556666"], approvedAccess: digest });
    const up = await project.pulumi(["up", "--yes"]);
    keep("plugin-approved-up", up);
    assertOk(up, "up with approvedAccess");
    assert.ok(up.output.includes(`access digest: ${digest}, approved by approvedAccess (requireApproval: broadening)`));
    assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, programPolicy(["444455556666"])));
  });

  it("5. a further change invalidates the approval; approvedAccess alone is no change (no API call)", async () => {
    program({ readers: ["444455556666", "777788889999"], approvedAccess: digest });
    const preview = await project.pulumi(["preview"]);
    assertFailed(preview, "preview of a further broadening");
    assert.match(
      preview.output,
      new RegExp(`approvedAccess "${digest}" approves other access than this change grants`),
    );
    assert.match(preview.output, /broadens access: arn:aws:iam::777788889999:root gains aps:QueryMetrics/);
    assert.notEqual(approvalDigest(preview.output), digest);

    // The review inputs alone are no change: up records them without a call to AMP.
    program({ readers: ["444455556666"], approvedAccess: "access-000000000000" });
    emulator.resetCallCounts();
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertOk(up, "up of approvedAccess alone");
    assert.equal(totalCalls(emulator), 0, "no API call");
    assert.doesNotMatch(up.output, anyReview);
  });

  it("6. drift found by preview --refresh is reviewed against the live policy", async () => {
    program({ readers: ["444455556666"], approvedAccess: digest });
    emulator.putPolicyOutOfBand(ws, JSON.stringify(driftedPolicy(["444455556666"])));
    const preview = await project.pulumi(["preview", "--refresh"]);
    keep("plugin-drift-preview", preview);
    assertOk(preview, "preview --refresh");
    assert.match(preview.output, driftVerdict);
    assert.match(preview.output, driftRow);
  });

  it("7. undoing drift back to the approved policy needs no new approval (the digest is of the program's access)", async () => {
    program({ readers: ["444455556666"], approvedAccess: digest });
    emulator.putPolicyOutOfBand(ws, JSON.stringify(programPolicy([])));
    const preview = await project.pulumi(["preview", "--refresh"]);
    assertOk(preview, "preview --refresh of a restore to the approved policy");
    assert.match(preview.output, newReaderVerdict);
    assert.ok(preview.output.includes(`access digest: ${digest}, approved by approvedAccess`), preview.output);
  });
});
