import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { repoRoot } from "../../scripts/lib/package";
import {
  type EmulatedProject,
  type PulumiProject,
  assertOk,
  cliBin,
  emulatedProject,
  run,
} from "../../scripts/lib/pulumi-project";
import { policySteps } from "../plugin/support/plugin-project";

const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;
const executable = "pulumi-resource-amp-resource-policy";
const examplePolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "CrossAccountRemoteWrite",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: ["aps:RemoteWrite"],
    },
  ],
};

/** examples/yaml without its `plugins:` block: the engine must find the plugin among the installed ones. */
function withoutPluginPath(program: string): string {
  const changed = program.replace(/^plugins:\n(?:(?:[ \t].*)?\n)*/m, "");
  assert.notEqual(changed, program, "the example's plugins: block was not found");
  assert.doesNotMatch(changed, /path:/);
  return changed;
}

/** Where `node` is on `searchPath`, if anywhere. */
function nodeOn(searchPath: string): string | undefined {
  return searchPath
    .split(path.delimiter)
    .map((dir) => path.join(dir, "node"))
    .find((file) => fs.existsSync(file));
}

const variants = [
  {
    title: "the Node archive (npm run package:plugin)",
    args: [] as string[],
    layout: ["LICENSE", "PulumiPlugin.yaml", "node_modules/", "package.json", executable, "provider/schema.json"],
    // The engine runs the entry point with the `node` on the user's PATH.
    env: (): NodeJS.ProcessEnv => ({}),
  },
  {
    title: "the single-executable archive (npm run package:plugin -- --sea), with no node on PATH",
    args: ["--sea"],
    layout: ["LICENSE", "package.json", executable, "provider/schema.json"],
    env: (): NodeJS.ProcessEnv => ({ PATH: cliBin }),
  },
];

for (const variant of variants) {
  describe(`${variant.title}: pulumi plugin install --file, then examples/yaml with no plugin path`, function () {
    this.timeout(600_000);
    let outDir: string;
    let archive: string;
    let setup: EmulatedProject;
    let emulator: AmpEmulator;
    let project: PulumiProject;
    let ws: string;

    before(async () => {
      outDir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-plugin-archive-"));
      const packaged = await run(
        "npm",
        ["run", "--silent", "package:plugin", "--", "--out", outDir, ...variant.args],
        repoRoot,
        process.env,
      );
      assertOk(packaged, "npm run package:plugin");
      archive = packaged.stdout.trim().split("\n").pop()!;
      // Ambient plugins off: the plugin must come from PULUMI_HOME, not from a PATH or a node_modules/.bin.
      setup = await emulatedProject("yaml", {
        env: () => ({ PULUMI_IGNORE_AMBIENT_PLUGINS: "true", ...variant.env() }),
      });
      ({ emulator, project } = setup);
      project.write("Pulumi.yaml", withoutPluginPath(project.read("Pulumi.yaml")));
      ws = emulator.createWorkspace({ alias: "archive" });
      assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
    });
    after(async () => {
      await setup?.dispose();
      fs.rmSync(outDir, { recursive: true, force: true });
    });

    it(`1. is pulumi-resource-amp-resource-policy-v${version}-<os>-<arch>.tar.gz with its entry point at the root`, async () => {
      const arch = { x64: "amd64", arm64: "arm64" }[process.arch as string];
      assert.equal(
        path.basename(archive),
        `pulumi-resource-amp-resource-policy-v${version}-${process.platform}-${arch}.tar.gz`,
      );
      const listing = await run("tar", ["-tvzf", archive], outDir, process.env);
      assertOk(listing, "tar -t");
      const entries = listing.stdout
        .trim()
        .split("\n")
        .map((line) => ({ mode: line.split(/\s+/)[0], name: line.split(/\s+/).pop()! }));
      assert.deepEqual(entries.map((e) => e.name).sort(), [...variant.layout].sort());
      assert.match(entries.find((e) => e.name === executable)!.mode, /^-rwx/);
      console.log(`      ${path.basename(archive)}: ${(fs.statSync(archive).size / 1e6).toFixed(1)} MB`);
    });

    it("2. before the install, the engine does not find the plugin", async () => {
      if (variant.env().PATH !== undefined) {
        assert.equal(nodeOn(project.env.PATH!), undefined, "node is on the engine's PATH");
      }
      const preview = await project.pulumi(["preview"]);
      assert.notEqual(preview.code, 0, "preview ran with no plugin installed");
      assert.match(preview.output, /no resource plugin 'pulumi-resource-amp-resource-policy' found/);
    });

    it("3. pulumi plugin install resource amp-resource-policy <version> --file <archive> puts it in PULUMI_HOME", async () => {
      const install = await project.pulumi([
        "plugin",
        "install",
        "resource",
        "amp-resource-policy",
        version,
        "--file",
        archive,
      ]);
      assertOk(install, "pulumi plugin install");
      const folder = path.join(project.env.PULUMI_HOME!, "plugins", `resource-amp-resource-policy-v${version}`);
      assert.ok(fs.existsSync(path.join(folder, executable)), `${executable} is not at the root of ${folder}`);
      const listed = await project.pulumi(["plugin", "ls", "--json"]);
      assertOk(listed, "pulumi plugin ls");
      const plugins = JSON.parse(listed.stdout) as { name: string; kind: string; version: string }[];
      assert.ok(
        plugins.some((p) => p.name === "amp-resource-policy" && p.kind === "resource" && p.version === version),
      );
    });

    it("4. preview plans one create, with no warning from the engine or the YAML runtime", async () => {
      const preview = await project.pulumi(["preview", "--json"]);
      assertOk(preview, "preview");
      assert.deepEqual(
        policySteps(preview.stdout).map((s) => s.op),
        ["create"],
      );
      const shown = await project.pulumi(["preview"]);
      assertOk(shown, "preview");
      assert.doesNotMatch(shown.output, /does not exist on/);
      assert.doesNotMatch(shown.output, /warning/i);
    });

    it("5. up creates the policy; a second preview is no change", async () => {
      assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
      const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
      assert.equal(outputs.policyStatus, "ACTIVE");
      assert.equal(outputs.revisionId, emulator.getPolicy(ws)!.revisionId);
      assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, examplePolicy));
      assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    });

    it("6. destroy deletes the policy", async () => {
      assert.ok(emulator.getPolicy(ws), "there is a policy to destroy");
      assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
      assert.equal(emulator.getPolicy(ws), undefined);
    });
  });
}
