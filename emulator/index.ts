/**
 * A local emulator of Amazon Managed Service for Prometheus (AMP) for the workspace and resource-policy operations:
 * the real REST-JSON protocol (the AWS SDK talks to it unchanged), SigV4 checks, the service's state machine, and
 * fault injection with controls both in process and over HTTP (`/_emulator/...`).
 *
 * @example
 * const emulator = new AmpEmulator({ transitionDelayMs: 50 });
 * const endpoint = await emulator.start();
 * const workspaceId = emulator.createWorkspace();
 * const client = new AmpClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
 * // ...
 * await emulator.stop();
 */
import { EmulatorControls, EmulatorSettings, EmulatorSettingsPatch, handleAdminRequest } from "./admin";
import { ActiveFault, CallJournal, Fault, FaultInjector, RateLimiter, RequestLogEntry } from "./faults";
import { AuthSettings, EmulatorServer } from "./server";
import { AmpState, AppliedWrite, CreateWorkspaceOptions, StoredPolicy, WorkspaceSnapshot } from "./state";

export { ADMIN_PREFIX } from "./admin";
export type { EmulatorSettings, EmulatorSettingsPatch } from "./admin";
export { OPERATIONS } from "./faults";
export type {
  ActiveFault,
  DropFault,
  ErrorFault,
  Fault,
  FaultStatus,
  LatencyFault,
  OperationName,
  RequestLogEntry,
} from "./faults";
export { SUPPORTED_POLICY_ACTIONS } from "./policy";
export { NO_POLICY } from "./state";
export type {
  AppliedWrite,
  CreateWorkspaceOptions,
  PolicyStatusCode,
  StoredPolicy,
  WorkspaceSnapshot,
  WorkspaceStatusCode,
} from "./state";

/** Default region of the emulator. */
export const DEFAULT_REGION = "us-east-1";
/** Default account id of the emulator. */
export const DEFAULT_ACCOUNT_ID = "123456789012";
/** Default credentials the emulator accepts: access key `test`, secret `test`. */
export const DEFAULT_CREDENTIALS: Readonly<Record<string, string>> = { test: "test" };
/** Default largest policy document, bytes. */
export const DEFAULT_MAX_POLICY_BYTES = 20480;

/** Options of {@link AmpEmulator}. */
export interface EmulatorOptions {
  /** Duration of CREATING/UPDATING/DELETING for workspaces and policies, ms; 0 (default) settles on the next read. */
  transitionDelayMs?: number;
  /** For how long Describe still shows a deleted policy's previous status before DELETING, ms (default 0). */
  deleteVisibilityLagMs?: number;
  /** Region of ARNs and of the accepted signing scope (default `us-east-1`). */
  region?: string;
  /** Account id of ARNs (default `123456789012`). */
  accountId?: string;
  /** Access key id to secret access key (default `{ test: "test" }`). */
  credentials?: Record<string, string>;
  /** Check SigV4 signatures (default true). */
  verifySignature?: boolean;
  /** Largest accepted difference between a request's `x-amz-date` and the clock, ms (default 15 minutes). */
  maxClockSkewMs?: number;
  /** Reject policy actions outside the Prometheus-compatible list (default false). */
  rejectUnsupportedActions?: boolean;
  /** Largest accepted policy document, UTF-8 bytes (default 20480). */
  maxPolicyBytes?: number;
  /** For how long client tokens are remembered, ms (default 24 hours). */
  clientTokenTtlMs?: number;
  /** Calls per second above which calls answer 429 (default: no limit). */
  rateLimitRps?: number;
  /** The clock, ms since the epoch (default `Date.now`); injectable for tests of waiting code. */
  now?: () => number;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== "number" || !(value >= 0)) throw new Error(`${name} must be a non-negative number`);
  return value;
}

/**
 * An AMP emulator: state, HTTP server and controls. Every control method works whether or not the server is
 * started. Out-of-band methods throw a plain `Error` for an unknown workspace.
 */
export class AmpEmulator implements EmulatorControls {
  private readonly state: AmpState;
  private readonly injector = new FaultInjector();
  private readonly rateLimiter: RateLimiter;
  private readonly journal = new CallJournal();
  private readonly auth: AuthSettings;
  private readonly server: EmulatorServer;

  /** @param options see {@link EmulatorOptions}. */
  constructor(options: EmulatorOptions = {}) {
    const now = options.now ?? Date.now;
    this.state = new AmpState(
      {
        region: options.region ?? DEFAULT_REGION,
        accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
        transitionDelayMs: nonNegative(options.transitionDelayMs ?? 0, "transitionDelayMs"),
        deleteVisibilityLagMs: nonNegative(options.deleteVisibilityLagMs ?? 0, "deleteVisibilityLagMs"),
        rejectUnsupportedActions: options.rejectUnsupportedActions ?? false,
        maxPolicyBytes: nonNegative(options.maxPolicyBytes ?? DEFAULT_MAX_POLICY_BYTES, "maxPolicyBytes"),
        clientTokenTtlMs: nonNegative(options.clientTokenTtlMs ?? 24 * 60 * 60 * 1000, "clientTokenTtlMs"),
      },
      now,
    );
    this.rateLimiter = new RateLimiter(now);
    this.rateLimiter.setLimit(options.rateLimitRps);
    this.auth = {
      verifySignature: options.verifySignature ?? true,
      credentials: { ...(options.credentials ?? DEFAULT_CREDENTIALS) },
      maxClockSkewMs: nonNegative(options.maxClockSkewMs ?? 15 * 60 * 1000, "maxClockSkewMs"),
    };
    this.server = new EmulatorServer({
      state: this.state,
      faults: this.injector,
      rateLimiter: this.rateLimiter,
      journal: this.journal,
      auth: this.auth,
      now,
      admin: (request) => handleAdminRequest(this, request),
    });
  }

  /**
   * Starts the HTTP server; resolves with its base URL (e.g. `http://127.0.0.1:43127`), the value for the SDK's
   * `endpoint` or `AWS_ENDPOINT_URL_AMP`.
   * @param port TCP port; 0 (default) picks a free one.
   * @param host interface to listen on (default `127.0.0.1`).
   */
  start(port = 0, host = "127.0.0.1"): Promise<string> {
    return this.server.start(port, host);
  }

  /** Stops the HTTP server and drops open connections. State is kept; the emulator can be started again. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The base URL of the running server. Throws when the server is not started. */
  get url(): string {
    const url = this.server.url;
    if (url === undefined) throw new Error("the AMP emulator is not started");
    return url;
  }

  /** The region of ARNs and of the accepted signing scope. */
  get region(): string {
    return this.state.settings.region;
  }

  /** The account id of ARNs. */
  get accountId(): string {
    return this.state.settings.accountId;
  }

  /** The ARN a workspace with this id has in the emulator. */
  workspaceArn(workspaceId: string): string {
    return this.state.workspaceArn(workspaceId);
  }

  /** Creates an ACTIVE workspace; returns its id (`ws-<uuid>` unless `options.workspaceId` is given). */
  createWorkspace(options: CreateWorkspaceOptions = {}): string {
    return this.state.createWorkspaceOutOfBand(options);
  }

  /** Every workspace with its stored policy. */
  workspaces(): WorkspaceSnapshot[] {
    return this.state.snapshot();
  }

  /** Removes a workspace and its policy at once, as if deleted outside the program. */
  deleteWorkspaceOutOfBand(workspaceId: string): void {
    this.state.deleteWorkspaceOutOfBand(workspaceId);
  }

  /** Stores `document` verbatim (unchecked) as the workspace's ACTIVE policy; returns the new revision id. */
  putPolicyOutOfBand(workspaceId: string, document: string): string {
    return this.state.putPolicyOutOfBand(workspaceId, document);
  }

  /** Removes the workspace's policy at once (no-op if there is none). */
  deletePolicyOutOfBand(workspaceId: string): void {
    this.state.deletePolicyOutOfBand(workspaceId);
  }

  /** The workspace's policy as stored (the raw text as put), or `undefined` when it has none. */
  getPolicy(workspaceId: string): StoredPolicy | undefined {
    return this.state.getPolicy(workspaceId);
  }

  /**
   * Freezes the transitions of the workspace's policy: CREATING/UPDATING/DELETING stays until unfrozen, and then
   * completes after a fresh transition delay. Applies to transitions already running and to later ones.
   */
  freezePolicy(workspaceId: string, frozen: boolean): void {
    this.state.freezePolicy(workspaceId, frozen);
  }

  /** Queues a fault for the next `fault.count` (default 1) calls of `fault.operation` (or of every operation, `"*"`). */
  injectFault(fault: Fault): void {
    this.injector.add(fault);
  }

  /** Forgets every queued fault. */
  clearFaults(): void {
    this.injector.clear();
  }

  /** The faults still queued, with the number of calls each still affects. */
  faults(): ActiveFault[] {
    return this.injector.list();
  }

  /** Sets the duration of transitions that start from now on, ms (0 = settle on the next read). */
  setTransitionDelay(ms: number): void {
    this.state.settings.transitionDelayMs = nonNegative(ms, "transition delay");
  }

  /** Sets (or, with `undefined`, removes) the calls-per-second limit above which calls answer 429. */
  setRateLimit(rps: number | undefined): void {
    this.rateLimiter.setLimit(rps);
  }

  /** The current settings. */
  settings(): EmulatorSettings {
    const settings = this.state.settings;
    return {
      region: settings.region,
      accountId: settings.accountId,
      transitionDelayMs: settings.transitionDelayMs,
      deleteVisibilityLagMs: settings.deleteVisibilityLagMs,
      rateLimitRps: this.rateLimiter.limit ?? null,
      verifySignature: this.auth.verifySignature,
      rejectUnsupportedActions: settings.rejectUnsupportedActions,
      maxPolicyBytes: settings.maxPolicyBytes,
    };
  }

  /** Changes some settings; returns the result. */
  updateSettings(patch: EmulatorSettingsPatch): EmulatorSettings {
    const settings = this.state.settings;
    if (patch.transitionDelayMs !== undefined) this.setTransitionDelay(patch.transitionDelayMs);
    if (patch.deleteVisibilityLagMs !== undefined) {
      settings.deleteVisibilityLagMs = nonNegative(patch.deleteVisibilityLagMs, "deleteVisibilityLagMs");
    }
    if (patch.maxPolicyBytes !== undefined)
      settings.maxPolicyBytes = nonNegative(patch.maxPolicyBytes, "maxPolicyBytes");
    if (patch.rejectUnsupportedActions !== undefined)
      settings.rejectUnsupportedActions = patch.rejectUnsupportedActions;
    if (patch.verifySignature !== undefined) this.auth.verifySignature = patch.verifySignature;
    if (patch.rateLimitRps !== undefined) this.setRateLimit(patch.rateLimitRps ?? undefined);
    return this.settings();
  }

  /** Calls received per operation since the last reset, including faulted, throttled and rejected ones. */
  callCounts(): Record<string, number> {
    return this.journal.callCounts();
  }

  /** Zeroes the call counters. */
  resetCallCounts(): void {
    this.journal.resetCounts();
  }

  /** The calls received, oldest first (at most the last 10 000). Never holds credentials or signatures. */
  requestLog(): RequestLogEntry[] {
    return this.journal.requestLog();
  }

  /** Empties the request log. */
  clearRequestLog(): void {
    this.journal.clearLog();
  }

  /**
   * The writes the service applied through its API, oldest first: one entry per Put or Delete that changed the
   * state, however its answer fared (a replay of a client token is not a write). Out-of-band controls are not
   * recorded.
   */
  appliedWrites(): AppliedWrite[] {
    return this.state.appliedWrites();
  }

  /** Empties the journal of applied writes. */
  clearAppliedWrites(): void {
    this.state.clearAppliedWrites();
  }

  /** Forgets workspaces, policies, client tokens, faults, counters and the logs; settings (and the rate limit) stay. */
  reset(): void {
    this.state.clear();
    this.injector.clear();
    this.journal.resetCounts();
    this.journal.clearLog();
  }
}
