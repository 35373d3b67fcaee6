/**
 * Section 7: re-creates of one resource (issue 15, item 2). A stack that creates and destroys the same resource
 * again and again (a test stack) sends the same create request each time; AMP replays a client token's first
 * answer for as long as it remembers the token. Target: the 50th re-create within 1.5x of the first's time, with
 * at most 3 writes (PutResourcePolicy calls).
 */
import * as lifecycle from "../provider/lifecycle";
import { remoteWrite } from "./api-economy";
import { startEmulator } from "./lib/emulator";
import type { BenchOptions, Verdict } from "./lib/section";
import { table } from "./lib/stats";

/** The re-creates whose figures are printed (1 is the first create). */
const REPORTED = [1, 10, 25, 50];

export async function benchRecreate(options: BenchOptions): Promise<{ markdown: string; verdicts: Verdict[] }> {
  const count = options.quick ? 25 : 50;
  const transitionDelayMs = 100;
  const bench = await startEmulator({ transitionDelayMs });
  const { emulator } = bench;
  const figures = new Map<number, { ms: number; puts: number }>();
  try {
    // A warm-up create on another workspace, so that the first create measured pays no cold start of the SDK.
    const warm = emulator.createWorkspace();
    await lifecycle.remove(
      warm,
      (await lifecycle.create({ workspaceId: warm, policyDocument: remoteWrite("999999999999") })).outs,
    );
    const workspaceId = emulator.createWorkspace();
    const inputs = {
      workspaceId,
      policyDocument: remoteWrite("111122223333"),
      [lifecycle.IDENTITY_INPUT]: "urn:pulumi:bench::recreate::pulumi-nodejs:dynamic/amp:ResourcePolicy::policy",
    } as lifecycle.ResourcePolicyInputs;
    for (let n = 1; n <= count; n++) {
      emulator.resetCallCounts();
      const started = performance.now();
      const { outs } = await lifecycle.create(inputs);
      const ms = performance.now() - started;
      figures.set(n, { ms, puts: emulator.callCounts().PutResourcePolicy ?? 0 });
      await lifecycle.remove(workspaceId, outs);
      if (REPORTED.includes(n)) {
        options.log(`  re-create ${n}: ${ms.toFixed(0)} ms, ${figures.get(n)!.puts} Put`);
      }
    }
  } finally {
    await bench.stop();
  }
  const first = figures.get(1)!;
  const last = figures.get(count)!;
  const rows = REPORTED.filter((n) => figures.has(n)).map((n) => {
    const { ms, puts } = figures.get(n)!;
    return [String(n), ms.toFixed(0), (ms / first.ms).toFixed(2), String(puts)];
  });
  const ratio = last.ms / first.ms;
  const verdicts: Verdict[] = [
    {
      target: `the ${count}th re-create of one resource within 1.5x of the first create's time, at most 3 writes`,
      met: ratio <= 1.5 && last.puts <= 3,
      evidence: `${last.ms.toFixed(0)} ms vs ${first.ms.toFixed(0)} ms (${ratio.toFixed(2)}x), ${last.puts} Put`,
    },
  ];
  const markdown = [
    "## 7. Re-creates of one resource",
    "",
    `One resource created and destroyed ${count} times on one workspace through the lifecycle functions (emulator, ` +
      `${transitionDelayMs} ms transitions). Each create sends the same request; its client token changes only with ` +
      `the resource, the document and a ${lifecycle.TOKEN_EPOCH_MS / 60_000}-minute epoch, so within an epoch AMP ` +
      "replays the first create's answer once and the create writes with a token never used.",
    "",
    table(["create", "ms", "x first", "PutResourcePolicy"], rows),
  ].join("\n");
  return { markdown, verdicts };
}
