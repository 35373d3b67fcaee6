import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";

import { AmpClient, PutResourcePolicyCommand } from "@aws-sdk/client-amp";

import { AmpEmulator, type RequestLogEntry } from "../../emulator";
import { PolicyConflictError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { type PolicyStatement, policiesEquivalent } from "../../provider/policy";
import {
  type StatementInputs,
  type StatementState,
  createStatement,
  readStatement,
  removeStatement,
  updateStatement,
} from "../../provider/statement";
import { useEmulatorEnv } from "../support/env";

/** A statement letting `account` remote-write metrics (no Sid: the resource's `sid` is its Sid). */
const remoteWrite = (account: string) => ({
  Effect: "Allow" as const,
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: "aps:RemoteWrite",
});
const account = (n: number) => String(100000000000 + n);

/** A statement written by someone else, with a number that must keep its text ("1.50" means "1.50" to IAM). */
const foreign = {
  Sid: "CentralTeam",
  Effect: "Allow" as const,
  Principal: { AWS: "arn:aws:iam::999999999999:root" },
  Action: ["aps:QueryMetrics", "aps:GetSeries"],
  Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": 3600.5 } },
};

/** The live policy's statements, by Sid. */
function statementsOf(emulator: AmpEmulator, ws: string): Map<string, Record<string, unknown>> {
  const policy = emulator.getPolicy(ws);
  assert.ok(policy !== undefined, "the workspace has a policy");
  const statements = JSON.parse(policy.policyDocument).Statement as Array<Record<string, unknown>>;
  return new Map(statements.map((s) => [String(s.Sid), s]));
}

/** Whether two statements mean the same (each as a one-statement policy). */
function sameMeaning(a: unknown, b: unknown): boolean {
  const one = (s: unknown) => ({ Version: "2012-10-17", Statement: [s] });
  return policiesEquivalent(one(a), one(b));
}

describe("ResourcePolicyStatement lifecycle against the AMP emulator", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;
  let ws: string;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 50 });
    restoreEnv = useEmulatorEnv(await emulator.start());
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.setTransitionDelay(50);
    emulator.clearRequestLog();
    emulator.clearAppliedWrites();
    ws = emulator.createWorkspace();
  });

  const log = (operation?: string): RequestLogEntry[] =>
    emulator.requestLog().filter((e) => e.workspaceId === ws && (operation === undefined || e.operation === operation));
  const acceptedWrites = () =>
    log().filter(
      (e) =>
        (e.operation === "PutResourcePolicy" || e.operation === "DeleteResourcePolicy") &&
        (e.statusCode === 202 || e.committedStatusCode === 202),
    );
  const inputs = (sid: string, n: number, extra: Partial<StatementInputs> = {}): StatementInputs => ({
    workspaceId: ws,
    sid,
    statement: remoteWrite(account(n)),
    waitTimeoutSeconds: 30,
    __identity: `urn:pulumi:dev::central::amp:ResourcePolicyStatement::${sid}`,
    ...extra,
  });
  const writeForeign = (statements: unknown[] = [foreign]) =>
    emulator.putPolicyOutOfBand(ws, JSON.stringify({ Version: "2012-10-17", Statement: statements }));

  it("creates the policy with NO_POLICY and Version 2012-10-17 where there is none, with one read and one Put", async () => {
    const { id, outs } = await createStatement(inputs("TeamA", 1));
    assert.equal(id, `${ws}/TeamA`);
    assert.equal(outs.policyStatus, "ACTIVE");
    const live = emulator.getPolicy(ws)!;
    assert.equal(outs.revisionId, live.revisionId);
    assert.deepEqual(JSON.parse(live.policyDocument), {
      Version: "2012-10-17",
      Statement: [{ Sid: "TeamA", ...remoteWrite(account(1)) }],
    });
    const puts = log("PutResourcePolicy");
    assert.equal(puts.length, 1);
    const first = log().findIndex((e) => e.operation === "PutResourcePolicy");
    assert.deepEqual(
      log()
        .slice(0, first)
        .map((e) => e.operation),
      ["DescribeResourcePolicy"],
      "one read before the write",
    );
    assert.equal(puts[0].revisionId, "NO_POLICY");
    assert.ok(!Object.values(outs).includes(undefined));
  });

  it("20 concurrent creates of different Sids on one workspace all succeed, and keep a foreign statement", async () => {
    writeForeign();
    const sids = Array.from({ length: 20 }, (_, i) => `Team${i}`);
    const results = await Promise.allSettled(sids.map((sid, i) => createStatement(inputs(sid, i))));
    const failed = results.filter((r) => r.status === "rejected");
    assert.deepEqual(failed, [], "every create succeeded");
    const live = statementsOf(emulator, ws);
    assert.equal(
      live.size,
      21,
      `the policy holds the 20 statements and the foreign one: ${[...live.keys()].join(", ")}`,
    );
    sids.forEach((sid, i) => assert.ok(sameMeaning(live.get(sid), { Sid: sid, ...remoteWrite(account(i)) }), sid));
    assert.ok(sameMeaning(live.get("CentralTeam"), foreign), "the foreign statement means what it meant");
    assert.match(emulator.getPolicy(ws)!.policyDocument, /3600\.5/, "its number kept as written");
    const conflicts = log("PutResourcePolicy").filter((e) => e.statusCode === 409).length;
    assert.ok(conflicts > 0, "the writers did race (revision conflicts were merged again)");
    console.log(`      20 concurrent creates: ${log("PutResourcePolicy").length} Puts, ${conflicts} conflicts`);
  });

  it("concurrent updates and deletes of different Sids lose nothing", async () => {
    writeForeign();
    const states: StatementState[] = [];
    for (let i = 0; i < 6; i++) {
      states.push((await createStatement(inputs(`Team${i}`, i))).outs);
    }
    await Promise.all([
      ...states.slice(0, 3).map((state, i) => updateStatement(state, inputs(`Team${i}`, 100 + i))),
      ...states.slice(3).map((state) => removeStatement(`${ws}/${state.sid}`, state)),
      createStatement(inputs("Team9", 9)),
    ]);
    const live = statementsOf(emulator, ws);
    assert.deepEqual([...live.keys()].sort(), ["CentralTeam", "Team0", "Team1", "Team2", "Team9"]);
    for (let i = 0; i < 3; i++) {
      assert.ok(sameMeaning(live.get(`Team${i}`), { Sid: `Team${i}`, ...remoteWrite(account(100 + i)) }));
    }
    assert.ok(sameMeaning(live.get("CentralTeam"), foreign));
  });

  it("keeps a foreign statement edited between its read and its write (merges again on the revision conflict)", async () => {
    writeForeign();
    const edited = { ...foreign, Action: "aps:QueryMetrics" };
    // Hold our Put long enough for another writer to change the foreign statement after our read.
    emulator.injectFault({ kind: "latency", operation: "PutResourcePolicy", latencyMs: 400 });
    const creating = createStatement(inputs("TeamA", 1));
    while (log("DescribeResourcePolicy").length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeForeign([edited]);
    await creating;
    const live = statementsOf(emulator, ws);
    assert.ok(sameMeaning(live.get("CentralTeam"), edited), "the edit is kept");
    assert.ok(sameMeaning(live.get("TeamA"), { Sid: "TeamA", ...remoteWrite(account(1)) }));
    const puts = log("PutResourcePolicy");
    assert.deepEqual(
      puts.map((e) => e.statusCode),
      [409, 202],
      "the first write, at the revision read before the edit, was refused; the merge was written again",
    );
  });

  it("waits out a transition (UPDATING) of another owner's write before its own", async () => {
    writeForeign();
    emulator.setTransitionDelay(800);
    const other = new AmpClient({});
    try {
      const answer = await other.send(
        new PutResourcePolicyCommand({
          workspaceId: ws,
          policyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [foreign, { ...foreign, Sid: "Other" }] }),
          revisionId: emulator.getPolicy(ws)!.revisionId,
        }),
      );
      assert.equal(answer.policyStatus, "UPDATING");
    } finally {
      other.destroy();
    }
    const { outs } = await createStatement(inputs("TeamA", 1));
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.deepEqual([...statementsOf(emulator, ws).keys()], ["CentralTeam", "Other", "TeamA"]);
    const ours = log("PutResourcePolicy").slice(1);
    assert.deepEqual(
      ours.map((e) => e.statusCode),
      [202],
      "one Put, sent once the other write was ACTIVE",
    );
  });

  it("re-runs a create killed between its write and its state save to exactly one statement", async () => {
    writeForeign();
    const args = inputs("TeamA", 1);
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register", path.join(__dirname, "statement-child.ts"), JSON.stringify(args)],
      { cwd: path.resolve(__dirname, "../.."), env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, stdio: "pipe" },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += String(d)));
    child.stderr.on("data", (d: Buffer) => (output += String(d)));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 45_000;
    while (!acceptedWrites().some((e) => e.operation === "PutResourcePolicy")) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the child never wrote:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    assert.ok(!output.includes("done"), "killed before it finished");

    const { outs } = await createStatement(args);
    assert.equal(outs.policyStatus, "ACTIVE");
    const live = statementsOf(emulator, ws);
    assert.deepEqual([...live.keys()], ["CentralTeam", "TeamA"], "exactly one statement TeamA");
    assert.equal(acceptedWrites().length, 1, "the re-run proved the write its own and wrote nothing");
  });

  it("converges when AMP's answer to a committed write is lost (dropped, 500, 409 after commit)", async () => {
    for (const fault of [
      { kind: "drop" as const },
      { kind: "error" as const, status: 500 as const },
      { kind: "error" as const, status: 409 as const },
    ]) {
      ws = emulator.createWorkspace();
      writeForeign();
      emulator.clearRequestLog();
      emulator.injectFault({ ...fault, operation: "PutResourcePolicy", afterCommit: true });
      const { outs } = await createStatement(inputs("TeamA", 1));
      const live = statementsOf(emulator, ws);
      assert.deepEqual([...live.keys()], ["CentralTeam", "TeamA"], JSON.stringify(fault));
      assert.equal(outs.revisionId, emulator.getPolicy(ws)!.revisionId);
      assert.equal(emulator.appliedWrites().filter((w) => w.workspaceId === ws).length, 1, "applied once");
    }
  });

  it("converges when the answer to an update's or a delete's committed write is lost", async () => {
    writeForeign();
    const { outs } = await createStatement(inputs("TeamA", 1));
    emulator.injectFault({ kind: "error", status: 409, operation: "PutResourcePolicy", afterCommit: true });
    const updated = await updateStatement(outs, inputs("TeamA", 2));
    assert.ok(sameMeaning(statementsOf(emulator, ws).get("TeamA"), { Sid: "TeamA", ...remoteWrite(account(2)) }));
    emulator.injectFault({ kind: "drop", operation: "PutResourcePolicy", afterCommit: true });
    await removeStatement(`${ws}/TeamA`, updated.outs);
    assert.deepEqual([...statementsOf(emulator, ws).keys()], ["CentralTeam"]);

    const last = await createStatement({ ...inputs("TeamB", 3), workspaceId: emulator.createWorkspace() });
    emulator.injectFault({ kind: "drop", operation: "DeleteResourcePolicy", afterCommit: true });
    await removeStatement(last.id, last.outs);
    assert.equal(
      emulator.getPolicy(last.outs.workspaceId),
      undefined,
      "the last statement's delete deleted the policy",
    );
  });

  it("refuses to create over a foreign statement with the same Sid, naming the Sid, and writes nothing", async () => {
    writeForeign();
    const before = emulator.getPolicy(ws)!;
    for (const statement of [remoteWrite(account(1)), foreign]) {
      const err = await createStatement(inputs("CentralTeam", 1, { statement })).then(
        () => assert.fail("the create succeeded"),
        (e: Error) => e,
      );
      assert.ok(PolicyConflictError.isInstance(err), err.message);
      assert.match(err.message, /Sid "CentralTeam" already exists/);
      assert.match(err.message, new RegExp(`pulumi import.*${ws}/CentralTeam`));
    }
    assert.deepEqual(emulator.getPolicy(ws), before, "nothing written");
    assert.equal(acceptedWrites().length, 0);
  });

  it("fails naming the revision when the live policy cannot be read, and writes nothing", async () => {
    writeForeign();
    const revision = emulator.putPolicyOutOfBand(ws, "{not json");
    const err = await createStatement(inputs("TeamA", 1)).then(
      () => assert.fail("the create succeeded"),
      (e: Error) => e,
    );
    assert.match(
      err.message,
      new RegExp(`live resource policy \\(revision ${revision}\\) cannot be read.*nothing was written`),
    );
    assert.equal(acceptedWrites().length, 0);
  });

  it("fails the second of two resources with the same Sid", async () => {
    await createStatement(inputs("TeamA", 1, { __identity: "urn:pulumi:dev::one::amp:ResourcePolicyStatement::a" }));
    const err = await createStatement(
      inputs("TeamA", 1, { __identity: "urn:pulumi:dev::two::amp:ResourcePolicyStatement::a" }),
    ).then(
      () => assert.fail("the second create succeeded"),
      (e: Error) => e,
    );
    assert.match(err.message, /Sid "TeamA" already exists.*means the same but is not this resource's own/);
    assert.equal(statementsOf(emulator, ws).size, 1);
  });

  it("lets exactly one of two concurrent creates of the same Sid succeed; the other names the Sid", async () => {
    writeForeign();
    const results = await Promise.allSettled(
      ["one", "two"].map((stack) =>
        createStatement(inputs("TeamA", 1, { __identity: `urn:pulumi:dev::${stack}::amp:ResourcePolicyStatement::a` })),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
    assert.match(String(failed.reason), /Sid "TeamA" already exists/);
    assert.deepEqual([...statementsOf(emulator, ws).keys()], ["CentralTeam", "TeamA"]);
  });

  it("waits out another owner's delete of the policy (DELETING) and creates where there is none", async () => {
    const other = await createStatement(inputs("Other", 2));
    emulator.setTransitionDelay(600);
    const deleting = removeStatement(other.id, other.outs);
    while (emulator.getPolicy(ws)?.policyStatus !== "DELETING") {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const { outs } = await createStatement(inputs("TeamA", 1));
    await deleting;
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.deepEqual([...statementsOf(emulator, ws).keys()], ["TeamA"]);
    const last = log("PutResourcePolicy").pop()!;
    assert.deepEqual([last.revisionId, last.statusCode], ["NO_POLICY", 202]);
  });

  it("re-creates a statement destroyed earlier in the same token epoch", async () => {
    const first = await createStatement(inputs("TeamA", 1));
    await removeStatement(first.id, first.outs);
    assert.equal(emulator.getPolicy(ws), undefined, "the last statement's delete deleted the policy");
    writeForeign();
    await createStatement(inputs("TeamA", 1));
    assert.deepEqual([...statementsOf(emulator, ws).keys()], ["CentralTeam", "TeamA"]);
  });

  it("fails an update as drift when its statement was changed outside Pulumi, and writes nothing", async () => {
    const { outs } = await createStatement(inputs("TeamA", 1));
    writeForeign([{ Sid: "TeamA", ...remoteWrite(account(7)) }]);
    const before = emulator.getPolicy(ws);
    emulator.clearRequestLog();
    const err = await updateStatement(outs, inputs("TeamA", 2)).then(
      () => assert.fail("the update succeeded"),
      (e: Error) => e,
    );
    assert.ok(PolicyConflictError.isInstance(err));
    assert.match(err.message, /updating statement "TeamA".*changed outside Pulumi.*nothing was written/);
    assert.deepEqual(emulator.getPolicy(ws), before);
    assert.equal(log("PutResourcePolicy").length, 0);
  });

  it("fails an update whose statement was removed outside Pulumi, saying to refresh", async () => {
    const { outs } = await createStatement(inputs("TeamA", 1));
    writeForeign();
    const err = await updateStatement(outs, inputs("TeamA", 2)).then(
      () => assert.fail("the update succeeded"),
      (e: Error) => e,
    );
    assert.match(err.message, /Sid "TeamA" was removed .*pulumi refresh/);
  });

  it("updates only its statement, in place, and makes no call when only waitTimeoutSeconds changes", async () => {
    writeForeign();
    const { outs } = await createStatement(inputs("TeamA", 1));
    emulator.clearRequestLog();
    const same = await updateStatement(outs, inputs("TeamA", 1, { waitTimeoutSeconds: 60 }));
    assert.equal(same.outs.revisionId, outs.revisionId);
    assert.equal(log().length, 0, "no call");
    const updated = await updateStatement(outs, inputs("TeamA", 2));
    assert.equal(updated.outs.revisionId, emulator.getPolicy(ws)!.revisionId);
    const doc = JSON.parse(emulator.getPolicy(ws)!.policyDocument);
    assert.deepEqual(
      doc.Statement.map((s: { Sid: string }) => s.Sid),
      ["CentralTeam", "TeamA"],
    );
    assert.equal(log("PutResourcePolicy")[0].revisionId, outs.revisionId, "conditional at the revision read");
  });

  it("deletes only its statement, deletes the policy with the last one, and treats a gone statement as success", async () => {
    writeForeign();
    const a = await createStatement(inputs("TeamA", 1));
    await removeStatement(a.id, a.outs);
    assert.deepEqual([...statementsOf(emulator, ws).keys()], ["CentralTeam"]);
    emulator.clearRequestLog();
    await removeStatement(a.id, a.outs);
    assert.equal(log("PutResourcePolicy").length + log("DeleteResourcePolicy").length, 0, "gone: nothing written");

    const ws2 = emulator.createWorkspace();
    const b = await createStatement({ ...inputs("TeamB", 2), workspaceId: ws2 });
    await removeStatement(b.id, b.outs);
    assert.equal(emulator.getPolicy(ws2), undefined);
    const deletes = emulator
      .requestLog()
      .filter((e) => e.workspaceId === ws2 && e.operation === "DeleteResourcePolicy");
    assert.equal(deletes[0].revisionId, b.outs.revisionId, "deleted conditionally at the revision read");
    await removeStatement(b.id, b.outs);
  });

  it("refuses to delete a statement changed outside Pulumi, and leaves it in place", async () => {
    const { id, outs } = await createStatement(inputs("TeamA", 1));
    writeForeign([{ Sid: "TeamA", ...remoteWrite(account(7)) }]);
    const err = await removeStatement(id, outs).then(
      () => assert.fail("the delete succeeded"),
      (e: Error) => e,
    );
    assert.match(err.message, /deleting statement "TeamA".*changed outside Pulumi.*nothing was deleted/);
    assert.ok(statementsOf(emulator, ws).has("TeamA"));
  });

  it("reads (refresh) and imports by <workspaceId>/<sid>, and reports a gone statement as no id", async () => {
    writeForeign();
    const { id, outs } = await createStatement(inputs("TeamA", 1));
    const refreshed = await readStatement(id, outs);
    assert.equal(refreshed.id, id);
    assert.deepEqual(refreshed.inputs?.statement, outs.statement, "an equivalent statement keeps the state's text");

    const imported = await readStatement(`${ws}/CentralTeam`, {});
    assert.equal(imported.id, `${ws}/CentralTeam`);
    assert.equal(imported.inputs?.sid, "CentralTeam");
    assert.equal(imported.inputs?.workspaceId, ws);
    assert.ok(
      sameMeaning({ Sid: "CentralTeam", ...(JSON.parse(imported.inputs.statement as string) as object) }, foreign),
    );
    assert.equal(
      (JSON.parse(imported.inputs.statement as string) as { Sid?: string }).Sid,
      undefined,
      "an imported statement leaves its Sid to the sid input",
    );
    assert.equal(imported.props?.revisionId, emulator.getPolicy(ws)!.revisionId);

    // A refresh that meets drift records the live statement in the state's own shape (an object stays an object),
    // without its Sid, so that the diff shows what changed and nothing else.
    const stated: PolicyStatement =
      typeof outs.statement === "string" ? (JSON.parse(outs.statement) as PolicyStatement) : outs.statement;
    const asObject = { ...outs, statement: stated };
    const edited = [...statementsOf(emulator, ws).values()].map((statement) =>
      statement.Sid === "TeamA" ? { ...statement, Action: ["aps:RemoteWrite", "aps:QueryMetrics"] } : statement,
    );
    writeForeign(edited);
    const drifted = await readStatement(id, asObject);
    assert.equal(typeof drifted.inputs?.statement, "object", "the state's object stays an object");
    assert.deepEqual(drifted.inputs?.statement, {
      ...asObject.statement,
      Action: ["aps:RemoteWrite", "aps:QueryMetrics"],
    });

    assert.deepEqual(await readStatement(`${ws}/Nobody`, {}), {});
    emulator.deletePolicyOutOfBand(ws);
    assert.deepEqual(await readStatement(id, outs), {});
    await assert.rejects(readStatement("no-slash", {}), /not the id of a ResourcePolicyStatement/);
  });

  it("ResourcePolicy: a create on a workspace managed by statements fails, saying a workspace is managed whole or by statements", async () => {
    await createStatement(inputs("TeamA", 1));
    const err = await lifecycle
      .create(
        {
          workspaceId: ws,
          policyDocument: { Version: "2012-10-17", Statement: [{ Sid: "X", ...remoteWrite(account(2)) }] },
        },
        { visibilityGraceMs: 0 },
      )
      .then(
        () => assert.fail("the create succeeded"),
        (e: Error) => e,
      );
    assert.match(err.message, /already exists/);
    assert.match(err.message, /ResourcePolicyStatement/);
    assert.match(err.message, /managed whole .* or by statements/);
    assert.ok(statementsOf(emulator, ws).has("TeamA"), "the statement is kept");
  });

  it("ResourcePolicy: an update after a statement was added fails as drift, naming statements", async () => {
    const policy = { Version: "2012-10-17", Statement: [foreign] };
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: JSON.stringify(policy) });
    await createStatement(inputs("TeamA", 1));
    const err = await lifecycle
      .update(outs, {
        workspaceId: ws,
        policyDocument: JSON.stringify({ ...policy, Statement: [{ ...foreign, Action: "aps:GetSeries" }] }),
      })
      .then(
        () => assert.fail("the update succeeded"),
        (e: Error) => e,
      );
    assert.match(err.message, /changed outside Pulumi/);
    assert.match(err.message, /ResourcePolicyStatement/);
    assert.match(err.message, /managed whole .* or by statements/);
    assert.ok(statementsOf(emulator, ws).has("TeamA"), "the statement is kept");
  });
});
