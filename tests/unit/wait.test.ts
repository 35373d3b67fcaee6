import assert from "node:assert/strict";

import { WaitTimeoutError } from "../../provider/errors";
import {
  type Attempt,
  type Clock,
  RetriesExhaustedError,
  backoffDelay,
  isRetryable,
  minAttemptMs,
  nextPollDelay,
  pause,
  systemClock,
  waitFor,
  withRetries,
} from "../../provider/time";

/** A clock whose sleeps advance time instantly, recording each one. */
function fakeClock(random = 0.5): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => random,
  };
}

/** Polls needed, and the time they end, for a service that settles after `settleMs`. */
async function pollUntil(settleMs: number): Promise<{ polls: number; returnedAt: number }> {
  const clock = fakeClock();
  let polls = 0;
  await waitFor(
    "settling",
    async () => {
      polls++;
      return { done: clock.now() >= settleMs, status: clock.now() >= settleMs ? "ACTIVE" : "UPDATING" };
    },
    { clock, deadline: 3_600_000 },
  );
  return { polls, returnedAt: clock.now() };
}

describe("polling schedule", () => {
  it("polls first after a few hundred milliseconds", () => {
    assert.equal(nextPollDelay(0), 200);
  });

  it("spaces later polls by 15 % of the time waited, never under 250 ms", () => {
    assert.equal(nextPollDelay(1000), 250);
    assert.equal(nextPollDelay(10_000), 1500);
    assert.equal(nextPollDelay(100_000), 15_000);
  });

  for (const settleMs of [500, 2000, 10_000, 60_000, 300_000]) {
    it(`returns within max(0.25 s, 15 %) of a service that settles after ${settleMs} ms`, async () => {
      const { returnedAt } = await pollUntil(settleMs);
      assert.ok(returnedAt >= settleMs);
      assert.ok(returnedAt - settleMs <= Math.max(250, 0.15 * settleMs), `returned at ${returnedAt}`);
    });
  }

  it("keeps the README's promise, max(0.25 s, 15 %) after the service settles, at its worst (settling just after a poll)", async () => {
    // The worst case is a service that settles one millisecond after a poll: find each poll time, then settle there.
    const clock = fakeClock();
    const pollTimes: number[] = [];
    await waitFor(
      "x",
      async () => {
        pollTimes.push(clock.now());
        return { done: clock.now() >= 600_000, status: "UPDATING" };
      },
      { clock, deadline: 3_600_000 },
    );
    let worst = 0;
    for (const settleMs of [1, ...pollTimes.map((t) => t + 1)].filter((t) => t < 600_000)) {
      const { returnedAt } = await pollUntil(settleMs);
      const bound = Math.max(250, 0.15 * settleMs);
      worst = Math.max(worst, (returnedAt - settleMs) / bound);
      assert.ok(returnedAt - settleMs <= bound + 1, `settled at ${settleMs} ms, returned at ${returnedAt} ms`);
    }
    // The bound is tight: the worst case comes within 5 % of it (so the README does not promise too little either).
    assert.ok(worst > 0.95, `worst overshoot ${worst.toFixed(3)} of the bound`);
  });

  it("needs a number of polls that grows logarithmically with the wait", async () => {
    const at10s = (await pollUntil(10_000)).polls;
    const at100s = (await pollUntil(100_000)).polls;
    const at1000s = (await pollUntil(1_000_000)).polls;
    // Each tenfold longer wait adds about ln(10)/ln(1.15) ≈ 16.5 polls, not ten times as many.
    assert.ok(at100s - at10s <= 18, `${at10s} → ${at100s}`);
    assert.ok(at1000s - at100s <= 18, `${at100s} → ${at1000s}`);
    assert.ok(at1000s < 60);
  });

  it("times out with what it waited for and the last status seen", async () => {
    const clock = fakeClock();
    await assert.rejects(
      waitFor("the policy to become ACTIVE", async () => ({ done: false, status: "UPDATING" }), {
        clock,
        deadline: 5000,
      }),
      (err: unknown) =>
        WaitTimeoutError.isInstance(err) &&
        /the policy to become ACTIVE/.test(err.message) &&
        /last status seen: UPDATING/.test(err.message) &&
        err.lastStatus === "UPDATING",
    );
    assert.ok(clock.now() <= 5000);
  });

  it("at the deadline, says the time ran out before the first poll instead of '0.0s and 0 polls … none'", async () => {
    const clock = fakeClock();
    // The deadline has passed when the wait starts (with any time left, the wait polls once: issue 15.15).
    await assert.rejects(
      waitFor("the policy to become ACTIVE", async () => ({ done: true, status: "ACTIVE" }), {
        clock,
        deadline: 0,
      }),
      (err: unknown) =>
        WaitTimeoutError.isInstance(err) &&
        /the policy to become ACTIVE/.test(err.message) &&
        /before the first status poll/.test(err.message) &&
        /unknown/.test(err.message) &&
        !/0 polls/.test(err.message) &&
        err.lastStatus === undefined,
    );
  });

  it("names what it waited for and the last status when a poll is cut off at the deadline", async () => {
    const clock = fakeClock();
    let polls = 0;
    await assert.rejects(
      waitFor(
        "the policy to become ACTIVE",
        async () => {
          polls++;
          if (polls < 3) {
            return { done: false, status: "UPDATING" };
          }
          throw new WaitTimeoutError("timed out: AMP had not answered", undefined);
        },
        { clock, deadline: 60_000 },
      ),
      (err: unknown) =>
        WaitTimeoutError.isInstance(err) &&
        /the policy to become ACTIVE/.test(err.message) &&
        /last status seen: UPDATING/.test(err.message) &&
        err.lastStatus === "UPDATING",
    );
  });

  it("treats a throttled poll as a failed poll, not the end of the wait", async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await waitFor(
      "x",
      async () => {
        calls++;
        if (calls < 3) {
          throw Object.assign(new Error("slow down"), {
            name: "ThrottlingException",
            $metadata: { httpStatusCode: 429 },
          });
        }
        return { done: true, status: "ACTIVE", value: 42 };
      },
      { clock, deadline: 60_000 },
    );
    assert.equal(value, 42);
    assert.equal(calls, 3);
  });

  it("ends the wait on an error that is not retryable", async () => {
    const clock = fakeClock();
    await assert.rejects(
      waitFor("x", async () => Promise.reject(Object.assign(new Error("no"), { name: "AccessDeniedException" })), {
        clock,
        deadline: 60_000,
      }),
      /no/,
    );
  });
});

describe("retries", () => {
  it("backs off exponentially with jitter, capped", () => {
    assert.equal(backoffDelay(1, 0), 100);
    assert.equal(backoffDelay(1, 1), 200);
    assert.equal(backoffDelay(3, 0), 400);
    assert.equal(backoffDelay(20, 1), 5000);
    assert.equal(backoffDelay(20, 0), 2500);
  });

  it("classifies throttling, 5xx and network errors as retryable, and client errors not", () => {
    assert.ok(
      isRetryable(Object.assign(new Error(), { name: "ThrottlingException", $metadata: { httpStatusCode: 429 } })),
    );
    assert.ok(
      isRetryable(Object.assign(new Error(), { name: "InternalServerException", $metadata: { httpStatusCode: 500 } })),
    );
    assert.ok(isRetryable(Object.assign(new Error(), { name: "Error", $metadata: { httpStatusCode: 503 } })));
    assert.ok(isRetryable(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
    assert.ok(
      !isRetryable(Object.assign(new Error(), { name: "ConflictException", $metadata: { httpStatusCode: 409 } })),
    );
    assert.ok(
      !isRetryable(Object.assign(new Error(), { name: "ValidationException", $metadata: { httpStatusCode: 400 } })),
    );
    assert.ok(!isRetryable("a string"));
  });

  it("retries until success, with the same request", async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls <= 4) {
          throw Object.assign(new Error("busy"), {
            name: "InternalServerException",
            $metadata: { httpStatusCode: 500 },
          });
        }
        return "ok";
      },
      { clock, deadline: 60_000 },
    );
    assert.equal(result, "ok");
    assert.equal(calls, 5);
    assert.deepEqual(clock.sleeps, [150, 300, 600, 1200]);
  });

  it("gives up with the last error once the deadline would pass", async () => {
    const clock = fakeClock();
    let calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw Object.assign(new Error("slow down"), {
            name: "ThrottlingException",
            $metadata: { httpStatusCode: 429 },
          });
        },
        { clock, deadline: 10_000 },
      ),
      /slow down/,
    );
    assert.ok(calls > 3 && calls < 20, `${calls} calls`);
    assert.ok(clock.now() <= 10_000);
  });

  it("counts the attempts in an error of its own when it gives up, and leaves the AWS SDK error untouched", async () => {
    const clock = fakeClock();
    const throttled = Object.assign(new Error("slow down"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 429 },
    });
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw throttled;
      },
      { clock, deadline: 10_000 },
    ).then(
      () => assert.fail("succeeded"),
      (e: unknown) => e,
    );
    assert.deepEqual(Object.keys(throttled).sort(), ["$metadata", "name"], "the AWS SDK error gained no field");
    assert.ok(RetriesExhaustedError.isInstance(err), String(err));
    assert.equal(err.attempts, calls);
    assert.equal(err.cause, throttled);
    assert.equal(err.message, "slow down");
    assert.ok(isRetryable(err), "a wait that polls through withRetries counts it as a failed poll");
  });

  it("hands each attempt its signal and, on the real clock, the operation's deadline (none on another clock)", async () => {
    const deadline = Date.now() + 60_000;
    const real: Attempt[] = [];
    await withRetries(async (attempt) => real.push(attempt), { clock: systemClock, deadline });
    assert.equal(real.length, 1);
    assert.equal(real[0].deadline, deadline);
    assert.ok(real[0].signal instanceof AbortSignal && !real[0].signal.aborted);
    const fake: Attempt[] = [];
    await withRetries(async (attempt) => fake.push(attempt), { clock: fakeClock(), deadline: 60_000 });
    assert.equal(fake[0].deadline, Infinity, "a fake clock's deadline means nothing to the real-time limiter");
  });
});

describe("pauses between attempts that keep conflicting", () => {
  it("gives up with the conflict when the attempt after the pause would have less than minAttemptMs", async () => {
    const clock = fakeClock(0.5);
    const delay = backoffDelay(1, 0.5);
    // Enough time for the pause itself, not for an attempt after it.
    const deadline = clock.now() + delay + minAttemptMs - 1;
    await assert.rejects(
      pause("a write that keeps conflicting", 1, { clock, deadline }, new Error("ConflictException: busy")),
      (err: Error) =>
        WaitTimeoutError.isInstance(err) &&
        /timed out after 1 attempts waiting for a write that keeps conflicting to succeed; last error: ConflictException: busy/.test(
          err.message,
        ),
    );
    assert.deepEqual(clock.sleeps, [], "no sleep that would leave the next attempt no time");
  });

  it("sleeps when the attempt after the pause has minAttemptMs left", async () => {
    const clock = fakeClock(0.5);
    const delay = backoffDelay(1, 0.5);
    await pause("a write that keeps conflicting", 1, { clock, deadline: clock.now() + delay + minAttemptMs });
    assert.deepEqual(clock.sleeps, [delay]);
  });
});
