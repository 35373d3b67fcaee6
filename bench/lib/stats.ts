/** Summaries of repeated measurements, and their formatting for the report. */

/** The median, min and max of several runs. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Summarizes a non-empty list of samples. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) {
    return { median: NaN, min: NaN, max: NaN, runs: 0 };
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Runs `measure` `runs` times in sequence and summarizes each named figure it returns. */
export async function repeat<K extends string>(
  runs: number,
  measure: (run: number) => Promise<Record<K, number>>,
): Promise<{ summaries: Record<K, Summary>; samples: Record<K, number>[] }> {
  const samples: Record<K, number>[] = [];
  for (let run = 0; run < runs; run++) {
    samples.push(await measure(run));
  }
  return { summaries: summarizeEach(samples), samples };
}

/** Summarizes each key of a list of records. */
export function summarizeEach<K extends string>(samples: Record<K, number>[]): Record<K, Summary> {
  const keys = Object.keys(samples[0] ?? {}) as K[];
  return Object.fromEntries(keys.map((key) => [key, summarize(samples.map((s) => s[key]))])) as Record<K, Summary>;
}

/** A number with a sensible number of significant digits. */
export function num(value: number, digits = 3): string {
  if (!Number.isFinite(value)) {
    return "n/a";
  }
  if (value === 0) {
    return "0";
  }
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) {
    return Math.round(value).toLocaleString("en-US");
  }
  return Number(value.toPrecision(digits)).toString();
}

/** `median (min–max)`, each passed through `format`. */
export function fmt(summary: Summary, format: (value: number) => string = (v) => num(v)): string {
  if (summary.runs === 0) {
    return "n/a";
  }
  if (summary.min === summary.max) {
    return format(summary.median);
  }
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
}

/** Milliseconds as seconds, e.g. `1.23 s`. */
export const seconds = (ms: number): string => `${num(ms / 1000)} s`;
/** Milliseconds, e.g. `12.3 ms`. */
export const millis = (ms: number): string => `${num(ms)} ms`;
/** Bytes as MiB. */
export const mib = (bytes: number): string => `${num(bytes / 1024 / 1024)} MiB`;
/** Bytes, e.g. `1,234 B`. */
export const bytes = (value: number): string => `${Math.round(value).toLocaleString("en-US")} B`;
/** A ratio, e.g. `1.15×`. */
export const times = (value: number): string => `${num(value)}×`;

/** A markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
