import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import {
  type EmulatedProject,
  type PulumiProject,
  type RunResult,
  assertOk,
  emulatedProject,
} from "../../scripts/lib/pulumi-project";

// Distinctive fake credentials (the emulator verifies signatures made with them), and a wrong secret used once.
const accessKeyId = "AKIASECURITYFAKEKEY7";
const secretAccessKey = "securityFakeSecret/DoNotLeak+0123456789abcdefABCDEF";
const sessionToken = "SecurityFakeSessionToken/DoNotLeak+IQoJb3JpZ2luX2VjEXAMPLE==";
const wrongSecret = "securityWrongSecret/DoNotLeak+9876543210";
const credentials = [accessKeyId, secretAccessKey, sessionToken, wrongSecret];

/** A Sid that appears only inside the secret policy document: finding it in plain text means the secret leaked. */
const marker = "SecretMarkerQx7Zk";

/**
 * A secret policy that opens the workspace to anyone (Principal "*", no condition) and grants an action
 * workspace policies ignore: preview must warn about both, and the document must stay secret.
 */
const program = `import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
const revision = config.get("revision") ?? "1";
const policy = new ResourcePolicy("open-secret-policy", {
    workspaceId: config.require("workspaceId"),
    policyDocument: pulumi.secret(
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "${marker}" + revision,
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["aps:RemoteWrite", "aps:CreateWorkspace"],
                },
            ],
        }),
    ),
});
export const policyDocument = policy.policyDocument;
export const policyStatus = policy.policyStatus;
export const revisionId = policy.revisionId;
`;

/** Each credential as it might be written: raw, URL-encoded, base64. */
function encodings(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")];
}

/** Every file under `dir` (skipping node_modules), as text. */
function filesUnder(dir: string): Array<{ file: string; text: string }> {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && !path.join(f.parentPath, f.name).includes(`${path.sep}node_modules${path.sep}`))
    .map((f) => {
      const file = path.join(f.parentPath, f.name);
      return { file, text: fs.readFileSync(file).toString("latin1") };
    });
}

describe("security, on the real Pulumi engine: credentials, warnings, secrets", function () {
  this.timeout(600_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;
  let logDir: string;
  /** Everything the CLI printed, every command. */
  const outputs: string[] = [];
  const pulumi = async (args: string[]): Promise<RunResult> => {
    const result = await project.pulumi(args);
    outputs.push(`$ pulumi ${args.join(" ")}\n${result.output}`);
    return result;
  };

  before(async () => {
    setup = await emulatedProject("basic", {
      emulator: { transitionDelayMs: 200, credentials: { [accessKeyId]: secretAccessKey } },
      env: () => ({
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_SESSION_TOKEN: sessionToken,
      }),
    });
    ({ emulator, project } = setup);
    // The engine's own log files (glog writes to the temporary directory) land where the scan finds them.
    logDir = path.join(project.root, "tmp");
    fs.mkdirSync(logDir);
    project.env.TMPDIR = logDir;
    project.write("index.ts", program);
    ws = emulator.createWorkspace({ alias: "security" });
    assertOk(await pulumi(["config", "set", "workspaceId", ws]), "config set");
  });
  after(async () => setup?.dispose());

  it('preview warns about Principal "*" without a condition and about an action workspace policies ignore', async () => {
    const preview = await pulumi(["preview"]);
    assertOk(preview, "preview");
    assert.match(
      preview.output,
      /allows Principal "\*" with no condition restricting who \(e\.g\. aws:PrincipalOrgID or aws:SourceAccount\): the workspace is open to anyone/,
    );
    // The document is secret: the warning names the path, not the action (tests/e2e/secret-diagnostics.test.ts).
    assert.match(preview.output, /Statement\[0\]\.Action "\[secret\]" is not a Prometheus-compatible action/);
    assert.doesNotMatch(preview.output, /CreateWorkspace/);
    assert.match(preview.output, new RegExp(`amp:ResourcePolicy \\(${ws}\\)`), "the warning names the workspace");
    assert.equal(emulator.getPolicy(ws), undefined, "preview wrote nothing");
  });

  it("up with verbose engine logs writes the policy; the secret document stays secret in outputs and state", async () => {
    assertOk(await pulumi(["up", "--yes", "--skip-preview", "--logflow", "-v=9"]), "up");
    const live = emulator.getPolicy(ws)!;
    assert.equal(live.policyStatus, "ACTIVE");
    assert.match(live.policyDocument, new RegExp(`${marker}1`), "the program's policy was written");

    const shown = await pulumi(["stack", "output"]);
    assertOk(shown, "stack output");
    assert.match(shown.stdout, /policyDocument\s+\[secret\]/);
    assert.doesNotMatch(shown.stdout, new RegExp(marker));
    const json = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout) as Record<string, string>;
    assert.equal(json.policyDocument, "[secret]");
    assert.equal(json.revisionId, live.revisionId, "the other outputs are plain");

    const exported = await pulumi(["stack", "export"]);
    assertOk(exported, "stack export");
    const deployment = JSON.parse(exported.stdout) as {
      deployment: {
        resources: Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }>;
      };
    };
    const resource = deployment.deployment.resources.find(
      (r) => r.type === "pulumi-nodejs:dynamic/amp:ResourcePolicy",
    )!;
    const secretSig = "4dabf18193072939515e22adb298388d";
    for (const [where, value] of [
      ["inputs", resource.inputs!.policyDocument],
      ["outputs", resource.outputs!.policyDocument],
    ] as const) {
      const envelope = value as Record<string, unknown>;
      assert.equal(envelope[secretSig], "1b47061264138c4ac30d75fd1eb44270", `${where}.policyDocument is a secret`);
      assert.equal(typeof envelope.ciphertext, "string", `${where}.policyDocument is encrypted`);
    }
    assert.equal(resource.outputs!.revisionId, live.revisionId);
    for (const { file, text } of filesUnder(path.join(project.root, "state"))) {
      assert.ok(!text.includes(marker), `${file} holds the secret document in plain text`);
    }
    // And with --show-secrets the document is there: the marker test above is not vacuous.
    const revealed = await project.exportState();
    const plain = JSON.parse(revealed) as typeof deployment;
    const revealedDoc = plain.deployment.resources.find((r) => r.type === resource.type)!.outputs!.policyDocument;
    const { plaintext } = revealedDoc as { plaintext: string };
    assert.ok(policiesEquivalent(JSON.parse(plaintext), live.policyDocument));
  });

  it("an update the service refuses (403) and a refresh with a wrong secret fail with messages free of credentials", async () => {
    emulator.injectFault({ kind: "error", status: 403, operation: "PutResourcePolicy", count: 10 });
    assertOk(await pulumi(["config", "set", "revision", "2"]), "config set");
    const refused = await pulumi(["up", "--yes", "--skip-preview"]);
    emulator.clearFaults();
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.output,
      new RegExp(`updating resource policy for AMP workspace ${ws}: User is not authorized`),
    );

    project.env.AWS_SECRET_ACCESS_KEY = wrongSecret;
    const wrong = await pulumi(["refresh", "--yes", "--skip-preview"]);
    project.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.output, new RegExp(`reading resource policy for AMP workspace ${ws}: `));
    assert.match(wrong.output, /signature/i);

    assertOk(await pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(ws), undefined);
  });

  it("no credential appears in state, __provider, the CLI's output and errors, Pulumi's logs or the emulator's log", async () => {
    const state = await project.exportState();
    const artifacts: Array<{ file: string; text: string }> = [
      { file: "pulumi stack export --show-secrets", text: state },
      { file: "the CLI's output, every command", text: outputs.join("\n") },
      { file: "the emulator's request log", text: JSON.stringify(emulator.requestLog()) },
      ...filesUnder(path.join(project.root, "state")),
      ...filesUnder(path.join(project.root, "home")),
      ...filesUnder(logDir),
      ...filesUnder(project.dir),
    ];
    const logs = filesUnder(logDir).filter((f) => /pulumi/.test(path.basename(f.file)));
    assert.ok(logs.length > 0, "the verbose run left engine logs to scan");
    assert.ok(
      artifacts.some((a) => a.text.includes("__provider")),
      "the serialized provider is among the artifacts",
    );
    let scanned = 0;
    for (const { file, text } of artifacts) {
      for (const secret of credentials) {
        for (const form of encodings(secret)) {
          assert.ok(!text.includes(form), `${file} contains a credential (${secret.slice(0, 12)}...)`);
        }
      }
      scanned += text.length;
    }
    if (process.env.SECURITY_TEST_DUMP) {
      fs.writeFileSync(process.env.SECURITY_TEST_DUMP, outputs.join("\n"));
    }
    console.log(
      `      scanned ${artifacts.length} artifacts, ${(scanned / 1e6).toFixed(1)} MB, for ${credentials.length} credentials`,
    );
  });
});
