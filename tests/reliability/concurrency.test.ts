import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import { PolicyConflictError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { policiesEquivalent } from "../../provider/policy";
import { useEmulatorEnv } from "../support/env";
import { Tally, accepted, account, credentials, remoteWrite, sleep, writesTo } from "./support";

/**
 * Two stacks (two copies of the state) own the same workspace policy and write at the same time. Polls are
 * spaced 20 ms apart instead of 200 ms so that a hundred rounds take seconds, and a create refused by the
 * other's policy re-reads it for 200 ms instead of 5 s (this emulator shows deletions at once); the service's
 * transitions (20 ms, small but not zero) and the provider's conflict handling are the real ones.
 */
const context: lifecycle.LifecycleContext = {
  schedule: { firstDelayMs: 20, fraction: 0.15, minIntervalMs: 20 },
  visibilityGraceMs: 200,
};
const ROUNDS = 100;
const tally = new Tally();

interface Writer {
  name: string;
  state: lifecycle.ResourcePolicyState;
}

type Outcome = { won: true; outs: lifecycle.ResourcePolicyState } | { won: false; error: Error };

async function attempt(jitterMs: number, write: () => Promise<{ outs: lifecycle.ResourcePolicyState }>) {
  await sleep(jitterMs);
  return write().then(
    ({ outs }): Outcome => ({ won: true, outs }),
    (error: Error): Outcome => ({ won: false, error }),
  );
}

describe("two writers owning the same workspace policy, writing at once", function () {
  this.timeout(120_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;

  before(async () => {
    emulator = new AmpEmulator({
      transitionDelayMs: 20,
      credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
    });
    restoreEnv = useEmulatorEnv(await emulator.start(), credentials);
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
    tally.print("concurrent rounds:");
  });

  it(`update against update, ${ROUNDS} rounds: one wins, the other gets the drift error, no update is lost`, async () => {
    const ws = emulator.createWorkspace();
    const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(0)) }, context);
    // The second stack adopted the same policy (as after an import or a refresh).
    const adopted = await lifecycle.read(ws, { workspaceId: ws, policyDocument: outs.policyDocument }, context);
    const writers: Writer[] = [
      { name: "A", state: outs },
      { name: "B", state: adopted.props! },
    ];
    assert.equal(writers[0].state.revisionId, writers[1].state.revisionId);

    for (let round = 1; round <= ROUNDS; round++) {
      const docs = writers.map((w, i) => remoteWrite(account(round * 2 + i), `Writer${w.name}`));
      const mark = emulator.requestLog().length;
      const outcomes = await Promise.all(
        writers.map((w, i) =>
          attempt(Math.floor(Math.random() * 4), () =>
            lifecycle.update(w.state, { workspaceId: ws, policyDocument: docs[i] }, context),
          ),
        ),
      );
      const winners = outcomes.flatMap((o, i) => (o.won ? [i] : []));
      for (const o of outcomes) {
        if (!o.won) {
          assert.ok(PolicyConflictError.isInstance(o.error), `round ${round}: ${o.error.message}`);
          assert.match(o.error.message, /changed outside Pulumi/);
          assert.match(o.error.message, /nothing was written/);
        }
      }
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} writers won`);
      const winner = winners[0];
      const loser = 1 - winner;
      const live = emulator.getPolicy(ws)!;
      // Lost: a writer was told it succeeded, yet its policy is not the live one.
      const lost = outcomes.filter((o, i) => o.won && !policiesEquivalent(live.policyDocument, docs[i])).length;
      tally.add("update vs update: rounds");
      tally.add(`update vs update: wins by ${writers[winner].name}`);
      tally.add("update vs update: drift errors", outcomes.length - winners.length);
      tally.add("update vs update: lost updates", lost);
      assert.equal(lost, 0, `round ${round}: an update was lost`);
      assert.ok(!policiesEquivalent(live.policyDocument, docs[loser]), `round ${round}: the loser's policy is live`);
      const won = outcomes[winner] as { outs: lifecycle.ResourcePolicyState };
      assert.equal(won.outs.revisionId, live.revisionId, `round ${round}: the winner's state is the live revision`);
      assert.equal(accepted(writesTo(emulator.requestLog().slice(mark), ws)).length, 1, `round ${round}: writes`);

      // The winner keeps its new state; the loser runs `pulumi refresh`, as its error told it to.
      writers[winner].state = won.outs;
      const refreshed = await lifecycle.read(ws, writers[loser].state, context);
      assert.equal(refreshed.props!.revisionId, live.revisionId);
      writers[loser].state = refreshed.props!;
    }
    assert.equal(tally.get("update vs update: rounds"), ROUNDS);
    assert.equal(tally.get("update vs update: drift errors"), ROUNDS);
    assert.equal(tally.get("update vs update: lost updates"), 0);
    assert.ok(tally.get("update vs update: wins by A") > 0 && tally.get("update vs update: wins by B") > 0);
  });

  it("update against delete, 20 rounds: one wins, the other gets the drift error, nothing is lost", async () => {
    const ws = emulator.createWorkspace();
    for (let round = 1; round <= 20; round++) {
      const { outs } = await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(0)) }, context);
      const doc = remoteWrite(account(round));
      const [updated, deleted] = await Promise.all([
        attempt(Math.floor(Math.random() * 4), () =>
          lifecycle.update(outs, { workspaceId: ws, policyDocument: doc }, context),
        ),
        attempt(Math.floor(Math.random() * 4), () => lifecycle.remove(ws, outs, context).then(() => ({ outs }))),
      ]);
      assert.ok(updated.won !== deleted.won, `round ${round}: both or neither won`);
      const failed = (updated.won ? deleted : updated) as { error: Error };
      assert.ok(PolicyConflictError.isInstance(failed.error), failed.error.message);
      const live = emulator.getPolicy(ws);
      if (updated.won) {
        assert.ok(live && policiesEquivalent(live.policyDocument, doc), `round ${round}: the update was lost`);
        assert.match(failed.error.message, /nothing was deleted/);
        tally.add("update vs delete: update won");
        await lifecycle.remove(ws, updated.outs, context);
      } else {
        assert.equal(live, undefined, `round ${round}: the delete was lost`);
        assert.match(failed.error.message, /deleted outside Pulumi/);
        tally.add("update vs delete: delete won");
      }
      tally.add("update vs delete: rounds");
      tally.add("update vs delete: drift errors");
    }
    assert.equal(tally.get("update vs delete: rounds"), 20);
  });

  it("create against create on an empty workspace, 20 rounds: one wins, the other is refused", async () => {
    for (let round = 1; round <= 20; round++) {
      const ws = emulator.createWorkspace();
      const docs = [remoteWrite(account(1), "StackA"), remoteWrite(account(2), "StackB")];
      const outcomes = await Promise.all(
        docs.map((policyDocument) =>
          attempt(Math.floor(Math.random() * 4), () => lifecycle.create({ workspaceId: ws, policyDocument }, context)),
        ),
      );
      const winners = outcomes.flatMap((o, i) => (o.won ? [i] : []));
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} creates won`);
      const failed = outcomes[1 - winners[0]] as { error: Error };
      assert.ok(PolicyConflictError.isInstance(failed.error), failed.error.message);
      assert.ok(policiesEquivalent(emulator.getPolicy(ws)!.policyDocument, docs[winners[0]]));
      tally.add("create vs create: rounds");
      tally.add("create vs create: refused");
    }
    assert.equal(tally.get("create vs create: refused"), 20);
  });
});
