/**
 * 4. Throughput under a rate limit, through the lifecycle functions: many policies created, updated and deleted
 * on as many workspaces by as many concurrent operations as the engine runs by default, with the emulator
 * answering 429 above N calls per second. (The same through the engine is in ./engine.ts.)
 */
import * as lifecycle from "../provider/lifecycle";
import { processTransitions, resetSharedLimiter } from "../provider/time";
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
  /** 429 answers in the first second and in the first two seconds from the first call: the cold start. */
  throttledFirstSecond: number;
  throttledFirstTwoSeconds: number;
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
    throttledFirstSecond: log.filter((e) => throttled(e) && Date.parse(e.time) - first < 1000).length,
    throttledFirstTwoSeconds: log.filter((e) => throttled(e) && Date.parse(e.time) - first < 2000).length,
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

/** Where the time under the limit goes: the cold start, the waits after a 429, and the seconds under 0.9 N. */
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
    `At N=${limit}, create phases (cold limiter): in the first second the emulator accepted ` +
    `${fmt(summarize(runs.map((r) => r.perSecond[0] ?? 0)))} calls and refused ` +
    `${fmt(summarize(runs.map((r) => r.throttledFirstSecond)))}; ` +
    `${fmt(summarize(runs.map((r) => r.throttledFirstTwoSeconds)))} refusals in the first two seconds, ` +
    `${fmt(summarize(runs.map((r) => r.throttled)))} in the whole phase. A refused call was sent again after ` +
    `${fmt(gaps, seconds)} (${gaps.runs} retries: its \`Retry-After\` plus up to 10 % jitter, then its turn in the limiter's queue). Accepted calls in each ` +
    `second of the last run: ${last.perSecond.join(", ")}; ${under.length} of ${full.length} whole seconds under ` +
    `0.9 N, ${lost} calls short of N in total.`
  );
}

export async function benchLifecycleThroughput(
  options: BenchOptions,
): Promise<{ markdown: string; verdicts: Verdict[]; rows: ThroughputRow[] }> {
  const policies = options.quick ? 30 : 200;
  const limits = options.quick
    ? [{ limit: 20, runs: 1 }]
    : [
        { limit: 5, runs: 1 },
        { limit: 20, runs: 3 },
      ];
  const parallel = engineDefaultParallelism();
  const bench = await startEmulator({ transitionDelayMs: 0 });
  const { emulator } = bench;
  const reference: ThroughputRow = { label: "create (no limit, reference)", limit: undefined, runs: [] };
  const rows: ThroughputRow[] = [reference];
  const phase = async (row: ThroughputRow, tasks: (() => Promise<unknown>)[], what: string): Promise<void> => {
    emulator.clearRequestLog();
    const started = performance.now();
    const errors = await pool(tasks, parallel);
    row.runs.push(phaseFigures(bench, performance.now() - started, errors.length));
    if (errors.length > 0) {
      options.log(`  throughput: ${errors.length} ${what} failed, first: ${String(errors[0])}`);
    }
  };
  try {
    for (const { limit, runs } of limits) {
      const limited = ["create", "update", "delete"].map((label) => ({ label, limit, runs: [] as PhaseFigures[] }));
      rows.push(...limited);
      for (let run = 0; run < runs; run++) {
        for (const rateLimit of options.quick || limit !== 20 ? [limit] : [undefined, limit]) {
          // A new run is a new process: a cold (open) limiter and nothing learned about transitions.
          resetSharedLimiter();
          processTransitions.clear();
          emulator.setRateLimit(rateLimit);
          const workspaces = Array.from({ length: policies }, () => emulator.createWorkspace());
          const states = new Map<string, lifecycle.ResourcePolicyState>();
          await phase(
            rateLimit === undefined ? reference : limited[0],
            workspaces.map((ws) => async () => {
              states.set(
                ws,
                (await lifecycle.create({ workspaceId: ws, policyDocument: remoteWrite("111122223333") })).outs,
              );
            }),
            "creates",
          );
          if (rateLimit !== undefined) {
            await phase(
              limited[1],
              [...states].map(([ws, state]) => async () => {
                states.set(
                  ws,
                  (await lifecycle.update(state, { workspaceId: ws, policyDocument: remoteWrite("444455556666") }))
                    .outs,
                );
              }),
              "updates",
            );
            await phase(
              limited[2],
              [...states].map(
                ([ws, state]) =>
                  () =>
                    lifecycle.remove(ws, state),
              ),
              "deletes",
            );
          }
          emulator.setRateLimit(undefined);
          const figures = limited.map((r) => r.runs[r.runs.length - 1]);
          options.log(
            `  lifecycle throughput: N=${rateLimit ?? "none"} run ${run + 1}/${runs}` +
              (rateLimit === undefined
                ? ""
                : `: ${figures.map((f, i) => `${limited[i].label} ${times(f.acceptedPerSecond / limit)} N`).join(", ")}`),
          );
        }
      }
    }
  } finally {
    await bench.stop();
  }
  const verdicts: Verdict[] = limits.map(({ limit }) => {
    const limited = rows.filter((r) => r.limit === limit);
    const failures = limited.reduce((a, r) => a + r.runs.reduce((b, x) => b + x.failures, 0), 0);
    const perRow = limited.map((r) => ({
      label: r.label,
      ratio: summarize(r.runs.map((x) => x.acceptedPerSecond / limit)),
    }));
    return {
      target: `#11.3 (lifecycle) ${policies} policies at N=${limit}/s, create, update, delete: no failure, median ≥ 0.9 N each`,
      met: failures === 0 && perRow.every((r) => r.ratio.median >= 0.9),
      evidence: `${failures} failures; ` + perRow.map((r) => `${r.label} ${fmt(r.ratio, times)} N`).join("; "),
    };
  });
  verdicts.push({
    target: "#11.3 cold start stated: the limiter starts open; the first second of a cold create phase (lifecycle)",
    met: "n/a",
    evidence: limits
      .map(({ limit }) => {
        const runs = rows.find((r) => r.limit === limit && r.label === "create")?.runs ?? [];
        return (
          `N=${limit}: ${fmt(summarize(runs.map((r) => r.perSecond[0] ?? 0)))} calls accepted and ` +
          `${fmt(summarize(runs.map((r) => r.throttledFirstSecond)))} refused in the first second, ` +
          `${fmt(summarize(runs.map((r) => r.throttled)))} refusals in the phase`
        );
      })
      .join("; "),
  });
  const markdown = [
    "### 4a. Through the lifecycle functions",
    "",
    `${policies} policies on ${policies} workspaces, created, updated (a real change) and deleted by ${parallel} ` +
      `concurrent operations (the engine's default parallelism here: 4 × GOMAXPROCS), emulator transition 0, the ` +
      "emulator answering 429 (Retry-After ≥ 1 s) above N accepted calls in any sliding second. Each run starts " +
      "as a new process would: the shared rate limiter cold (open) and no transition learned; the update and delete " +
      "phases follow in the same process. Accepted calls/s = calls not refused ÷ the span from the first call's " +
      "arrival to the last call's answer; the busiest 1 s window shows the ceiling is reached." +
      (options.quick ? ` (--quick: ${policies} policies, N=20 only, 1 run.)` : ""),
    "",
    table(throughputHeader, throughputRows(rows.filter((r) => r.runs.length > 0))),
    "",
    ...limits.map(({ limit }) =>
      diagnosis(rows.find((r) => r.limit === limit && r.label === "create")?.runs ?? [], limit),
    ),
  ].join("\n\n");
  return { markdown, verdicts, rows };
}
