/**
 * `npm run bench`: runs every benchmark and writes BENCHMARKS.md. Benchmarks print; they never pass or fail on
 * a figure (the exit code is non-zero only when a benchmark could not run).
 *
 *   npm run bench                      # the full run, writes BENCHMARKS.md (about half an hour)
 *   npm run bench -- --quick           # smoke run (under 2 minutes), writes .bench/BENCHMARKS.quick.md
 *   npm run bench -- --only=model,convergence --out=/tmp/b.md
 *   npm run bench -- --only=engine --sizes=1,100 --runs=1   # engine sizes and runs (partial runs write .bench/)
 *   npm run bench -- --reuse=throughput,parallel          # take those sections from their last run instead
 *
 * Sections: economy (1a), convergence (2), throughput (4a), engine (1b, 3), engine-throughput-5 and
 * engine-throughput-20 (4b), model (5), parallel (6), recreate (7), access (8), statements (9). Every section run is saved in .bench/sections/<name>.json with when it ran and the
 * load of the machine, so that a report can gather sections measured at different times (`--reuse`).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { repoRoot } from "../scripts/lib/package";
import { benchAccessScale } from "./access-scale";
import { benchLifecycleEconomy } from "./api-economy";
import { benchConvergence } from "./convergence";
import { benchEngine, benchEngineThroughput } from "./engine";
import { benchIdle } from "./idle";
import { machineLines } from "./lib/machine";
import { type BenchOptions, type Verdict, mark } from "./lib/section";
import { table } from "./lib/stats";
import { benchParallelism } from "./parallel";
import { benchPolicyModel } from "./policy-model";
import { benchRecreate } from "./recreate";
import { benchStatements } from "./statements";
import { benchLifecycleThroughput } from "./throughput";

// The AWS SDK's notice that its 2027 releases need Node 22, once per process: noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const sectionNames = [
  "economy",
  "convergence",
  "throughput",
  "engine",
  "idle",
  "engine-throughput-5",
  "engine-throughput-20",
  "model",
  "parallel",
  "recreate",
  "access",
  "statements",
] as const;
type SectionName = (typeof sectionNames)[number];

/** A section's outcome, as saved in .bench/sections/<name>.json. */
interface SectionRecord {
  name: SectionName;
  /** Markdown parts, by name (most sections have one, `markdown`). */
  parts: Record<string, string>;
  verdicts: Verdict[];
  startedAt: string;
  minutes: number;
  loadStart: number[];
  loadEnd: number[];
  commit: string;
  quick: boolean;
}

const sectionsDir = path.join(repoRoot, ".bench", "sections");

interface Args {
  quick: boolean;
  only: Set<SectionName>;
  reuse: Set<SectionName>;
  out: string;
  build: boolean;
  sizes?: number[];
  runs?: number;
}

function parseArgs(argv: string[]): Args {
  let quick = false;
  let sizes: number[] | undefined;
  let runs: number | undefined;
  let build = true;
  let only = new Set<SectionName>(sectionNames);
  let reuse = new Set<SectionName>();
  let out: string | undefined;
  for (const arg of argv) {
    if (arg === "--quick") {
      quick = true;
    } else if (arg === "--no-build") {
      build = false;
    } else if (arg.startsWith("--only=")) {
      const names = arg.slice("--only=".length).split(",");
      const unknown = names.filter((n) => !(sectionNames as readonly string[]).includes(n));
      if (unknown.length > 0) {
        throw new Error(`unknown section(s) ${unknown.join(", ")}; sections: ${sectionNames.join(", ")}`);
      }
      only = new Set(names as SectionName[]);
    } else if (arg.startsWith("--reuse=")) {
      const names = arg.slice("--reuse=".length).split(",");
      const unknown = names.filter((n) => !(sectionNames as readonly string[]).includes(n));
      if (unknown.length > 0) {
        throw new Error(`unknown section(s) ${unknown.join(", ")}; sections: ${sectionNames.join(", ")}`);
      }
      reuse = new Set(names as SectionName[]);
    } else if (arg.startsWith("--sizes=")) {
      sizes = arg
        .slice("--sizes=".length)
        .split(",")
        .map((n) => Number(n));
      if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
        throw new Error("--sizes takes positive integers, e.g. --sizes=1,10,100");
      }
    } else if (arg.startsWith("--runs=")) {
      runs = Number(arg.slice("--runs=".length));
      if (!Number.isInteger(runs) || runs < 1) {
        throw new Error("--runs takes a positive integer");
      }
    } else if (arg.startsWith("--out=")) {
      out = path.resolve(arg.slice("--out=".length));
    } else {
      throw new Error(
        `unknown argument ${arg}; use --quick, --only=<sections>, --reuse=<sections>, --sizes=<n,...>, --runs=<n>, ` +
          "--out=<file>, --no-build",
      );
    }
  }
  const partial = only.size < sectionNames.length || sizes !== undefined || runs !== undefined;
  out ??=
    quick || partial ? path.join(repoRoot, ".bench", "BENCHMARKS.quick.md") : path.join(repoRoot, "BENCHMARKS.md");
  return { quick, only, reuse, out, build, sizes, runs };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // Under .bench/ (git-ignored), on the same file system as the install cache, which is copied as hard links.
  fs.mkdirSync(path.join(repoRoot, ".bench"), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(repoRoot, ".bench", "run-"));
  const options: BenchOptions = {
    quick: args.quick,
    tmp,
    sizes: args.sizes,
    runs: args.runs,
    log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`),
  };
  const machine = machineLines();
  console.log(`Benchmarks${args.quick ? " (--quick)" : ""}: ${[...args.only].join(", ")}`);
  machine.forEach((line) => console.log(line));
  if (
    args.build &&
    (args.only.has("engine") ||
      args.only.has("idle") ||
      args.only.has("engine-throughput-5") ||
      args.only.has("engine-throughput-20") ||
      args.only.has("parallel")) &&
    distIsStale()
  ) {
    // The engine runs the packed package and the plugin runs dist/: both must be the current code.
    options.log("npm run build (dist/ is older than the sources)");
    execFileSync("npm", ["run", "build", "--silent"], { cwd: repoRoot, stdio: "inherit" });
  }

  const records: SectionRecord[] = [];
  let measuredNow = false;
  const runners: Record<SectionName, [string, () => Promise<{ parts: Record<string, string>; verdicts: Verdict[] }>]> =
    {
      economy: ["1a. API economy through the lifecycle functions", () => wrap(benchLifecycleEconomy(options))],
      convergence: ["2. Convergence", () => wrap(benchConvergence(options))],
      throughput: ["4a. Throughput under a rate limit, lifecycle", () => wrap(benchLifecycleThroughput(options))],
      engine: ["1b, 3. The real engine: API economy, overhead per resource", () => benchEngine(options)],
      idle: ["3b. Idle waiting: against a no-op provider in the engine", () => wrap(benchIdle(options))],
      "engine-throughput-5": ["4b. Throughput under N=5, engine", () => benchEngineThroughput(options, 5)],
      "engine-throughput-20": ["4b. Throughput under N=20, engine", () => benchEngineThroughput(options, 20)],
      model: ["5. Policy model", () => wrap(benchPolicyModel(options))],
      parallel: ["6. pulumi up --parallel", () => wrap(benchParallelism(options))],
      recreate: ["7. Re-creates of one resource", () => wrap(benchRecreate(options))],
      access: ["8. The access review at scale", () => wrap(benchAccessScale(options))],
      statements: ["9. A shared workspace: statement writes", () => wrap(benchStatements(options))],
    };
  try {
    for (const name of sectionNames) {
      if (!args.only.has(name)) continue;
      if (args.reuse.has(name)) {
        const saved = path.join(sectionsDir, `${name}.json`);
        if (!fs.existsSync(saved)) {
          throw new Error(`--reuse=${name}: no saved run (${path.relative(repoRoot, saved)})`);
        }
        const record = JSON.parse(fs.readFileSync(saved, "utf8")) as SectionRecord;
        options.log(`${runners[name][0]}: reusing the run of ${record.startedAt}`);
        records.push(record);
        continue;
      }
      options.log(runners[name][0]);
      measuredNow = true;
      const sectionStart = Date.now();
      const loadStart = os.loadavg();
      const result = await runners[name][1]();
      const record: SectionRecord = {
        name,
        ...result,
        startedAt: new Date(sectionStart).toISOString().replace(/\.\d+Z$/, "Z"),
        minutes: (Date.now() - sectionStart) / 60_000,
        loadStart,
        loadEnd: os.loadavg(),
        commit: commitOf(),
        quick: args.quick,
      };
      fs.mkdirSync(sectionsDir, { recursive: true });
      fs.writeFileSync(path.join(sectionsDir, `${name}.json`), JSON.stringify(record, null, 2));
      records.push(record);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const verdicts = records.flatMap((r) => r.verdicts);
  const parts: Record<string, string> = {};
  for (const record of records) {
    for (const [key, text] of Object.entries(record.parts)) {
      parts[key === "markdown" ? record.name : key] = text;
    }
  }
  machine.push(
    "- Sections, when each was measured and the load average (1 min) at its start and end:",
    ...records.map(
      (r) =>
        `  - ${r.name}: ${r.startedAt}, ${r.minutes.toFixed(1)} min, load ${r.loadStart[0].toFixed(2)} → ` +
        `${r.loadEnd[0].toFixed(2)}, commit ${r.commit}${r.quick ? " (--quick)" : ""}`,
    ),
  );

  const elapsed = (Date.now() - started) / 1000;
  if (measuredNow) {
    machine.push(
      `- Load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")}`,
    );
  } else {
    // Every section was reused: the load now says nothing about the figures; each section's is listed above.
    machine.splice(0, machine.length, ...machine.filter((line) => !line.startsWith("- Load average at the start")));
    machine.forEach((line, i) => (machine[i] = line.replace("; measured ", "; report assembled ")));
  }
  const report = render(args, machine, verdicts, parts, elapsed);
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, report);
  try {
    execFileSync(path.join(repoRoot, "node_modules", ".bin", "prettier"), ["--write", "--log-level=warn", args.out], {
      cwd: repoRoot,
      stdio: "inherit",
    });
  } catch {
    console.log("(prettier could not format the report; it is written as generated)");
  }
  console.log("\nTargets:");
  for (const v of verdicts) {
    console.log(`  ${mark(v.met).replace(/\*/g, "").padEnd(7)} ${v.target}\n          ${v.evidence}`);
  }
  console.log(`\nWrote ${path.relative(repoRoot, args.out) || args.out} in ${(elapsed / 60).toFixed(1)} min.`);
}

/** Adapts a section that returns one markdown text. */
async function wrap(
  result: Promise<{ markdown: string; verdicts: Verdict[] }>,
): Promise<{ parts: Record<string, string>; verdicts: Verdict[] }> {
  const { markdown, verdicts } = await result;
  return { parts: { markdown }, verdicts };
}

function commitOf(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

/** Whether a source of the package is newer than its build (or the build is missing). */
function distIsStale(): boolean {
  const built = path.join(repoRoot, "dist", "provider", "lifecycle.js");
  if (!fs.existsSync(built)) {
    return true;
  }
  const builtAt = fs.statSync(built).mtimeMs;
  return ["provider", "sdk/nodejs", "emulator"].some((dir) =>
    fs
      .readdirSync(path.join(repoRoot, dir), { recursive: true })
      .map(String)
      .filter((file) => file.endsWith(".ts"))
      .some((file) => fs.statSync(path.join(repoRoot, dir, file)).mtimeMs > builtAt),
  );
}

function render(
  args: Args,
  machine: string[],
  verdicts: Verdict[],
  parts: Record<string, string>,
  elapsedSeconds: number,
): string {
  const argv = process.argv.slice(2);
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const out: string[] = [
    "# Benchmarks",
    "",
    "<!-- Generated by `npm run bench` (bench/run.ts); edit the benchmarks, not this file. -->",
    "",
    "How fast the provider makes a pipeline: the fewest AMP calls, waits that end as soon as the service is done, " +
      "and an engine overhead per resource that stays flat as a stack grows. Everything runs locally against the " +
      "AMP emulator (`emulator/`, in the benchmark's own process, checking SigV4 signatures) and the real Pulumi " +
      "CLI (`.pulumi-cli/bin`, built by `npm run build:cli`).",
    "",
    `Produced by \`${command}\` in ${(elapsedSeconds / 60).toFixed(1)} minutes` +
      (args.quick ? " (a smoke run: fewer sizes and runs; see `npm run bench` for the full tables)." : ".") +
      " `npm run bench -- --quick` is the smoke check (under 2 minutes); `--only=economy,convergence,throughput," +
      "engine,engine-throughput-5,engine-throughput-20,model,parallel,recreate,access,statements` runs some sections, and `--reuse=<sections>` takes them from their " +
      "last run (see Machine for when each section was measured).",
    "",
    "## Machine",
    "",
    ...machine,
    "",
    "## Method",
    "",
    "- Every figure is the median of several runs, with (min–max); the number of runs is in each table. Ratios are " +
      "taken within a run (e.g. plugin ÷ dynamic on the same stack size and run, canonicalize ÷ JSON.parse in the " +
      "same repetition), then summarized.",
    "- API calls are counted by the emulator (`callCounts()`, `requestLog()`), so they include every attempt.",
    "- The lifecycle figures call `provider/lifecycle.ts` directly with the AWS SDK over HTTP; the engine figures " +
      "run `pulumi` on `bench/programs/many`, installed from `npm pack` in a temporary folder with its own " +
      "`PULUMI_HOME` and file backend.",
    "- Nothing here asserts: a missed target is reported, with the figures that explain it.",
    "",
    "## Targets",
    "",
    table(
      ["target", "verdict", "figures"],
      verdicts.map((v) => [v.target, mark(v.met), v.evidence.replace(/\|/g, "\\|")]),
    ),
  ];
  if (parts.economy || parts.engineEconomy) {
    out.push("", "## 1. API economy", "", "Calls each operation makes, by AMP API operation.", "");
    if (parts.economy) out.push(parts.economy, "");
    if (parts.engineEconomy) out.push(parts.engineEconomy, "");
  }
  if (parts.convergence) out.push("", parts.convergence);
  if (parts.engineOverhead) out.push("", parts.engineOverhead, "", parts.pluginNote ?? "");
  if (parts.idle) out.push("", parts.idle);
  if (parts.throughput || parts["engine-throughput-5"] || parts["engine-throughput-20"]) {
    out.push("", "## 4. Throughput under a rate limit", "");
    if (parts.throughput) out.push(parts.throughput, "");
    if (parts["engine-throughput-5"]) out.push(parts["engine-throughput-5"], "");
    if (parts["engine-throughput-20"]) out.push(parts["engine-throughput-20"], "");
  }
  if (parts.model) out.push("", parts.model);
  if (parts.parallel) out.push("", parts.parallel);
  if (parts.recreate) out.push("", parts.recreate);
  if (parts.access) out.push("", parts.access);
  if (parts.statements) out.push("", parts.statements);
  // Findings written by hand from a full run's figures (why a target is missed, what would fix it).
  const notes = path.join(repoRoot, "bench", "NOTES.md");
  if (!args.quick && fs.existsSync(notes)) {
    out.push("", fs.readFileSync(notes, "utf8").trim());
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
