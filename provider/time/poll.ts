/**
 * Polling: one waiter that owns the clock, the schedule (geometric, then around what this process has learned)
 * and the deadline (an argument), for any status probe; a status already final at the first read ends the wait
 * at once.
 */
import { WaitTimeoutError, messageOf } from "../errors";
import { systemClock } from "./clock";
import {
  type OperationTiming,
  cancellation,
  isCancellation,
  isRetryable,
  minAttemptMs,
  sleepUnlessCancelled,
} from "./retry";

/**
 * How status polls are spaced after the read at the start of a wait: the next after `firstDelayMs`, each later one
 * `fraction` of the time waited.
 */
export interface PollSchedule {
  /** Delay before the first poll after the read at the start of the wait. */
  firstDelayMs: number;
  /** Each later interval as a fraction of the time waited so far. */
  fraction: number;
  /** The shortest interval between polls. */
  minIntervalMs: number;
}

/**
 * The default schedule: an operation returns within max(0.25 s, 15 %) of the service settling, and the
 * number of polls grows with the logarithm of the wait.
 */
export const defaultPollSchedule: PollSchedule = { firstDelayMs: 200, fraction: 0.15, minIntervalMs: 250 };

/**
 * The delay before the next poll on a schedule, given how long the wait has lasted and whether it has read the
 * status yet: a wait that has not reads it at once (a status already final ends it without sleeping), then
 * polls first at `firstDelayMs` and on the geometric schedule after that.
 */
export function coldPollDelay(
  elapsedMs: number,
  polled: boolean,
  schedule: PollSchedule = defaultPollSchedule,
): number {
  if (!polled) {
    return 0;
  }
  if (elapsedMs < schedule.firstDelayMs) {
    return schedule.firstDelayMs - elapsedMs;
  }
  return nextPollDelay(elapsedMs, schedule);
}

/** The delay before the next poll, given how long the wait has lasted. */
export function nextPollDelay(elapsedMs: number, schedule: PollSchedule = defaultPollSchedule): number {
  if (elapsedMs <= 0) {
    return schedule.firstDelayMs;
  }
  return Math.max(schedule.minIntervalMs, Math.round(elapsedMs * schedule.fraction));
}

/** What a status probe found: whether the wait is over, and the status to report if it is not. */
export interface ProbeResult<T> {
  done: boolean;
  status: string;
  value?: T;
}

/** Options of a wait; without the wait's own, also what retries and pauses take (`OperationTiming`). */
export interface TimingOptions extends OperationTiming {
  /** A fixed poll schedule; without one, waits use the default schedule refined by what `transitions` learned. */
  schedule?: PollSchedule;
  /**
   * Which transition a wait is for, to learn its duration under; default: the wait's description without its
   * workspace id and parenthesized details (e.g. "the resource policy of AMP workspace * to become ACTIVE").
   */
  transition?: string;
  /**
   * Where waits learn how long transitions take; default the process's own on the real clock (none on another
   * clock: a test's fake time must not teach real waits). `null`: never learn.
   */
  transitions?: TransitionMemory | null;
}

/**
 * How long transitions took in this process: per transition, the time from the start of each recent
 * completed wait to the poll that saw it done (when that poll was asked for).
 */
export class TransitionMemory {
  private readonly samples = new Map<string, number[]>();

  constructor(private readonly keep = 16) {}

  /** Records that a wait for `transition` saw it done `elapsedMs` after it started. */
  record(transition: string, elapsedMs: number): void {
    const list = this.samples.get(transition) ?? [];
    list.push(elapsedMs);
    if (list.length > this.keep) {
      list.shift();
    }
    this.samples.set(transition, list);
  }

  /** The recent durations of `transition` (oldest first); empty before the first completed wait. */
  durations(transition: string): number[] {
    return [...(this.samples.get(transition) ?? [])];
  }

  /** Forgets everything (a benchmark starting a new run). */
  clear(): void {
    this.samples.clear();
  }
}

/** The process's memory of transitions, shared by every wait on the real clock. */
export const processTransitions = new TransitionMemory();

/**
 * Where the next poll goes once a transition's duration has been seen. The polls that matter come around the
 * shortest recent duration: one half an interval before it, one at it (a poll at that time has seen the
 * transition done before), then one every `interval` (half the allowance of max(0.5 s, 15 % of the median
 * duration), at least the schedule's minimum interval) until well past the longest seen, then the geometric
 * schedule again (before four durations are known, the first of them comes 15 % earlier). Before those, one
 * poll every allowance from the start, so that a transition that got shorter still returns within that
 * allowance: for transitions learned under 3.3 s that is the promise max(0.5 s, 15 %) itself. A wait that has
 * not read the status yet (`polled` false) reads it at once when the first poll is due at the start.
 */
export function learnedPollDelay(
  elapsedMs: number,
  durations: number[],
  schedule: PollSchedule = defaultPollSchedule,
  polled = elapsedMs > 0,
): number {
  if (durations.length === 0) {
    return coldPollDelay(elapsedMs, polled, schedule);
  }
  const sorted = [...durations].sort((a, b) => a - b);
  const shortest = sorted[0];
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const longest = sorted[sorted.length - 1];
  const allowance = Math.max(500, median * schedule.fraction);
  const interval = Math.max(schedule.minIntervalMs, Math.round(allowance / 2));
  // Few durations say little about the spread (and the first, cold one may overshoot by the schedule's 15 %):
  // start earlier until there are a few.
  const margin = durations.length < 4 ? shortest * schedule.fraction : 0;
  const first = Math.max(0, Math.round(shortest - interval / 2 - margin));
  const due = (at: number): boolean => (polled ? at > elapsedMs : at >= elapsedMs);
  if (due(first)) {
    // The latest poll of the grid that ends at `first`, one allowance apart, still ahead.
    let steps = Math.floor((first - elapsedMs) / allowance);
    if (!due(first - steps * allowance)) {
      steps--;
    }
    return first - steps * allowance - elapsedMs;
  }
  if (due(shortest)) {
    return shortest - elapsedMs;
  }
  const next = shortest + (Math.floor((elapsedMs - shortest) / interval) + 1) * interval;
  if (next < longest * 1.25 + interval) {
    return next - elapsedMs;
  }
  return nextPollDelay(elapsedMs, schedule);
}

/** The learning key of a wait: its description without the workspace id and parenthesized details. */
function transitionOf(what: string, options: TimingOptions): string {
  return (
    options.transition ??
    what
      .replace(/workspace \S+/g, "workspace *")
      .replace(/\s*\([^)]*\)/g, "")
      .trim()
  );
}

/**
 * Polls `probe` until it reports done, and returns its value: at once, then on the geometric schedule (or around
 * the transition times this process has learned). `initial` is a read the caller made just before the wait:
 * it counts as the first poll, and when it is already done the wait ends without sleeping or calling. While the
 * deadline allows one more poll, the wait makes it (as late as leaves it `minAttemptMs`) rather than give up
 * with time left. Retryable errors of a probe count as a failed poll; others end the wait.
 *
 * @throws WaitTimeoutError naming `what` and the last status seen, when the deadline passes first, or at once
 * when `options.signal` aborts (the operation was cancelled).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<ProbeResult<T>>,
  options: TimingOptions,
  initial?: ProbeResult<T>,
): Promise<T> {
  const { clock, deadline } = options;
  const start = clock.now();
  const memory =
    options.schedule !== undefined
      ? undefined
      : options.transitions !== undefined
        ? (options.transitions ?? undefined)
        : clock === systemClock
          ? processTransitions
          : undefined;
  const transition = transitionOf(what, options);
  // A cold wait (nothing learned yet, or a fixed schedule) keeps the geometric schedule.
  const learned = memory?.durations(transition) ?? [];
  let lastStatus: string | undefined;
  let polls = 0;
  let lastChance = false;
  const progress = (): string => {
    const waited = ((clock.now() - start) / 1000).toFixed(1);
    return `after ${waited}s and ${polls} polls waiting for ${what}; last status seen: ${lastStatus ?? "none"}`;
  };
  const cancelled = () => cancellation(`cancelled by the engine ${progress()}`, lastStatus, options.signal);
  if (initial !== undefined) {
    polls++;
    lastStatus = initial.status;
    if (initial.done) {
      memory?.record(transition, 0);
      return initial.value as T;
    }
  }
  for (;;) {
    if (options.signal?.aborted) {
      throw cancelled();
    }
    const now = clock.now();
    const polled = polls > 0;
    let delay =
      learned.length > 0
        ? learnedPollDelay(now - start, learned, defaultPollSchedule, polled)
        : coldPollDelay(now - start, polled, options.schedule);
    if (now >= deadline || now + delay > deadline) {
      if (lastChance || now >= deadline) {
        throw new WaitTimeoutError(
          polls === 0
            ? `timed out waiting for ${what}: the operation's time (waitTimeoutSeconds) ran out before the first status ` +
                "poll, so the status is unknown"
            : `timed out ${progress()}`,
          lastStatus,
        );
      }
      // The next poll would come after the deadline: make one more while there is time for it.
      lastChance = true;
      delay = Math.max(0, deadline - minAttemptMs - now);
    }
    await sleepUnlessCancelled(delay, options, cancelled);
    polls++;
    // When the poll was asked for, not when it was answered: under a rate limit a poll waits its turn, and the
    // next wait should ask that much earlier, not learn the queue as part of the transition.
    const polledAt = clock.now();
    try {
      const result = await probe();
      lastStatus = result.status;
      if (result.done) {
        memory?.record(transition, polledAt - start);
        return result.value as T;
      }
    } catch (err) {
      if (isCancellation(err)) {
        throw cancelled();
      }
      if (WaitTimeoutError.isInstance(err)) {
        // The poll itself was cut off at the deadline: say what the wait was for and what it last saw.
        throw new WaitTimeoutError(`timed out ${progress()} (the last poll was cut off at the deadline)`, lastStatus, {
          cause: err,
        });
      }
      if (!isRetryable(err)) {
        throw err;
      }
      lastStatus = `error (${messageOf(err)})`;
    }
  }
}
