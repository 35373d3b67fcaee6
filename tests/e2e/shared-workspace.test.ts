import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { repoRoot } from "../../scripts/lib/package";
import { PulumiProject, type RunResult, assertOk, emulatorEnv } from "../../scripts/lib/pulumi-project";

// Issue 17 through the real CLI: one central workspace, its statements owned by two source stacks of
// examples/central-workspace (the dynamic door), and an import by `<workspaceId>/<sid>` through the plugin (YAML).

const DYNAMIC_TYPE = "pulumi-nodejs:dynamic/amp:ResourcePolicyStatement";
const PLUGIN_TYPE = "amp-resource-policy:index:ResourcePolicyStatement";
const TEAM_A = "111122223333";
const TEAM_B = "444455556666";

/** Keeps the engine's output of a step in .test-tmp/ (git-ignored), where the README's example comes from. */
function keep(name: string, result: RunResult): void {
  const dir = path.join(repoRoot, ".test-tmp", "shared-workspace");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.txt`), result.output);
}

/** The statements of the workspace's live policy. */
function liveStatements(emulator: AmpEmulator, ws: string): Array<Record<string, unknown>> {
  const policy = emulator.getPolicy(ws);
  return policy === undefined
    ? []
    : (JSON.parse(policy.policyDocument) as { Statement: Array<Record<string, unknown>> }).Statement;
}

const liveSids = (emulator: AmpEmulator, ws: string) =>
  liveStatements(emulator, ws)
    .map((s) => String(s.Sid))
    .sort();

/** The statement resource of a stack, as `pulumi stack export` has it. */
async function statementResource(project: PulumiProject, type = DYNAMIC_TYPE) {
  const found = (await project.resources()).filter((r) => r.type === type);
  assert.equal(found.length, 1, `one ${type} expected`);
  return found[0];
}

describe("a shared central workspace through the real CLI (examples/central-workspace)", function () {
  this.timeout(600_000);
  let emulator: AmpEmulator;
  let central: PulumiProject;
  let teamA: PulumiProject;
  let teamB: PulumiProject;
  let ws: string;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 300 });
    const url = await emulator.start();
    ws = emulator.createWorkspace({ alias: "central" });
    central = await PulumiProject.create("central-workspace/central", emulatorEnv(url));
    // Team A reads the workspace id from the central stack's output (same backend); team B is given it.
    [teamA, teamB] = await Promise.all([
      PulumiProject.create("central-workspace/source", {
        ...emulatorEnv(url),
        PULUMI_BACKEND_URL: central.env.PULUMI_BACKEND_URL,
      }),
      PulumiProject.create("central-workspace/source", emulatorEnv(url)),
    ]);
    assertOk(await central.pulumi(["config", "set", "workspaceId", ws]), "config set (central)");
    assertOk(await central.pulumi(["up", "--yes", "--skip-preview"]), "up (central)");
    for (const [project, config] of [
      [teamA, { sourceAccountId: TEAM_A, centralStack: "organization/amp-central-workspace/dev" }],
      [teamB, { sourceAccountId: TEAM_B, workspaceId: ws }],
    ] as const) {
      for (const [key, value] of Object.entries(config)) {
        assertOk(await project.pulumi(["config", "set", key, value]), `config set ${key}`);
      }
    }
  });
  after(async () => {
    for (const project of [teamA, teamB, central]) {
      project?.dispose();
    }
    await emulator?.stop();
  });

  it("1. two source stacks `pulumi up` at the same time: both succeed, the live policy holds both statements", async () => {
    emulator.clearRequestLog();
    // The first two writes take 30 s to apply (a margin for the two stacks starting up to 30 s apart on a loaded
    // machine): the two stacks' writes overlap, so that the later one meets the
    // earlier one's policy at a revision it did not read, and must read and merge again.
    emulator.injectFault({ kind: "latency", operation: "PutResourcePolicy", latencyMs: 30_000, count: 2 });
    const [a, b] = await Promise.all([
      teamA.pulumi(["up", "--yes", "--skip-preview"]),
      teamB.pulumi(["up", "--yes", "--skip-preview"]),
    ]);
    keep("up-team-a", a);
    keep("up-team-b", b);
    assertOk(a, "up (team A)");
    assertOk(b, "up (team B)");
    assert.deepEqual(liveSids(emulator, ws), [`RemoteWrite${TEAM_A}`, `RemoteWrite${TEAM_B}`]);
    const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
    const conflicts = puts.filter((p) => p.statusCode === 409).length;
    console.log(`      (PutResourcePolicy calls: ${puts.length}, of which revision conflicts: ${conflicts})`);
    assert.ok(conflicts >= 1, "the two stacks' writes did not overlap: nothing was merged under a conflict");
    for (const [project, account] of [
      [teamA, TEAM_A],
      [teamB, TEAM_B],
    ] as const) {
      const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout);
      assert.equal(outputs.statementId, `${ws}/RemoteWrite${account}`);
      assert.equal(outputs.policyStatus, "ACTIVE");
    }
    assertOk(await teamA.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes (team A)");
    assertOk(await teamB.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes (team B)");
  });

  it("2. `pulumi refresh` after an out-of-band edit of team A's statement shows drift on team A's resource only", async () => {
    const edited = liveStatements(emulator, ws).map((s) =>
      s.Sid === `RemoteWrite${TEAM_A}` ? { ...s, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] } : s,
    );
    emulator.putPolicyOutOfBand(ws, JSON.stringify({ Version: "2012-10-17", Statement: edited }, null, 2));
    const refreshA = await teamA.pulumi(["refresh", "--yes", "--skip-preview", "--diff"]);
    keep("refresh-team-a", refreshA);
    assertOk(refreshA, "refresh (team A)");
    const refreshB = await teamB.pulumi(["refresh", "--yes", "--skip-preview", "--diff"]);
    keep("refresh-team-b", refreshB);
    assertOk(refreshB, "refresh (team B)");
    assert.match(refreshA.output, /aps:QueryMetrics/, "team A's refresh shows the edited statement");
    assert.doesNotMatch(refreshB.output, /aps:QueryMetrics/, "team B's refresh shows nothing of team A's statement");

    const a = await statementResource(teamA);
    const stored = a.outputs!.statement;
    const refreshed = (typeof stored === "string" ? JSON.parse(stored) : stored) as Record<string, unknown>;
    assert.ok(
      policiesEquivalent(
        { Statement: [{ ...refreshed, Sid: "A" }] },
        {
          Statement: [
            { Sid: "A", Effect: "Allow", Principal: { AWS: TEAM_A }, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] },
          ],
        },
      ),
      `team A's state holds the live statement: ${JSON.stringify(stored)}`,
    );
    const b = await statementResource(teamB);
    assert.doesNotMatch(JSON.stringify(b.outputs!.statement), /QueryMetrics/, "team B's state is untouched");
    assertOk(await teamB.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes (team B)");
    const previewA = await teamA.pulumi(["preview", "--expect-no-changes"]);
    assert.notEqual(previewA.code, 0, "team A's program differs from its refreshed statement: an update is planned");

    // Team A's next up puts its statement back, and keeps team B's.
    assertOk(await teamA.pulumi(["up", "--yes", "--skip-preview"]), "up (team A)");
    const restored = liveStatements(emulator, ws).find((s) => s.Sid === `RemoteWrite${TEAM_A}`)!;
    assert.ok(
      policiesEquivalent(
        { Statement: [restored] },
        {
          Statement: [
            { Sid: `RemoteWrite${TEAM_A}`, Effect: "Allow", Principal: { AWS: TEAM_A }, Action: "aps:RemoteWrite" },
          ],
        },
      ),
    );
    assert.deepEqual(liveSids(emulator, ws), [`RemoteWrite${TEAM_A}`, `RemoteWrite${TEAM_B}`]);
  });

  it("3. `pulumi destroy` of team B leaves team A's statement; team A's destroy, the last, deletes the policy", async () => {
    const destroyB = await teamB.pulumi(["destroy", "--yes", "--skip-preview"]);
    keep("destroy-team-b", destroyB);
    assertOk(destroyB, "destroy (team B)");
    assert.deepEqual(liveSids(emulator, ws), [`RemoteWrite${TEAM_A}`]);
    assertOk(await teamA.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy (team A)");
    assert.equal(emulator.getPolicy(ws), undefined);
  });
});

describe("pulumi import of one statement by <workspaceId>/<sid> through the plugin (YAML program)", function () {
  this.timeout(300_000);
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;
  const grafana = {
    Sid: "GrafanaQuery",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::123456789012:role/grafana" },
    Action: ["aps:QueryMetrics"],
  };
  const other = { Sid: "CentralTeam", Effect: "Allow", Principal: { AWS: TEAM_A }, Action: ["aps:RemoteWrite"] };

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 200 });
    const url = await emulator.start();
    project = await PulumiProject.create("yaml", emulatorEnv(url));
    // The program's own ResourcePolicy (never created here) needs its config for the stack to be valid.
    assertOk(
      await project.pulumi(["config", "set", "workspaceId", emulator.createWorkspace({ alias: "yaml-own" })]),
      "config set",
    );
    ws = emulator.createWorkspace({ alias: "import-statement" });
    emulator.putPolicyOutOfBand(ws, JSON.stringify({ Version: "2012-10-17", Statement: [other, grafana] }, null, 4));
  });
  after(async () => {
    project?.dispose();
    await emulator?.stop();
  });

  it("1. `pulumi import <type> <name> <workspaceId>/<sid>` adopts the statement without writing", async () => {
    emulator.clearRequestLog();
    const result = await project.pulumi([
      "import",
      PLUGIN_TYPE,
      "grafana",
      `${ws}/GrafanaQuery`,
      "--yes",
      "--out",
      path.join(project.dir, "imported.yaml"),
    ]);
    keep("import", result);
    assertOk(result, "import");
    assert.deepEqual(
      emulator
        .requestLog()
        .filter((e) => e.operation !== "DescribeResourcePolicy")
        .map((e) => e.operation),
      [],
      "import only reads",
    );
    const resource = await statementResource(project, PLUGIN_TYPE);
    assert.equal(resource.id, `${ws}/GrafanaQuery`);
    assert.deepEqual([resource.outputs!.workspaceId, resource.outputs!.sid], [ws, "GrafanaQuery"]);
    assert.equal(resource.outputs!.revisionId, emulator.getPolicy(ws)!.revisionId);
    const generated = project.read("imported.yaml");
    assert.match(generated, /type: amp-resource-policy:(index:)?ResourcePolicyStatement\n/);
    assert.match(generated, new RegExp(`\\n {6}workspaceId: ${ws}\\n`));
    assert.match(generated, /\n {6}sid: GrafanaQuery\n/);
  });

  it("2. with the generated code added to the program, up and preview --expect-no-changes write nothing to it", async () => {
    const generated = project.read("imported.yaml");
    const program = project.read("Pulumi.yaml");
    project.write(
      "Pulumi.yaml",
      program.replace(/^outputs:\n/m, `${generated.slice("resources:\n".length)}outputs:\n`),
    );
    emulator.clearRequestLog();
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up (the program's own ResourcePolicy)");
    assert.deepEqual(
      emulator
        .requestLog()
        .filter((e) => e.operation === "PutResourcePolicy" && e.workspaceId === ws)
        .map((e) => e.operation),
      [],
      "the imported statement is no change",
    );
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
  });

  it("3. a statement declared in YAML as the README shows is added beside the others", async () => {
    const program = project.read("Pulumi.yaml");
    const declared = [
      "  remoteWrite:",
      "    type: amp-resource-policy:index:ResourcePolicyStatement",
      "    properties:",
      `      workspaceId: ${ws}`,
      "      sid: RemoteWrite444455556666",
      "      statement:",
      "        fn::toJSON:",
      "          Effect: Allow",
      "          Principal:",
      "            AWS: arn:aws:iam::444455556666:root",
      "          Action: [aps:RemoteWrite]",
      "",
    ].join("\n");
    project.write("Pulumi.yaml", program.replace(/^outputs:\n/m, `${declared}outputs:\n`));
    assertOk(await project.pulumi(["up", "--yes", "--skip-preview"]), "up");
    assert.deepEqual(
      liveStatements(emulator, ws).map((s) => s.Sid),
      ["CentralTeam", "GrafanaQuery", "RemoteWrite444455556666"],
    );
    assertOk(await project.pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
  });

  it("4. destroy removes the program's statements alone; the other statement stays as it was", async () => {
    assertOk(await project.pulumi(["state", "unprotect", "--all", "--yes"]), "unprotect");
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.deepEqual(liveStatements(emulator, ws), [other]);
  });
});
