import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { FakeEngine, PluginServer, policyUrn } from "./support/plugin-server";
import { emulatorEnv } from "../../scripts/lib/pulumi-project";

// ResourcePolicyStatement through the plugin (issue 17), over gRPC as the engine drives it, against the emulator:
// the schema declares it, each call is dispatched by the URN's type, and an import reads `<workspaceId>/<sid>`
// with no state.

const TYPE = "amp-resource-policy:index:ResourcePolicyStatement";
const statementUrn = (name: string) => `urn:pulumi:dev::plugin-test::${TYPE}::${name}`;
/** The unknown sentinel the plugin's Struct carries for a value only the service will know. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const remoteWrite = (account: string) =>
  JSON.stringify({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "aps:RemoteWrite" });

/** The live statements of a workspace's policy, by Sid. */
function liveStatements(emulator: AmpEmulator, ws: string): Record<string, unknown> {
  const policy = emulator.getPolicy(ws);
  assert.ok(policy !== undefined, `${ws} has no policy`);
  const doc = JSON.parse(policy.policyDocument) as { Statement: Array<{ Sid?: string }> };
  return Object.fromEntries(doc.Statement.map((s) => [s.Sid ?? "", s]));
}

describe("the plugin door: ResourcePolicyStatement, dispatched by the URN's type", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let engine: FakeEngine;
  let plugin: PluginServer;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 50 });
    const url = await emulator.start();
    engine = new FakeEngine();
    await engine.start();
    plugin = await PluginServer.start({ ...emulatorEnv(url), PULUMI_CONFIG: undefined }, engine.address);
  });
  after(async () => {
    await plugin?.stop();
    await engine?.stop();
    await emulator?.stop();
  });

  it("GetSchema declares ResourcePolicyStatement: its inputs, the outputs revisionId and policyStatus", async () => {
    const schema = JSON.parse(await plugin.getSchema()) as {
      resources: Record<string, { inputProperties: object; requiredInputs: string[]; properties: object }>;
    };
    const resource = schema.resources[TYPE];
    assert.ok(resource !== undefined, `the schema has no ${TYPE}`);
    assert.deepEqual(Object.keys(resource.inputProperties).sort(), [
      "approvedAccess",
      "clientToken",
      "requireApproval",
      "sid",
      "statement",
      "suppressFindings",
      "waitTimeoutSeconds",
      "workspaceId",
    ]);
    assert.deepEqual(resource.requiredInputs, ["workspaceId", "sid", "statement"]);
    assert.ok("revisionId" in resource.properties && "policyStatus" in resource.properties);
  });

  it("a URN of a type the plugin does not serve fails, naming both types it serves", async () => {
    const urn = "urn:pulumi:dev::plugin-test::amp-resource-policy:index:Other::x";
    await assert.rejects(
      plugin.check({ workspaceId: "ws-1" }, {}, urn),
      /unknown resource type amp-resource-policy:index:Other: this plugin serves amp-resource-policy:index:ResourcePolicy and amp-resource-policy:index:ResourcePolicyStatement/,
    );
  });

  it("Check of a statement whose Sid is not `sid` fails naming statement", async () => {
    const { failures } = await plugin.check(
      {
        workspaceId: "ws-1",
        sid: "TeamA",
        statement: JSON.stringify({ ...JSON.parse(remoteWrite("999988887777")), Sid: "TeamB" }),
      },
      {},
      statementUrn("a"),
    );
    assert.deepEqual(
      failures.map((f) => f.property),
      ["statement"],
    );
  });

  it("two statements created on one workspace: ids <workspaceId>/<sid>, the live policy holds both", async () => {
    const ws = emulator.createWorkspace();
    const a = await plugin.create(
      { workspaceId: ws, sid: "TeamA", statement: remoteWrite("111122223333"), waitTimeoutSeconds: 20 },
      statementUrn("a"),
    );
    const b = await plugin.create(
      { workspaceId: ws, sid: "TeamB", statement: remoteWrite("444455556666"), waitTimeoutSeconds: 20 },
      statementUrn("b"),
    );
    assert.deepEqual([a.id, b.id], [`${ws}/TeamA`, `${ws}/TeamB`]);
    assert.equal(b.props.policyStatus, "ACTIVE");
    assert.equal(b.props.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.deepEqual(Object.keys(liveStatements(emulator, ws)).sort(), ["TeamA", "TeamB"]);
  });

  it("a second create of the same Sid on the workspace fails naming the Sid; the first's statement stays", async () => {
    const ws = emulator.createWorkspace();
    await plugin.create(
      { workspaceId: ws, sid: "Shared", statement: remoteWrite("111122223333") },
      statementUrn("one"),
    );
    await assert.rejects(
      plugin.create({ workspaceId: ws, sid: "Shared", statement: remoteWrite("444455556666") }, statementUrn("two")),
      /Shared/,
    );
    assert.ok(
      policiesEquivalent(
        { Statement: [liveStatements(emulator, ws).Shared] },
        { Statement: [{ ...JSON.parse(remoteWrite("111122223333")), Sid: "Shared" }] },
      ),
    );
  });

  it("Read with no state (import of <workspaceId>/<sid>) returns the live statement as inputs and state", async () => {
    const ws = emulator.createWorkspace();
    emulator.putPolicyOutOfBand(
      ws,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "Grafana", Effect: "Allow", Principal: { AWS: "123456789012" }, Action: ["aps:QueryMetrics"] },
          { Sid: "Other", ...JSON.parse(remoteWrite("111122223333")) },
        ],
      }),
    );
    emulator.clearRequestLog();
    const read = await plugin.read(`${ws}/Grafana`, {}, statementUrn("imported"));
    assert.equal(read.id, `${ws}/Grafana`);
    assert.equal(read.props.workspaceId, ws);
    assert.equal(read.props.sid, "Grafana");
    assert.equal(read.props.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.ok(read.inputs !== undefined);
    assert.deepEqual([read.inputs.workspaceId, read.inputs.sid], [ws, "Grafana"]);
    const statement = read.inputs.statement;
    const text = typeof statement === "string" ? statement : JSON.stringify(statement);
    assert.ok(
      policiesEquivalent(
        { Statement: [{ Sid: "Grafana", ...(JSON.parse(text) as object) }] },
        {
          Statement: [
            { Sid: "Grafana", Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "aps:QueryMetrics" },
          ],
        },
      ),
      text,
    );
    assert.deepEqual(
      emulator.requestLog().map((e) => e.operation),
      ["DescribeResourcePolicy"],
      "an import only reads",
    );
    const gone = await plugin.read(`${ws}/Nobody`, {}, statementUrn("ghost"));
    assert.equal(gone.id, "", "a Sid the policy does not hold reads as gone");
  });

  it("Diff: a changed sid replaces, creating first (another Sid is another statement); a reformatted statement is no change", async () => {
    const state = {
      workspaceId: "ws-a",
      sid: "TeamA",
      statement: remoteWrite("111122223333"),
      policyStatus: "ACTIVE",
      revisionId: "r1",
    };
    const renamed = await plugin.diff("ws-a/TeamA", state, { ...state, sid: "TeamB" }, statementUrn("a"));
    assert.deepEqual([renamed.replaces, renamed.detailedDiff.sid?.kind], [["sid"], "UPDATE_REPLACE"]);
    assert.equal(renamed.deleteBeforeReplace, false, "another Sid is another statement: create it first");
    const reformatted = await plugin.diff(
      "ws-a/TeamA",
      state,
      {
        workspaceId: "ws-a",
        sid: "TeamA",
        statement: { Action: ["APS:RemoteWrite"], Principal: { AWS: "111122223333" }, Effect: "Allow" },
      },
      statementUrn("a"),
    );
    assert.equal(reformatted.changes, "DIFF_NONE");
  });

  it("a preview of a create makes no call and shows revisionId and policyStatus unknown", async () => {
    const ws = emulator.createWorkspace();
    emulator.resetCallCounts();
    const preview = await plugin.create(
      { workspaceId: ws, sid: "TeamA", statement: remoteWrite("111122223333") },
      statementUrn("a"),
      true,
    );
    assert.deepEqual([preview.props.revisionId, preview.props.policyStatus], [UNKNOWN, UNKNOWN]);
    assert.deepEqual(emulator.callCounts(), {});
  });

  it("Delete removes only its statement; the last one's delete deletes the policy; ResourcePolicy is still served", async () => {
    const ws = emulator.createWorkspace();
    const inputs = (sid: string, account: string) => ({ workspaceId: ws, sid, statement: remoteWrite(account) });
    const a = await plugin.create(inputs("TeamA", "111122223333"), statementUrn("a"));
    const b = await plugin.create(inputs("TeamB", "444455556666"), statementUrn("b"));
    await plugin.delete(a.id, a.props, statementUrn("a"));
    assert.deepEqual(Object.keys(liveStatements(emulator, ws)), ["TeamB"]);
    await plugin.delete(b.id, b.props, statementUrn("b"));
    assert.equal(emulator.getPolicy(ws), undefined);
    // The whole-policy type still goes to its own lifecycle.
    const whole = await plugin.create(
      {
        workspaceId: ws,
        policyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [JSON.parse(remoteWrite("999988887777"))] }),
      },
      policyUrn("whole"),
    );
    assert.equal(whole.id, ws);
  });
});
