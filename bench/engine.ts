/**
 * The real Pulumi engine on `bench/programs/many`:
 *  1b. API economy of each CLI command on 1-policy stacks (counted at the emulator);
 *  3.  engine overhead: wall time and peak memory of preview, up, a no-op preview and destroy for stacks of
 *      1, 10, 100, 500 and 1,000 policies, per resource, with the state size and the `__provider` bytes;
 *  4b. throughput of `pulumi up` (create), `pulumi up` (update) and `pulumi destroy` on a 200-policy stack under
 *      the emulator's rate limit of N = 5 and N = 20 calls/s (`benchEngineThroughput`).
 * Each stack is measured for the dynamic provider and, when the plugin front door is built, for the plugin, in
 * the same run (interleaved), so that their ratio compares like with like.
 */
import * as path from "node:path";

import { repoRoot } from "../scripts/lib/package";
import { type BenchEmulator, shortOp, startEmulator, totalCalls } from "./lib/emulator";
import { BenchProgram, type FrontDoor, stateSizes } from "./lib/engine";
import { engineDefaultParallelism } from "./lib/machine";
import type { MeasuredRun } from "./lib/process-tree";
import { type BenchOptions, type Verdict, mark } from "./lib/section";
import { bytes, fmt, mib, num, seconds, summarize, table, times } from "./lib/stats";
import {
  type PhaseFigures,
  type ThroughputRow,
  diagnosis,
  phaseFigures,
  throughputHeader,
  throughputRows,
} from "./throughput";

/** One measured CLI command of one stack. */
interface Step {
  wallMs: number;
  peakBytes: number;
  maxProcessBytes: number;
  calls: Record<string, number>;
  ok: boolean;
}

/** The commands measured on every stack, in order. */
const overheadSteps = ["preview", "up", "preview (no change)", "destroy"] as const;
type OverheadStep = (typeof overheadSteps)[number];

/** The extra commands of the API-economy walk on 1-policy stacks. */
type EconomyStep =
  "preview, cosmetic change" | "up, cosmetic change" | "preview, real change" | "up, real change (update)" | "refresh";

interface StackResult {
  frontDoor: FrontDoor;
  size: number;
  run: number;
  steps: Partial<Record<OverheadStep | EconomyStep, Step>>;
  state?: ReturnType<typeof stateSizes>;
  error?: string;
}

const writer = "111122223333";

/** The engine sections' outcome: markdown parts by name, and verdicts. */
export interface EngineResults {
  parts: Record<string, string>;
  verdicts: Verdict[];
}

/** The runs of each limit (calls/s) of the throughput benchmark (full mode). */
const throughputRuns: Record<number, number> = { 5: 1, 20: 2 };

export async function benchEngine(options: BenchOptions): Promise<EngineResults> {
  const sizes = options.sizes ?? (options.quick ? [1, 10] : [1, 10, 100, 500, 1000]);
  const runs = options.runs ?? (options.quick ? 1 : 3);
  const bench = await startEmulator({ transitionDelayMs: 0 });
  const { emulator } = bench;
  options.log("  engine: installing the bench program (npm install of the packed package)");
  const program = await BenchProgram.install(options.tmp, bench.env);
  const frontDoors: FrontDoor[] = program.pluginDir !== undefined ? ["dynamic", "plugin"] : ["dynamic"];
  options.log(`  engine: front doors ${frontDoors.join(", ")} (plugin: ${program.pluginReason})`);
  const results: StackResult[] = [];
  const withoutCheckpoints: StackResult[] = [];
  let stackCount = 0;

  const step = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Step> => {
    emulator.resetCallCounts();
    const run: MeasuredRun = await program.pulumi(args, env);
    if (run.code !== 0 && !args.includes("--expect-no-changes")) {
      throw new Error(`pulumi ${args.join(" ")} failed:\n${tail(run.stdout)}\n${tail(run.stderr)}`);
    }
    return {
      wallMs: run.wallMs,
      peakBytes: run.peakTreeRssBytes,
      maxProcessBytes: run.maxProcessRssBytes ?? NaN,
      calls: emulator.callCounts(),
      ok: run.code === 0,
    };
  };

  const measureStack = async (
    frontDoor: FrontDoor,
    size: number,
    run: number,
    economy: boolean,
    into: StackResult[] = results,
    env: NodeJS.ProcessEnv = {},
  ) => {
    const result: StackResult = { frontDoor, size, run, steps: {} };
    into.push(result);
    const prefix = `b${stackCount}-`;
    const stack = `${frontDoor}-${size}-${run}-${stackCount++}`;
    for (let i = 0; i < size; i++) {
      emulator.createWorkspace({ workspaceId: `${prefix}${i}` });
    }
    try {
      await program.newStack(stack, { count: size, workspaceIdPrefix: prefix, frontDoor, writerAccountId: writer });
      result.steps.preview = await step(["preview"], env);
      result.steps.up = await step(["up", "--yes", "--skip-preview"], env);
      result.steps["preview (no change)"] = await step(["preview", "--expect-no-changes"], env);
      result.state = stateSizes(await program.exportState());
      if (economy) {
        await program.setConfig("style", "reformatted");
        result.steps["preview, cosmetic change"] = await step(["preview", "--expect-no-changes"]);
        result.steps["up, cosmetic change"] = await step(["up", "--yes", "--skip-preview"]);
        await program.setConfig("writerAccountId", "444455556666");
        result.steps["preview, real change"] = await step(["preview"]);
        result.steps["up, real change (update)"] = await step(["up", "--yes", "--skip-preview"]);
        result.steps.refresh = await step(["refresh", "--yes", "--skip-preview"]);
      }
      result.steps.destroy = await step(["destroy", "--yes", "--skip-preview"], env);
      await program.removeStack(stack);
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
      options.log(`  engine: ${frontDoor} ${size} run ${run + 1} failed: ${firstLines(result.error, 6)}`);
    }
    const up = result.steps.up;
    const label = into === results ? `run ${run + 1}/${runs}` : "checkpoints off";
    options.log(
      `  engine: ${frontDoor.padEnd(7)} ${String(size).padStart(3)} policies, ${label}: ` +
        (up ? `up ${seconds(up.wallMs)}, peak ${mib(up.peakBytes)}` : "failed"),
    );
  };

  try {
    for (const size of sizes) {
      for (let run = 0; run < runs; run++) {
        for (const frontDoor of frontDoors) {
          // --quick walks the economy commands on the dynamic provider only, to stay under 2 minutes.
          const economy = size === 1 && (!options.quick || frontDoor === "dynamic");
          await measureStack(frontDoor, size, run, economy);
        }
      }
    }
    if (!options.quick && sizes.length >= 2 && process.env.BENCH_CHECKPOINTS_DIAGNOSTIC === "1") {
      // Diagnostic: the two largest stacks again with the engine's checkpoints off, to separate the provider's
      // per-resource cost from the backend rewriting the whole state after every step.
      for (const size of sizes.slice(-2)) {
        for (const frontDoor of frontDoors) {
          await measureStack(frontDoor, size, 0, false, withoutCheckpoints, { PULUMI_SKIP_CHECKPOINTS: "true" });
        }
      }
    }
  } finally {
    program.dispose();
    await bench.stop();
  }

  const verdicts: Verdict[] = [];
  const economyMarkdown = economyReport(results, frontDoors, verdicts);
  const overheadMarkdown = overheadReport(results, withoutCheckpoints, sizes, frontDoors, runs, verdicts, options);
  const pluginNote =
    program.pluginDir !== undefined
      ? `The plugin front door was measured from \`${displayPath(program)}\`, registered in the copied ` +
        "Pulumi.yaml under `plugins: providers:`."
      : `The plugin front door was not measured: ${program.pluginReason}.`;
  return {
    parts: { engineEconomy: economyMarkdown, engineOverhead: overheadMarkdown, pluginNote },
    verdicts,
  };
}

/**
 * 4b: a 200-policy stack created (`pulumi up`), updated (`pulumi up` after a change of every policy) and
 * destroyed under the emulator's rate limit, for each front door and limit. Each command is a new provider
 * process, so each starts with a cold (open) rate limiter.
 */
export async function benchEngineThroughput(options: BenchOptions, limit: number): Promise<EngineResults> {
  const verdicts: Verdict[] = [];
  const heading = `### 4b. Through the engine, N = ${limit}`;
  if (options.quick) {
    return {
      parts: { markdown: `${heading}\n\nNot run with --quick (200 policies under a rate limit take minutes).` },
      verdicts,
    };
  }
  const throughputLimits = [{ limit, runs: throughputRuns[limit] ?? 1 }];
  const bench = await startEmulator({ transitionDelayMs: 0 });
  options.log("  engine throughput: installing the bench program (npm install of the packed package)");
  const program = await BenchProgram.install(options.tmp, bench.env);
  const frontDoors: FrontDoor[] = program.pluginDir !== undefined ? ["dynamic", "plugin"] : ["dynamic"];
  const rows: ThroughputRow[] = [];
  try {
    for (const { limit, runs } of throughputLimits) {
      const byDoor = new Map<FrontDoor, ThroughputRow[]>();
      for (const frontDoor of frontDoors) {
        const doorRows = engineThroughputPhases(options.sizes?.[0] ?? 200).map((phase) => ({
          label: `${frontDoor}: ${phase.label}`,
          limit,
          runs: [] as PhaseFigures[],
        }));
        byDoor.set(frontDoor, doorRows);
        rows.push(...doorRows);
      }
      for (let run = 0; run < (options.runs ?? runs); run++) {
        for (const frontDoor of frontDoors) {
          await engineThroughput(program, bench, frontDoor, limit, run, byDoor.get(frontDoor)!, options);
        }
      }
    }
  } finally {
    program.dispose();
    await bench.stop();
  }
  for (const { limit } of throughputLimits) {
    const limited = rows.filter((r) => r.limit === limit);
    const figures = limited.flatMap((r) => r.runs);
    const failures = figures.reduce((a, r) => a + r.failures, 0);
    const perRow = limited.map((r) => ({
      label: r.label,
      ratio: summarize(r.runs.map((x) => x.acceptedPerSecond / limit)),
    }));
    verdicts.push({
      target: `#11.3 (engine) 200 policies at N=${limit}/s, create, update, delete, both doors: no failure, median ≥ 0.9 N each`,
      met: failures === 0 && perRow.every((r) => r.ratio.median >= 0.9),
      evidence: `${failures} failed commands; ` + perRow.map((r) => `${r.label} ${fmt(r.ratio, times)} N`).join("; "),
    });
  }
  const markdown = [
    heading,
    "",
    "A 200-policy stack of `bench/programs/many` on 200 workspaces: `pulumi up --skip-preview` (200 creates), " +
      "`pulumi up --skip-preview` after a change of every policy (200 updates), then `pulumi destroy --skip-preview`, " +
      `with the engine's default parallelism (${engineDefaultParallelism()} here), the emulator limited to N calls/s ` +
      "as above. Every command starts a new provider process, so each starts with a cold, open limiter. " +
      "*Failed operations* counts failed commands.",
    "",
    table(throughputHeader, throughputRows(rows)),
    "",
    ...throughputLimits.map(({ limit }) =>
      diagnosis(
        rows.filter((r) => r.limit === limit && r.label.endsWith("creates)")).flatMap((r) => r.runs),
        limit,
      ),
    ),
  ].join("\n\n");
  return { parts: { markdown }, verdicts };
}

/** The commands of one throughput run on a stack of `size`, in order. */
const engineThroughputPhases = (size: number) => [
  { label: `pulumi up (${size} creates)`, args: ["up", "--yes", "--skip-preview"], writer: "111122223333" },
  { label: `pulumi up (${size} updates)`, args: ["up", "--yes", "--skip-preview"], writer: "444455556666" },
  { label: `pulumi destroy (${size} deletes)`, args: ["destroy", "--yes", "--skip-preview"], writer: "444455556666" },
];

async function engineThroughput(
  program: BenchProgram,
  bench: BenchEmulator,
  frontDoor: FrontDoor,
  limit: number,
  run: number,
  rows: ThroughputRow[],
  options: BenchOptions,
): Promise<void> {
  const { emulator } = bench;
  // --sizes=<n> runs a smaller stack (a trial of the harness); the report's figures are for 200.
  const size = options.sizes?.[0] ?? 200;
  const prefix = `t${frontDoor[0]}${limit}-${run}-`;
  const stack = `throughput-${frontDoor}-${limit}-${run}`;
  for (let i = 0; i < size; i++) {
    emulator.createWorkspace({ workspaceId: `${prefix}${i}` });
  }
  await program.newStack(stack, { count: size, workspaceIdPrefix: prefix, frontDoor, writerAccountId: writer });
  emulator.setRateLimit(limit);
  try {
    for (const [index, phase] of engineThroughputPhases(size).entries()) {
      await program.setConfig("writerAccountId", phase.writer);
      emulator.clearRequestLog();
      const measured = await program.pulumi(phase.args);
      const figures: PhaseFigures = phaseFigures(bench, measured.wallMs, measured.code === 0 ? 0 : 1);
      rows[index].runs.push(figures);
      options.log(
        `  engine throughput: ${frontDoor} N=${limit} ${phase.label} run ${run + 1}: ${seconds(measured.wallMs)}, ` +
          `${num(figures.acceptedPerSecond)} calls/s (${times(figures.acceptedPerSecond / limit)} N), ` +
          `${figures.throttled} × 429` +
          (measured.code === 0 ? "" : ` FAILED: ${firstLines(measured.stdout + measured.stderr, 8)}`),
      );
    }
  } finally {
    emulator.setRateLimit(undefined);
  }
  await program.pulumi(["destroy", "--yes", "--skip-preview"]);
  await program.removeStack(stack);
}

// ---------------------------------------------------------------------------------------------------------
// Reports

function stepsOf(results: StackResult[], frontDoor: FrontDoor, size: number, name: OverheadStep | EconomyStep): Step[] {
  return results
    .filter((r) => r.frontDoor === frontDoor && r.size === size)
    .map((r) => r.steps[name])
    .filter((s): s is Step => s !== undefined);
}

function callsCell(steps: Step[], perResource = 1): string {
  if (steps.length === 0) {
    return "not run";
  }
  const ops = [...new Set(steps.flatMap((s) => Object.keys(s.calls)))].sort();
  if (ops.length === 0) {
    return "none";
  }
  return ops
    .map((op) => `${shortOp(op)} ${fmt(summarize(steps.map((s) => (s.calls[op] ?? 0) / perResource)))}`)
    .join(" · ");
}

function economyReport(results: StackResult[], frontDoors: FrontDoor[], verdicts: Verdict[]): string {
  const all: {
    name: OverheadStep | EconomyStep;
    label: string;
    target: string;
    check: (c: Record<string, number>) => boolean;
  }[] = [
    { name: "preview", label: "pulumi preview (create planned)", target: "no call", check: (c) => totalCalls(c) === 0 },
    {
      name: "up",
      label: "pulumi up (create)",
      target: "1 Put + status polls",
      check: (c) => c.PutResourcePolicy === 1 && totalCalls(c) === 1 + (c.DescribeResourcePolicy ?? 0),
    },
    {
      name: "preview (no change)",
      label: "pulumi preview, no change",
      target: "no call",
      check: (c) => totalCalls(c) === 0,
    },
    {
      name: "preview, cosmetic change",
      label: "pulumi preview, cosmetic change (reformatted, reordered)",
      target: "no call, no change shown",
      check: (c) => totalCalls(c) === 0,
    },
    {
      name: "up, cosmetic change",
      label: "pulumi up, cosmetic change",
      target: "no call (nothing to do)",
      check: (c) => totalCalls(c) === 0,
    },
    {
      name: "preview, real change",
      label: "pulumi preview, real change",
      target: "no call",
      check: (c) => totalCalls(c) === 0,
    },
    {
      name: "up, real change (update)",
      label: "pulumi up, real change (update)",
      target: "1 Put + status polls",
      check: (c) => c.PutResourcePolicy === 1 && totalCalls(c) === 1 + (c.DescribeResourcePolicy ?? 0),
    },
    {
      name: "refresh",
      label: "pulumi refresh",
      target: "1 Describe",
      check: (c) => c.DescribeResourcePolicy === 1 && totalCalls(c) === 1,
    },
    {
      name: "destroy",
      label: "pulumi destroy",
      target: "1 Delete + status polls",
      check: (c) => c.DeleteResourcePolicy === 1 && totalCalls(c) === 1 + (c.DescribeResourcePolicy ?? 0),
    },
  ];
  const failures: string[] = [];
  const rows = all.map((entry) => {
    const cells = frontDoors.map((door) => {
      const steps = stepsOf(results, door, 1, entry.name);
      if (steps.length === 0) {
        // Not run (--quick walks the economy commands on the dynamic provider only): no verdict.
        return "not run";
      }
      const ok = steps.every((s) => entry.check(s.calls) && s.ok);
      if (!ok) {
        failures.push(`${door}: ${entry.label}`);
      }
      const noChange =
        entry.name.startsWith("preview") && entry.name !== "preview" && entry.name !== "preview, real change";
      const spurious = noChange && steps.some((s) => !s.ok) ? " (**engine saw a change**)" : "";
      return `${callsCell(steps)}${spurious} — ${mark(ok)}`;
    });
    return [entry.label, entry.target, ...cells];
  });
  const byName = (prefix: string) => (f: string) => f.includes(prefix);
  verdicts.push({
    target: "1. (engine) preview makes no call (no change, cosmetic change, real change)",
    met: !failures.some(byName("preview")),
    evidence: rows
      .filter((r) => r[0].includes("preview"))
      .map((r) => `${r[0]}: ${r.slice(2).join(" / ")}`)
      .join("; "),
  });
  verdicts.push({
    target: "1. (engine) up: one write plus polls; cosmetic up, refresh, destroy make only what they need",
    met: failures.filter((f) => !f.includes("preview")).length === 0,
    evidence: rows
      .filter((r) => !r[0].includes("preview"))
      .map((r) => `${r[0]}: ${r.slice(2).join(" / ")}`)
      .join("; "),
  });
  const runsDone = stepsOf(results, frontDoors[0], 1, "refresh").length;
  return [
    "### 1b. Through the real engine",
    "",
    `A 1-policy stack of \`bench/programs/many\`, ${runsDone} run(s), emulator transition 0 (a write settles by the ` +
      "first poll, so each write is followed by exactly one Describe). Each command's calls are counted at the " +
      "emulator. The no-change and cosmetic previews run with `--expect-no-changes`, so a spurious diff would show.",
    "",
    table(["command", "target", ...frontDoors.map((d) => `calls: ${d}`)], rows),
  ].join("\n");
}

function overheadReport(
  results: StackResult[],
  withoutCheckpoints: StackResult[],
  sizes: number[],
  frontDoors: FrontDoor[],
  runs: number,
  verdicts: Verdict[],
  options: BenchOptions,
): string {
  const lines: string[] = [];
  const failed = results.filter((r) => r.error !== undefined);
  const wall = (door: FrontDoor, size: number, name: OverheadStep) =>
    summarize(stepsOf(results, door, size, name).map((s) => s.wallMs));
  const peak = (door: FrontDoor, size: number, name: OverheadStep) =>
    summarize(stepsOf(results, door, size, name).map((s) => s.peakBytes));

  // Totals and per resource.
  const totalRows: string[][] = [];
  for (const door of frontDoors) {
    for (const size of sizes) {
      for (const name of overheadSteps) {
        const steps = stepsOf(results, door, size, name);
        if (steps.length === 0) continue;
        const w = summarize(steps.map((s) => s.wallMs));
        const p = summarize(steps.map((s) => s.peakBytes));
        const largest = summarize(steps.map((s) => s.maxProcessBytes));
        totalRows.push([
          door,
          String(size),
          name,
          String(steps.length),
          fmt(w, seconds),
          fmt(summarize(steps.map((s) => s.wallMs / size)), (ms) => `${num(ms)} ms`),
          fmt(p, mib),
          fmt(largest, mib),
          name === "up" || name === "destroy" ? callsCell(steps, size) : callsCell(steps),
        ]);
      }
    }
  }

  // Marginal cost per added resource between consecutive sizes.
  const marginalRows: string[][] = [];
  const marginals = new Map<string, number[]>();
  for (const door of frontDoors) {
    for (const name of overheadSteps) {
      const cells: string[] = [];
      const values: number[] = [];
      for (let k = 1; k < sizes.length; k++) {
        const a = wall(door, sizes[k - 1], name);
        const b = wall(door, sizes[k], name);
        const perResource = (b.median - a.median) / (sizes[k] - sizes[k - 1]);
        const memA = peak(door, sizes[k - 1], name);
        const memB = peak(door, sizes[k], name);
        const memPer = (memB.median - memA.median) / (sizes[k] - sizes[k - 1]);
        values.push(perResource);
        cells.push(Number.isFinite(perResource) ? `${num(perResource)} ms · ${num(memPer / 1024)} KiB` : "n/a");
      }
      marginals.set(`${door}/${name}`, values);
      marginalRows.push([door, name, ...cells]);
    }
  }

  // State.
  const stateRows: string[][] = [];
  for (const door of frontDoors) {
    for (const size of sizes) {
      const states = results
        .filter((r) => r.frontDoor === door && r.size === size && r.state && r.state.policyResources > 0)
        .map((r) => r.state!);
      if (states.length === 0) continue;
      const s = states[0];
      stateRows.push([
        door,
        String(size),
        bytes(s.totalBytes),
        bytes(s.totalBytes / size),
        bytes(s.policyBytes / s.policyResources),
        bytes(s.providerBytes / s.policyResources),
        s.policyBytes > 0 ? `${num((100 * s.providerBytes) / s.policyBytes)} %` : "–",
      ]);
    }
  }

  // Plugin vs dynamic, same run index.
  const ratioRows: string[][] = [];
  if (frontDoors.includes("plugin")) {
    for (const size of sizes) {
      const cells = overheadSteps.map((name) => {
        const ratios: number[] = [];
        const memRatios: number[] = [];
        for (let run = 0; run < runs; run++) {
          const d = results.find((r) => r.frontDoor === "dynamic" && r.size === size && r.run === run)?.steps[name];
          const p = results.find((r) => r.frontDoor === "plugin" && r.size === size && r.run === run)?.steps[name];
          if (d && p) {
            ratios.push(p.wallMs / d.wallMs);
            memRatios.push(p.peakBytes / d.peakBytes);
          }
        }
        return ratios.length === 0
          ? "n/a"
          : `${fmt(summarize(ratios), times)} time · ${fmt(summarize(memRatios), times)} memory`;
      });
      ratioRows.push([String(size), ...cells]);
    }
  }

  // Diagnostic: the two largest sizes again without checkpoints.
  const diagnosticRows: string[][] = [];
  const withoutMarginal = new Map<string, number>();
  if (withoutCheckpoints.length > 0 && sizes.length >= 2) {
    const [small, large] = sizes.slice(-2);
    const one = (list: StackResult[], door: FrontDoor, size: number, name: OverheadStep) =>
      summarize(
        list
          .filter((r) => r.frontDoor === door && r.size === size)
          .map((r) => r.steps[name]?.wallMs)
          .filter((v): v is number => v !== undefined),
      ).median;
    for (const door of frontDoors) {
      for (const name of overheadSteps) {
        const withMs = (one(results, door, large, name) - one(results, door, small, name)) / (large - small);
        const withoutMs =
          (one(withoutCheckpoints, door, large, name) - one(withoutCheckpoints, door, small, name)) / (large - small);
        withoutMarginal.set(`${door}/${name}`, withoutMs);
        diagnosticRows.push([
          door,
          name,
          seconds(one(results, door, large, name)),
          seconds(one(withoutCheckpoints, door, large, name)),
          `${num(withMs)} ms`,
          `${num(withoutMs)} ms`,
        ]);
      }
    }
  }

  // Verdicts: the marginal cost per added policy at the largest size within 1.5× of that at 100 (10 → 100).
  const at = (m: number[], size: number) => m[sizes.indexOf(size) - 1];
  for (const door of frontDoors) {
    const perUp = marginals.get(`${door}/up`) ?? [];
    const perPreview = marginals.get(`${door}/preview`) ?? [];
    const largest = sizes[sizes.length - 1];
    if (sizes.includes(10) && sizes.includes(100) && largest >= 500 && sizes.length >= 4) {
      const before = sizes[sizes.length - 2];
      const flat = (m: number[]) => at(m, largest) <= 1.5 * Math.max(at(m, 100), 1);
      const pair = (m: number[]) =>
        `${num(at(m, 100))} → ${num(at(m, largest))} (${times(at(m, largest) / at(m, 100))})`;
      verdicts.push({
        target: `#11.2 (${door}) marginal cost per added policy at ${largest} within 1.5× of that at 100 (up, preview)`,
        met: flat(perUp) && flat(perPreview),
        evidence:
          `ms per added policy, 10→100 then ${before}→${largest}: up ${pair(perUp)}, preview ${pair(perPreview)}` +
          (withoutMarginal.has(`${door}/up`)
            ? `; with the engine's checkpoints off, up ${num(withoutMarginal.get(`${door}/up`)!)}, preview ` +
              `${num(withoutMarginal.get(`${door}/preview`)!)}`
            : ""),
      });
    } else {
      verdicts.push({
        target: `#11.2 (${door}) marginal cost per added policy flat up to 1,000`,
        met: "n/a",
        evidence: `needs sizes 10, 100 and two of 500 or more (this run: ${sizes.join(", ")})`,
      });
    }
  }
  if (frontDoors.includes("plugin")) {
    const cells: string[] = [];
    let met = true;
    for (const size of sizes) {
      for (const name of ["up", "preview"] as const) {
        const ratios: number[] = [];
        for (let run = 0; run < runs; run++) {
          const d = results.find((r) => r.frontDoor === "dynamic" && r.size === size && r.run === run)?.steps[name];
          const p = results.find((r) => r.frontDoor === "plugin" && r.size === size && r.run === run)?.steps[name];
          if (d && p) ratios.push(d.wallMs / p.wallMs);
        }
        if (ratios.length === 0) continue;
        const ratio = summarize(ratios);
        met &&= ratio.median <= 1.3;
        cells.push(`${size} ${name} ${times(ratio.median)}`);
      }
    }
    verdicts.push({
      target: "#11.2 dynamic provider within 1.3× of the plugin at every size (up, preview wall time)",
      met: cells.length > 0 ? met : "n/a",
      evidence: `dynamic ÷ plugin, median over runs: ${cells.join("; ")}`,
    });
  }
  const dynState = results.find((r) => r.frontDoor === "dynamic" && r.state && r.state.policyResources > 0)?.state;
  if (dynState) {
    const perPolicy = dynState.providerBytes / dynState.policyResources;
    verdicts.push({
      target: "#11.1 `__provider` at most 1 KB per policy (engine state, inputs + outputs)",
      met: perPolicy <= 1024,
      evidence:
        `${bytes(perPolicy)} per policy (inputs + outputs), ` +
        `${num((100 * dynState.providerBytes) / dynState.policyBytes)} % of the policy's state`,
    });
  }

  lines.push(
    "## 3. Engine overhead per resource",
    "",
    `Stacks of ${sizes.join(", ")} policies of \`bench/programs/many\` (one workspace each, emulator transition 0), ` +
      `${runs} runs per size${frontDoors.length > 1 ? " and front door, interleaved" : ""}, each on a new stack: ` +
      "`pulumi preview` (everything to create), `pulumi up --skip-preview`, `pulumi preview --expect-no-changes`, " +
      "`pulumi destroy --skip-preview`. Wall time is the CLI command's, start to exit. *Peak memory* is the sampled " +
      "(every 100 ms) peak of the summed RSS of the CLI and every process under it (language host, Node program, " +
      "provider plugins); *largest process* is GNU time's maximum RSS of the biggest single process. The program runs " +
      "with `PULUMI_NODEJS_TRANSPILE_ONLY=true` (no type check of the program: that is a fixed ~1 s per command, not " +
      "provider overhead). *Calls* for up and destroy are per resource.",
    "",
    "#### Totals",
    "",
    table(
      [
        "front door",
        "policies",
        "command",
        "runs",
        "wall time",
        "per resource",
        "peak memory",
        "largest process",
        "calls",
      ],
      totalRows,
    ),
    "",
    "#### Marginal cost of one more policy",
    "",
    "(median wall time at the larger size − at the smaller) ÷ (difference in policies), and the same for peak memory. " +
      "A flat row from 10 to 1,000 means a linear total.",
    "",
    table(["front door", "command", ...sizes.slice(1).map((s, k) => `${sizes[k]} → ${s}`)], marginalRows),
    "",
    "#### State size",
    "",
    "From `pulumi stack export` after `up`: the deployment as exported (pretty-printed); the policy resource's " +
      "bytes are its compact JSON, as the file backend stores it (inputs, " +
      "outputs, URN, provider reference...); `__provider` is the serialized dynamic provider, stored once in the " +
      "inputs and once in the outputs of every dynamic resource.",
    "",
    table(
      [
        "front door",
        "policies",
        "deployment",
        "per policy",
        "one policy resource (compact JSON)",
        "`__provider` per policy",
        "share",
      ],
      stateRows,
    ),
  );
  if (diagnosticRows.length > 0) {
    const [small, large] = sizes.slice(-2);
    lines.push(
      "",
      "#### Diagnostic: the same stacks with the engine's checkpoints off",
      "",
      `The ${small}- and ${large}-policy stacks once more (1 run each) with \`PULUMI_SKIP_CHECKPOINTS=true\`: the ` +
        "file backend then writes the state once at the end instead of rewriting the whole deployment after " +
        "every resource step, which makes an update's total cost grow with (resources × state size). What is " +
        "left is the engine's and the provider's own per-resource cost.",
      "",
      table(
        [
          "front door",
          "command",
          `${large} policies, checkpoints on`,
          `${large} policies, checkpoints off`,
          `marginal ${small} → ${large}, on`,
          `marginal ${small} → ${large}, off`,
        ],
        diagnosticRows,
      ),
    );
  }
  if (ratioRows.length > 0) {
    lines.push(
      "",
      "#### Plugin ÷ dynamic",
      "",
      "Ratio of the plugin's figure to the dynamic provider's in the same run, median (min–max) over runs.",
      "",
      table(["policies", ...overheadSteps], ratioRows),
    );
  } else {
    lines.push(
      "",
      "#### Plugin ÷ dynamic",
      "",
      "TODO: the plugin front door (`amp-resource-policy:index:ResourcePolicy`, executable " +
        "`pulumi-resource-amp-resource-policy`) was not available when this was measured. The harness measures it " +
        "as a second column automatically once `bin/pulumi-resource-amp-resource-policy` (or the same in the " +
        "installed package) exists and `dist/provider/serve/plugin.js` is built: the bench program declares the plugin's " +
        "resource type with config `frontDoor: plugin`.",
    );
  }
  if (failed.length > 0) {
    lines.push(
      "",
      `**Failed stacks** (${failed.length}): ` +
        failed.map((r) => `${r.frontDoor} ${r.size} run ${r.run + 1}: ${firstLines(r.error ?? "", 3)}`).join("; "),
    );
  }
  if (options.quick) {
    lines.push("", `(--quick: sizes ${sizes.join(", ")} only, ${runs} runs.)`);
  }
  return lines.join("\n");
}

function displayPath(program: BenchProgram): string {
  const dir = program.pluginDir ?? "";
  if (dir.startsWith(program.dir)) {
    return `<program>/${path.relative(program.dir, dir)}`;
  }
  return path.relative(repoRoot, dir) || dir;
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

function firstLines(text: string, lines: number): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(0, lines)
    .join(" / ");
}
