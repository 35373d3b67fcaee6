/**
 * 5. The policy model: canonicalize (normalizePolicy), compare (policiesEquivalent) and validate (validatePolicy)
 * for documents of 1, 10 and 100 statements, against JSON.parse of the same text measured in the same repetition.
 */
import { forgetParsedPolicies, normalizePolicy, policiesEquivalent, validatePolicy } from "../provider/policy";
import type { BenchOptions, SectionResult } from "./lib/section";
import { type Summary, fmt, num, summarize, table, times } from "./lib/stats";

/**
 * A realistic statement: two principals (an ARN and a bare account id), two actions, a condition. Small enough
 * that 100 of them stay under AMP's 20,480-byte limit, so that validation runs in full.
 */
function statement(i: number): Record<string, unknown> {
  const account = (n: number) => String(100000000000 + i * 7 + n);
  return {
    Sid: `S${i}`,
    Effect: i % 5 === 4 ? "Deny" : "Allow",
    Principal: { AWS: [`arn:aws:iam::${account(1)}:root`, account(2)] },
    Action: ["aps:RemoteWrite", "aps:QueryMetrics"],
    Condition: { Bool: { "aws:SecureTransport": "true" } },
  };
}

/** A document of `count` statements, as the user writes it (pretty JSON). */
export function policyText(count: number): string {
  return JSON.stringify(
    { Version: "2012-10-17", Statement: Array.from({ length: count }, (_, i) => statement(i)) },
    null,
    2,
  );
}

/** The same document reordered and reformatted: equivalent by IAM meaning, different text. */
export function reorderedText(count: number): string {
  const statements = Array.from({ length: count }, (_, i) => {
    const s = statement(i) as { Principal: { AWS: string[] }; Action: string[] };
    return {
      Action: [...s.Action].reverse().map((a) => a.toUpperCase()),
      Condition: (s as Record<string, unknown>).Condition,
      Principal: { AWS: [...s.Principal.AWS].reverse() },
      Effect: (s as Record<string, unknown>).Effect,
      Sid: (s as Record<string, unknown>).Sid,
    };
  }).reverse();
  return JSON.stringify({ Statement: statements, Version: "2012-10-17" });
}

/** Nanoseconds per call of `fn`, run in batches for at least `windowMs`. */
function nsPerOp(fn: () => unknown, windowMs: number): number {
  let iterations = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(Math.round(windowMs * 1e6));
  let now = start;
  let batch = 1;
  while (now < limit) {
    for (let i = 0; i < batch; i++) {
      sink += fn() === undefined ? 0 : 1;
    }
    iterations += batch;
    batch = Math.min(batch * 2, 1024);
    now = process.hrtime.bigint();
  }
  if (sink < 0) {
    console.log(sink);
  }
  return Number(now - start) / iterations;
}

/** Nanoseconds as µs or ms. */
function duration(ns: number): string {
  return ns >= 1e6 ? `${num(ns / 1e6)} ms` : `${num(ns / 1000)} µs`;
}

interface Op {
  name: string;
  fn: () => unknown;
}

export async function benchPolicyModel(options: BenchOptions): Promise<SectionResult> {
  const sizes = [1, 10, 100];
  const repetitions = options.quick ? 5 : 9;
  const windowMs = options.quick ? 25 : 150;
  const rows: string[][] = [];
  const ratios: Record<string, Summary> = {};
  const times100 = new Map<string, Summary>();
  for (const size of sizes) {
    const text = policyText(size);
    const other = reorderedText(size);
    const object = JSON.parse(text) as Record<string, unknown>;
    if (!policiesEquivalent(text, other)) {
      throw new Error(`benchmark bug: the reordered ${size}-statement document is not equivalent`);
    }
    const validation = validatePolicy(text, "ws-bench");
    if (validation.errors.length > 0) {
      throw new Error(`benchmark bug: the ${size}-statement document is invalid: ${validation.errors.join("; ")}`);
    }
    // Each call reads its documents afresh (the parsed documents a process remembers are forgotten first), as
    // the first check of a document in a process does; the last row is a check then a diff of the same document.
    const cold =
      <T>(fn: () => T) =>
      (): T => {
        forgetParsedPolicies();
        return fn();
      };
    const ops: Op[] = [
      { name: "JSON.parse (reference)", fn: () => JSON.parse(text) as unknown },
      { name: "normalizePolicy(text)", fn: cold(() => normalizePolicy(text)) },
      { name: "normalizePolicy(object)", fn: cold(() => normalizePolicy(object)) },
      { name: "policiesEquivalent(text, reordered text)", fn: cold(() => policiesEquivalent(text, other)) },
      { name: "validatePolicy(text) (check)", fn: cold(() => validatePolicy(text, "ws-bench")) },
      {
        name: "validatePolicy(text) then policiesEquivalent(reordered text, text) (check + diff)",
        fn: cold(() => validatePolicy(text, "ws-bench").errors.length + Number(policiesEquivalent(other, text))),
      },
    ];
    for (const op of ops) {
      nsPerOp(op.fn, windowMs / 2); // warm up
    }
    const samples: number[][] = ops.map(() => []);
    const ratioSamples: number[][] = ops.map(() => []);
    for (let rep = 0; rep < repetitions; rep++) {
      const parse = nsPerOp(ops[0].fn, windowMs);
      samples[0].push(parse);
      for (let k = 1; k < ops.length; k++) {
        const ns = nsPerOp(ops[k].fn, windowMs);
        samples[k].push(ns);
        ratioSamples[k].push(ns / parse);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    ops.forEach((op, k) => {
      const perOp = summarize(samples[k]);
      if (size === 100) {
        times100.set(op.name, perOp);
      }
      const opsPerSec = summarize(samples[k].map((ns) => 1e9 / ns));
      const ratio = k === 0 ? "1×" : fmt(summarize(ratioSamples[k]), times);
      if (k > 0) {
        ratios[`${op.name} @${size}`] = summarize(ratioSamples[k]);
      }
      rows.push([
        String(size),
        k === 0
          ? `${num(Buffer.byteLength(text) / 1024)} KiB (${num(Buffer.byteLength(JSON.stringify(object)) / 1024)} KiB minified)`
          : "",
        op.name,
        fmt(perOp, duration),
        fmt(opsPerSec, (v) => num(v)),
        ratio,
      ]);
    });
    options.log(`  policy model: ${size} statement(s) done`);
  }
  const diff100 = ratios["policiesEquivalent(text, reordered text) @100"];
  const diff100Time = times100.get("policiesEquivalent(text, reordered text)");
  const markdown = [
    "## 5. Policy model: canonicalize and compare",
    "",
    "Documents of 1, 10 and 100 statements (each statement: 2 principals, an ARN and a bare account id, 2 actions, a",
    "condition; 100 statements stay under AMP's 20,480-byte limit), pretty-printed as a user writes them; the compared",
    "document is the same policy with statements, principals and actions reordered, actions upper-cased, minified. Each figure: the mean time per call over a window of " +
      `${windowMs} ms, ${repetitions} repetitions (median, min–max). The ratio is to JSON.parse of the same text, ` +
      "measured in the same repetition.",
    "`policiesEquivalent` canonicalizes both sides; `diff` calls it once per resource per preview, `check` calls",
    "`validatePolicy` once. Each call reads its documents afresh (the parsed documents a process remembers are",
    "forgotten first); in the last row the diff reuses the document the check read.",
    "",
    table(["statements", "size", "operation", "time per call", "calls/s", "× JSON.parse"], rows),
    "",
    `At 100 statements a comparison (one diff) takes ${diff100Time ? fmt(diff100Time, duration) : "n/a"}, ` +
      `${diff100 ? fmt(diff100, times) : "n/a"} a JSON.parse of the same text.`,
  ].join("\n");
  return {
    markdown,
    verdicts: [
      {
        target: "5. canonicalize/compare cost stated against JSON.parse (1, 10, 100 statements)",
        met: "n/a",
        evidence: `policiesEquivalent at 100 statements: ${diff100 ? fmt(diff100, times) : "n/a"} JSON.parse`,
      },
    ],
  };
}
