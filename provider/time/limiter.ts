/**
 * One adaptive rate limiter per process, shared by every AMP call of every resource.
 *
 * AMP limits the calls of an account per second. Without a shared limiter, the concurrent operations of a
 * `pulumi up` fill the service's window together, are refused together and wait out the same `Retry-After`
 * together, so whole seconds pass with nothing sent. This limiter sees every call of the process, learns the
 * rate the service accepts from its refusals, and from then on releases calls one at a time, first come first
 * served, at a little under that rate.
 *
 * - It starts open: until AMP refuses a call, nothing waits (a stack that is never throttled pays nothing).
 * - On a 429 it counts the calls of this process that the service accepted in the second before the refused
 *   one (widened by the refused call's round trip: the service counts arrivals), with a one-second window
 *   exactly what it had room for, and paces at `headroom` × that. A later refusal lowers the estimate by at
 *   most `decrease` (or to the new count, if higher), once per congestion (refusals of calls sent up to a window
 *   after an adjustment belong to the congestion it answered).
 * - No call is released before the service has room again: the moment the oldest call counted in its window
 *   leaves it (plus that round trip), and never later than the `Retry-After` the service asked for.
 * - A refusal that this process's own traffic does not explain (fewer than `minEvidence` calls in the window:
 *   another client of the account, a transient fault) changes nothing: only that call backs off.
 * - After `holdMs` without a refusal the pace rises by `growthPerSecond`, so that a raised limit is found
 *   again; after `forgetMs` without one, the limiter is open again.
 * - A call whose turn would come after its operation's deadline is refused at once (a `WaitTimeoutError`),
 *   never held past it; a call whose attempt is abandoned (cancelled, or cut off at the deadline) leaves the
 *   queue at once.
 *
 * There is one limiter per AMP endpoint, region and profile the process calls (AWS limits an account's calls
 * per region): in practice one per process. The AMP seam (provider/aws/amp.ts) sends every call through
 * `paced` with the `Attempt` the retry loop (retry.ts) gave it, so the limiter knows the deadline of the
 * operation a call belongs to and the signal that abandons it.
 *
 * Its state is module-level and per process. That is safe for the dynamic provider: Pulumi's serializer
 * captures the provider module by reference (`require`), so nothing here is ever serialized.
 */
import { getRetryAfterHint, isThrottlingError } from "@smithy/core/retry";
import type { SdkError } from "@smithy/types";

import { WaitTimeoutError } from "../errors";
import { type Clock, systemClock } from "./clock";

/** One try of one AMP call, as the retry loop hands it to the call and the call hands it to `paced`. */
export interface Attempt {
  /** Aborts the attempt (the operation was cancelled, or the attempt was cut off at the deadline). */
  readonly signal: AbortSignal;
  /**
   * Real time (ms since the epoch) after which the attempt's operation gives up; `Infinity` when it runs on
   * another clock (a test's fake time means nothing to the process's limiter, which runs on real time).
   */
  readonly deadline: number;
}

/** How the limiter learns and paces. */
export interface RateLimiterOptions {
  /** The window the service counts calls in, ms. */
  windowMs: number;
  /** The pace, as a fraction of the learned rate: room for the calls' timing to wander. */
  headroom: number;
  /** The largest cut of the learned rate at one refusal (0.9 = at most 10 % lower). */
  decrease: number;
  /** Calls of this process in the window, at least, for a refusal to say anything about the rate. */
  minEvidence: number;
  /** How long the pace holds after a refusal before it starts to rise, ms. */
  holdMs: number;
  /** How fast the pace rises after the hold: a fraction per second. */
  growthPerSecond: number;
  /** After this long without a refusal the limiter is open again, ms. */
  forgetMs: number;
}

/** The defaults: see the module comment. */
export const defaultRateLimiterOptions: RateLimiterOptions = {
  windowMs: 1000,
  headroom: 0.95,
  decrease: 0.9,
  minEvidence: 3,
  holdMs: 10_000,
  growthPerSecond: 0.03,
  forgetMs: 60_000,
};

/** A call let through: when it was released. Hand it back with the outcome. */
export interface Ticket {
  readonly sentAt: number;
  refused: boolean;
}

/** What the limiter knows, for benchmarks and diagnostics. */
export interface RateLimiterState {
  /** The pace now, calls/s; undefined while open. */
  pace: number | undefined;
  /** The learned rate the service accepts, calls/s; undefined while open. */
  learnedRate: number | undefined;
  /** Calls released, refusals seen, refusals that changed the pace. */
  released: number;
  refusals: number;
  adjustments: number;
  /** Calls waiting for their turn. */
  waiting: number;
  /** When the first refusal that set the pace arrived (clock time), if any. */
  firstAdjustmentAt: number | undefined;
}

interface Waiter {
  deadline: number;
  resolve(ticket: Ticket): void;
  reject(err: Error): void;
}

/** A token bucket of one token that learns its rate from the service's refusals. */
export class AdaptiveRateLimiter {
  private readonly options: RateLimiterOptions;
  /** The learned rate the service accepts (calls/s), or undefined while open. */
  private learned: number | undefined;
  private lastAdjustment = -Infinity;
  private firstAdjustment: number | undefined;
  /** No release before this time: when the service has room again after a refusal. */
  private notBefore = -Infinity;
  /** The turn of the previous call: its release time, or earlier when the release came late (timer lag). */
  private lastTurn = -Infinity;
  /** Calls released within the last two windows, oldest first. */
  private recent: Ticket[] = [];
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private released = 0;
  private refusals = 0;
  private adjustments = 0;

  constructor(
    private readonly clock: Clock,
    options: Partial<RateLimiterOptions> = {},
  ) {
    this.options = { ...defaultRateLimiterOptions, ...options };
  }

  /**
   * Waits for this call's turn and returns its ticket. Calls are released in the order they asked.
   *
   * @throws WaitTimeoutError at once when the call's turn would come after `deadline` (clock time).
   * @throws the reason of `signal` when it aborts before the call's turn: the call leaves the queue.
   */
  async acquire(deadline = Infinity, signal?: AbortSignal): Promise<Ticket> {
    if (signal?.aborted) {
      throw abandoned(signal);
    }
    const now = this.clock.now();
    if (this.queue.length === 0 && this.earliestRelease(now) <= now) {
      return this.release(now);
    }
    const expected = this.expectedRelease(now, this.queue.length);
    if (expected > deadline) {
      throw this.deadlineError(now, expected, deadline);
    }
    const queue = this.queue;
    return new Promise<Ticket>((resolve, reject) => {
      const waiter: Waiter = {
        deadline,
        resolve: (ticket) => {
          signal?.removeEventListener("abort", leave);
          resolve(ticket);
        },
        reject: (err) => {
          signal?.removeEventListener("abort", leave);
          reject(err);
        },
      };
      function leave(this: void): void {
        const at = queue.indexOf(waiter);
        if (at >= 0) {
          queue.splice(at, 1);
          reject(abandoned(signal));
        }
      }
      signal?.addEventListener("abort", leave, { once: true });
      queue.push(waiter);
      void this.pump();
    });
  }

  /**
   * Records that the service refused `ticket`'s call (429). `retryAfterMs` is the service's `Retry-After`
   * from now, if it sent one.
   */
  onThrottled(ticket: Ticket, retryAfterMs?: number): void {
    const now = this.clock.now();
    this.refusals++;
    ticket.refused = true;
    this.forgetOld(now);
    // The service counts a call when it arrives, ours when it leaves: widen our window by the refused call's
    // round trip, so that calls still counted by the service are counted here too.
    const skew = Math.max(0, now - ticket.sentAt);
    const window = this.recent.filter(
      (t) => !t.refused && t.sentAt > ticket.sentAt - this.options.windowMs - skew && t.sentAt <= ticket.sentAt,
    );
    if (window.length < this.options.minEvidence) {
      return;
    }
    if (ticket.sentAt <= this.lastAdjustment + this.options.windowMs) {
      // Sent before the last adjustment or within a window after it, while the calls the service still counts
      // from before it are leaving its window: the pace has already answered this congestion.
      return;
    }
    const counted = (window.length * 1000) / this.options.windowMs;
    const current = this.learnedRateAt(now);
    this.learned = current === undefined ? counted : Math.max(counted, current * this.options.decrease);
    this.lastAdjustment = now;
    this.firstAdjustment ??= now;
    this.adjustments++;
    const inWindow = window.filter((t) => t.sentAt > ticket.sentAt - this.options.windowMs);
    let free = (inWindow[0] ?? window[0]).sentAt + this.options.windowMs + skew;
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
      free = Math.min(free, now + Math.max(0, retryAfterMs));
    }
    this.notBefore = Math.max(this.notBefore, free);
  }

  /** What the limiter knows now. */
  state(): RateLimiterState {
    const now = this.clock.now();
    const learned = this.learnedRateAt(now);
    return {
      pace: learned === undefined ? undefined : learned * this.options.headroom,
      learnedRate: learned,
      released: this.released,
      refusals: this.refusals,
      adjustments: this.adjustments,
      waiting: this.queue.length,
      firstAdjustmentAt: this.firstAdjustment,
    };
  }

  /** The learned rate now (it rises after the hold), or undefined when open. */
  private learnedRateAt(now: number): number | undefined {
    if (this.learned === undefined) {
      return undefined;
    }
    const quiet = now - this.lastAdjustment;
    if (quiet >= this.options.forgetMs) {
      this.learned = undefined;
      this.lastAdjustment = -Infinity;
      return undefined;
    }
    const rising = Math.max(0, quiet - this.options.holdMs) / 1000;
    return this.learned * (1 + this.options.growthPerSecond) ** rising;
  }

  /** The interval between releases now, ms (0 when open). */
  private spacing(now: number): number {
    const learned = this.learnedRateAt(now);
    return learned === undefined ? 0 : 1000 / (learned * this.options.headroom);
  }

  private earliestRelease(now: number): number {
    return Math.max(this.notBefore, this.lastTurn + this.spacing(now));
  }

  /** When the call `position` places behind the head of the queue would be released at the current pace. */
  private expectedRelease(now: number, position: number): number {
    return Math.max(now, this.earliestRelease(now)) + position * this.spacing(now);
  }

  private release(now: number): Ticket {
    const ticket: Ticket = { sentAt: now, refused: false };
    // Turns stay on the pace's grid when a release comes a little late (a busy event loop fires timers late),
    // so that lateness does not add up into a lower rate; by at most half the headroom's slack in a window,
    // so that no window ever holds more calls than the learned rate.
    const catchUp = 0.5 * this.options.windowMs * (1 / this.options.headroom - 1);
    const spacing = this.spacing(now);
    this.lastTurn = spacing === 0 ? now : Math.max(this.earliestRelease(now), now - catchUp);
    this.released++;
    this.recent.push(ticket);
    this.forgetOld(now);
    return ticket;
  }

  private forgetOld(now: number): void {
    const horizon = now - 2 * this.options.windowMs;
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop].sentAt < horizon) {
      drop++;
    }
    if (drop > 0) {
      this.recent.splice(0, drop);
    }
  }

  /** Releases waiting calls one at a time, each when its turn comes; refuses those that would miss their deadline. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      return;
    }
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.clock.now();
        // Fail fast: a call whose turn comes after its deadline is told now, not held until then.
        for (let i = 0; i < this.queue.length;) {
          const expected = this.expectedRelease(now, i);
          const waiter = this.queue[i];
          if (expected > waiter.deadline) {
            this.queue.splice(i, 1);
            waiter.reject(this.deadlineError(now, expected, waiter.deadline));
          } else {
            i++;
          }
        }
        if (this.queue.length === 0) {
          break;
        }
        const at = this.earliestRelease(now);
        if (at > now) {
          await this.clock.sleep(at - now);
          continue;
        }
        this.queue.shift()!.resolve(this.release(now));
      }
    } finally {
      this.pumping = false;
    }
  }

  private deadlineError(now: number, expected: number, deadline: number): LimiterRefusalError {
    const pace = this.state().pace;
    return new LimiterRefusalError(
      `timed out: AMP is throttling this account and the process's shared rate limiter ` +
        `(${pace === undefined ? "waiting for the service's window" : `pacing ${pace.toFixed(1)} calls/s`}, ` +
        `${this.queue.length} calls queued) would send this call ${((expected - now) / 1000).toFixed(1)}s from now, ` +
        `${((expected - deadline) / 1000).toFixed(1)}s after the operation's time (waitTimeoutSeconds) runs out; ` +
        "nothing was sent",
    );
  }
}

const refusalBrand = Symbol.for("pulumi-amp-resource-policy.LimiterRefusal");

/**
 * The limiter's refusal of a call whose turn would come after its operation's deadline: nothing was sent. A
 * `WaitTimeoutError` (the operation ran out of time), branded so that the retry loop can give up with the error
 * that made it retry instead.
 */
export class LimiterRefusalError extends WaitTimeoutError {
  /** @internal */
  readonly [refusalBrand] = true;

  /** Whether `err` is a `LimiterRefusalError`, from whichever copy of this module it came. */
  static override isInstance(err: unknown): err is LimiterRefusalError {
    return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[refusalBrand] === true;
  }

  constructor(message: string) {
    super(message, undefined);
  }
}

/** Why a call left the queue: the reason its signal aborted with. */
function abandoned(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error("the call was abandoned before its turn came", { cause: reason });
}

/** Whether `err` is the limiter's refusal of a call whose turn would come after its operation's deadline. */
export function isLimiterRefusal(err: unknown): err is LimiterRefusalError {
  return LimiterRefusalError.isInstance(err);
}

/**
 * Runs one AMP call in its turn: waits for `limiter` to release it (refused at once if its turn would come
 * after `attempt`'s deadline; leaving the queue when its signal aborts), and reports a 429 with its
 * `Retry-After`. Without an attempt the call has no deadline and cannot be abandoned while it waits.
 */
export async function paced<T>(limiter: AdaptiveRateLimiter, call: () => Promise<T>, attempt?: Attempt): Promise<T> {
  const ticket = await limiter.acquire(attempt?.deadline ?? Infinity, attempt?.signal);
  try {
    return await call();
  } catch (err) {
    if (typeof err === "object" && err !== null && isThrottlingError(err as SdkError)) {
      const hint = getRetryAfterHint((err as { $response?: unknown }).$response);
      limiter.onThrottled(ticket, hint ? hint.getTime() - Date.now() : undefined);
    }
    throw err;
  }
}

const shared = new Map<string, AdaptiveRateLimiter>();

/**
 * The process's limiter for the AMP endpoint `key` names (endpoint, region and profile), on real time: every
 * AMP call of every resource to that endpoint goes through it.
 */
export function sharedLimiter(key = ""): AdaptiveRateLimiter {
  let limiter = shared.get(key);
  if (limiter === undefined) {
    limiter = new AdaptiveRateLimiter(systemClock);
    shared.set(key, limiter);
  }
  return limiter;
}

/** Replaces the process's limiters with new, open ones (benchmarks and tests that measure a cold start). */
export function resetSharedLimiter(): void {
  shared.clear();
}
