import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

import { AmpEmulator, type OperationName } from "../../emulator";
import * as lifecycle from "../../provider/lifecycle";
import { policiesEquivalent } from "../../provider/policy";
import { useEmulatorEnv } from "../support/env";
import { Tally, account, credentials, remoteWrite, sleep, writesTo } from "./support";

const child = path.join(__dirname, "crash-child.ts");
const tally = new Tally();

/** The lifecycle operation `op` in a child Node process, against the emulator the env vars name. */
function start(op: string, args: { inputs: lifecycle.ResourcePolicyInputs; state?: lifecycle.ResourcePolicyState }) {
  const proc = spawn(process.execPath, ["-r", "ts-node/register", child, op, JSON.stringify(args)], {
    cwd: path.resolve(__dirname, "../.."),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  proc.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { proc, exited, output: () => output };
}

/**
 * Kills `proc` (SIGKILL: no cleanup, like a crash or an OOM kill) as soon as the emulator answered its write
 * (202), or, with `applied`, as soon as the emulator applied it, whether or not the answer was sent.
 */
async function killAfterWrite(
  emulator: AmpEmulator,
  running: ReturnType<typeof start>,
  ws: string,
  operation: OperationName,
  applied = false,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  void running.exited.then(() => (exited = true));
  const done = (): boolean =>
    applied
      ? emulator.appliedWrites().some((w) => w.workspaceId === ws && w.operation === operation)
      : emulator.requestLog().some((e) => e.workspaceId === ws && e.operation === operation && e.statusCode === 202);
  while (!done()) {
    assert.ok(!exited, `the child ended before its write:\n${running.output()}`);
    assert.ok(Date.now() < deadline, `the child never wrote:\n${running.output()}`);
    await sleep(10);
  }
  (running.proc as ChildProcess).kill("SIGKILL");
  const { signal } = await running.exited;
  assert.equal(signal, "SIGKILL", running.output());
  assert.ok(!running.output().includes("done"), "the child finished before it was killed");
}

describe("a crash between the write and the wait, then a re-run (a child process killed)", function () {
  this.timeout(90_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;
  let ws: string;

  before(async () => {
    emulator = new AmpEmulator({ credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } });
    restoreEnv = useEmulatorEnv(await emulator.start(), credentials);
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
    tally.print("crashes between the write and the wait, and re-runs that converged:");
  });
  beforeEach(() => {
    emulator.setTransitionDelay(50);
    emulator.clearFaults();
    emulator.clearRequestLog();
    emulator.clearAppliedWrites();
    ws = emulator.createWorkspace();
  });

  /** The writes the emulator applied to the workspace (replays of a client token are not writes). */
  const applied = () => emulator.appliedWrites().filter((w) => w.workspaceId === ws);

  /** Creates the policy the update and delete cases start from. */
  async function existing(): Promise<lifecycle.ResourcePolicyState> {
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(1)) });
    emulator.clearRequestLog();
    emulator.clearAppliedWrites();
    return outs;
  }

  it("create killed while its policy is CREATING: the re-run adopts the policy it wrote, with no conflict error", async () => {
    emulator.setTransitionDelay(2500);
    const inputs = { workspaceId: ws, policyDocument: remoteWrite(account(1)) };
    await killAfterWrite(emulator, start("create", { inputs }), ws, "PutResourcePolicy");
    const written = emulator.getPolicy(ws)!;
    assert.equal(written.policyStatus, "CREATING", "killed between the write and the end of the wait");

    const { outs } = await lifecycle.create(inputs);
    const live = emulator.getPolicy(ws)!;
    assert.equal(outs.revisionId, written.revisionId, "the re-run adopted the crashed run's write");
    assert.equal(live.revisionId, written.revisionId, "nothing else was written");
    assert.equal(live.policyStatus, "ACTIVE");
    assert.equal(outs.policyStatus, "ACTIVE");
    assert.ok(policiesEquivalent(live.policyDocument, inputs.policyDocument), "one policy, the program's");
    assert.equal(applied().length, 1, "one write applied in all");
    const puts = writesTo(emulator.requestLog(), ws);
    assert.equal(new Set(puts.map((e) => e.clientToken)).size, 1, "the re-run resent the crashed run's token");
    tally.add("create");
  });

  it("update killed while UPDATING: the re-run resends the same client token and lands on the same revision", async () => {
    const state = await existing();
    emulator.setTransitionDelay(2500);
    const inputs = { workspaceId: ws, policyDocument: remoteWrite(account(2)) };
    await killAfterWrite(emulator, start("update", { inputs, state }), ws, "PutResourcePolicy");
    const written = emulator.getPolicy(ws)!;
    assert.equal(written.policyStatus, "UPDATING");

    const { outs } = await lifecycle.update(state, inputs);
    const live = emulator.getPolicy(ws)!;
    assert.equal(outs.revisionId, written.revisionId, "the re-run's write was the crashed run's, replayed");
    assert.equal(live.revisionId, written.revisionId);
    assert.equal(live.policyStatus, "ACTIVE");
    assert.ok(policiesEquivalent(live.policyDocument, inputs.policyDocument));
    const puts = writesTo(emulator.requestLog(), ws);
    assert.ok(puts.length >= 2, "the re-run wrote again");
    assert.equal(new Set(puts.map((e) => e.clientToken)).size, 1, "with the same client token");
    assert.equal(puts[0].revisionId, state.revisionId, "both at the revision in state");
    assert.equal(applied().length, 1, "one write applied in all");
    tally.add("update");
  });

  it("delete killed while DELETING: the re-run finishes the delete without an error", async () => {
    const state = await existing();
    emulator.setTransitionDelay(2500);
    await killAfterWrite(
      emulator,
      start("delete", { inputs: { workspaceId: ws, policyDocument: state.policyDocument }, state }),
      ws,
      "DeleteResourcePolicy",
    );
    assert.equal(emulator.getPolicy(ws)!.policyStatus, "DELETING");

    await lifecycle.remove(ws, state);
    assert.equal(emulator.getPolicy(ws), undefined);
    const deletes = writesTo(emulator.requestLog(), ws);
    assert.equal(new Set(deletes.map((e) => e.clientToken)).size, 1, "the same client token");
    assert.equal(applied().length, 1, "one delete applied in all");
    tally.add("delete");
  });

  // The service applied the write, and the process died before the answer arrived: it never learnt the revision.
  for (const op of ["create", "update", "delete"] as const) {
    it(`${op} killed after AMP applied its write but before the answer arrived: the re-run converges on that one write`, async () => {
      const state = op === "create" ? undefined : await existing();
      const operation: OperationName = op === "delete" ? "DeleteResourcePolicy" : "PutResourcePolicy";
      emulator.injectFault({ kind: "latency", operation, latencyMs: 30_000, afterCommit: true });
      const inputs = { workspaceId: ws, policyDocument: remoteWrite(account(op === "update" ? 2 : 1)) };
      await killAfterWrite(emulator, start(op, { inputs, state }), ws, operation, true);
      const [first] = applied();
      assert.equal(
        writesTo(emulator.requestLog(), ws).filter((e) => e.statusCode === 202).length,
        0,
        "no answer was sent",
      );
      emulator.clearFaults();

      if (op === "delete") {
        await lifecycle.remove(ws, state!);
        assert.equal(emulator.getPolicy(ws), undefined);
      } else {
        const { outs } = op === "create" ? await lifecycle.create(inputs) : await lifecycle.update(state!, inputs);
        const live = emulator.getPolicy(ws)!;
        assert.equal(outs.revisionId, first.revisionId, "the re-run took the write it never heard about");
        assert.equal(live.revisionId, first.revisionId);
        assert.equal(live.policyStatus, "ACTIVE");
        assert.ok(policiesEquivalent(live.policyDocument, inputs.policyDocument));
      }
      assert.equal(applied().length, 1, `${op}: one write applied in all`);
      const tokens = new Set(writesTo(emulator.requestLog(), ws).map((e) => e.clientToken));
      assert.equal(tokens.size, 1, `${op}: the re-run resent the crashed run's client token`);
      tally.add(`${op}, answer lost`);
      tally.add("writes applied (answer lost, then a re-run)", applied().length);
    });
  }

  it("create killed, then the program changed before the re-run: the re-run refuses to overwrite, naming the revision", async () => {
    emulator.setTransitionDelay(1000);
    const inputs = { workspaceId: ws, policyDocument: remoteWrite(account(1)) };
    await killAfterWrite(emulator, start("create", { inputs }), ws, "PutResourcePolicy");
    const written = emulator.getPolicy(ws)!;
    // Adoption is by meaning only: a different program must not take the crashed run's policy for its own.
    await assert.rejects(
      lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(3)) }),
      (err: Error) =>
        /a resource policy already exists|already has a resource policy/.test(err.message) &&
        err.message.includes(written.revisionId),
    );
    assert.equal(emulator.getPolicy(ws)!.revisionId, written.revisionId, "nothing was overwritten");
    tally.add("create, then a changed program");
  });

  it("counts the crashes", () => {
    for (const op of [
      "create",
      "update",
      "delete",
      "create, then a changed program",
      "create, answer lost",
      "update, answer lost",
      "delete, answer lost",
    ]) {
      assert.equal(tally.get(op), 1, op);
    }
    assert.equal(tally.get("writes applied (answer lost, then a re-run)"), 3, "one per operation");
  });
});
