/**
 * The demo (`npm start`): the basic example through the real Pulumi engine against the local AMP emulator.
 * Builds what is missing (the package, the Pulumi CLI from Go modules), then walks preview, up, a cosmetic
 * edit, a real edit, an out-of-band change caught by --refresh, and destroy, printing the engine's output.
 * Every change of access (the create, the real edit, the drift) is shown as the access review's verdict and
 * table; the cosmetic edit shows none.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { AmpEmulator } from "../emulator";
import { cliBin, ensureCli, PulumiProject } from "./lib/pulumi-project";
import { repoRoot } from "./lib/package";

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
function step(text: string): void {
  console.log(`\n${bold(`==> ${text}`)}\n`);
}

const cosmeticProgram = (original: string) =>
  original.replace(
    /policyDocument: \{[\s\S]*?\n {2}\},\n/,
    `// The same policy as a reformatted, reordered JSON string: no change for the provider.
  policyDocument: \`{
    "Statement": { "Action": "APS:REMOTEWRITE", "Effect": "Allow", "Sid": "CrossAccountRemoteWrite",
                   "Principal": { "AWS": "\${writerAccountId}" } },
    "Version": "2012-10-17"
  }\`,
`,
  );

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(repoRoot, "dist/sdk/nodejs/index.js"))) {
    step("Building the package (npm run build)");
  }
  if (!fs.existsSync(path.join(cliBin, "pulumi"))) {
    step("Building the Pulumi CLI from Go modules (first time only: several minutes; later runs reuse it)");
  }
  ensureCli();

  const emulator = new AmpEmulator({ transitionDelayMs: 1000 });
  const url = await emulator.start();
  const workspaceId = emulator.createWorkspace({ alias: "demo" });
  step(`Started the AMP emulator at ${url} with workspace ${workspaceId} (policy changes settle after 1 s)`);

  step("Installing examples/basic with the packed package into .demo/ (npm install)");
  const project = await PulumiProject.create(
    "basic",
    {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_AMP: url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      // Node 20 works; the SDK's notice that releases after January 2027 need Node 22 would fill the output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    path.join(repoRoot, ".demo"),
  );
  const echo = { echo: true };
  try {
    await project.pulumi(["config", "set", "workspaceId", workspaceId]);
    const original = project.read("index.ts");

    step("pulumi preview: one ResourcePolicy to create, and the access it grants (verdict, table, digest)");
    await project.pulumi(["preview"], echo);

    step("pulumi up: PutResourcePolicy with revisionId NO_POLICY, then wait until ACTIVE");
    await project.pulumi(["up", "--yes", "--skip-preview"], echo);

    step("A cosmetic edit (the policy reformatted and reordered): pulumi preview --expect-no-changes");
    project.write("index.ts", cosmeticProgram(original));
    await project.pulumi(["preview", "--expect-no-changes"], echo);
    project.write("index.ts", original);

    step("A real edit (another writer account): pulumi preview reviews who gains and who loses access");
    await project.pulumi(["config", "set", "writerAccountId", "444455556666"]);
    await project.pulumi(["preview"], echo);

    step("The same edit held by a pipeline's gate (AMP_POLICY_REQUIRE_APPROVAL=broadening): preview fails");
    project.env.AMP_POLICY_REQUIRE_APPROVAL = "broadening";
    await project.pulumi(["preview"], echo);
    delete project.env.AMP_POLICY_REQUIRE_APPROVAL;

    step("Without the gate: pulumi up --diff updates with the stored revision");
    await project.pulumi(["up", "--yes", "--skip-preview", "--diff"], echo);

    step("Someone edits the policy outside Pulumi; pulumi preview --refresh shows the drift and reviews undoing it");
    emulator.putPolicyOutOfBand(
      workspaceId,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "aps:RemoteWrite" },
        ],
      }),
    );
    await project.pulumi(["preview", "--refresh"], echo);

    step("Without a refresh, a further change is refused rather than overwriting the edit: pulumi up");
    await project.pulumi(["config", "set", "writerAccountId", "777788889999"]);
    await project.pulumi(["up", "--yes", "--skip-preview"], echo);

    step("Adopt the live policy (pulumi refresh), then put the program's back deliberately (pulumi up)");
    await project.pulumi(["refresh", "--yes", "--skip-preview"], echo);
    await project.pulumi(["up", "--yes", "--skip-preview"], echo);

    step("pulumi destroy: DeleteResourcePolicy with the stored revision, then wait until it is gone");
    await project.pulumi(["destroy", "--yes", "--skip-preview"], echo);
    const left = emulator.getPolicy(workspaceId);
    step(`Done. The emulator's workspace ${left ? "still has a policy (unexpected)" : "has no policy left"}.`);
    if (left) {
      process.exitCode = 1;
    }
  } finally {
    project.dispose();
    await emulator.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
