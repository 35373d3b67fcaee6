/**
 * 2. Convergence: with the emulator's transition at 0.5 s, 2 s and 10 s, the time from the write (the Put or
 * Delete arriving at the emulator) to the return of create, update and delete, and the status polls made.
 */
import * as lifecycle from "../provider/lifecycle";
import { defaultPollSchedule } from "../provider/wait";
import { predictedPolls, remoteWrite } from "./api-economy";
import { startEmulator } from "./lib/emulator";
import { type BenchOptions, type SectionResult, type Verdict, mark } from "./lib/section";
import { type Summary, fmt, num, seconds, summarize, table, times } from "./lib/stats";

interface Sample {
  /** From the write's arrival at the emulator to the operation's return, ms. */
  afterWriteMs: number;
  /** The whole operation, ms. */
  totalMs: number;
  polls: number;
}

type OperationName = "create" | "update" | "delete";

/** How long a fixed 250 ms poll interval (the schedule's minimum) would poll for the same wait. */
function fixedIntervalPolls(delayMs: number): number {
  return Math.ceil(delayMs / defaultPollSchedule.minIntervalMs);
}

export async function benchConvergence(options: BenchOptions): Promise<SectionResult> {
  const delays = options.quick ? [500, 2000] : [500, 2000, 10000];
  const runsFor = (delay: number) => (options.quick ? (delay <= 500 ? 3 : 2) : delay >= 10000 ? 3 : 5);
  const bench = await startEmulator();
  const { emulator } = bench;
  const results: { delay: number; op: OperationName; samples: Sample[] }[] = [];

  /** Runs `action`, then reads the time of the write (`writeOp`) and the polls from the request log. */
  const timed = async (writeOp: string, action: () => Promise<unknown>): Promise<Sample> => {
    emulator.clearRequestLog();
    const started = Date.now();
    await action();
    const ended = Date.now();
    const log = emulator.requestLog();
    const writes = log.filter((e) => e.operation === writeOp && e.statusCode < 300);
    if (writes.length !== 1) {
      throw new Error(`expected one successful ${writeOp}, saw ${writes.length}`);
    }
    const writeAt = Date.parse(writes[0].time);
    const polls = log.filter((e) => e.operation === "DescribeResourcePolicy" && Date.parse(e.time) >= writeAt).length;
    return { afterWriteMs: ended - writeAt, totalMs: ended - started, polls };
  };

  try {
    for (const delay of delays) {
      emulator.setTransitionDelay(delay);
      const byOp: Record<OperationName, Sample[]> = { create: [], update: [], delete: [] };
      const runs = runsFor(delay);
      for (let run = 0; run < runs; run++) {
        const ws = emulator.createWorkspace();
        const inputs = { workspaceId: ws, policyDocument: remoteWrite("111122223333") };
        let state: lifecycle.ResourcePolicyState | undefined;
        byOp.create.push(
          await timed("PutResourcePolicy", async () => {
            state = (await lifecycle.create(inputs)).outs;
          }),
        );
        const changed = { ...inputs, policyDocument: remoteWrite("444455556666") };
        byOp.update.push(
          await timed("PutResourcePolicy", async () => {
            state = (await lifecycle.update(state!, changed)).outs;
          }),
        );
        if (!options.quick) {
          byOp.delete.push(await timed("DeleteResourcePolicy", () => lifecycle.remove(ws, state!)));
        }
        options.log(`  convergence: transition ${delay / 1000} s, run ${run + 1}/${runs}`);
      }
      for (const op of ["create", "update", "delete"] as const) {
        if (byOp[op].length === 0) continue;
        results.push({ delay, op, samples: byOp[op] });
      }
    }
  } finally {
    await bench.stop();
  }

  const allowance = (delay: number) => Math.max(500, 0.15 * delay);
  const rows = results.map(({ delay, op, samples }) => {
    const after = summarize(samples.map((s) => s.afterWriteMs));
    const ratio = summarize(samples.map((s) => s.afterWriteMs / delay));
    const over = summarize(samples.map((s) => s.afterWriteMs - delay));
    const polls = summarize(samples.map((s) => s.polls));
    const predicted = predictedPolls(delay);
    const within = samples.every((s) => s.afterWriteMs - delay <= allowance(delay));
    return { delay, op, after, ratio, over, polls, predicted, within };
  });
  const pollsAt = (delay: number): Summary | undefined =>
    rows.find((r) => r.delay === delay && r.op === "create")?.polls;

  const verdicts: Verdict[] = [];
  const timed2 = rows.filter((r) => r.op !== "delete");
  verdicts.push({
    target: "2. create/update return within max(0.5 s, 15 %) of the transition",
    met: timed2.every((r) => r.within),
    evidence: timed2
      .map((r) => `${r.op} @${r.delay / 1000} s: +${fmt(r.over, seconds)} (allowed +${seconds(allowance(r.delay))})`)
      .join("; "),
  });
  const p2 = pollsAt(2000);
  const p10 = pollsAt(10000);
  let growth = "needs the 10 s row (not run with --quick)";
  let logMet: boolean | "n/a" = "n/a";
  if (p2 && p10) {
    // Per doubling of the delay, a geometric schedule adds a constant number of polls: ln 2 / ln(1 + fraction).
    const perDoubling = (p10.median - p2.median) / Math.log2(10000 / 2000);
    const theory = Math.log(2) / Math.log(1 + defaultPollSchedule.fraction);
    growth =
      `from 2 s to 10 s (5×) the polls go ${num(p2.median)} → ${num(p10.median)} (${times(p10.median / p2.median)}), ` +
      `${num(perDoubling)} polls per doubling of the delay (a geometric schedule with fraction ` +
      `${defaultPollSchedule.fraction} adds ${num(theory)}); a fixed ${defaultPollSchedule.minIntervalMs} ms interval ` +
      `would make ${fixedIntervalPolls(2000)} → ${fixedIntervalPolls(10000)}`;
    logMet = p10.median / p2.median < 10000 / 2000 / 1.5 && perDoubling <= theory * 1.5;
  }
  verdicts.push({ target: "2. polls grow logarithmically with the delay", met: logMet, evidence: growth });

  const markdown = [
    "## 2. Convergence: time from the write to the return",
    "",
    "The emulator's transition (CREATING/UPDATING/DELETING → settled) set to each delay; each run creates, updates " +
      `(a real change)${options.quick ? "" : " and deletes"} a policy on a new workspace through the lifecycle functions. ` +
      "*After the write* is " +
      "from the write's arrival at the emulator (request log) to the function's return; the allowance is " +
      "max(0.5 s, 15 % of the delay). *Model* is what the default schedule predicts with zero call latency " +
      `(first poll after ${defaultPollSchedule.firstDelayMs} ms, then every max(${defaultPollSchedule.minIntervalMs} ms, ` +
      `${defaultPollSchedule.fraction * 100} % of the time waited)).`,
    "",
    table(
      [
        "transition",
        "operation",
        "runs",
        "after the write",
        "÷ delay",
        "overshoot",
        "allowed",
        "polls",
        "model: polls / return",
        "fixed 250 ms polling",
        "verdict",
      ],
      rows.map((r) => [
        seconds(r.delay),
        r.op,
        String(r.after.runs),
        fmt(r.after, seconds),
        fmt(r.ratio, times),
        fmt(r.over, (ms) => `+${seconds(ms)}`),
        `+${seconds(allowance(r.delay))}`,
        fmt(r.polls),
        `${r.predicted.polls} / ${seconds(r.predicted.returnMs)}`,
        String(fixedIntervalPolls(r.delay)),
        r.op === "delete" ? `${mark(r.within)} (not a target)` : mark(r.within),
      ]),
    ),
    "",
    `Poll growth: ${growth}.`,
  ].join("\n");
  return { markdown, verdicts };
}
