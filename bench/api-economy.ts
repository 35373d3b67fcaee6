/**
 * 1. API economy through the lifecycle functions: the calls each operation makes, counted at the emulator.
 * (The same through the real engine is measured by ./engine.ts on the 1-policy stacks.)
 */
import * as lifecycle from "../provider/lifecycle";
import type { PolicyDocument } from "../provider/policy";
import { defaultPollSchedule, nextPollDelay } from "../provider/time";
import { countCalls, shortOp, startEmulator, totalCalls } from "./lib/emulator";
import { type BenchOptions, type Verdict, mark } from "./lib/section";
import { fmt, summarize, table } from "./lib/stats";

/** The policy the economy runs use, for a writer account. */
export function remoteWrite(account: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RemoteWrite",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["aps:RemoteWrite"],
      },
    ],
  };
}

/** The same policy as a reordered, reformatted JSON string: no change by IAM meaning. */
export function remoteWriteReformatted(account: string): string {
  return `{ "Statement": { "Action": "APS:RemoteWrite", "Effect": "Allow",
    "Principal": { "AWS": ["${account}"] }, "Sid": "RemoteWrite" }, "Version": "2012-10-17" }`;
}

/** Status polls the default schedule makes for a transition of `delayMs` (ignoring call latency). */
export function predictedPolls(delayMs: number): { polls: number; returnMs: number } {
  let elapsed = 0;
  let polls = 0;
  for (;;) {
    elapsed += nextPollDelay(elapsed, defaultPollSchedule);
    polls++;
    if (elapsed >= delayMs) {
      return { polls, returnMs: elapsed };
    }
  }
}

/** What an operation may call, for the verdict. */
interface Expectation {
  /** Exact numbers of calls by operation that are required; Describe is checked separately when polling. */
  exact: Record<string, number>;
  /** Whether status polls (DescribeResourcePolicy) are expected after the write. */
  polls: boolean;
  text: string;
}

interface Row {
  operation: string;
  samples: Record<string, number>[];
  expect: Expectation;
}

const none: Expectation = { exact: {}, polls: false, text: "no call" };

export async function benchLifecycleEconomy(options: BenchOptions): Promise<{ markdown: string; verdicts: Verdict[] }> {
  const delayMs = 500;
  const runs = options.quick ? 2 : 5;
  const bench = await startEmulator({ transitionDelayMs: delayMs });
  const { emulator } = bench;
  const rows = new Map<string, Row>();
  const record = (operation: string, counts: Record<string, number>, expect: Expectation) => {
    const row = rows.get(operation) ?? { operation, samples: [], expect };
    row.samples.push(counts);
    rows.set(operation, row);
  };
  const write = (op: string, text: string): Expectation => ({ exact: { [op]: 1 }, polls: true, text });
  try {
    for (let run = 0; run < runs; run++) {
      const ws = emulator.createWorkspace();
      const inputs: lifecycle.ResourcePolicyInputs = { workspaceId: ws, policyDocument: remoteWrite("111122223333") };
      const cosmetic = { ...inputs, policyDocument: remoteWriteReformatted("111122223333") };
      const changed = { ...inputs, policyDocument: remoteWrite("444455556666") };

      const checked = await countCalls(emulator, async () => lifecycle.check({ ...inputs }));
      record("check", checked.counts, none);
      const created = await countCalls(emulator, () => lifecycle.create(inputs));
      record("create", created.counts, write("PutResourcePolicy", "1 Put + status polls"));
      const state = created.result.outs;
      for (const [name, news] of [
        ["diff, no change (no-op preview)", inputs],
        ["diff, cosmetic change (reformatted, reordered)", cosmetic],
        ["diff, real change", changed],
      ] as const) {
        const diffed = await countCalls(emulator, async () => lifecycle.diff({ ...state }, { ...news }));
        record(name, diffed.counts, none);
      }
      const noop = await countCalls(emulator, () => lifecycle.update(state, cosmetic));
      record("update, nothing changed (cosmetic only)", noop.counts, none);
      const updated = await countCalls(emulator, () => lifecycle.update(state, changed));
      record("update, real change", updated.counts, write("PutResourcePolicy", "1 Put + status polls"));
      const after = updated.result.outs;
      const refreshed = await countCalls(emulator, () => lifecycle.read(ws, after));
      record("read (refresh)", refreshed.counts, {
        exact: { DescribeResourcePolicy: 1 },
        polls: false,
        text: "1 Describe",
      });
      const removed = await countCalls(emulator, () => lifecycle.remove(ws, after));
      record("delete", removed.counts, write("DeleteResourcePolicy", "1 Delete + status polls"));

      // Taking over a policy made outside Pulumi needs its revision: one Describe is the only way to get it.
      const ws2 = emulator.createWorkspace();
      emulator.putPolicyOutOfBand(ws2, JSON.stringify(remoteWrite("999999999999")));
      const takeover = await countCalls(emulator, () =>
        lifecycle.create({ workspaceId: ws2, policyDocument: remoteWrite("111122223333"), overwriteExisting: true }),
      );
      record("create with overwriteExisting over an existing policy", takeover.counts, {
        exact: { PutResourcePolicy: 1 },
        polls: true,
        text: "1 Describe (the revision) + 1 Put + status polls",
      });
      options.log(`  lifecycle economy: run ${run + 1}/${runs}`);
    }
  } finally {
    await bench.stop();
  }

  const predicted = predictedPolls(delayMs).polls;
  const verdicts: Verdict[] = [];
  const tableRows = [...rows.values()].map((row) => {
    const ops = [...new Set(row.samples.flatMap((s) => Object.keys(s)))].sort();
    const perOp: Record<string, number> = {};
    const calls = ops
      .map((op) => {
        const summary = summarize(row.samples.map((s) => s[op] ?? 0));
        perOp[op] = summary.median;
        return `${shortOp(op)} ${fmt(summary)}`;
      })
      .join(" · ");
    const total = summarize(row.samples.map(totalCalls));
    const takeover = row.operation.startsWith("create with overwriteExisting");
    const ok = row.samples.every((s) => {
      const { exact, polls } = row.expect;
      for (const [op, n] of Object.entries(exact)) {
        if ((s[op] ?? 0) !== n) return false;
      }
      for (const [op, n] of Object.entries(s)) {
        if (op in exact) continue;
        if (op === "DescribeResourcePolicy" && (polls || takeover)) {
          // Polls: at most one more than the schedule predicts (a poll can land just before the transition ends).
          if (n > predicted + 1 + (takeover ? 1 : 0)) return false;
          continue;
        }
        if (n > 0) return false;
      }
      return true;
    });
    return { row, calls: calls || "none", total, ok };
  });
  const pick = (prefix: string) => tableRows.filter((r) => r.row.operation.startsWith(prefix));
  const verdictFor = (target: string, prefixes: string[]) => {
    const picked = prefixes.flatMap(pick);
    verdicts.push({
      target,
      met: picked.every((r) => r.ok),
      evidence: picked.map((r) => `${r.row.operation}: ${r.calls}`).join("; "),
    });
  };
  verdictFor("1. (lifecycle) check and diff make no call", ["check", "diff"]);
  verdictFor("1. (lifecycle) create and update: one write plus the status polls", ["create", "update, real"]);
  verdictFor("1. (lifecycle) no call whose answer is known: update with nothing changed makes none; read makes one", [
    "update, nothing",
    "read",
  ]);

  const markdown = [
    "### 1a. Through the lifecycle functions",
    "",
    `Emulator transition ${delayMs / 1000} s (so that the status polls show), ${runs} runs, each on a new workspace; ` +
      "calls counted with `callCounts()` around each call of `provider/lifecycle.ts`. The default poll schedule " +
      `predicts ${predicted} polls for a ${delayMs / 1000} s transition on a cold wait; once the process has seen ` +
      "the transition, the waiter polls around it (section 2b), so later operations poll less.",
    "",
    table(
      ["operation", "calls by API operation: median (min–max)", "total", "target", "verdict"],
      tableRows.map((r) => [r.row.operation, r.calls, fmt(r.total), r.row.expect.text, mark(r.ok)]),
    ),
  ].join("\n");
  return { markdown, verdicts };
}
