/**
 * Fault injection, rate limiting and the record of calls: what the emulator does to a call before the service
 * logic sees it, and what it remembers afterwards.
 */
import {
  AmpError,
  accessDenied,
  conflict,
  internalServer,
  serviceQuotaExceeded,
  serviceUnavailable,
  throttling,
  validation,
} from "./errors";

/** The AMP operations the emulator serves. */
export const OPERATIONS = [
  "CreateWorkspace",
  "DescribeWorkspace",
  "DeleteWorkspace",
  "ListWorkspaces",
  "PutResourcePolicy",
  "DescribeResourcePolicy",
  "DeleteResourcePolicy",
] as const;

/** The name of an AMP operation the emulator serves. */
export type OperationName = (typeof OPERATIONS)[number];

/** The status codes an error fault can answer with, each with its AMP error type. */
export type FaultStatus = 400 | 402 | 403 | 409 | 429 | 500 | 503;

/** What every fault has: the operation it targets (`"*"` for all) and how many calls it affects (default 1). */
interface FaultTarget {
  /** The operation whose calls are affected, or `"*"` for every operation. */
  operation: OperationName | "*";
  /** How many calls are affected (default 1). */
  count?: number;
  /**
   * Apply the call first, then hit its answer (default false): the service committed the write, and the client
   * sees an error, a dropped connection or a late answer instead of the result. The case client tokens exist for.
   */
  afterCommit?: boolean;
}

/**
 * Answer the next calls with an error: 429 ThrottlingException, 500 InternalServerException,
 * 503 ServiceUnavailableException, 409 ConflictException, 403 AccessDeniedException,
 * 402 ServiceQuotaExceededException or 400 ValidationException.
 */
export interface ErrorFault extends FaultTarget {
  /** Discriminator. */
  kind: "error";
  /** The status to answer with. */
  status: FaultStatus;
  /** `Retry-After` header, in seconds (429, 500, 503 only). */
  retryAfterSeconds?: number;
  /** Overrides the default message. */
  message?: string;
}

/**
 * Delay the next calls (the call is then processed normally, unless another fault applies). With `afterCommit`, the
 * call is applied at once and only its answer is late: slower than a client's deadline, it is an answer lost.
 */
export interface LatencyFault extends FaultTarget {
  /** Discriminator. */
  kind: "latency";
  /** Added delay in ms. */
  latencyMs: number;
}

/**
 * Destroy the connection of the next calls without answering: the call is not processed, or, with `afterCommit`,
 * processed and its answer never sent.
 */
export interface DropFault extends FaultTarget {
  /** Discriminator. */
  kind: "drop";
}

/** A fault to inject. */
export type Fault = ErrorFault | LatencyFault | DropFault;

/** A fault as queued, with the number of calls it still affects. */
export type ActiveFault = Fault & { remaining: number };

/** What the injector decided for one call. */
export interface FaultDecision {
  /** Total added latency before the call is processed, ms. */
  latencyMs: number;
  /** Destroy the socket without answering (and without processing the call). */
  drop: boolean;
  /** Answer with this error instead of processing the call. */
  error?: AmpError;
  /** What happens to the answer after the call was processed (faults with `afterCommit`). */
  afterCommit: {
    /** Total added latency between processing and answering, ms. */
    latencyMs: number;
    /** Destroy the socket instead of sending the answer. */
    drop: boolean;
    /** Send this error instead of the answer. */
    error?: AmpError;
  };
}

/** Throws a plain `Error` unless `fault` is a well-formed {@link Fault}. */
export function checkFault(fault: unknown): asserts fault is Fault {
  if (typeof fault !== "object" || fault === null) throw new Error("a fault must be an object");
  const candidate = fault as Record<string, unknown>;
  const operation = candidate.operation;
  if (operation !== "*" && !OPERATIONS.includes(operation as OperationName)) {
    throw new Error(`fault operation must be "*" or one of ${OPERATIONS.join(", ")}`);
  }
  if (candidate.afterCommit !== undefined && typeof candidate.afterCommit !== "boolean") {
    throw new Error("afterCommit must be a boolean");
  }
  const count = candidate.count;
  if (count !== undefined && (typeof count !== "number" || !Number.isInteger(count) || count < 1)) {
    throw new Error("fault count must be a positive integer");
  }
  switch (candidate.kind) {
    case "error":
      if (![400, 402, 403, 409, 429, 500, 503].includes(candidate.status as number)) {
        throw new Error("error fault status must be one of 400, 402, 403, 409, 429, 500, 503");
      }
      if (
        candidate.retryAfterSeconds !== undefined &&
        (typeof candidate.retryAfterSeconds !== "number" || candidate.retryAfterSeconds < 0)
      ) {
        throw new Error("retryAfterSeconds must be a non-negative number");
      }
      if (candidate.message !== undefined && typeof candidate.message !== "string")
        throw new Error("message must be a string");
      return;
    case "latency":
      if (typeof candidate.latencyMs !== "number" || !(candidate.latencyMs >= 0)) {
        throw new Error("latency fault needs latencyMs >= 0");
      }
      return;
    case "drop":
      return;
    default:
      throw new Error('fault kind must be "error", "latency" or "drop"');
  }
}

function faultError(fault: ErrorFault, operation: OperationName, workspaceId: string | undefined): AmpError {
  const resourceId = workspaceId ?? "unknown";
  const resourceType = operation.endsWith("ResourcePolicy") ? "ResourcePolicy" : "Workspace";
  switch (fault.status) {
    case 400:
      return validation(fault.message ?? "Injected validation failure", "OTHER", []);
    case 402:
      return serviceQuotaExceeded(fault.message ?? "Service quota exceeded", resourceId, resourceType);
    case 403:
      return accessDenied(fault.message ?? "User is not authorized to perform this action");
    case 409:
      return conflict(fault.message ?? "Conflicting operation in progress", resourceId, resourceType);
    case 429:
      return throttling(fault.message ?? "Rate exceeded", fault.retryAfterSeconds);
    case 500:
      return internalServer(fault.message ?? "Internal server error", fault.retryAfterSeconds);
    case 503:
      return serviceUnavailable(fault.message ?? "Service unavailable", fault.retryAfterSeconds);
  }
}

/** A queue of faults, consumed call by call. */
export class FaultInjector {
  private faults: ActiveFault[] = [];

  /** Queues a fault (validated). */
  add(fault: Fault): void {
    checkFault(fault);
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  /** Forgets every queued fault. */
  clear(): void {
    this.faults = [];
  }

  /** The faults still queued. */
  list(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /**
   * Consumes what applies to one call: every matching latency fault adds its delay (before the call, or with
   * `afterCommit` between the call and its answer); then the first matching drop or error fault (in the order they
   * were added) decides the outcome, before the call or, with `afterCommit`, after it.
   */
  take(operation: OperationName, workspaceId: string | undefined): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, drop: false, afterCommit: { latencyMs: 0, drop: false } };
    let decided = false;
    for (const fault of this.faults) {
      if (fault.operation !== "*" && fault.operation !== operation) continue;
      const target = fault.afterCommit ? decision.afterCommit : decision;
      if (fault.kind === "latency") {
        target.latencyMs += fault.latencyMs;
        fault.remaining -= 1;
      } else if (!decided) {
        decided = true;
        fault.remaining -= 1;
        if (fault.kind === "drop") target.drop = true;
        else target.error = faultError(fault, operation, workspaceId);
      }
    }
    this.faults = this.faults.filter((fault) => fault.remaining > 0);
    return decision;
  }
}

/** Answers 429 to calls beyond a number per second (a sliding one-second window over accepted calls). */
export class RateLimiter {
  private accepted: number[] = [];
  private rps: number | undefined;

  /** @param now the clock, ms since the epoch. */
  constructor(private readonly now: () => number) {}

  /** The limit in calls per second, or `undefined` for none. */
  get limit(): number | undefined {
    return this.rps;
  }

  /** Sets (or, with `undefined`, removes) the limit. Throws a plain `Error` for a limit that is not positive. */
  setLimit(rps: number | undefined): void {
    if (rps !== undefined && !(typeof rps === "number" && rps > 0))
      throw new Error("rate limit must be a positive number");
    this.rps = rps;
    this.accepted = [];
  }

  /** Records one call; returns a ThrottlingException when it exceeds the limit. */
  admit(): AmpError | undefined {
    if (this.rps === undefined) return undefined;
    const now = this.now();
    this.accepted = this.accepted.filter((time) => now - time < 1000);
    if (this.accepted.length >= this.rps) {
      const retryAfterSeconds = Math.max(1, Math.ceil((this.accepted[0] + 1000 - now) / 1000));
      return throttling("Rate exceeded", retryAfterSeconds);
    }
    this.accepted.push(now);
    return undefined;
  }
}

/** One call as remembered by the emulator. Credentials and the Authorization header are never recorded. */
export interface RequestLogEntry {
  /** When the call arrived (ISO 8601). */
  time: string;
  /** The AMP operation, or `"Unknown"` for a path the emulator does not serve. */
  operation: OperationName | "Unknown";
  /** HTTP method. */
  method: string;
  /** The path as received, without the query (its client token and revision are logged separately). */
  path: string;
  /** The workspace the call names, if any. */
  workspaceId?: string;
  /** The client token sent, if any. */
  clientToken?: string;
  /** The revision id sent, if any. */
  revisionId?: string;
  /** The status answered; 0 when the connection was dropped. */
  statusCode: number;
  /** The error type answered, if any. */
  errorType?: string;
  /** What the fault injector or rate limiter did to the call, if anything. */
  fault?: "error" | "drop" | "latency" | "rate-limit";
  /** The fault hit the answer after the call was processed (see `afterCommit`). */
  afterCommit?: boolean;
  /**
   * For a call whose answer a fault replaced or lost after it was processed: the status the service had answered
   * (e.g. 202 for a write it applied). `statusCode` is what the client got (0 for a dropped connection).
   */
  committedStatusCode?: number;
  /** How long the call took to answer, ms. */
  durationMs: number;
}

/** Per-operation call counters and the request log (the most recent `maxEntries` calls). */
export class CallJournal {
  private counts: Record<string, number> = {};
  private entries: RequestLogEntry[] = [];

  /** @param maxEntries how many log entries to keep. */
  constructor(private readonly maxEntries = 10_000) {}

  /** Counts a call of `operation` (including calls that will be faulted). */
  count(operation: string): void {
    this.counts[operation] = (this.counts[operation] ?? 0) + 1;
  }

  /** Appends to the log. */
  log(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
  }

  /** A copy of the counters. */
  callCounts(): Record<string, number> {
    return { ...this.counts };
  }

  /** Zeroes the counters. */
  resetCounts(): void {
    this.counts = {};
  }

  /** A copy of the log, oldest first. */
  requestLog(): RequestLogEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  /** Empties the log. */
  clearLog(): void {
    this.entries = [];
  }
}
