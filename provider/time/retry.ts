/**
 * Retries with capped, jittered backoff, each attempt within its operation's deadline (handed to the call, and
 * by it to the rate limiter, as an `Attempt`) and ended at once when the operation is cancelled (the engine's
 * `Cancel`); the pause between attempts of something that keeps failing; what a cancellation is.
 */
import { getRetryAfterHint, isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import type { SdkError } from "@smithy/types";

import { WaitTimeoutError, messageOf } from "../errors";
import { type Clock, systemClock } from "./clock";
import { type Attempt, isLimiterRefusal } from "./limiter";

/** The time an operation has: its clock, its deadline, and the signal that cancels it. */
export interface OperationTiming {
  clock: Clock;
  /** Absolute time (on `clock`) after which the operation gives up. */
  deadline: number;
  /**
   * Ends the operation's waits, pauses, retries and the AMP call in flight at once when it aborts (the engine's
   * `Cancel`), with a `WaitTimeoutError` that says so (see `isCancellation`).
   */
  signal?: AbortSignal;
}

const exhaustedBrand = Symbol.for("pulumi-amp-resource-policy.RetriesExhausted");

/**
 * `withRetries` gave up on a retryable error: another attempt would have passed the operation's deadline. Its
 * message is the last error's, which it keeps as its `cause`; `attempts` says how many were made.
 */
export class RetriesExhaustedError extends Error {
  /** @internal */
  readonly [exhaustedBrand] = true;

  /** Whether `err` is a `RetriesExhaustedError`, from whichever copy of this module it came. */
  static isInstance(err: unknown): err is RetriesExhaustedError {
    return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[exhaustedBrand] === true;
  }

  constructor(
    lastError: unknown,
    /** The attempts made, the last one included. */
    readonly attempts: number,
  ) {
    super(messageOf(lastError), { cause: lastError });
    this.name = "RetriesExhaustedError";
  }
}

const cancelledBrand = Symbol.for("pulumi-amp-resource-policy.Cancelled");

/**
 * A `WaitTimeoutError` for an operation cancelled (the engine's `Cancel`): like a deadline, the status is unknown.
 *
 * @internal shared by retries and polling, not part of `provider/time`'s exports.
 */
export function cancellation(message: string, lastStatus: string | undefined, signal?: AbortSignal): WaitTimeoutError {
  return Object.assign(new WaitTimeoutError(message, lastStatus, { cause: signal?.reason }), {
    [cancelledBrand]: true,
  });
}

/** Whether `err` ended an operation because it was cancelled (the engine's `Cancel`), not because time ran out. */
export function isCancellation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[cancelledBrand] === true;
}

/**
 * Sleeps `ms` on the operation's clock; throws `cancelled()` at once when the operation's signal aborts.
 *
 * @internal shared by retries and polling, not part of `provider/time`'s exports.
 */
export async function sleepUnlessCancelled(
  ms: number,
  options: OperationTiming,
  cancelled: () => Error,
): Promise<void> {
  const { signal } = options;
  if (ms <= 0 && !signal?.aborted) {
    return;
  }
  if (signal === undefined) {
    return options.clock.sleep(ms);
  }
  if (signal.aborted) {
    throw cancelled();
  }
  let onAbort: (() => void) | undefined;
  // A clock of a test may not know signals: the race ends the sleep whatever the clock does.
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([options.clock.sleep(ms, signal), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
  if (signal.aborted) {
    throw cancelled();
  }
}

/** Backoff for retries: exponential from `baseMs`, capped at `capMs`, with equal jitter. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

const defaultBackoff: BackoffOptions = { baseMs: 200, capMs: 5000 };

/** The delay before retry number `attempt` (1-based): half fixed, half random, never above the cap. */
export function backoffDelay(attempt: number, random: number, backoff: BackoffOptions = defaultBackoff): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** Whether an error is throttling, a 5xx, or a network failure: worth the same request again. */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) {
    return false;
  }
  if (RetriesExhaustedError.isInstance(err)) {
    // A call that ran out of retries within a longer wait: the wait counts it as a failed poll, as it was.
    return isRetryable(err.cause);
  }
  const e = err as SdkError;
  const status = e.$metadata?.httpStatusCode;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e) || (status !== undefined && status >= 500);
}

/**
 * Runs `call`, retrying retryable errors with backoff (honouring `Retry-After`, within the cap) until it
 * succeeds, fails otherwise, or the deadline would pass. The caller keeps the request (and its client token)
 * the same across attempts. Each attempt is given its `Attempt`: the signal that aborts it if it is still
 * unanswered at the deadline (or the operation is cancelled), and the deadline for the rate limiter.
 *
 * @throws WaitTimeoutError when the deadline passes during an attempt.
 * @throws RetriesExhaustedError when another attempt at a retryable error would pass the deadline.
 */
export async function withRetries<T>(
  call: (attempt: Attempt) => Promise<T>,
  options: OperationTiming & { backoff?: BackoffOptions },
): Promise<T> {
  const { clock, deadline } = options;
  const backoff = options.backoff ?? defaultBackoff;
  let previous: unknown;
  const cancelled = () =>
    cancellation(
      "cancelled by the engine before AMP answered; a request already sent was abandoned and may still take effect",
      undefined,
      options.signal,
    );
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) {
      throw cancelled();
    }
    try {
      return await beforeDeadline(call, options, cancelled);
    } catch (err) {
      if (isCancellation(err) || options.signal?.aborted) {
        throw isCancellation(err) ? err : cancelled();
      }
      if (isLimiterRefusal(err) && previous !== undefined) {
        // The limiter would send the next attempt after the deadline: give up with the error that made us retry.
        throw new RetriesExhaustedError(previous, attempt - 1);
      }
      previous = err;
      const hint = getRetryAfterHint((err as { $response?: unknown }).$response);
      const hintMs = hint ? hint.getTime() - Date.now() : undefined;
      if (!isRetryable(err)) {
        throw err;
      }
      let delay = backoffDelay(attempt, clock.random(), backoff);
      if (hintMs !== undefined) {
        // At least the Retry-After asked for, plus up to 10 % so that the calls refused together come back apart.
        const jittered = hintMs + 0.1 * Math.max(0, hintMs) * clock.random();
        delay = Math.min(Math.max(delay, jittered), Math.max(backoff.capMs, 20_000));
      }
      if (clock.now() + delay > deadline) {
        throw new RetriesExhaustedError(err, attempt);
      }
      await sleepUnlessCancelled(delay, options, cancelled);
    }
  }
}

/** The longest delay `setTimeout` takes; a longer one fires at once. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * One attempt of `call`, abandoned (and aborted through its signal) if it is still running at the deadline or
 * when the operation is cancelled: a service that accepts a connection and never answers must not hold an
 * operation past its timeout, nor past the engine's `Cancel`.
 */
async function beforeDeadline<T>(
  call: (attempt: Attempt) => Promise<T>,
  options: OperationTiming,
  cancelled: () => Error,
): Promise<T> {
  const controller = new AbortController();
  const { signal } = options;
  let onCancel: (() => void) | undefined;
  const cancel = new Promise<never>((_resolve, reject) => {
    onCancel = () => {
      const err = cancelled();
      reject(err);
      controller.abort(err);
    };
    signal?.addEventListener("abort", onCancel, { once: true });
  });
  const started = options.clock.now();
  const remaining = Math.min(maxTimerMs, Math.max(0, options.deadline - started));
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const waited = ((options.clock.now() - started) / 1000).toFixed(1);
      const err = new WaitTimeoutError(
        `timed out: AMP had not answered ${waited}s after the request was sent when the operation's time ` +
          "(waitTimeoutSeconds) ran out; the request was abandoned and may still take effect",
        undefined,
      );
      reject(err);
      controller.abort(err);
    }, remaining);
  });
  try {
    // The limiter holds a call waiting for its turn only until the attempt is abandoned, and only while its turn
    // comes before the deadline: on the real clock only, the one the process's limiter runs on.
    const attempt: Attempt = {
      signal: controller.signal,
      deadline: options.clock === systemClock ? options.deadline : Infinity,
    };
    return await Promise.race([call(attempt), expired, cancel]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onCancel!);
  }
}

/** The least time left for an attempt after a pause; with less, the pause gives up instead. */
export const minAttemptMs = 250;

/**
 * Sleeps before attempt `attempt + 1` of something that keeps failing without being an error.
 *
 * @throws WaitTimeoutError naming `what` and the last error when the deadline would pass first.
 */
export async function pause(
  what: string,
  attempt: number,
  options: OperationTiming,
  lastError?: unknown,
): Promise<void> {
  const delay = backoffDelay(attempt, options.clock.random());
  // The next attempt needs time of its own: one started a moment before the deadline is only cut off, and its
  // "AMP had not answered" would hide the conflicts that used up the time.
  if (options.clock.now() + delay + minAttemptMs > options.deadline) {
    throw new WaitTimeoutError(
      `timed out after ${attempt} attempts waiting for ${what} to succeed; last error: ${lastError === undefined ? "none" : messageOf(lastError)}`,
      undefined,
      { cause: lastError },
    );
  }
  await sleepUnlessCancelled(delay, options, () =>
    cancellation(
      `cancelled by the engine after ${attempt} attempts waiting for ${what} to succeed; last error: ` +
        (lastError === undefined ? "none" : messageOf(lastError)),
      undefined,
      options.signal,
    ),
  );
}
