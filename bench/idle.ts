/**
 * 3b. Idle waiting in the engine (issue 15.15): `pulumi up` and `pulumi destroy` of a stack of policies against
 * the emulator at a 0 ms transition, beside the same stack served by a provider that does nothing (a dynamic
 * resource whose create and delete return at once), in the same engine, with the engine's checkpoints off
 * (`PULUMI_SKIP_CHECKPOINTS=true`) so that the backend's state rewrites do not hide the provider's time.
 *
 * A provider that never sits idle costs wall time in proportion to the CPU it spends: our wall-time ratio to
 * the no-op provider should be within 1.1× of our CPU-time ratio (CPU = user + system time of the whole
 * command, the CLI and every process it waited for, from GNU time). A wait that sleeps while AMP has already
 * settled adds wall time and no CPU, and shows as a wall ratio above the CPU ratio. CPU is the larger of two
 * lower bounds: GNU time's (the command and the processes it waited for) and the sum of each process's last
 * /proc sample (which also sees the provider plugins the engine kills without waiting for them).
 *
 * Run alone: `npx ts-node bench/idle.ts [--sizes=20] [--runs=3]` (prints the table), or as the `idle` section
 * of `npm run bench`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { RequestLogEntry } from "../emulator/faults";
import { startEmulator } from "./lib/emulator";
import { BenchProgram } from "./lib/engine";
import { type BenchOptions, type Verdict, mark } from "./lib/section";
import { fmt, num, seconds, summarize, table, times } from "./lib/stats";

/** The providers compared: the no-op floor, and ours through each front door. */
type Door = "noop" | "dynamic" | "plugin";

/** One command's wall and CPU time, and the median time from each policy's write to its last status read. */
interface Timing {
  wallMs: number;
  cpuMs: number;
  waitMs: number;
}

/**
 * For each workspace, the time from its write (`operation`) to the last Describe after it, as the emulator logged
 * the calls' arrivals: how long the provider went on waiting after the write.
 */
function writeToLastRead(log: RequestLogEntry[], operation: string): number[] {
  const byWorkspace = new Map<string, RequestLogEntry[]>();
  for (const entry of log) {
    if (entry.workspaceId !== undefined) {
      byWorkspace.set(entry.workspaceId, [...(byWorkspace.get(entry.workspaceId) ?? []), entry]);
    }
  }
  const gaps: number[] = [];
  for (const calls of byWorkspace.values()) {
    const write = calls.map((e) => e.operation).lastIndexOf(operation as RequestLogEntry["operation"]);
    const reads = calls.slice(write + 1).filter((e) => e.operation === "DescribeResourcePolicy");
    if (write >= 0 && reads.length > 0) {
      gaps.push(Date.parse(reads[reads.length - 1].time) - Date.parse(calls[write].time));
    }
  }
  return gaps;
}

const commands = ["up", "destroy"] as const;

/** Measures `pulumi up` and `pulumi destroy` of stacks served by each door, interleaved, and prints the ratios. */
export async function benchIdle(options: BenchOptions): Promise<{ markdown: string; verdicts: Verdict[] }> {
  const size = options.sizes?.[0] ?? 20;
  const runs = options.runs ?? (options.quick ? 1 : 3);
  const bench = await startEmulator({ transitionDelayMs: 0 });
  const program = await BenchProgram.install(options.tmp, bench.env);
  installNoopProvider(program.dir);
  const doors: Door[] = program.pluginDir !== undefined ? ["noop", "dynamic", "plugin"] : ["noop", "dynamic"];
  const samples = new Map<string, Timing[]>();
  const env = { PULUMI_SKIP_CHECKPOINTS: "true" };
  let stacks = 0;
  try {
    for (let run = 0; run < runs; run++) {
      // A different door goes first in each round: the first command after a pause runs on colder caches.
      for (const door of [...doors.slice(run % doors.length), ...doors.slice(0, run % doors.length)]) {
        const prefix = `idle${stacks}-`;
        const stack = `idle-${door}-${stacks++}`;
        for (let i = 0; i < size; i++) {
          bench.emulator.createWorkspace({ workspaceId: `${prefix}${i}` });
        }
        await program.newStack(stack, { count: size, workspaceIdPrefix: prefix, frontDoor: door });
        for (const [command, args] of [
          ["up", ["up", "--yes", "--skip-preview"]],
          ["destroy", ["destroy", "--yes", "--skip-preview"]],
        ] as const) {
          bench.emulator.clearRequestLog();
          const measured = await program.pulumi([...args], env);
          if (measured.code !== 0 || measured.cpuMs === undefined) {
            throw new Error(
              `pulumi ${command} (${door}) failed or was not timed (exit ${measured.code}):\n${measured.stdout}\n${measured.stderr}`,
            );
          }
          const key = `${door}/${command}`;
          // Both are lower bounds of the tree's CPU: GNU time misses the plugins the engine kills without waiting
          // for them, the samples miss the last interval of each process.
          const cpuMs = Math.max(measured.cpuMs, measured.treeCpuMs);
          const gaps = writeToLastRead(
            bench.emulator.requestLog(),
            command === "up" ? "PutResourcePolicy" : "DeleteResourcePolicy",
          );
          const waitMs = gaps.length > 0 ? summarize(gaps).median : NaN;
          samples.set(key, [...(samples.get(key) ?? []), { wallMs: measured.wallMs, cpuMs, waitMs }]);
          options.log(
            `  idle: ${door.padEnd(7)} ${command.padEnd(7)} run ${run + 1}/${runs}: wall ${seconds(measured.wallMs)}, ` +
              `CPU ${seconds(cpuMs)} (GNU time ${seconds(measured.cpuMs)}, tree samples ${seconds(measured.treeCpuMs)})` +
              (door === "noop" ? "" : `, write → last read ${num(waitMs)} ms (median of ${gaps.length})`),
          );
        }
        await program.removeStack(stack);
      }
    }
  } finally {
    program.dispose();
    await bench.stop();
  }

  const verdicts: Verdict[] = [];
  const rows: string[][] = [];
  for (const door of doors.filter((d) => d !== "noop")) {
    for (const command of commands) {
      const ours = samples.get(`${door}/${command}`) ?? [];
      const floor = samples.get(`noop/${command}`) ?? [];
      // Each run's ratio against the no-op run of the same round (interleaved, so under the same load).
      const wall = summarize(ours.map((t, i) => t.wallMs / floor[i].wallMs));
      const cpu = summarize(ours.map((t, i) => t.cpuMs / floor[i].cpuMs));
      const excess = wall.median / cpu.median;
      const perResource = summarize(ours.map((t, i) => (t.wallMs - floor[i].wallMs) / size));
      const met = excess <= 1.1;
      rows.push([
        door,
        command,
        fmt(summarize(ours.map((t) => t.wallMs)), seconds),
        fmt(summarize(ours.map((t) => t.cpuMs)), seconds),
        fmt(summarize(floor.map((t) => t.wallMs)), seconds),
        fmt(summarize(floor.map((t) => t.cpuMs)), seconds),
        fmt(wall, times),
        fmt(cpu, times),
        times(excess),
        `${num(perResource.median)} ms`,
        fmt(summarize(ours.map((t) => t.waitMs)), (v) => `${num(v)} ms`),
        mark(met),
      ]);
      verdicts.push({
        target: `#15.15 ${door} ${command}: wall-time ratio to a no-op provider within 1.1× of the CPU-time ratio (no idle waiting)`,
        met,
        evidence: `wall ${times(wall.median)}, CPU ${times(cpu.median)}: ${times(excess)}`,
      });
    }
  }
  const markdown = [
    "### 3b. Idle waiting: our provider against a no-op provider in the same engine",
    "",
    `A ${size}-policy stack of \`bench/programs/many\`, ${runs} run(s), emulator transition 0 (AMP settles by the ` +
      "first read), `PULUMI_SKIP_CHECKPOINTS=true`; each run measures the no-op provider (`frontDoor: noop`, a " +
      "dynamic resource whose create and delete return at once, installed as a module so that it is serialized by " +
      "reference, as ours is) and ours, interleaved. CPU is user + system time of " +
      "the command's process tree: the larger of GNU time's (the command and every process it waited for) and the " +
      "sum of each process's last /proc sample (every 100 ms, so it also sees the plugins the engine kills). _Wall ÷ CPU ratio_ is the wall-time ratio over the " +
      "CPU-time ratio: 1× means every extra second is CPU, above 1× the provider sat idle. _Extra wall per policy_ " +
      `is (ours − no-op) ÷ ${size}. _Write → last read_ is, per policy, the time from its Put (up) or Delete ` +
      "(destroy) to the last Describe after it, at the emulator (median over the policies, then over the runs): " +
      `the time the provider went on waiting after its write. Machine: ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)} at the end.`,
    "",
    table(
      [
        "door",
        "command",
        "wall",
        "CPU",
        "no-op wall",
        "no-op CPU",
        "wall ratio",
        "CPU ratio",
        "wall ÷ CPU ratio",
        "extra wall per policy",
        "write → last read",
        "within 1.1×",
      ],
      rows,
    ),
  ].join("\n");
  return { markdown, verdicts };
}

/** The no-op provider as a module of the program's `node_modules`, its whole `module.exports` (see the program). */
function installNoopProvider(programDir: string): void {
  const dir = path.join(programDir, "node_modules", "amp-bench-noop-provider");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "amp-bench-noop-provider", main: "index.js" }),
  );
  fs.writeFileSync(
    path.join(dir, "index.js"),
    [
      '"use strict";',
      "module.exports = {",
      "  async create(inputs) {",
      '    return { id: String(inputs.workspaceId), outs: { ...inputs, policyStatus: "ACTIVE", revisionId: "noop" } };',
      "  },",
      "  async diff() {",
      "    return { changes: false };",
      "  },",
      "  async delete() {},",
      "};",
      "",
    ].join("\n"),
  );
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const found = process.argv.find((a) => a.startsWith(`--${name}=`));
    return found === undefined ? undefined : Number(found.slice(name.length + 3));
  };
  const size = arg("sizes");
  void benchIdle({
    quick: false,
    log: (line) => console.log(line),
    tmp: path.join(os.tmpdir(), `amp-bench-idle-${process.pid}`),
    sizes: size === undefined ? undefined : [size],
    runs: arg("runs"),
  }).then(
    ({ markdown, verdicts }) => {
      console.log(`\n${markdown}\n`);
      for (const v of verdicts) console.log(`${mark(v.met).replace(/\*/g, "").padEnd(7)} ${v.target}: ${v.evidence}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
