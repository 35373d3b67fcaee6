import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { PulumiProject, type RunResult } from "../../scripts/lib/pulumi-project";

// A stack created by 0.1.0 (`npm pack` of commit 306542f, `pulumi up` of examples/basic, `pulumi stack export`):
// its `__provider` is the old inline code (2.6 KB), which `require`s dist/provider/lifecycle.js of whatever
// package the program has installed. `pulumi refresh`, `destroy` and every `read` run that stored code.
const fixture = path.join(__dirname, "fixtures", "state-0.1.0.json");
const fixtureWorkspace = "ws-old-state-010";
const policyUrn = "pulumi-nodejs:dynamic/amp:ResourcePolicy::cross-account-remote-write";

const accessKeyId = "AKIAOLDSTATEFAKEKEY";
const secretAccessKey = "oldStateFakeSecret/DoNotLeak";

interface Resource {
  urn: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
interface Exported {
  deployment: { resources: Resource[] };
}

const policyOf = (state: Exported): Resource => {
  const found = state.deployment.resources.find((r) => r.urn.endsWith(policyUrn));
  assert.ok(found, "the policy is in the state");
  return found;
};

/** The basic example's policy for `account`, as the fixture's program wrote it. */
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

function assertOk(result: RunResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed:\n${result.output}`);
}

describe("a stack created by 0.1.0 (inline __provider) with this package installed", function () {
  this.timeout(600_000);
  let emulator: AmpEmulator;
  let project: PulumiProject;

  /**
   * Puts the fixture's policy on the emulator and imports the fixture with the emulator's revision, as if
   * the stack had been deployed there. Returns the revision.
   */
  const importFixture = async (): Promise<string> => {
    const revision = emulator.putPolicyOutOfBand(fixtureWorkspace, JSON.stringify(basicPolicy("111122223333")));
    const state = JSON.parse(fs.readFileSync(fixture, "utf8")) as Exported;
    const policy = policyOf(state);
    assert.match(
      String(policy.inputs?.__provider),
      /require\("pulumi-amp-resource-policy\/dist\/provider\/lifecycle\.js"\)/,
    );
    policy.outputs!.revisionId = revision;
    const file = path.join(project.root, "import.json");
    fs.writeFileSync(file, JSON.stringify(state));
    assertOk(await project.pulumi(["stack", "import", "--file", file]), "stack import");
    return revision;
  };

  const exported = async (): Promise<Exported> => JSON.parse(await project.exportState()) as Exported;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 300, credentials: { [accessKeyId]: secretAccessKey } });
    const url = await emulator.start();
    emulator.createWorkspace({ workspaceId: fixtureWorkspace });
    project = await PulumiProject.create("basic", {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_AMP: url,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    });
    assertOk(await project.pulumi(["config", "set", "workspaceId", fixtureWorkspace]), "config set");
  });
  after(async () => {
    project?.dispose();
    await emulator?.stop();
  });

  it("previews no change, refreshes and destroys through the stored 0.1.0 code", async () => {
    const revision = await importFixture();
    emulator.resetCallCounts();
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    assert.deepEqual(emulator.callCounts(), {}, "preview makes no call");

    assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh");
    assert.deepEqual(emulator.callCounts(), { DescribeResourcePolicy: 1 });
    const refreshed = policyOf(await exported());
    assert.equal(refreshed.outputs?.revisionId, revision);
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview after refresh");

    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(fixtureWorkspace), undefined, "the policy is deleted");
  });

  it("updates with the new code, which then stores its provider by reference", async () => {
    const revision = await importFixture();
    emulator.resetCallCounts();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up, no change");
    assert.deepEqual(emulator.callCounts(), {}, "an up with nothing to change makes no call");

    assertOk(await project.pulumi(["config", "set", "writerAccountId", "444455556666"]), "config set");
    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up, real change");
    const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
    assert.equal(puts.length, 1);
    assert.equal(puts[0].revisionId, revision, "the update is made at the revision in the old state");
    assert.ok(policiesEquivalent(emulator.getPolicy(fixtureWorkspace)!.policyDocument, basicPolicy("444455556666")));

    const updated = policyOf(await exported());
    assert.equal(updated.outputs?.revisionId, emulator.getPolicy(fixtureWorkspace)!.revisionId);
    for (const bag of [updated.inputs, updated.outputs]) {
      const provider = String(bag?.__provider);
      assert.match(provider, /require\("pulumi-amp-resource-policy\/dist\/sdk\/nodejs\/provider\.js"\)/);
      assert.ok(provider.length < 512, `__provider is ${provider.length} characters`);
    }

    assertOk(await project.pulumi(["refresh", "--yes", "--skip-preview"]), "refresh with the new code");
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy with the new code");
    assert.equal(emulator.getPolicy(fixtureWorkspace), undefined);
  });
});
