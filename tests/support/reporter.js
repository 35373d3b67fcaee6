// Mocha's spec reporter, plus the tier's counts written to $TEST_STATS_FILE for tests/run.js to sum.
"use strict";
const fs = require("node:fs");
const Mocha = require("mocha");

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats ?? this.stats;
      if (process.env.TEST_STATS_FILE) {
        fs.writeFileSync(process.env.TEST_STATS_FILE, JSON.stringify({ passes, failures, pending }));
      }
    });
  }
}

module.exports = CountingReporter;
