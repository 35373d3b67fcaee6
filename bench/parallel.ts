/**
 * 6. `pulumi up --parallel`: a 200-policy stack created with the engine's parallelism at 1, 4, 16 and unlimited,
 * against the emulator at a 2 s transition, its wall time set against the ideal: the transition ×
 * ⌈policies ÷ parallelism⌉ (every wave of creates waits one transition, and nothing else costs).
 */
import { startEmulator } from "./lib/emulator";
import { BenchProgram } from "./lib/engine";
import type { BenchOptions, Verdict } from "./lib/section";
import { num, seconds, table, times } from "./lib/stats";
import { phaseFigures } from "./throughput";

/** The CLI's value for no limit: `math.MaxInt32` (pkg/resource/deploy Options.InfiniteParallelism). */
const unlimited = 2 ** 31 - 1;

export async function benchParallelism(options: BenchOptions): Promise<{ markdown: string; verdicts: Verdict[] }> {
  if (options.quick) {
    return {
      markdown: "## 6. `pulumi up --parallel`\n\nNot run with --quick (200 policies at --parallel 1 take 7 minutes).",
      verdicts: [],
    };
  }
  // --sizes=<n> runs a smaller stack (a trial of the harness); the report's figures are for 200.
  const policies = options.sizes?.[0] ?? 200;
  const transitionMs = 2000;
  const levels = [1, 4, 16, unlimited];
  const bench = await startEmulator({ transitionDelayMs: transitionMs });
  const { emulator } = bench;
  options.log("  parallel: installing the bench program (npm install of the packed package)");
  const program = await BenchProgram.install(options.tmp, bench.env);
  const rows: string[][] = [];
  const summary: string[] = [];
  try {
    for (const [index, parallel] of levels.entries()) {
      const prefix = `p${index}-`;
      for (let i = 0; i < policies; i++) {
        emulator.createWorkspace({ workspaceId: `${prefix}${i}` });
      }
      const stack = `parallel-${index}`;
      await program.newStack(stack, { count: policies, workspaceIdPrefix: prefix, frontDoor: "dynamic" });
      emulator.clearRequestLog();
      const up = await program.pulumiOk(["up", "--yes", "--skip-preview", "--parallel", String(parallel)]);
      const figures = phaseFigures(bench, up.wallMs, 0);
      const log = emulator.requestLog();
      const describes = log.filter((e) => e.operation === "DescribeResourcePolicy").length;
      const ideal = transitionMs * Math.ceil(policies / parallel);
      const label = parallel === unlimited ? "unlimited" : String(parallel);
      rows.push([
        label,
        seconds(up.wallMs),
        seconds(figures.spanMs),
        seconds(ideal),
        times(up.wallMs / ideal),
        times(figures.spanMs / ideal),
        `${num((up.wallMs - ideal) / policies)} ms`,
        num(describes / policies),
      ]);
      summary.push(
        `${label}: ${seconds(up.wallMs)} for ${seconds(ideal)} ideal (${times(up.wallMs / ideal)}; calls ${times(figures.spanMs / ideal)})`,
      );
      options.log(`  parallel: --parallel ${label}: up ${seconds(up.wallMs)} (ideal ${seconds(ideal)})`);
      // The stack's policies need no deleting: the emulator's workspaces are thrown away with it.
      await program.removeStack(stack);
    }
  } finally {
    program.dispose();
    await bench.stop();
  }
  const markdown = [
    "## 6. `pulumi up --parallel`",
    "",
    `A ${policies}-policy stack of \`bench/programs/many\` (dynamic provider) created by \`pulumi up --skip-preview ` +
      `--parallel P\` against the emulator at a ${seconds(transitionMs)} transition, 1 run per P ` +
      `("unlimited" is the CLI's ${unlimited}). *Ideal* is the transition × ⌈${policies} ÷ P⌉: each wave of P ` +
      "creates waits one transition and nothing else costs. *Span of the calls* runs from the first AMP call to the " +
      "last answer (the wall time less the CLI's start and the program's run before the first create). " +
      "*Overhead per policy* is (wall time − ideal) ÷ policies. Polls are the Describes per create (the waiter " +
      "learns the transition from the creates already finished, so the first wave polls on the cold schedule).",
    "",
    table(
      [
        "--parallel",
        "wall time",
        "span of the calls",
        "ideal",
        "wall ÷ ideal",
        "span ÷ ideal",
        "overhead per policy",
        "Describes per create",
      ],
      rows,
    ),
  ].join("\n");
  const verdicts: Verdict[] = [
    {
      target: `#11.5 \`pulumi up --parallel\` on ${policies} policies at a ${seconds(transitionMs)} transition: wall time against the ideal`,
      met: "n/a",
      evidence: summary.join("; "),
    },
  ];
  return { markdown, verdicts };
}
