import assert from "node:assert/strict";

import { WaitTimeoutError } from "../../provider/errors";
import { type Clock, TransitionMemory, waitFor } from "../../provider/time";

/** A clock whose sleeps advance time instantly. */
function fakeClock(): Clock {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms), random: () => 0.5 };
}

/** A deterministic sequence in [0, 1) (a linear congruential generator), for transitions that vary. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const what = (ws: string) => `the resource policy of AMP workspace ${ws} (revision r-${ws}) to become ACTIVE`;

/** One wait for a service that settles `settleMs` after the wait starts; each poll takes `latencyMs`. */
async function waitOnce(
  memory: TransitionMemory | null,
  settleMs: number,
  options: { latencyMs?: number; ws?: string; schedule?: boolean } = {},
): Promise<{ polls: number; lateMs: number }> {
  const clock = fakeClock();
  let polls = 0;
  await waitFor(
    what(options.ws ?? "ws-1"),
    async () => {
      polls++;
      const at = clock.now();
      await clock.sleep(options.latencyMs ?? 5);
      return { done: at >= settleMs, status: at >= settleMs ? "ACTIVE" : "CREATING" };
    },
    {
      clock,
      deadline: 3_600_000,
      transitions: memory,
      schedule: options.schedule ? { firstDelayMs: 200, fraction: 0.15, minIntervalMs: 250 } : undefined,
    },
  );
  return { polls, lateMs: clock.now() - settleMs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const allowance = (settleMs: number) => Math.max(500, 0.15 * settleMs);

describe("polls spent around the transition times this process has seen", () => {
  it("keeps today's schedule for a first, cold wait", async () => {
    for (const settleMs of [500, 2000, 10_000]) {
      const cold = await waitOnce(null, settleMs);
      const first = await waitOnce(new TransitionMemory(), settleMs);
      assert.deepEqual(first, cold);
    }
  });

  // Terraform's waiter (polls at 0, 0.2, 0.6, 1.4, 3.0, 6.2 s..., doubling to 10 s) makes 5 Describes at 2 s and
  // 8 at 10 s; today's schedule makes 9 and 20.
  for (const [settleMs, terraform] of [
    [2000, 5],
    [10_000, 8],
  ]) {
    it(`makes at most Terraform's ${terraform} polls in the median of 50 waits of ${settleMs / 1000} s, each within max(0.5 s, 15 %)`, async () => {
      const memory = new TransitionMemory();
      const waits = [];
      for (let i = 0; i < 50; i++) {
        waits.push(await waitOnce(memory, settleMs, { ws: `ws-${i}` }));
      }
      assert.ok(median(waits.map((w) => w.polls)) <= terraform, `polls: ${waits.map((w) => w.polls).join(" ")}`);
      for (const w of waits) {
        assert.ok(w.lateMs >= 0 && w.lateMs <= allowance(settleMs), `late ${w.lateMs} ms`);
      }
    });
  }

  it("still returns within max(0.5 s, 15 %) when transitions vary by ±20 %", async () => {
    for (const base of [2000, 10_000]) {
      const random = sequence(base);
      const memory = new TransitionMemory();
      for (let i = 0; i < 60; i++) {
        const settleMs = base * (0.8 + 0.4 * random());
        const { lateMs } = await waitOnce(memory, settleMs);
        assert.ok(lateMs <= allowance(settleMs), `wait ${i} of ${settleMs} ms returned ${lateMs} ms late`);
      }
    }
  });

  it("falls back to the geometric schedule for a transition far longer than any seen", async () => {
    const memory = new TransitionMemory();
    for (let i = 0; i < 10; i++) await waitOnce(memory, 2000);
    const { lateMs } = await waitOnce(memory, 60_000);
    assert.ok(lateMs <= 0.15 * 60_000, `late ${lateMs} ms`);
  });

  it("learns one transition across workspaces and revisions, and never from a wait on a fixed schedule", async () => {
    const memory = new TransitionMemory();
    await waitOnce(memory, 2000, { ws: "ws-a" });
    await waitOnce(memory, 2000, { ws: "ws-b.2" });
    await waitOnce(memory, 2000, { ws: "ws-c", schedule: true });
    assert.equal(memory.durations("the resource policy of AMP workspace * to become ACTIVE").length, 2);
  });

  it("keeps different transitions apart", async () => {
    const memory = new TransitionMemory();
    const clock = fakeClock();
    const probe = async () => ({ done: clock.now() >= 1000, status: "x" });
    await waitFor("the resource policy of AMP workspace ws-1 to be deleted", probe, {
      clock,
      deadline: 60_000,
      transitions: memory,
    });
    assert.equal(memory.durations("the resource policy of AMP workspace * to be deleted").length, 1);
    assert.equal(memory.durations("the resource policy of AMP workspace * to become ACTIVE").length, 0);
  });
});

describe("learning in both directions, and no idle waiting (issue 15.15)", () => {
  const learn = async (memory: TransitionMemory, settleMs: number, times = 8) => {
    for (let i = 0; i < times; i++) await waitOnce(memory, settleMs, { ws: `ws-learn-${i}` });
  };

  it("keeps max(0.5 s, 15 %) when transitions get shorter: after 2.5 s transitions, a 0.1 s one returns within 0.5 s", async () => {
    const memory = new TransitionMemory();
    await learn(memory, 2500);
    const { lateMs } = await waitOnce(memory, 100);
    assert.ok(lateMs <= 500, `a 0.1 s transition after 2.5 s ones returned ${lateMs} ms late`);
  });

  it("keeps max(0.5 s, 15 % of the transitions learned) for any shorter transition after 10 s ones", async () => {
    const memory = new TransitionMemory();
    await learn(memory, 10_000);
    for (const settleMs of [1, 100, 1000, 3000, 6000, 9000]) {
      const { lateMs } = await waitOnce(memory, settleMs, { ws: `ws-short-${settleMs}` });
      assert.ok(lateMs <= 1500, `a ${settleMs} ms transition after 10 s ones returned ${lateMs} ms late`);
    }
  });

  it("polls at once when the learned transition is shorter than half a poll interval, and returns by the next poll", async () => {
    for (const learnedMs of [0, 60, 100, 150]) {
      const memory = new TransitionMemory();
      await learn(memory, learnedMs);
      const times: number[] = [];
      const clock = fakeClock();
      await waitFor(
        what("ws-fast"),
        async () => {
          times.push(clock.now());
          return { done: clock.now() >= learnedMs, status: clock.now() >= learnedMs ? "ACTIVE" : "CREATING" };
        },
        { clock, deadline: 60_000, transitions: memory },
      );
      const returnedAt = times[times.length - 1];
      // A cold wait returns 200 ms after a transition that settles at once: learning must do no worse.
      assert.ok(times[0] <= learnedMs, `learned ${learnedMs} ms: first poll at ${times[0]} ms`);
      assert.ok(returnedAt - learnedMs <= 125, `learned ${learnedMs} ms: polls at ${times.join(", ")} ms`);
    }
  });

  it("with 2 s left and 2.5 s transitions learned, still polls, and returns a transition that settled", async () => {
    const memory = new TransitionMemory();
    await learn(memory, 2500);
    const clock = fakeClock();
    let polls = 0;
    const value = await waitFor(
      what("ws-tight"),
      async () => {
        polls++;
        return { done: clock.now() >= 100, status: clock.now() >= 100 ? "ACTIVE" : "CREATING", value: "seen" };
      },
      { clock, deadline: 2000, transitions: memory },
    );
    assert.equal(value, "seen");
    assert.ok(polls >= 1);
  });

  it("with less time left than the next poll needs, polls once at the end instead of giving up at once", async () => {
    const memory = new TransitionMemory();
    await learn(memory, 2500);
    const clock = fakeClock();
    const times: number[] = [];
    await assert.rejects(
      waitFor(
        what("ws-tight"),
        async () => {
          times.push(clock.now());
          return { done: false, status: "CREATING" };
        },
        { clock, deadline: 300, transitions: memory },
      ),
      (err: unknown) => WaitTimeoutError.isInstance(err) && /last status seen: CREATING/.test(err.message),
    );
    assert.ok(times.length >= 1, "no status poll was made though the deadline allowed one");
  });

  it("ends at once, without sleeping, when the read already made shows the status final", async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    const sleeping: Clock = { ...clock, sleep: async (ms) => void sleeps.push(ms) };
    let polls = 0;
    const value = await waitFor(
      what("ws-done"),
      async () => {
        polls++;
        return { done: true, status: "ACTIVE", value: "polled" };
      },
      { clock: sleeping, deadline: 60_000, transitions: null },
      { done: true, status: "ACTIVE", value: "already read" },
    );
    assert.equal(value, "already read");
    assert.equal(polls, 0);
    assert.deepEqual(sleeps, []);
  });

  it("polls at once, without sleeping first, when no read was made yet", async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    const sleeping: Clock = { ...clock, sleep: async (ms) => void sleeps.push(ms) };
    const value = await waitFor(what("ws-done"), async () => ({ done: true, status: "ACTIVE", value: 1 }), {
      clock: sleeping,
      deadline: 60_000,
      transitions: null,
    });
    assert.equal(value, 1);
    assert.deepEqual(sleeps, []);
  });
});
