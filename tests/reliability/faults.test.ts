import assert from "node:assert/strict";

import type { Fault, OperationName, RequestLogEntry } from "../../emulator";
import { PolicyConflictError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { policiesEquivalent } from "../../provider/policy";
import {
  type Peer,
  Tally,
  accepted,
  account,
  assertOneOutcome,
  quiesce,
  remoteWrite,
  startPeer,
  useCredentials,
  writesTo,
} from "./support";

type Kind = (typeof kinds)[number];
/** The kinds of storm, each a way the network or the service misbehaves. */
const kinds = [
  "throttling (429)",
  "throttling (429) with Retry-After",
  "5xx (500, 503)",
  "dropped connection",
  "slow response",
  "500 after commit",
  "dropped connection after commit",
  "slow answer after commit",
] as const;
/** Kinds that apply the call and then lose (or delay) its answer: the case client tokens exist for. */
const afterCommit = new Set<Kind>(["500 after commit", "dropped connection after commit", "slow answer after commit"]);
/** Kinds that slow a call down instead of failing it: a burst of them may outlast the calls an operation makes. */
const slow = new Set<Kind>(["slow response", "slow answer after commit"]);

type Op = "create" | "update" | "read" | "delete";

/** The faults of a storm of `kind` on `count` calls of `operation`; `slowMs` is the latency of a slow response. */
function storm(kind: Kind, operation: OperationName | "*", count: number, slowMs = 500): Fault[] {
  switch (kind) {
    case "throttling (429)":
      return [{ kind: "error", status: 429, operation, count }];
    case "throttling (429) with Retry-After":
      return [{ kind: "error", status: 429, retryAfterSeconds: 1, operation, count }];
    case "5xx (500, 503)":
      return count === 1
        ? [{ kind: "error", status: 500, operation, count }]
        : [
            { kind: "error", status: 500, operation, count: Math.ceil(count / 2) },
            { kind: "error", status: 503, operation, count: Math.floor(count / 2), retryAfterSeconds: 0 },
          ];
    case "dropped connection":
      return [{ kind: "drop", operation, count }];
    case "slow response":
      return [{ kind: "latency", latencyMs: slowMs, operation, count }];
    case "500 after commit":
      return [{ kind: "error", status: 500, operation, count, afterCommit: true }];
    case "dropped connection after commit":
      return [{ kind: "drop", operation, count, afterCommit: true }];
    case "slow answer after commit":
      return [{ kind: "latency", latencyMs: slowMs, operation, count, afterCommit: true }];
  }
}

/** What each lifecycle operation's error message starts with. */
const verb: Record<Op, string> = {
  create: "creating",
  update: "updating",
  read: "reading",
  delete: "deleting",
};

/** The cause each kind of storm must be named by, once it outlasts the operation's timeout. */
const cause: Record<Kind, RegExp> = {
  "throttling (429)": /Rate exceeded \(gave up after \d+ attempts/,
  "throttling (429) with Retry-After": /Rate exceeded \(gave up after \d+ attempts/,
  "5xx (500, 503)": /(Internal server error|Service unavailable) \(gave up after \d+ attempts/,
  "dropped connection": /(socket hang up|ECONNRESET)[^]*\(gave up after \d+ attempts/,
  "slow response": /timed out: AMP had not answered [\d.]+s after the request was sent/,
  "500 after commit": /Internal server error \(gave up after \d+ attempts/,
  "dropped connection after commit": /(socket hang up|ECONNRESET)[^]*\(gave up after \d+ attempts/,
  "slow answer after commit": /timed out: AMP had not answered [\d.]+s after the request was sent/,
};

/** The operations of the lifecycle and the AMP calls each makes, so a storm can hit each call of each. */
const targets: Array<{ op: Op; operation: OperationName }> = [
  { op: "create", operation: "PutResourcePolicy" },
  { op: "create", operation: "DescribeResourcePolicy" },
  { op: "update", operation: "PutResourcePolicy" },
  { op: "update", operation: "DescribeResourcePolicy" },
  { op: "read", operation: "DescribeResourcePolicy" },
  { op: "delete", operation: "DeleteResourcePolicy" },
  { op: "delete", operation: "DescribeResourcePolicy" },
];
const ops: Op[] = ["create", "update", "read", "delete"];

const injected = new Tally();
const survived = new Tally();
const outlasted = new Tally();
const operations = new Tally();
const applied = new Tally();

/** A workspace on its own emulator, with the state a test needs before the operation under storm. */
interface Scene {
  peer: Peer;
  ws: string;
  state?: lifecycle.ResourcePolicyState;
  label: string;
}

async function prepare(op: Op, label: string, waitTimeoutSeconds: number): Promise<Scene> {
  const peer = await startPeer();
  const ws = peer.emulator.createWorkspace();
  let state: lifecycle.ResourcePolicyState | undefined;
  if (op !== "create") {
    ({ outs: state } = await lifecycle.create(
      { workspaceId: ws, policyDocument: remoteWrite(account(1)), waitTimeoutSeconds },
      peer.context,
    ));
  }
  peer.emulator.clearRequestLog();
  peer.emulator.resetCallCounts();
  peer.emulator.clearAppliedWrites();
  return { peer, ws, state, label };
}

/** Runs `op` on the scene; resolves with what it returned, for the checks. */
async function run(op: Op, scene: Scene, waitTimeoutSeconds: number): Promise<unknown> {
  const { ws, peer } = scene;
  switch (op) {
    case "create":
      return lifecycle.create(
        { workspaceId: ws, policyDocument: remoteWrite(account(1)), waitTimeoutSeconds },
        peer.context,
      );
    case "update":
      return lifecycle.update(
        { ...scene.state!, waitTimeoutSeconds },
        { workspaceId: ws, policyDocument: remoteWrite(account(2)), waitTimeoutSeconds },
        peer.context,
      );
    case "read":
      return lifecycle.read(ws, { ...scene.state!, waitTimeoutSeconds }, peer.context);
    case "delete":
      return lifecycle.remove(ws, { ...scene.state!, waitTimeoutSeconds }, peer.context);
  }
}

/**
 * Checks that `op` did what it should have, against the emulator's own record. `since` is where in the
 * request log the run began: a re-run after a failure may meet a write of the failed run (abandoned at the
 * deadline, landed later), which must then be the only write accepted.
 */
function assertDone(op: Op, scene: Scene, result: unknown, since = 0): number {
  const live = scene.peer.emulator.getPolicy(scene.ws);
  const { label } = scene;
  switch (op) {
    case "create":
    case "update": {
      const { outs } = result as { outs: lifecycle.ResourcePolicyState };
      assert.ok(live, `${label}: no policy`);
      assert.ok(policiesEquivalent(live.policyDocument, remoteWrite(account(op === "create" ? 1 : 2))), label);
      assert.equal(outs.revisionId, live.revisionId, `${label}: the state's revision is the live one`);
      assert.equal(outs.policyStatus, "ACTIVE", label);
      break;
    }
    case "read": {
      const read = result as Awaited<ReturnType<typeof lifecycle.read>>;
      assert.equal(read.id, scene.ws, label);
      assert.equal(read.props!.revisionId, live!.revisionId, label);
      break;
    }
    case "delete":
      assert.equal(live, undefined, `${label}: the policy is gone`);
      break;
  }
  const log = scene.peer.emulator.requestLog();
  const writes = writesTo(log.slice(since), scene.ws);
  assertOneOutcome(writes, label);
  if (since !== 0) {
    // Across the failed run and the re-run: one outcome, whichever of the two wrote it.
    const all = accepted(writesTo(log, scene.ws));
    assert.ok(new Set(all.map((e) => e.clientToken)).size <= 1, `${label}: two different writes were accepted`);
  }
  // What the service applied, whatever happened to the answers (and across a failed run and its re-run).
  const appliedWrites = scene.peer.emulator.appliedWrites().filter((w) => w.workspaceId === scene.ws);
  assert.equal(appliedWrites.length, op === "read" ? 0 : 1, `${label}: writes applied`);
  return appliedWrites.length;
}

/** The call after each throttled one (Retry-After: 1) waited at least the second it was asked to. */
function assertRetryAfterHonoured(log: RequestLogEntry[], operation: OperationName, label: string): void {
  const calls = log.filter((e) => e.operation === operation);
  calls.forEach((call, i) => {
    if (call.fault === "error" && i + 1 < calls.length) {
      const gap = Date.parse(calls[i + 1].time) - Date.parse(call.time);
      assert.ok(gap >= 950, `${label}: retried after ${gap} ms despite Retry-After: 1`);
    }
  });
}

function faulted(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((e) => e.fault !== undefined);
}

/** Runs every scene at once (each on its own emulator) and reports every failure, not just the first. */
async function allScenes(scenes: Array<() => Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(scenes.map((scene) => scene()));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message)] : []));
  assert.deepEqual(failures, [], failures.join("\n\n"));
}

describe("faults: storms on each AMP call, with the real AWS SDK against the emulator", function () {
  this.timeout(120_000);
  let restore: () => void;
  before(() => {
    restore = useCredentials();
  });
  after(() => {
    restore();
    injected.print("faults injected, by kind:");
    survived.print("faults survived (the operation then succeeded), by kind:");
    outlasted.print("storms that outlasted waitTimeoutSeconds (a clear error, then a converging re-run), by kind:");
    operations.print("lifecycle operations run under storms:");
    applied.print("writes the service applied, by kind (one per create, update and delete, never more):");
  });

  for (const kind of kinds) {
    it(`survives a burst of ${kind} on each of Put, Describe and Delete, in create, update, read and delete`, async () => {
      await allScenes(
        targets.map(({ op, operation }) => async () => {
          const label = `${kind} on ${operation} during ${op}`;
          const scene = await prepare(op, label, 60);
          try {
            for (const fault of storm(kind, operation, 2)) {
              scene.peer.emulator.injectFault(fault);
            }
            const result = await run(op, scene, 60);
            applied.add(kind, assertDone(op, scene, result));
            const hits = faulted(scene.peer.emulator.requestLog());
            if (slow.has(kind)) {
              // A slow call still succeeds, so a burst of latency may outlast the calls the operation makes.
              assert.ok(hits.length >= 1, `${label}: the burst was met`);
            } else {
              assert.equal(hits.length, 2, `${label}: every fault of the burst was met`);
            }
            assert.ok(
              hits.every((e) => e.operation === operation),
              label,
            );
            if (kind === "throttling (429) with Retry-After") {
              assertRetryAfterHonoured(scene.peer.emulator.requestLog(), operation, label);
            }
            injected.add(kind, hits.length);
            survived.add(kind, hits.length);
            operations.add(`${op} (burst on ${operation})`);
          } finally {
            await scene.peer.stop();
          }
        }),
      );
    });

    it(`survives ${kind} on every call for a second, in create, update, read and delete`, async () => {
      await allScenes(
        ops.map((op) => async () => {
          const label = `${kind} on every call during ${op}`;
          const scene = await prepare(op, label, 60);
          try {
            for (const fault of storm(kind, "*", 1_000_000, 300)) {
              scene.peer.emulator.injectFault(fault);
            }
            const calm = setTimeout(() => scene.peer.emulator.clearFaults(), 1000);
            const started = Date.now();
            let result: unknown;
            try {
              result = await run(op, scene, 60);
            } finally {
              clearTimeout(calm);
              scene.peer.emulator.clearFaults();
            }
            assert.ok(Date.now() - started >= 900 || slow.has(kind), `${label}: the storm lasted`);
            applied.add(kind, assertDone(op, scene, result));
            const hits = faulted(scene.peer.emulator.requestLog());
            assert.ok(hits.length >= 1, `${label}: the storm was met`);
            injected.add(kind, hits.length);
            survived.add(kind, hits.length);
            operations.add(`${op} (storm on every call)`);
          } finally {
            await scene.peer.stop();
          }
        }),
      );
    });

    it(`fails create, update, read and delete with a clear error when ${kind} outlasts waitTimeoutSeconds, and a re-run converges`, async () => {
      const timeoutSeconds = 1.5;
      await allScenes(
        ops.map((op) => async () => {
          const label = `${kind} outlasting the timeout of ${op}`;
          const scene = await prepare(op, label, timeoutSeconds);
          const { emulator } = scene.peer;
          try {
            for (const fault of storm(kind, "*", 1_000_000, 3000)) {
              emulator.injectFault(fault);
            }
            const started = Date.now();
            const error = await run(op, scene, timeoutSeconds).then(
              () => assert.fail(`${label}: succeeded`),
              (err: Error) => err,
            );
            const elapsed = Date.now() - started;
            emulator.clearFaults();
            assert.ok(elapsed <= timeoutSeconds * 1000 + 1000, `${label}: failed after ${elapsed} ms`);
            assert.ok(
              error.message.startsWith(`${verb[op]} resource policy for AMP workspace ${scene.ws}: `),
              `${label}: ${error.message}`,
            );
            assert.match(error.message, cause[kind], `${label}: the error names the cause: ${error.message}`);
            assert.ok(error.cause !== undefined, `${label}: the cause is kept`);
            assert.ok(!PolicyConflictError.isInstance(error), `${label}: not a conflict`);

            // Requests abandoned at the deadline may still land; then the same operation, run again, converges.
            await quiesce(emulator);
            const hits = faulted(emulator.requestLog());
            assert.ok(hits.length >= 1, `${label}: no call met the storm before the deadline`);
            injected.add(kind, hits.length);
            outlasted.add(kind);
            const since = emulator.requestLog().length;
            const rerun = await run(op, scene, 30);
            applied.add(kind, assertDone(op, scene, rerun, since));
            operations.add(`${op} (storm outlasting the timeout, then a re-run)`);
          } finally {
            await scene.peer.stop();
          }
        }),
      );
    });
  }

  const busy = "conflict (409) from a busy service";
  const writeTargets: Array<{ op: Op; operation: OperationName }> = [
    { op: "create", operation: "PutResourcePolicy" },
    { op: "update", operation: "PutResourcePolicy" },
    { op: "delete", operation: "DeleteResourcePolicy" },
  ];

  it(`survives a burst of ${busy} on Put and Delete, in create, update and delete`, async () => {
    await allScenes(
      writeTargets.map(({ op, operation }) => async () => {
        const label = `${busy} on ${operation} during ${op}`;
        const scene = await prepare(op, label, 60);
        try {
          scene.peer.emulator.injectFault({ kind: "error", status: 409, operation, count: 2 });
          assertDone(op, scene, await run(op, scene, 60));
          const hits = faulted(scene.peer.emulator.requestLog());
          assert.equal(hits.length, 2, label);
          injected.add(busy, hits.length);
          survived.add(busy, hits.length);
          operations.add(`${op} (burst on ${operation})`);
        } finally {
          await scene.peer.stop();
        }
      }),
    );
  });

  it(`fails create, update and delete with a clear error when ${busy} outlasts waitTimeoutSeconds, backing off all along`, async () => {
    const timeoutSeconds = 1.5;
    await allScenes(
      writeTargets.map(({ op, operation }) => async () => {
        const label = `${busy} on ${operation} outlasting the timeout of ${op}`;
        const scene = await prepare(op, label, timeoutSeconds);
        const { emulator } = scene.peer;
        try {
          emulator.injectFault({ kind: "error", status: 409, operation, count: 1_000_000 });
          const started = Date.now();
          const error = await run(op, scene, timeoutSeconds).then(
            () => assert.fail(`${label}: succeeded`),
            (err: Error) => err,
          );
          const elapsed = Date.now() - started;
          emulator.clearFaults();
          assert.ok(elapsed <= timeoutSeconds * 1000 + 1000, `${label}: failed after ${elapsed} ms`);
          assert.ok(error.message.startsWith(`${verb[op]} resource policy for AMP workspace ${scene.ws}: `), label);
          assert.match(
            error.message,
            /timed out after \d+ attempts waiting for a (write|delete) that keeps conflicting/,
          );
          assert.match(error.message, /Conflicting operation in progress/, `${label}: names the last error`);
          assert.ok(!PolicyConflictError.isInstance(error), `${label}: not reported as drift`);
          // Backing off, not hammering a busy service: a handful of attempts in the time allowed.
          const attempts = emulator.requestLog().filter((e) => e.operation === operation).length;
          assert.ok(attempts >= 2 && attempts <= 10, `${label}: ${attempts} attempts in ${elapsed} ms`);
          injected.add(busy, attempts);
          outlasted.add(busy);
          const since = emulator.requestLog().length;
          assertDone(op, scene, await run(op, scene, 30), since);
          operations.add(`${op} (storm outlasting the timeout, then a re-run)`);
        } finally {
          await scene.peer.stop();
        }
      }),
    );
  });

  it("survives a rate limit of 2 calls a second while six creates run at once", async () => {
    const peer = await startPeer();
    try {
      peer.emulator.setRateLimit(2);
      const workspaces = Array.from({ length: 6 }, () => peer.emulator.createWorkspace());
      const results = await Promise.all(
        workspaces.map((ws, i) =>
          lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite(account(i)) }, peer.context),
        ),
      );
      const log = peer.emulator.requestLog();
      workspaces.forEach((ws, i) => {
        assert.equal(results[i].outs.revisionId, peer.emulator.getPolicy(ws)!.revisionId);
        assert.ok(policiesEquivalent(peer.emulator.getPolicy(ws)!.policyDocument, remoteWrite(account(i))));
        assertOneOutcome(writesTo(log, ws), `create on ${ws}`);
        assert.equal(accepted(writesTo(log, ws)).length, 1);
      });
      const throttled = log.filter((e) => e.fault === "rate-limit").length;
      assert.ok(throttled >= 1, "the rate limit was met");
      injected.add("throttling (rate limit)", throttled);
      survived.add("throttling (rate limit)", throttled);
      operations.add("create (six at once under a rate limit)", 6);
    } finally {
      await peer.stop();
    }
  });

  it("counts every kind of fault injected and survived", () => {
    for (const kind of kinds) {
      // Each burst is two faults (a latency burst may outlast the calls made), each storm on every call at least one.
      const least = (slow.has(kind) ? targets.length : targets.length * 2) + ops.length;
      assert.ok(survived.get(kind) >= least, `${kind}: ${survived.get(kind)} survived`);
      assert.equal(outlasted.get(kind), ops.length, kind);
      assert.ok(injected.get(kind) > survived.get(kind), kind);
      // Each write scenario (6 bursts, 3 storms, 3 re-runs of create, update and delete) applied exactly one write.
      const writeScenarios = targets.filter((t) => t.op !== "read").length + 2 * (ops.length - 1);
      assert.equal(applied.get(kind), writeScenarios, `${kind}: writes applied`);
    }
    assert.ok([...afterCommit].every((kind) => kinds.includes(kind)));
    assert.equal(survived.get(busy), writeTargets.length * 2);
    assert.equal(outlasted.get(busy), writeTargets.length);
  });
});
