/**
 * Time for the core: the clock (the leaf), the process's rate limiter, retries and polling, each importing only
 * the ones before it. The deadline is an argument everywhere; a retry count is the error's own data.
 */
export { type Clock, systemClock } from "./clock";
export {
  AdaptiveRateLimiter,
  type Attempt,
  LimiterRefusalError,
  type RateLimiterOptions,
  type RateLimiterState,
  type Ticket,
  defaultRateLimiterOptions,
  isLimiterRefusal,
  paced,
  resetSharedLimiter,
  sharedLimiter,
} from "./limiter";
export {
  type BackoffOptions,
  type OperationTiming,
  RetriesExhaustedError,
  backoffDelay,
  isCancellation,
  isRetryable,
  minAttemptMs,
  pause,
  withRetries,
} from "./retry";
export {
  type PollSchedule,
  type ProbeResult,
  type TimingOptions,
  TransitionMemory,
  coldPollDelay,
  defaultPollSchedule,
  learnedPollDelay,
  nextPollDelay,
  processTransitions,
  waitFor,
} from "./poll";
