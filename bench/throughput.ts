/**
 * 4. Throughput under a rate limit, through the lifecycle functions: many policies created (then deleted) on as
 * many workspaces by as many concurrent operations as the engine runs by default, with the emulator answering
 * 429 above N calls per second. (The same through the engine is in ./engine.ts.)
 */
import * as lifecycle from "../provider/lifecycle";
import { remoteWrite } from "./api-economy";
import { type BenchEmulator, startEmulator, throttled } from "./lib/emulator";
import { engineDefaultParallelism } from "./lib/machine";
import type { BenchOptions, Verdict } from "./lib/section";
import { fmt, num, seconds, summarize, table, times } from "./lib/stats";

/** Runs `tasks` with at most `limit` at a time; returns the errors (none thrown). */
export async function pool(tasks: (() => Promise<unknown>)[], limit: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      try {
        await task();
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return errors;
}

/** One phase's figures, from the emulator's request log. */
export interface PhaseFigures {
  wallMs: number;
  accepted: number;
  throttled: number;
  failures: number;
  /** From the first call to the last, ms: the wall time minus start-up and wind-down. */
  spanMs: number;
  /** Accepted calls per second over the span of the calls. */
  acceptedPerSecond: number;
  /** Accepted calls per second over the busiest 1 s window. */
  peakWindow: number;
  /** Accepted calls in each whole second from the first call. */
  perSecond: number[];
  /** For each 429, the time until the same operation on the same workspace was sent again, ms. */
  retryGapsMs: number[];
}

/** The figures of the calls logged since the log was last cleared, for a phase that took `wallMs`. */
export function phaseFigures(bench: BenchEmulator, wallMs: number, failures: number): PhaseFigures {
  const log = bench.emulator.requestLog();
  const accepted = log.filter((e) => !throttled(e));
  const times = accepted.map((e) => Date.parse(e.time)).sort((a, b) => a - b);
  let peakWindow = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    peakWindow = Math.max(peakWindow, i - j + 1);
  }
  const first = log.length > 0 ? Date.parse(log[0].time) : 0;
  const lastEntry = log[log.length - 1];
  // A call's time is its arrival; the last one ends when it is answered.
  const spanMs = lastEntry ? Date.parse(lastEntry.time) + lastEntry.durationMs - first : 0;
  const perSecond: number[] = [];
  for (const at of times) {
    const second = Math.floor((at - first) / 1000);
    while (perSecond.length <= second) perSecond.push(0);
    perSecond[second]++;
  }
  const retryGapsMs: number[] = [];
  log.forEach((entry, i) => {
    if (!throttled(entry)) return;
    const again = log.slice(i + 1).find((e) => e.workspaceId === entry.workspaceId && e.operation === entry.operation);
    if (again) retryGapsMs.push(Date.parse(again.time) - Date.parse(entry.time));
  });
  return {
    wallMs,
    accepted: accepted.length,
    throttled: log.length - accepted.length,
    failures,
    spanMs,
    acceptedPerSecond: spanMs > 0 ? accepted.length / (spanMs / 1000) : 0,
    peakWindow,
    perSecond,
    retryGapsMs,
  };
}

export interface ThroughputRow {
  label: string;
  limit: number | undefined;
  runs: PhaseFigures[];
}

/** Rows of the throughput table. */
export function throughputRows(rows: ThroughputRow[]): string[][] {
  return rows.map(({ label, limit, runs }) => {
    const rate = summarize(runs.map((r) => r.acceptedPerSecond));
    return [
      label,
      limit === undefined ? "none" : `${limit}/s`,
      String(runs.length),
      fmt(summarize(runs.map((r) => r.wallMs)), seconds),
      fmt(summarize(runs.map((r) => r.spanMs)), seconds),
      fmt(summarize(runs.map((r) => r.accepted))),
      fmt(summarize(runs.map((r) => r.throttled))),
      String(runs.reduce((a, r) => a + r.failures, 0)),
      fmt(rate, (v) => `${num(v)}/s`),
      limit === undefined ? "–" : fmt(summarize(runs.map((r) => r.acceptedPerSecond / limit)), times),
      limit === undefined ? "–" : fmt(summarize(runs.map((r) => r.peakWindow))),
    ];
  });
}

export const throughputHeader = [
  "phase",
  "limit N",
  "runs",
  "wall time",
  "span of the calls",
  "accepted calls",
  "429 answers",
  "failed operations",
  "accepted calls/s over the span",
  "÷ N",
  "busiest 1 s window",
];

/** Where the time under the limit goes: the waits after a 429, and the seconds that stayed under N. */
export function diagnosis(runs: PhaseFigures[], limit: number): string {
  const last = runs[runs.length - 1];
  if (last === undefined) {
    return "";
  }
  const gaps = summarize(runs.flatMap((r) => r.retryGapsMs));
  const full = last.perSecond.slice(0, -1);
  const under = full.filter((n) => n < limit * 0.9);
  const lost = full.reduce((a, n) => a + Math.max(0, limit - n), 0);
  return (
    `Where the time goes (create phases): a throttled call was sent again after ${fmt(gaps, seconds)} ` +
    `(${gaps.runs} retries), i.e. after the emulator's \`Retry-After\` (whole seconds, at least 1), which ` +
    "`withRetries` honours as the shortest wait. Accepted calls in each second of the last run: " +
    `${last.perSecond.join(", ")}. ${under.length} of ${full.length} whole seconds stayed under 0.9 N, ` +
    `${lost} calls short of N in total: seconds in which the concurrent operations were all waiting out a ` +
    "Retry-After together while the limiter's window had already emptied."
  );
}

export async function benchLifecycleThroughput(
  options: BenchOptions,
): Promise<{ markdown: string; verdicts: Verdict[]; rows: ThroughputRow[] }> {
  const policies = options.quick ? 30 : 200;
  const limit = 20;
  const runs = options.quick ? 1 : 3;
  const parallel = engineDefaultParallelism();
  const bench = await startEmulator({ transitionDelayMs: 0 });
  const { emulator } = bench;
  const rows: ThroughputRow[] = [
    { label: "create (no limit, reference)", limit: undefined, runs: [] },
    { label: "create", limit, runs: [] },
    { label: "delete", limit, runs: [] },
  ];
  try {
    for (let run = 0; run < runs; run++) {
      for (const rateLimit of options.quick ? [limit] : [undefined, limit]) {
        emulator.setRateLimit(rateLimit);
        const workspaces = Array.from({ length: policies }, () => emulator.createWorkspace());
        const states = new Map<string, lifecycle.ResourcePolicyState>();
        emulator.clearRequestLog();
        let started = performance.now();
        let errors = await pool(
          workspaces.map((ws) => async () => {
            states.set(
              ws,
              (await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") })).outs,
            );
          }),
          parallel,
        );
        rows[rateLimit === undefined ? 0 : 1].runs.push(
          phaseFigures(bench, performance.now() - started, errors.length),
        );
        if (errors.length > 0) {
          options.log(`  throughput: ${errors.length} creates failed, first: ${String(errors[0])}`);
        }
        if (rateLimit !== undefined) {
          emulator.clearRequestLog();
          started = performance.now();
          errors = await pool(
            [...states].map(
              ([ws, state]) =>
                () =>
                  lifecycle.remove(ws, state),
            ),
            parallel,
          );
          rows[2].runs.push(phaseFigures(bench, performance.now() - started, errors.length));
          if (errors.length > 0) {
            options.log(`  throughput: ${errors.length} deletes failed, first: ${String(errors[0])}`);
          }
        }
        emulator.setRateLimit(undefined);
        options.log(`  lifecycle throughput: run ${run + 1}/${runs}, limit ${rateLimit ?? "none"}`);
      }
    }
  } finally {
    await bench.stop();
  }
  const limited = rows.filter((r) => r.limit !== undefined && r.runs.length > 0);
  const ratio = summarize(limited.flatMap((r) => r.runs.map((x) => x.acceptedPerSecond / limit)));
  const failures = limited.reduce((a, r) => a + r.runs.reduce((b, x) => b + x.failures, 0), 0);
  const verdicts: Verdict[] = [
    {
      target: `4. (lifecycle) ${policies} policies at N=${limit}/s: no failure, close to N (median ≥ 0.9 N)`,
      met: failures === 0 && ratio.median >= 0.9,
      evidence: `${failures} failures; achieved ${fmt(ratio, times)} N`,
    },
  ];
  const markdown = [
    "### 4a. Through the lifecycle functions",

    "",
    `${policies} policies on ${policies} workspaces, created then deleted by ${parallel} concurrent operations ` +
      `(the engine's default parallelism here: 4 × GOMAXPROCS), emulator transition 0, the emulator answering 429 ` +
      `(Retry-After ≥ 1 s) above N=${limit} accepted calls in any sliding second. Accepted calls/s = calls not ` +
      "refused ÷ the span from the first call's arrival to the last call's answer; the busiest 1 s window shows " +
      "the limiter's ceiling is reached." +
      (options.quick ? ` (--quick: ${policies} policies, 1 run.)` : ""),
    "",
    table(throughputHeader, throughputRows(rows.filter((r) => r.runs.length > 0))),
    "",
    diagnosis(rows[1].runs, limit),
  ].join("\n");
  return { markdown, verdicts, rows };
}
