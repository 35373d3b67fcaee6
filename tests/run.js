#!/usr/bin/env node
// Runs the test tiers, each in its own mocha process, and ends with the plain line `N passed, N failed`.
// Usage: node tests/run.js [tier ...]   (default: every tier; see TIERS)
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const TIERS = {
  unit: { spec: ["tests/unit/**/*.test.ts"], what: "pure: the policy model, validation, waits" },
  emulator: { spec: ["tests/emulator/**/*.test.ts"], what: "the AMP emulator over HTTP with the real AWS SDK" },
  lifecycle: { spec: ["tests/lifecycle/**/*.test.ts"], what: "the provider against the emulator over HTTP" },
  dynamic: {
    spec: ["tests/dynamic/**/*.test.ts"],
    what: "the real serializer and dynamic-provider gRPC server",
    build: true,
  },
  cli: {
    spec: ["tests/cli/**/*.test.ts"],
    what: "the amp-policy command through its built bin: exit codes, JSON, messages",
    build: true,
  },
  reliability: {
    spec: ["tests/reliability/**/*.test.ts"],
    what: "faults, crashes, races and hostile input against the emulator, counted",
    timeout: 120000,
  },
  plugin: {
    spec: ["tests/plugin/**/*.test.ts"],
    what: "the resource plugin over gRPC, its manifest and the freshness of the generated SDKs",
    build: true,
    timeout: 120000,
  },
  e2e: { spec: ["tests/e2e/**/*.test.ts"], what: "the real Pulumi CLI on the examples", build: true, timeout: 600000 },
  // Run by the version matrix (scripts/version-matrix.sh) for each @pulumi/pulumi tested, not by default: the
  // e2e tier covers the same ground in depth on the pinned version.
  smoke: {
    spec: ["tests/smoke/**/*.test.ts"],
    what: "preview, up, no-change preview and destroy on the real engine, both doors",
    build: true,
    timeout: 600000,
    explicitOnly: true,
  },
};

const requested = process.argv.slice(2);
const unknown = requested.filter((t) => !(t in TIERS));
if (unknown.length > 0) {
  console.error(`unknown tier(s): ${unknown.join(", ")}; tiers: ${Object.keys(TIERS).join(", ")}`);
  process.exit(2);
}
const tiers = requested.length > 0 ? requested : Object.keys(TIERS).filter((t) => !TIERS[t].explicitOnly);

if (tiers.some((t) => TIERS[t].build) && !fs.existsSync(path.join(root, "dist/sdk/nodejs/index.js"))) {
  console.log("building the package (npm run build) for the tiers that use it...");
  const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

let passed = 0;
let failed = 0;
const summary = [];
for (const tier of tiers) {
  const { spec, what, timeout } = TIERS[tier];
  const dir = path.join(root, spec[0].split("/**")[0]);
  if (!fs.existsSync(dir) || !fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(".test.ts"))) {
    summary.push(`${tier}: no tests`);
    continue;
  }
  const statsFile = path.join(os.tmpdir(), `amp-policy-tests-${process.pid}-${tier}.json`);
  fs.rmSync(statsFile, { force: true });
  console.log(`\n=== tier ${tier}: ${what}`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      require.resolve("mocha/bin/mocha.js"),
      "--require",
      "ts-node/register",
      "--reporter",
      path.join(__dirname, "support/reporter.js"),
      "--timeout",
      String(timeout ?? 60000),
      "--exit",
      ...spec,
    ],
    {
      cwd: root,
      stdio: "inherit",
      env: {
        ...process.env,
        TEST_STATS_FILE: statsFile,
        TS_NODE_TRANSPILE_ONLY: "true",
        // The AWS SDK's notice that releases after January 2027 need Node 22: noise in every child process.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    },
  );
  let stats = { passes: 0, failures: 0, pending: 0 };
  if (fs.existsSync(statsFile)) {
    stats = JSON.parse(fs.readFileSync(statsFile, "utf8"));
    fs.rmSync(statsFile, { force: true });
  } else if (run.status !== 0) {
    // The tier could not even start (e.g. a syntax error): count it as one failure.
    stats.failures = 1;
  }
  passed += stats.passes;
  failed += stats.failures;
  summary.push(
    `${tier}: ${stats.passes} passed, ${stats.failures} failed, ${stats.pending} pending (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );
}
console.log("\n" + summary.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
