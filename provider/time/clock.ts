/**
 * The clock seam: time as the core sees it. The leaf of `provider/time/`: it imports nothing, and the limiter,
 * retries and polling import it.
 */

/** Time as the core sees it, so tests can run waits without sleeping. */
export interface Clock {
  /** Milliseconds since some fixed origin. */
  now(): number;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
    }),
  random: () => Math.random(),
};
