import assert from "node:assert/strict";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";

// Distinctive fake credentials: the emulator checks signatures made with them, and no artifact may contain them.
const accessKeyId = "AKIAE2EFAKEACCESSKEY";
const secretAccessKey = "e2eFakeSecretAccessKey/DoNotLeak/0123456789";
const sessionToken = "E2EFakeSessionTokenDoNotLeak";

/** The basic example's policy, for an account. */
const basicPolicy = (account: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "CrossAccountRemoteWrite",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ["aps:RemoteWrite"],
    },
  ],
});

/** The same policy, reformatted and reordered, as a JSON string in the program. */
const reformattedProgram = `import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
const writer = config.get("writerAccountId") ?? "111122223333";
const policy = new ResourcePolicy("cross-account-remote-write", {
    workspaceId: config.require("workspaceId"),
    policyDocument: \`{
        "Statement": {
            "Action": "APS:RemoteWrite",
            "Principal": {"AWS": ["\${writer}"]},
            "Effect": "Allow",
            "Sid": "CrossAccountRemoteWrite"
        },
        "Version": "2012-10-17"
    }\`,
});
export const policyStatus = policy.policyStatus;
export const revisionId = policy.revisionId;
`;

/** The operations a `preview --json` plans for the ResourcePolicy, e.g. `["create"]`. */
function policyOps(previewJson: string): string[] {
  const { steps } = JSON.parse(previewJson) as { steps: { op: string; urn: string }[] };
  return steps.filter((s) => s.urn.includes("dynamic/amp:ResourcePolicy")).map((s) => s.op);
}

describe("the real Pulumi engine on examples/basic, against the emulator", function () {
  this.timeout(600_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;

  before(async () => {
    setup = await emulatedProject("basic", {
      emulator: { transitionDelayMs: 500, credentials: { [accessKeyId]: secretAccessKey } },
      env: () => ({
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_SESSION_TOKEN: sessionToken,
      }),
    });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace({ alias: "e2e" });
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
  });
  after(async () => setup?.dispose());

  it("1. preview shows one create; up creates it with policyStatus ACTIVE and a revisionId", async () => {
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.deepEqual(policyOps(preview.stdout), ["create"]);
    assert.equal(emulator.getPolicy(ws), undefined, "preview wrote nothing");

    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
    assert.equal(outputs.policyStatus, "ACTIVE");
    assert.equal(outputs.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, basicPolicy("111122223333")));
  });

  it("2. a reformatted and reordered policy is no change", async () => {
    const original = project.read("index.ts");
    project.write("index.ts", reformattedProgram);
    const preview = await project.pulumi(["preview", "--expect-no-changes"]);
    assertOk(preview, "preview --expect-no-changes after reformatting");
    project.write("index.ts", original);
  });

  it("3. preview --refresh right after up shows no changes, though the service re-serializes the document", async () => {
    assert.notEqual(
      emulator.getPolicy(ws)!.policyDocument,
      JSON.stringify(basicPolicy("111122223333"), null, 1),
      "sanity: the emulator's text differs",
    );
    assertOk(await project.pulumi(["preview", "--refresh", "--expect-no-changes"]), "preview --refresh");
  });

  it("4. a real change previews as one update of policyDocument and applies with the stored revision", async () => {
    const before = emulator.getPolicy(ws)!.revisionId;
    assertOk(await project.pulumi(["config", "set", "writerAccountId", "444455556666"]), "config set");
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.deepEqual(policyOps(preview.stdout), ["update"]);
    // The dynamic provider cannot return a detailed diff: the engine shows the changed inputs itself.
    const shown = await project.pulumi(["preview", "--diff"]);
    assertOk(shown, "preview --diff");
    assert.match(shown.output, /~ pulumi-nodejs:dynamic\/amp:ResourcePolicy: \(update\)/);
    assert.match(shown.output, /~ policyDocument: \{/);
    assert.match(shown.output, /~ AWS: "arn:aws:iam::111122223333:root" => "arn:aws:iam::444455556666:root"/);
    assert.doesNotMatch(shown.output, /~ workspaceId/);

    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
    assert.equal(puts.length, 1);
    assert.equal(puts[0].revisionId, before);
    assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, basicPolicy("444455556666")));
  });

  it("5. an out-of-band edit is caught: up fails with the drift error, refresh shows it, refresh + up restore", async () => {
    const outOfBand = JSON.stringify(basicPolicy("999999999999"));
    emulator.putPolicyOutOfBand(ws, outOfBand);

    assertOk(await project.pulumi(["config", "set", "writerAccountId", "777788889999"]), "config set");
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assert.notEqual(up.code, 0);
    assert.match(up.output, /changed outside Pulumi/);
    assert.match(up.output, /pulumi refresh/);
    assert.ok(up.output.includes(ws));
    assert.equal(emulator.getPolicy(ws)!.policyDocument, outOfBand, "the out-of-band policy is still there");

    assertOk(await project.pulumi(["config", "set", "writerAccountId", "444455556666"]), "config set");
    const drift = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
    assert.notEqual(drift.code, 0, "drift is visible to preview --refresh");

    assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh");
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up after refresh");
    assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, basicPolicy("444455556666")));
    assertOk(await project.pulumi(["preview", "--refresh", "--expect-no-changes"]), "converged");
  });

  it("6. a new workspaceId replaces the policy; destroy removes it", async () => {
    const ws2 = emulator.createWorkspace({ alias: "e2e-2" });
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws2]), "config set");
    const preview = await project.pulumi(["preview", "--json"]);
    assertOk(preview, "preview");
    assert.ok(policyOps(preview.stdout).includes("replace"), preview.stdout);
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    assert.equal(emulator.getPolicy(ws), undefined, "the old workspace's policy is gone");
    assert.equal(emulator.getPolicy(ws2)!.policyStatus, "ACTIVE");

    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(ws2), undefined);
    assert.ok(emulator.workspaces().every((w) => emulator.getPolicy(w.workspaceId) === undefined));
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
  });

  it("7. a policy that fails validation stops preview with a message naming policyDocument", async () => {
    const original = project.read("index.ts");
    // Typed as a JSON string, so that TypeScript lets it through and check must catch it.
    project.write(
      "index.ts",
      original.replace(
        /policyDocument: \{[\s\S]*?\n {2}\},\n/,
        'policyDocument: JSON.stringify({ Statement: [{ Effect: "Permit", Principal: "*" }] }),\n',
      ),
    );
    emulator.resetCallCounts();
    const preview = await project.pulumi(["preview"]);
    project.write("index.ts", original);
    assert.notEqual(preview.code, 0);
    assert.match(preview.output, /policyDocument Statement\[0\]\.Effect must be "Allow" or "Deny"/);
    assert.match(preview.output, /policyDocument Statement\[0\] has no Action or NotAction/);
    assert.equal(
      Object.values(emulator.callCounts()).reduce((a, b) => a + b, 0),
      0,
      "no API call",
    );
  });

  it("8. an up killed right after the Put recovers: refresh clears the pending create, a re-run converges", async () => {
    emulator.setTransitionDelay(3000);
    emulator.clearRequestLog();
    const child = project.startPulumi(["up", "--yes", "--skip-preview"]);
    const deadline = Date.now() + 120_000;
    while (
      !emulator
        .requestLog()
        .some((e) => e.operation === "PutResourcePolicy" && e.statusCode === 202 && e.workspaceId === ws)
    ) {
      assert.ok(Date.now() < deadline, "the Put never came");
      await new Promise((r) => setTimeout(r, 50));
    }
    project.killRunning();
    await new Promise((r) => child.once("close", r));
    emulator.setTransitionDelay(200);
    const written = emulator.getPolicy(ws)!;
    assert.ok(written, "the Put landed before the kill");

    // The killed run left its lock: removing it is the user's first step, as the CLI says.
    assertOk(await project.pulumi(["cancel", "--yes"]), "cancel");
    const refresh = await project.pulumi(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
    assertOk(refresh, "refresh --clear-pending-creates");
    const up = await project.pulumi(["up", "--yes", "--skip-preview"]);
    assertOk(up, "re-run of up");
    const live = emulator.getPolicy(ws)!;
    assert.ok(policiesEquivalent(live.policyDocument, basicPolicy("444455556666")), "one policy, the program's");
    const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
    assert.equal(outputs.revisionId, live.revisionId);
    assertOk(await project.pulumi(["preview", "--refresh", "--expect-no-changes"]), "converged");
  });

  it("9. the state holds no AWS credentials, and its __provider text is small", async () => {
    const state = await project.exportState();
    const backend = project.backendText();
    for (const secret of [accessKeyId, secretAccessKey, sessionToken]) {
      assert.ok(!state.includes(secret), `state contains ${secret}`);
      assert.ok(!backend.includes(secret), `backend files contain ${secret}`);
    }
    const resources = JSON.parse(state).deployment.resources as { type: string; inputs?: Record<string, string> }[];
    const policy = resources.find((r) => r.type === "pulumi-nodejs:dynamic/amp:ResourcePolicy")!;
    const size = policy.inputs!.__provider.length;
    console.log(`      __provider in state: ${size} bytes`);
    assert.ok(size < 4096, `__provider is ${size} bytes`);
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(ws), undefined);
  });
});
