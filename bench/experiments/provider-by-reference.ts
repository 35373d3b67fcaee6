/**
 * What-if for target 3 (not part of `npm run bench`): the dynamic provider's state with `__provider` captured by
 * reference instead of by value.
 *
 * Pulumi's closure serializer copies `resourcePolicyProvider` (an object literal) and its six methods into every
 * resource's `__provider`, twice (inputs and outputs). An object that is the whole `module.exports` of a module
 * under node_modules is captured as a `require(...)` of that module instead. This run adds such a module
 * (`amp-provider-shim`, whose `module.exports` is the same provider object) to the installed bench program and
 * loads it first, then compares `pulumi up`/`destroy` of 100 and 500 policies, as they are and with the shim.
 *
 *   npx ts-node --transpile-only bench/experiments/provider-by-reference.ts [sizes=100,500] [runs=1]
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";
import { startEmulator } from "../lib/emulator";
import { BenchProgram, stateSizes } from "../lib/engine";
import { bytes, fmt, seconds, summarize, table } from "../lib/stats";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? "100,500").split(",").map(Number);
  const runs = Number(process.argv[3] ?? 1);
  const bench = await startEmulator({ transitionDelayMs: 0 });
  const parent = path.join(repoRoot, ".bench", "experiments");
  fs.mkdirSync(parent, { recursive: true });
  const program = await BenchProgram.install(parent, bench.env);
  const shim = path.join(program.dir, "node_modules", "amp-provider-shim");
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, "package.json"), '{ "name": "amp-provider-shim", "version": "1.0.0" }\n');
  fs.writeFileSync(
    path.join(shim, "index.js"),
    'module.exports = require("pulumi-amp-resource-policy/dist/sdk/nodejs/provider.js").resourcePolicyProvider;\n',
  );
  const original = fs.readFileSync(path.join(program.dir, "index.ts"), "utf8");
  const rows: string[][] = [];
  let stacks = 0;
  try {
    for (const size of sizes) {
      const figures: Record<string, { up: number[]; destroy: number[]; provider: number; state: number }> = {};
      for (let run = 0; run < runs; run++) {
        for (const variant of ["by value (as it is)", "by reference (module.exports)"]) {
          const byReference = variant.startsWith("by reference");
          fs.writeFileSync(
            path.join(program.dir, "index.ts"),
            byReference ? `require("amp-provider-shim");\n${original}` : original,
          );
          const prefix = `e${stacks}-`;
          for (let i = 0; i < size; i++) {
            bench.emulator.createWorkspace({ workspaceId: `${prefix}${i}` });
          }
          const stack = `experiment-${stacks++}`;
          await program.newStack(stack, { count: size, workspaceIdPrefix: prefix });
          const up = await program.pulumiOk(["up", "--yes", "--skip-preview"]);
          const state = stateSizes(await program.exportState());
          const destroy = await program.pulumiOk(["destroy", "--yes", "--skip-preview"]);
          await program.removeStack(stack);
          const entry = (figures[variant] ??= { up: [], destroy: [], provider: 0, state: 0 });
          entry.up.push(up.wallMs);
          entry.destroy.push(destroy.wallMs);
          entry.provider = state.providerBytes / state.policyResources;
          entry.state = state.totalBytes / size;
          console.log(`${size} policies, ${variant}: up ${seconds(up.wallMs)}, destroy ${seconds(destroy.wallMs)}`);
        }
      }
      for (const [variant, f] of Object.entries(figures)) {
        rows.push([
          String(size),
          variant,
          bytes(f.provider),
          bytes(f.state),
          fmt(summarize(f.up), seconds),
          fmt(summarize(f.destroy), seconds),
        ]);
      }
    }
  } finally {
    program.dispose();
    await bench.stop();
  }
  console.log("");
  console.log(
    table(
      [
        "policies",
        "`__provider` captured",
        "`__provider` per policy",
        "state per policy",
        "pulumi up",
        "pulumi destroy",
      ],
      rows,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
