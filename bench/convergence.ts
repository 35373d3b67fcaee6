/**
 * 2. Convergence: with the emulator's transition at 0.5 s, 2 s and 10 s, the time from the write (the Put or
 * Delete arriving at the emulator) to the return of create, update and delete, and the status polls made: one
 * cold operation at a time (today's geometric schedule), then a stack of 50 policies created and updated by
 * concurrent operations in one process, where the waiter learns the transition from the operations finished.
 */
import * as lifecycle from "../provider/lifecycle";
import { defaultPollSchedule, processTransitions } from "../provider/time";
import { predictedPolls, remoteWrite } from "./api-economy";
import { startEmulator } from "./lib/emulator";
import { engineDefaultParallelism } from "./lib/machine";
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
  const runsFor = (delay: number) => (options.quick ? (delay <= 500 ? 2 : 1) : delay >= 10000 ? 2 : 3);
  const bench = await startEmulator();
  const { emulator } = bench;
  const results: { delay: number; op: OperationName; samples: Sample[] }[] = [];
  const stacks: StackResult[] = [];

  /** Runs `action`, then reads the time of the write (`writeOp`) and the polls from the request log. */
  const timed = async (writeOp: string, action: () => Promise<unknown>): Promise<Sample> => {
    // One cold operation: nothing learned, today's schedule.
    processTransitions.clear();
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
    for (const delay of options.quick ? [2000] : [2000, 10000]) {
      stacks.push(await stackOf50(emulator, delay, options));
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
    "",
    stackReport(stacks, allowance, verdicts),
  ].join("\n");
  return { markdown, verdicts };
}

/** Terraform's waiter run side by side on the emulator (issue 11): Describes per create and how late it returns. */
const terraform: Record<number, { polls: number; lateMs: number }> = {
  2000: { polls: 5, lateMs: 1020 },
  10000: { polls: 8, lateMs: 2600 },
};

interface OperationSample {
  polls: number;
  lateMs: number;
  /** Started before any wait for this transition had finished in the process: today's schedule. */
  cold: boolean;
}

interface StackResult {
  delay: number;
  policies: number;
  byOp: Record<"create" | "update", OperationSample[]>;
}

/**
 * A stack of 50 policies, as the engine would run it: created, then updated (a real change), by as many
 * concurrent operations as its default parallelism, in one process that starts with nothing learned.
 */
async function stackOf50(
  emulator: Awaited<ReturnType<typeof startEmulator>>["emulator"],
  delay: number,
  options: BenchOptions,
): Promise<StackResult> {
  const policies = options.quick ? 16 : 50;
  emulator.setTransitionDelay(delay);
  processTransitions.clear();
  const workspaces = Array.from({ length: policies }, () => emulator.createWorkspace());
  const states = new Map<string, lifecycle.ResourcePolicyState>();
  const result: StackResult = { delay, policies, byOp: { create: [], update: [] } };
  for (const op of ["create", "update"] as const) {
    emulator.clearRequestLog();
    const returns = new Map<string, { at: number; cold: boolean }>();
    let firstDone = Infinity;
    await pool(
      workspaces.map((ws) => async () => {
        const started = Date.now();
        const news = {
          workspaceId: ws,
          policyDocument: remoteWrite(op === "create" ? "111122223333" : "444455556666"),
        };
        const outs =
          op === "create" ? (await lifecycle.create(news)).outs : (await lifecycle.update(states.get(ws)!, news)).outs;
        states.set(ws, outs);
        const at = Date.now();
        firstDone = Math.min(firstDone, at);
        returns.set(ws, { at, cold: op === "create" && started < firstDone });
      }),
      engineDefaultParallelism(),
    );
    const log = emulator.requestLog();
    for (const [ws, { at, cold }] of returns) {
      const write = log.find((e) => e.workspaceId === ws && e.operation === "PutResourcePolicy" && e.statusCode < 300);
      if (write === undefined) continue;
      const writeAt = Date.parse(write.time);
      const polls = log.filter(
        (e) => e.workspaceId === ws && e.operation === "DescribeResourcePolicy" && Date.parse(e.time) >= writeAt,
      ).length;
      result.byOp[op].push({ polls, lateMs: at - writeAt - delay, cold });
    }
    options.log(`  convergence: stack of ${policies}, transition ${delay / 1000} s, ${op} done`);
  }
  return result;
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      await tasks[next++]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function stackReport(stacks: StackResult[], allowance: (delay: number) => number, verdicts: Verdict[]): string {
  const rows: string[][] = [];
  for (const stack of stacks) {
    const tf = terraform[stack.delay];
    const cells: string[] = [];
    let met = true;
    for (const op of ["create", "update"] as const) {
      const all = stack.byOp[op];
      const warm = all.filter((s) => !s.cold);
      const cold = all.filter((s) => s.cold);
      const polls = summarize(all.map((s) => s.polls));
      const late = summarize(all.map((s) => s.lateMs));
      const within = all.filter((s) => s.lateMs <= allowance(stack.delay)).length;
      met &&= tf !== undefined && polls.median <= tf.polls && late.median <= allowance(stack.delay);
      cells.push(`${op} ${num(polls.median)} polls, +${seconds(late.median)}`);
      for (const [label, samples] of [
        ["all", all],
        ["cold (first wave)", cold],
        ["after the first finished", warm],
      ] as const) {
        if (samples.length === 0) continue;
        rows.push([
          seconds(stack.delay),
          op,
          label,
          String(samples.length),
          fmt(summarize(samples.map((s) => s.polls))),
          fmt(summarize(samples.map((s) => s.lateMs)), (ms) => `+${seconds(ms)}`),
          label === "all" ? `${within} of ${all.length}` : "",
          tf === undefined ? "–" : `${tf.polls} / +${seconds(tf.lateMs)}`,
        ]);
      }
    }
    verdicts.push({
      target:
        `#11.4 stack of ${stack.policies} at a ${seconds(stack.delay)} transition: median create and update make at most ` +
        `Terraform's Describes (${tf?.polls ?? "?"}) and return within max(0.5 s, 15 %) of the settle`,
      met,
      evidence: `${cells.join("; ")} (allowed +${seconds(allowance(stack.delay))}; Terraform ${tf?.polls} polls, +${seconds(tf?.lateMs ?? NaN)})`,
    });
  }
  return [
    `### 2b. A stack of ${stacks[0]?.policies ?? 50} policies: the waiter learns the transition`,
    "",
    `Each stack runs in a process that starts with nothing learned: ${stacks[0]?.policies ?? 50} policies created, then updated (a real ` +
      `change), by ${engineDefaultParallelism()} concurrent operations as the engine would. The first wave of creates ` +
      "starts before any has finished and polls on today's geometric schedule; every later wait (the update's " +
      "too: the same transition, to ACTIVE) polls around the durations already seen. *Late* is from the write's " +
      "arrival at the emulator plus the transition to the operation's return. Terraform's figures are its waiter " +
      "run side by side on the emulator (issue 11).",
    "",
    table(
      [
        "transition",
        "operation",
        "operations",
        "n",
        "Describes per operation",
        "late",
        "within allowance",
        "Terraform: Describes / late",
      ],
      rows,
    ),
  ].join("\n");
}
