import assert from "node:assert/strict";

import { assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";

/** Strings found only inside the secret policy documents below: finding one in a diagnostic is a leak. */
const distinctive = ["LeakSidQ7x3", "402917365528", "LeakActionZz", "ws-leak-elsewhere", "LeakEffectVv"];

/** A policy with a Sid, a principal, an action AMP ignores and a foreign Resource: each quoted in plain text. */
const warned = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "LeakSidQ7x3",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::402917365528:root" },
      Action: ["aps:RemoteWrite", "aps:LeakActionZz"],
      Resource: "arn:aws:aps:us-east-1:402917365528:workspace/ws-leak-elsewhere",
    },
  ],
};
/** The same with an Effect that fails check (a failure quotes the value it rejects). */
const failing = { ...warned, Statement: [{ ...warned.Statement[0], Effect: "LeakEffectVv" }] };

/** The engine's verbose log goes to stderr, where the scan sees it with the CLI's own output. */
const verbose = ["--logflow", "-v=9", "--logtostderr"];

/**
 * Pulumi's own traces at -v=9 print every property of every RPC in plain text, secrets included, whatever the
 * provider does (the Go `rpc.go` (un)marshaling traces, the Node SDK's RegisterResource dump): they are the
 * engine's, not diagnostics, and are left out of the scan. Nothing else is.
 */
const pulumiTraces = [
  /rpc\.go:\d+\] (?:Un)?[Mm]arshaling property for RPC/,
  /RegisterResource RPC (?:prepared|finished)/,
];

function assertNoLeak(outputs: string[]): void {
  const lines = outputs.join("\n").split("\n");
  const traces = lines.filter((line) => pulumiTraces.some((t) => t.test(line)));
  assert.ok(
    traces.every((line) => !/Prometheus-compatible|must be "Allow"/.test(line)),
    "no diagnostic is among the traces left out",
  );
  const text = lines.filter((line) => !traces.includes(line)).join("\n");
  for (const value of distinctive) {
    const at = text.indexOf(value);
    assert.equal(
      at,
      -1,
      `"${value}" appears in the CLI's output or the engine's log: ...${text.slice(at - 300, at + 100)}`,
    );
  }
}

describe("no fragment of a secret policy in diagnostics, on the real engine (both doors)", function () {
  this.timeout(600_000);

  it("dynamic door (TypeScript): warnings and the check failure name path and problem, quoting no secret value", async () => {
    const setup = await emulatedProject("basic", { emulator: { transitionDelayMs: 100 } });
    const { emulator, project } = setup;
    try {
      const ws = emulator.createWorkspace({ alias: "leak-ts" });
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
      const program = (doc: object) => `import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";
new ResourcePolicy("secret-policy", {
    workspaceId: new pulumi.Config().require("workspaceId"),
    policyDocument: pulumi.secret(${JSON.stringify(JSON.stringify(doc))}),
});
`;
      project.write("index.ts", program(warned));
      const preview = await project.pulumi(["preview", ...verbose]);
      assertOk(preview, "preview");
      assert.match(preview.output, /policyDocument Statement\[0\]\.Action "\[secret\]" is not a Prometheus-compatible/);
      assert.match(preview.output, /Statement\[0\]\.Resource "\[secret\]" does not name workspace/);

      project.write("index.ts", program(failing));
      const refused = await project.pulumi(["preview", ...verbose]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.output, /Statement\[0\]\.Effect must be "Allow" or "Deny", not "\[secret\]"/);
      assertNoLeak([preview.output, refused.output]);

      // The same documents, not secret, are quoted: the scan above is not vacuous.
      project.write("index.ts", program(failing).replace(/pulumi\.secret\((.*)\),$/m, "$1,"));
      const plain = await project.pulumi(["preview"]);
      assert.match(plain.output, /not "LeakEffectVv"/);
    } finally {
      await setup.dispose();
    }
  });

  it("plugin door (YAML): the engine's log of check warnings and the failure quote no secret value", async () => {
    const setup = await emulatedProject("yaml", { emulator: { transitionDelayMs: 100 } });
    const { emulator, project } = setup;
    try {
      const ws = emulator.createWorkspace({ alias: "leak-yaml" });
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
      const original = project.read("Pulumi.yaml");
      const program = (doc: object, secret = true) => {
        const value = secret ? `\n        fn::secret: '${JSON.stringify(doc)}'` : ` '${JSON.stringify(doc)}'`;
        const changed = original.replace(/^ {6}policyDocument:\n(?: {8}.*\n)+/m, `      policyDocument:${value}\n`);
        assert.notEqual(changed, original, "the example's policyDocument block was not found");
        return changed;
      };
      project.write("Pulumi.yaml", program(warned));
      const preview = await project.pulumi(["preview", ...verbose]);
      assertOk(preview, "preview");
      assert.match(preview.output, /warning: policyDocument Statement\[0\]\.Action "\[secret\]" is not a Prometheus/);

      project.write("Pulumi.yaml", program(failing));
      const refused = await project.pulumi(["preview", ...verbose]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.output, /Statement\[0\]\.Effect must be "Allow" or "Deny", not "\[secret\]"/);
      assertNoLeak([preview.output, refused.output]);

      project.write("Pulumi.yaml", program(failing, false));
      const plain = await project.pulumi(["preview"]);
      assert.match(plain.output, /not "LeakEffectVv"/);
    } finally {
      await setup.dispose();
    }
  });
});
