/** What every benchmark section gets and gives back. */

/** Options of a benchmark run. */
export interface BenchOptions {
  /** The smoke run: fewer sizes and runs, no 10 s transitions. */
  quick: boolean;
  /** Progress output (stdout). */
  log(line: string): void;
  /** A folder for temporary files (programs, state), removed at the end. */
  tmp: string;
  /** Engine stack sizes instead of the default (1, 10, 100, 500; --quick 1, 10). */
  sizes?: number[];
  /** Runs per engine stack size instead of the default. */
  runs?: number;
}

/** A section of BENCHMARKS.md: its markdown (heading included) and a verdict per target, for the summary. */
export interface SectionResult {
  markdown: string;
  /** One line per target: what it is, whether it is met, with the figure. */
  verdicts: Verdict[];
}

/** A target and whether the figures meet it. */
export interface Verdict {
  target: string;
  met: boolean | "n/a";
  evidence: string;
}

/** `✅ met` / `❌ missed` / `n/a`. */
export function mark(met: boolean | "n/a"): string {
  return met === "n/a" ? "n/a" : met ? "met" : "**missed**";
}
