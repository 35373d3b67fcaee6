import assert from "node:assert/strict";

import { WaitTimeoutError } from "../../provider/errors";
import {
  AdaptiveRateLimiter,
  type Clock,
  LimiterRefusalError,
  RetriesExhaustedError,
  type Ticket,
  isLimiterRefusal,
  paced,
  sharedLimiter,
  withRetries,
} from "../../provider/time";

/**
 * Simulated time: `sleep` registers a timer, and `run` fires timers in time order, letting every promise
 * chain settle between them. No test here waits on the wall clock.
 */
class FakeTime implements Clock {
  private t = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, resolve }));
  }
  random(): number {
    return 0.5;
  }
  /** Lets pending promise chains run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  /** Fires timers in order until none is left before `until`, then moves the time to `until`. */
  async run(until = Infinity): Promise<void> {
    await this.settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.at > until) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await this.settle();
    }
    if (Number.isFinite(until)) this.t = Math.max(this.t, until);
  }
}

/** Releases `count` calls at once (the limiter is open) and returns their tickets. */
async function burst(limiter: AdaptiveRateLimiter, count: number): Promise<Ticket[]> {
  const tickets: Ticket[] = [];
  for (let i = 0; i < count; i++) tickets.push(await limiter.acquire());
  return tickets;
}

/** A limiter that has learned the service accepts 20 calls a second (first call at 0, refused at 100 ms). */
async function learned20(time: FakeTime): Promise<AdaptiveRateLimiter> {
  const limiter = new AdaptiveRateLimiter(time);
  await burst(limiter, 20);
  await time.run(100);
  limiter.onThrottled(await limiter.acquire(), 1000);
  return limiter;
}

describe("the shared adaptive rate limiter (fake clock)", () => {
  it("starts open: nothing waits until the service refuses a call", async () => {
    const time = new FakeTime();
    const limiter = new AdaptiveRateLimiter(time);
    const tickets = await burst(limiter, 200);
    assert.ok(tickets.every((t) => t.sentAt === 0));
    assert.equal(limiter.state().pace, undefined);
  });

  it("learns the rate from the first refusal: 95 % of the calls accepted in the second before it", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const state = limiter.state();
    assert.equal(state.learnedRate, 20);
    assert.equal(state.pace, 19);
    assert.equal(state.adjustments, 1);
  });

  it("sends nothing until the service's window has room again, then one call every 1/pace", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const released: number[] = [];
    for (let i = 0; i < 5; i++) void limiter.acquire().then((t) => released.push(t.sentAt));
    await time.run();
    // The oldest accepted call (at 0) leaves the one-second window at 1000 ms.
    assert.equal(released[0], 1000);
    for (let i = 1; i < released.length; i++) {
      assert.ok(
        Math.abs(released[i] - released[i - 1] - 1000 / 19) < 1e-6,
        `interval ${released[i] - released[i - 1]}`,
      );
    }
  });

  it("pauses no longer than the service's Retry-After", async () => {
    const time = new FakeTime();
    const limiter = new AdaptiveRateLimiter(time);
    await burst(limiter, 10);
    await time.run(100);
    limiter.onThrottled(await limiter.acquire(), 300);
    let sentAt = -1;
    void limiter.acquire().then((t) => (sentAt = t.sentAt));
    await time.run();
    assert.equal(sentAt, 400);
  });

  it("releases waiting calls first come, first served", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      const name = `${i % 3 === 0 ? "a" : i % 3 === 1 ? "b" : "c"}${i}`;
      void limiter.acquire().then(() => order.push(name));
    }
    await time.run();
    assert.deepEqual(
      order,
      Array.from({ length: 12 }, (_, i) => `${i % 3 === 0 ? "a" : i % 3 === 1 ? "b" : "c"}${i}`),
    );
  });

  it("shares the pace evenly among concurrent operations, none starved", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const calls = new Array<number>(8).fill(0);
    let stop = false;
    const operation = async (k: number) => {
      while (!stop) {
        await limiter.acquire();
        calls[k]++;
        await time.sleep(5); // the call's own latency
      }
    };
    const running = calls.map((_, k) => operation(k));
    await time.run(5_000);
    const total = calls.reduce((a, b) => a + b, 0);
    const shares = [...calls];
    stop = true;
    await time.run();
    await Promise.all(running);
    // From 1 s to 5 s (within the hold) at 19 calls/s, in turns.
    assert.ok(Math.abs(total - 76) <= 2, `released ${total}`);
    assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `per operation: ${shares.join(", ")}`);
  });

  it("refuses at once a call whose turn would come after its deadline, without taking a turn", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    for (let i = 0; i < 40; i++) void limiter.acquire();
    // 40 calls ahead at 19/s, from 1 s: the next turn is at about 3.1 s.
    await assert.rejects(limiter.acquire(2000), (err: unknown) => {
      assert.ok(WaitTimeoutError.isInstance(err));
      assert.match(err.message, /rate limiter/);
      assert.match(err.message, /nothing was sent/);
      return true;
    });
    assert.equal(time.now(), 100, "refused without waiting");
    let sentAt = -1;
    void limiter.acquire(10_000).then((t) => (sentAt = t.sentAt));
    await time.run();
    assert.ok(Math.abs(sentAt - (1000 + (40 * 1000) / 19)) < 1e-6, `sent at ${sentAt}`);
  });

  it("refuses a waiting call as soon as a lower pace puts its turn past its deadline", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const waiting: Ticket[] = [];
    for (let i = 0; i < 20; i++) void limiter.acquire().then((t) => waiting.push(t));
    let refusedAt = -1;
    // 20 calls ahead at 19/s from 1 s: its turn is at about 2.05 s, within its deadline of 2.1 s.
    limiter.acquire(2100).catch(() => (refusedAt = time.now()));
    await time.run(1200);
    assert.equal(refusedAt, -1);
    // A refusal now: the pace drops 10 % and the turn moves past the deadline.
    limiter.onThrottled(waiting[waiting.length - 1], 1000);
    await time.run(1300);
    assert.ok(refusedAt >= 1200 && refusedAt < 1300, `refused at ${refusedAt}`);
  });

  it("lets a waiting call leave the queue at once when its attempt is abandoned (cancelled), and the next takes its turn", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const controller = new AbortController();
    let leftAt = -1;
    const abandoned = limiter.acquire(Infinity, controller.signal).catch((err: Error) => {
      leftAt = time.now();
      return err;
    });
    let nextAt = -1;
    void limiter.acquire().then((t) => (nextAt = t.sentAt));
    await time.run(300);
    controller.abort(new Error("cancelled by the engine"));
    await time.settle();
    assert.equal(leftAt, 300, "left the queue when abandoned, not at its turn");
    assert.match(((await abandoned) as Error).message, /cancelled by the engine/);
    await time.run();
    assert.equal(limiter.state().released, 22, "the abandoned call never took a turn");
    assert.equal(nextAt, 1000, "the call behind it took the first turn");
    await assert.rejects(limiter.acquire(Infinity, controller.signal), /cancelled by the engine/);
  });

  it("ignores a refusal that its own traffic does not explain", async () => {
    const time = new FakeTime();
    const limiter = new AdaptiveRateLimiter(time);
    await burst(limiter, 2);
    limiter.onThrottled(await limiter.acquire(), 1000);
    assert.equal(limiter.state().pace, undefined);
    assert.equal(limiter.state().refusals, 1);
    assert.equal((await limiter.acquire()).sentAt, 0, "still open");
  });

  it("adjusts once per congestion, and by at most 10 % at a time", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    // Calls sent before the adjustment come back refused too: the pace already answered them.
    limiter.onThrottled({ sentAt: 50, refused: false }, 1000);
    assert.equal(limiter.state().adjustments, 1);
    const tickets: Ticket[] = [];
    for (let i = 0; i < 19; i++) void limiter.acquire().then((t) => tickets.push(t));
    await time.run();
    // A refusal of a call sent later, with 18 calls in its window: the rate falls to 18, not to 20 × 0.9.
    limiter.onThrottled(tickets[18], 1000);
    assert.equal(limiter.state().learnedRate, 18);
  });

  it("holds its pace for 10 s after a refusal, then raises it 3 % a second, and opens after a quiet minute", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    await time.run(100 + 10_000);
    assert.equal(limiter.state().learnedRate, 20);
    await time.run(100 + 12_000);
    assert.ok(Math.abs(limiter.state().learnedRate! - 20 * 1.03 ** 2) < 1e-9);
    await time.run(100 + 60_000);
    assert.equal(limiter.state().pace, undefined);
  });

  it("paces each call through `paced`, and a 429 teaches the limiter", async () => {
    const time = new FakeTime();
    const limiter = new AdaptiveRateLimiter(time);
    await burst(limiter, 5);
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 429 },
    });
    await assert.rejects(
      paced(limiter, async () => {
        throw throttled;
      }),
      (err) => err === throttled,
    );
    assert.equal(limiter.state().refusals, 1);
    assert.equal(limiter.state().learnedRate, 5);
  });

  it("takes the deadline from the operation the call belongs to, and refuses a turn after it at once", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    for (let i = 0; i < 40; i++) void limiter.acquire();
    let called = false;
    await assert.rejects(
      paced(limiter, async () => (called = true), { deadline: 2000, signal: new AbortController().signal }),
      (err: unknown) => isLimiterRefusal(err) && WaitTimeoutError.isInstance(err),
    );
    assert.equal(called, false, "nothing was sent");
  });

  it("lets a call through `paced` leave the queue when its attempt's signal aborts, sending nothing", async () => {
    const time = new FakeTime();
    const limiter = await learned20(time);
    const controller = new AbortController();
    let called = false;
    const outcome = paced(limiter, async () => (called = true), {
      deadline: Infinity,
      signal: controller.signal,
    }).then(
      () => assert.fail("sent"),
      (err: unknown) => err,
    );
    await time.settle();
    assert.equal(limiter.state().waiting, 1, "the call waits for the service's window");
    const reason = new Error("the attempt was cut off");
    controller.abort(reason);
    assert.equal(await outcome, reason);
    assert.equal(called, false, "nothing was sent");
    assert.equal(limiter.state().waiting, 0);
  });

  it("makes withRetries give up with the error that made it retry when the next turn would pass the deadline", async () => {
    const time = new FakeTime();
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 429 },
    });
    const refusal = new LimiterRefusalError("timed out: rate limiter");
    let attempts = 0;
    const done = withRetries(
      async () => {
        throw attempts++ === 0 ? throttled : refusal;
      },
      { clock: time, deadline: 60_000 },
    );
    const outcome = done.then(
      () => assert.fail("succeeded"),
      (err: unknown) => err,
    );
    await time.run();
    const err = await outcome;
    assert.ok(RetriesExhaustedError.isInstance(err), String(err));
    assert.equal(err.cause, throttled);
    assert.equal(err.message, throttled.message);
    assert.equal(err.attempts, 1);
  });

  it("keeps one limiter per AMP endpoint, region and profile", () => {
    assert.equal(sharedLimiter("http://a us-east-1 "), sharedLimiter("http://a us-east-1 "));
    assert.notEqual(sharedLimiter("http://a us-east-1 "), sharedLimiter("http://b us-east-1 "));
  });
});
