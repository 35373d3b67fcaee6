/**
 * 7. The access review at scale (issue 15 item 18): `reviewAccess` of an update (one statement changed, one
 * added) for policies of 10 to 5,000 statements in three shapes, and how its time grows with the statements.
 *
 *   node -r ts-node/register bench/access-scale.ts [--quick] [--sizes=10,100,1000] [--shapes=central,denies]
 *
 * Shapes:
 * - `central`: a central workspace, one Allow per source account (its root and an ingest role, four actions,
 *   an `aws:SourceVpc` and an `ArnLike aws:PrincipalArn` condition), about 400 bytes a statement;
 * - `wide`: statements that each list 20 principals and 20 condition values;
 * - `denies`: half Denies (anyone, under an org or address condition) against half Allows (one account each).
 */
import { accessChange } from "../provider/access";
import { reviewAccess } from "../provider/review";
import type { BenchOptions, SectionResult } from "./lib/section";
import { num, summarize, table } from "./lib/stats";

const WORKSPACE_ID = "ws-central";
const REGION = "us-east-1";
const WORKSPACE_ARN = `arn:aws:aps:${REGION}:123456789012:workspace/${WORKSPACE_ID}`;
const ACTIONS = ["aps:RemoteWrite", "aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels"];

type Statement = Record<string, unknown>;

const account = (i: number): string => String(200000000000 + i * 7919);

function central(i: number): Statement {
  const id = account(i);
  return {
    Sid: `SourceAccount${i}`,
    Effect: "Allow",
    Principal: { AWS: [`arn:aws:iam::${id}:root`, `arn:aws:iam::${id}:role/prometheus-ingest`] },
    Action: ACTIONS,
    Resource: WORKSPACE_ARN,
    Condition: {
      StringEquals: { "aws:SourceVpc": `vpc-${id.slice(4)}` },
      ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${id}:role/prometheus-*` },
    },
  };
}

function wide(i: number): Statement {
  const ids = Array.from({ length: 20 }, (_, k) => account(i * 20 + k));
  return {
    Sid: `Team${i}`,
    Effect: "Allow",
    Principal: { AWS: ids.map((id, k) => (k % 2 === 0 ? id : `arn:aws:iam::${id}:role/reader`)) },
    Action: ACTIONS.slice(1),
    Resource: WORKSPACE_ARN,
    Condition: {
      StringEquals: { "aws:PrincipalOrgID": Array.from({ length: 20 }, (_, k) => `o-${i}x${k}`) },
      IpAddress: { "aws:SourceIp": Array.from({ length: 20 }, (_, k) => `10.${i % 250}.${k}.0/24`) },
    },
  };
}

function denies(i: number): Statement {
  if (i % 2 === 0) {
    return central(i);
  }
  return {
    Sid: `Guard${i}`,
    Effect: "Deny",
    Principal: "*",
    Action: i % 4 === 1 ? "aps:RemoteWrite" : ["aps:QueryMetrics", "aps:GetSeries"],
    Resource: WORKSPACE_ARN,
    Condition:
      i % 4 === 1
        ? { StringNotEquals: { "aws:PrincipalOrgID": [`o-${i}`, "o-main"] } }
        : { NotIpAddress: { "aws:SourceIp": [`10.${i % 250}.0.0/16`] } },
  };
}

const SHAPES: Record<string, (i: number) => Statement> = { central, wide, denies };

/** A policy of `count` statements of a shape, and its update: one statement changed, one added. */
export function updatePair(shape: string, count: number): { before: string; after: string } {
  const make = SHAPES[shape];
  const statements = Array.from({ length: count }, (_, i) => make(i));
  const changed = [...statements];
  changed[Math.floor(count / 2)] = { ...make(count + 1), Sid: "Changed" };
  changed.push({ ...make(count + 2), Sid: "Added" });
  const text = (list: Statement[]): string => JSON.stringify({ Version: "2012-10-17", Statement: list });
  return { before: text(statements), after: text(changed) };
}

/** Milliseconds of one call: wall time and the process's CPU time (the machine may be shared). */
function timeOnce(fn: () => unknown): { wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/** The medians of `runs` calls (after one warm-up when there are several), in ms; stops early past `budgetMs`. */
function medianMs(fn: () => unknown, runs: number, budgetMs: number): { wall: number; cpu: number } {
  const samples = [timeOnce(fn)];
  let spent = samples[0].wall;
  while (samples.length < runs && spent < budgetMs) {
    const sample = timeOnce(fn);
    samples.push(sample);
    spent += sample.wall;
  }
  if (samples.length > 2) {
    samples.shift(); // the warm-up
  }
  return {
    wall: summarize(samples.map((s) => s.wall)).median,
    cpu: summarize(samples.map((s) => s.cpu)).median,
  };
}

const ms = (value: number): string => (value >= 1000 ? `${num(value / 1000)} s` : `${num(value)} ms`);

/** Runs the section: a table per shape (bytes, reviewAccess, accessChange with the account known, growth). */
export function benchAccessScale(options: BenchOptions, shapesToRun?: string[]): Promise<SectionResult> {
  const sizes = options.sizes ?? (options.quick ? [10, 100, 1000] : [10, 100, 300, 1000, 3000, 5000]);
  const shapes = shapesToRun ?? Object.keys(SHAPES);
  const runs = options.quick ? 3 : 5;
  const lines: string[] = [
    "## 8. The access review at scale",
    "",
    "`reviewAccess` of an update (one statement changed, one added), as `check` runs it on every preview (the",
    "workspace's region known, its account not), and `accessChange` with the account known too; median of up to",
    `${runs} runs, wall time and the process's CPU time (the machine may be shared: CPU time is the steadier figure).`,
    "Growth: the exponent k of CPU time ∝ n^k between one size and the next (1 is linear, n log n is about 1.1 over",
    "these steps, 2 quadratic).",
    "",
  ];
  const verdicts: SectionResult["verdicts"] = [];
  for (const shape of shapes) {
    const rows: string[][] = [];
    let previous: { n: number; ms: number } | undefined;
    for (const size of sizes) {
      const { before, after } = updatePair(shape, size);
      const review = medianMs(
        () =>
          reviewAccess(
            { workspaceId: WORKSPACE_ID, policyDocument: before },
            { workspaceId: WORKSPACE_ID, policyDocument: after },
            { region: REGION, partition: "aws" },
          ),
        runs,
        20000,
      );
      const known = medianMs(
        () =>
          accessChange(before, after, {
            workspaceId: WORKSPACE_ID,
            region: REGION,
            partition: "aws",
            accountId: "123456789012",
          }),
        runs,
        20000,
      );
      const growth = previous ? num(Math.log(review.cpu / previous.ms) / Math.log(size / previous.n), 2) : "";
      rows.push([
        String(size),
        `${num(after.length / 1024)} KB`,
        ms(review.wall),
        ms(review.cpu),
        ms(known.cpu),
        growth,
      ]);
      options.log(
        `access ${shape} ${size}: review ${ms(review.wall)} (CPU ${ms(review.cpu)}), ` +
          `accessChange with the account known: CPU ${ms(known.cpu)}`,
      );
      previous = { n: size, ms: review.cpu };
      if (shape === "central" && size === 1000) {
        verdicts.push({
          target: "reviewAccess of a 1,000-statement central-workspace update ≤ 1 s (issue 15 item 18)",
          met: review.cpu <= 1000,
          evidence: `${ms(review.cpu)} CPU (${ms(review.wall)} wall)`,
        });
      }
    }
    lines.push(`### 8. \`${shape}\``, "");
    lines.push(
      table(
        [
          "statements",
          "after",
          "reviewAccess wall",
          "reviewAccess CPU",
          "accessChange CPU, account known",
          "growth k (CPU)",
        ],
        rows,
      ),
      "",
    );
  }
  return Promise.resolve({ markdown: lines.join("\n"), verdicts });
}

if (require.main === module) {
  const quick = process.argv.includes("--quick");
  const sizesArg = process.argv.find((arg) => arg.startsWith("--sizes="));
  const sizes = sizesArg?.slice("--sizes=".length).split(",").map(Number);
  const shapesArg = process.argv.find((arg) => arg.startsWith("--shapes="));
  const shapes = shapesArg?.slice("--shapes=".length).split(",");
  void benchAccessScale({ quick, sizes, log: (line) => console.log(line), tmp: "" }, shapes).then((result) => {
    console.log(result.markdown);
    for (const verdict of result.verdicts) {
      console.log(`${verdict.target}: ${verdict.met ? "met" : "missed"} (${verdict.evidence})`);
    }
  });
}
