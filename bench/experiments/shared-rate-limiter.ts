/**
 * What-if for target 4 (not part of `npm run bench`): the same throughput run as bench/throughput.ts, once with
 * the provider as it is and once with every AMP client of the process sharing one client-side adaptive rate
 * limiter (the AWS SDK's `DefaultRateLimiter`, through `AdaptiveRetryStrategy` with one attempt, so that the
 * core's own retries stay as they are). It shows what a shared limiter in `provider/amp.ts` would change.
 *
 *   npx ts-node --transpile-only bench/experiments/shared-rate-limiter.ts [policies=200] [runs=2]
 */
import {
  AmpClient,
  DeleteResourcePolicyCommand,
  DescribeResourcePolicyCommand,
  DescribeWorkspaceCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-amp";
import { AdaptiveRetryStrategy, DefaultRateLimiter } from "@smithy/core/retry";

import type { AmpApi } from "../../provider/amp";
import { NotFoundError, isAwsError } from "../../provider/errors";
import * as lifecycle from "../../provider/lifecycle";
import { remoteWrite } from "../api-economy";
import { startEmulator } from "../lib/emulator";
import { engineDefaultParallelism } from "../lib/machine";
import { fmt, summarize, table, times } from "../lib/stats";
import { type PhaseFigures, phaseFigures, pool } from "../throughput";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** provider/amp.ts's `ampApi`, except that its client paces itself with `rateLimiter`. */
function pacedApi(rateLimiter: DefaultRateLimiter): AmpApi {
  const client = new AmpClient({ retryStrategy: new AdaptiveRetryStrategy(async () => 1, { rateLimiter }) });
  const notFound = (err: unknown) =>
    isAwsError(err, "ResourceNotFoundException") ? new NotFoundError("not found", { cause: err }) : err;
  return {
    async findResourcePolicy(workspaceId, signal) {
      try {
        const out = await client.send(new DescribeResourcePolicyCommand({ workspaceId }), { abortSignal: signal });
        return {
          policyDocument: out.policyDocument ?? "",
          policyStatus: out.policyStatus ?? "",
          revisionId: out.revisionId ?? "",
        };
      } catch (err) {
        throw notFound(err);
      }
    },
    async putResourcePolicy(request, signal) {
      const out = await client.send(new PutResourcePolicyCommand(request), { abortSignal: signal });
      return { policyStatus: out.policyStatus ?? "", revisionId: out.revisionId ?? "" };
    },
    async deleteResourcePolicy(request, signal) {
      await client.send(new DeleteResourcePolicyCommand(request), { abortSignal: signal });
    },
    async findWorkspaceStatus(workspaceId, signal) {
      try {
        const out = await client.send(new DescribeWorkspaceCommand({ workspaceId }), { abortSignal: signal });
        return out.workspace?.status?.statusCode ?? "";
      } catch (err) {
        throw notFound(err);
      }
    },
  };
}

async function main(): Promise<void> {
  const policies = Number(process.argv[2] ?? 200);
  const runs = Number(process.argv[3] ?? 2);
  const limit = 20;
  const bench = await startEmulator({ transitionDelayMs: 0 });
  const results: Record<string, { create: PhaseFigures[]; delete: PhaseFigures[] }> = {};
  try {
    for (let run = 0; run < runs; run++) {
      for (const variant of ["as it is", "shared adaptive limiter"]) {
        // One limiter per variant run, shared by every operation, as a module-level one would be in a provider process.
        const shared = new DefaultRateLimiter();
        const context = (): lifecycle.LifecycleContext => (variant === "as it is" ? {} : { api: pacedApi(shared) });
        bench.emulator.setRateLimit(limit);
        const workspaces = Array.from({ length: policies }, () => bench.emulator.createWorkspace());
        const states = new Map<string, lifecycle.ResourcePolicyState>();
        bench.emulator.clearRequestLog();
        let started = performance.now();
        let errors = await pool(
          workspaces.map((ws) => async () => {
            const { outs } = await lifecycle.create(
              { workspaceId: ws, policyDocument: remoteWrite("111122223333") },
              context(),
            );
            states.set(ws, outs);
          }),
          engineDefaultParallelism(),
        );
        const created = phaseFigures(bench, performance.now() - started, errors.length);
        bench.emulator.clearRequestLog();
        started = performance.now();
        errors = await pool(
          [...states].map(
            ([ws, state]) =>
              () =>
                lifecycle.remove(ws, state, context()),
          ),
          engineDefaultParallelism(),
        );
        const deleted = phaseFigures(bench, performance.now() - started, errors.length);
        results[variant] ??= { create: [], delete: [] };
        results[variant].create.push(created);
        results[variant].delete.push(deleted);
        console.log(`run ${run + 1} ${variant}: create ${created.perSecond.join(",")}`);
      }
    }
  } finally {
    await bench.stop();
  }
  const rows = Object.entries(results).flatMap(([variant, phases]) =>
    (["create", "delete"] as const).map((phase) => [
      variant,
      phase,
      fmt(summarize(phases[phase].map((p) => p.acceptedPerSecond / limit)), times),
      fmt(summarize(phases[phase].map((p) => p.throttled))),
      String(phases[phase].reduce((a, p) => a + p.failures, 0)),
    ]),
  );
  console.log(
    `\n${policies} policies, N=${limit}/s, ${engineDefaultParallelism()} concurrent operations, ${runs} runs\n`,
  );
  console.log(table(["client", "phase", "accepted calls/s ÷ N", "429 answers", "failures"], rows));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
