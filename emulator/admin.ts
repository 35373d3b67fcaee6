/**
 * The emulator's admin endpoints under `/_emulator/`: unsigned JSON over HTTP, so tests in other processes (and the
 * Pulumi engine harness) can arrange state, inject faults and read what happened. Each maps to one method of
 * {@link EmulatorControls}.
 */
import { ActiveFault, checkFault, Fault, RequestLogEntry } from "./faults";
import { AppliedWrite, CreateWorkspaceOptions, StoredPolicy, WorkspaceSnapshot } from "./state";

/** The path prefix of every admin endpoint. */
export const ADMIN_PREFIX = "/_emulator";

/** The emulator's adjustable settings, as read and patched through the admin API. */
export interface EmulatorSettings {
  /** Region of ARNs and of the accepted signing scope. */
  readonly region: string;
  /** Account id of ARNs. */
  readonly accountId: string;
  /** Duration of CREATING/UPDATING/DELETING, ms. */
  transitionDelayMs: number;
  /** For how long Describe still shows a deleted policy's previous status, ms. */
  deleteVisibilityLagMs: number;
  /** Calls per second above which calls answer 429, or `null` for no limit. */
  rateLimitRps: number | null;
  /** Whether SigV4 signatures are checked. */
  verifySignature: boolean;
  /** Whether actions outside the Prometheus-compatible list are rejected. */
  rejectUnsupportedActions: boolean;
  /** Largest accepted policy document, bytes. */
  maxPolicyBytes: number;
}

/** A change to {@link EmulatorSettings}; members left out are unchanged. */
export type EmulatorSettingsPatch = Partial<Omit<EmulatorSettings, "region" | "accountId">>;

/** What the admin endpoints can do; implemented by `AmpEmulator` (see its members for the details). */
export interface EmulatorControls {
  /** Creates an ACTIVE workspace; returns its id. */
  createWorkspace(options?: CreateWorkspaceOptions): string;
  /** Every workspace with its stored policy. */
  workspaces(): WorkspaceSnapshot[];
  /** Removes a workspace and its policy at once. */
  deleteWorkspaceOutOfBand(workspaceId: string): void;
  /** The stored policy (raw text), if any. */
  getPolicy(workspaceId: string): StoredPolicy | undefined;
  /** Stores an ACTIVE policy verbatim; returns its revision. */
  putPolicyOutOfBand(workspaceId: string, document: string): string;
  /** Removes the policy at once. */
  deletePolicyOutOfBand(workspaceId: string): void;
  /** Freezes or unfreezes the policy's transitions. */
  freezePolicy(workspaceId: string, frozen: boolean): void;
  /** Queues a fault. */
  injectFault(fault: Fault): void;
  /** Forgets every queued fault. */
  clearFaults(): void;
  /** The queued faults. */
  faults(): ActiveFault[];
  /** The current settings. */
  settings(): EmulatorSettings;
  /** Changes some settings; returns the result. */
  updateSettings(patch: EmulatorSettingsPatch): EmulatorSettings;
  /** Calls per operation. */
  callCounts(): Record<string, number>;
  /** Zeroes the call counters. */
  resetCallCounts(): void;
  /** The request log, oldest first. */
  requestLog(): RequestLogEntry[];
  /** Empties the request log. */
  clearRequestLog(): void;
  /** The writes the service applied, oldest first. */
  appliedWrites(): AppliedWrite[];
  /** Empties the journal of applied writes. */
  clearAppliedWrites(): void;
  /** Forgets workspaces, tokens, faults, counters and the log. */
  reset(): void;
}

/** An admin request as the server hands it over. */
export interface AdminRequest {
  /** HTTP method. */
  method: string;
  /** The full path, starting with {@link ADMIN_PREFIX}. */
  path: string;
  /** Decoded query parameters (first value of each). */
  query: Record<string, string>;
  /** Raw body. */
  body: Buffer;
}

/** An admin answer; always a JSON body. */
export interface AdminResponse {
  /** HTTP status. */
  statusCode: number;
  /** The JSON body. */
  body: unknown;
}

function ok(body: unknown = {}, statusCode = 200): AdminResponse {
  return { statusCode, body };
}

function failure(statusCode: number, message: string): AdminResponse {
  return { statusCode, body: { message } };
}

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const parsed: unknown = JSON.parse(body.toString("utf8"));
  if (typeof parsed !== "object" || parsed === null) throw new Error("the body must be a JSON object or array");
  return parsed as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new Error(`${name} must be a string`);
  return value;
}

function settingsPatch(body: Record<string, unknown>): EmulatorSettingsPatch {
  const patch: EmulatorSettingsPatch = {};
  const known = [
    "transitionDelayMs",
    "deleteVisibilityLagMs",
    "rateLimitRps",
    "verifySignature",
    "rejectUnsupportedActions",
    "maxPolicyBytes",
  ];
  for (const key of Object.keys(body)) if (!known.includes(key)) throw new Error(`unknown setting ${key}`);
  const number = (key: string): number | undefined => {
    const value = body[key];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !(value >= 0)) throw new Error(`${key} must be a non-negative number`);
    return value;
  };
  const flag = (key: string): boolean | undefined => {
    const value = body[key];
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") throw new Error(`${key} must be a boolean`);
    return value;
  };
  const transitionDelayMs = number("transitionDelayMs");
  if (transitionDelayMs !== undefined) patch.transitionDelayMs = transitionDelayMs;
  const deleteVisibilityLagMs = number("deleteVisibilityLagMs");
  if (deleteVisibilityLagMs !== undefined) patch.deleteVisibilityLagMs = deleteVisibilityLagMs;
  const maxPolicyBytes = number("maxPolicyBytes");
  if (maxPolicyBytes !== undefined) patch.maxPolicyBytes = maxPolicyBytes;
  if (body.rateLimitRps === null) patch.rateLimitRps = null;
  else {
    const rps = number("rateLimitRps");
    if (rps !== undefined) patch.rateLimitRps = rps;
  }
  const verifySignature = flag("verifySignature");
  if (verifySignature !== undefined) patch.verifySignature = verifySignature;
  const rejectUnsupportedActions = flag("rejectUnsupportedActions");
  if (rejectUnsupportedActions !== undefined) patch.rejectUnsupportedActions = rejectUnsupportedActions;
  return patch;
}

/**
 * Serves one admin request. Endpoints (all bodies and answers JSON):
 *
 * - `GET /_emulator/health` → `{status: "ok"}`
 * - `GET /_emulator/state` → `{workspaces, faults, settings}`
 * - `POST /_emulator/reset` → `{}`: forget workspaces, tokens, faults, counters, log; settings stay
 * - `GET /_emulator/settings` → settings; `PATCH /_emulator/settings` `{transitionDelayMs?, deleteVisibilityLagMs?,
 *   rateLimitRps? (null = none), verifySignature?, rejectUnsupportedActions?, maxPolicyBytes?}` → settings
 * - `GET /_emulator/workspaces` → `{workspaces}`
 * - `POST /_emulator/workspaces` `{workspaceId?, alias?, kmsKeyArn?, tags?}` → 201 `{workspaceId, arn}` (ACTIVE)
 * - `GET /_emulator/workspaces/{id}` → the workspace snapshot; `DELETE /_emulator/workspaces/{id}` → `{}` (gone at
 *   once, with its policy)
 * - `GET /_emulator/workspaces/{id}/policy` → `{policyDocument, policyStatus, revisionId}` as stored, or 404
 * - `PUT /_emulator/workspaces/{id}/policy` `{policyDocument: string | object}` → `{revisionId}` (ACTIVE)
 * - `DELETE /_emulator/workspaces/{id}/policy` → `{}` (gone at once)
 * - `PUT /_emulator/workspaces/{id}/policy/frozen` `{frozen: boolean}` → `{frozen}`
 * - `GET /_emulator/faults` → `{faults}`; `POST /_emulator/faults` a fault or an array of faults (each
 *   `{kind: "error" | "drop" | "latency", operation, count?, afterCommit?, ...}`) → `{faults}`;
 *   `DELETE /_emulator/faults` → `{}`
 * - `GET /_emulator/calls` → `{counts}`; `DELETE /_emulator/calls` → `{}`
 * - `GET /_emulator/requests` → `{requests}`; `DELETE /_emulator/requests` → `{}`
 * - `GET /_emulator/writes` → `{writes}` (the writes applied); `DELETE /_emulator/writes` → `{}`
 *
 * Unknown workspaces answer 404, bad bodies 400, unknown paths 404, wrong methods 405, all as `{message}`.
 */
export function handleAdminRequest(controls: EmulatorControls, request: AdminRequest): AdminResponse {
  const segments = request.path
    .slice(ADMIN_PREFIX.length)
    .split("/")
    .filter((s) => s !== "")
    .map(decodeURIComponent);
  const method = request.method;
  const [first, id, sub, subsub] = segments;
  const notAllowed = failure(405, `${method} is not allowed on ${request.path}`);

  switch (first) {
    case "health":
      return method === "GET" ? ok({ status: "ok" }) : notAllowed;
    case "state":
      return method === "GET"
        ? ok({ workspaces: controls.workspaces(), faults: controls.faults(), settings: controls.settings() })
        : notAllowed;
    case "reset":
      if (method !== "POST") return notAllowed;
      controls.reset();
      return ok();
    case "settings":
      if (method === "GET") return ok(controls.settings());
      if (method === "PATCH" || method === "PUT")
        return ok(controls.updateSettings(settingsPatch(jsonBody(request.body))));
      return notAllowed;
    case "faults":
      if (method === "GET") return ok({ faults: controls.faults() });
      if (method === "DELETE") {
        controls.clearFaults();
        return ok();
      }
      if (method === "POST") {
        const parsed: unknown = jsonBody(request.body);
        const faults: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
        for (const fault of faults) checkFault(fault);
        for (const fault of faults as Fault[]) controls.injectFault(fault);
        return ok({ faults: controls.faults() });
      }
      return notAllowed;
    case "calls":
      if (method === "GET") return ok({ counts: controls.callCounts() });
      if (method === "DELETE") {
        controls.resetCallCounts();
        return ok();
      }
      return notAllowed;
    case "requests":
      if (method === "GET") return ok({ requests: controls.requestLog() });
      if (method === "DELETE") {
        controls.clearRequestLog();
        return ok();
      }
      return notAllowed;
    case "writes":
      if (method === "GET") return ok({ writes: controls.appliedWrites() });
      if (method === "DELETE") {
        controls.clearAppliedWrites();
        return ok();
      }
      return notAllowed;
    case "workspaces":
      return workspaceEndpoints(controls, request, id, sub, subsub);
    default:
      return failure(404, `no admin endpoint at ${request.path}`);
  }
}

function workspaceEndpoints(
  controls: EmulatorControls,
  request: AdminRequest,
  workspaceId: string | undefined,
  sub: string | undefined,
  subsub: string | undefined,
): AdminResponse {
  const method = request.method;
  const notAllowed = failure(405, `${method} is not allowed on ${request.path}`);
  if (workspaceId === undefined) {
    if (method === "GET") return ok({ workspaces: controls.workspaces() });
    if (method !== "POST") return notAllowed;
    const body = jsonBody(request.body);
    const tags = body.tags;
    if (tags !== undefined && (typeof tags !== "object" || tags === null || Array.isArray(tags))) {
      throw new Error("tags must be an object");
    }
    const id = controls.createWorkspace({
      workspaceId: optionalString(body, "workspaceId"),
      alias: optionalString(body, "alias"),
      kmsKeyArn: optionalString(body, "kmsKeyArn"),
      tags: tags as Record<string, string> | undefined,
    });
    const created = controls.workspaces().find((workspace) => workspace.workspaceId === id);
    return ok({ workspaceId: id, arn: created?.arn }, 201);
  }
  if (!controls.workspaces().some((workspace) => workspace.workspaceId === workspaceId)) {
    return failure(404, `workspace ${workspaceId} does not exist`);
  }
  if (sub === undefined) {
    if (method === "GET") return ok(controls.workspaces().find((workspace) => workspace.workspaceId === workspaceId));
    if (method !== "DELETE") return notAllowed;
    controls.deleteWorkspaceOutOfBand(workspaceId);
    return ok();
  }
  if (sub !== "policy") return failure(404, `no admin endpoint at ${request.path}`);
  if (subsub === "frozen") {
    if (method !== "PUT" && method !== "POST") return notAllowed;
    const frozen = jsonBody(request.body).frozen;
    if (typeof frozen !== "boolean") throw new Error("frozen must be a boolean");
    controls.freezePolicy(workspaceId, frozen);
    return ok({ frozen });
  }
  if (subsub !== undefined) return failure(404, `no admin endpoint at ${request.path}`);
  switch (method) {
    case "GET": {
      const policy = controls.getPolicy(workspaceId);
      return policy ? ok(policy) : failure(404, `workspace ${workspaceId} has no resource policy`);
    }
    case "PUT": {
      const document = jsonBody(request.body).policyDocument;
      if (document === undefined || document === null) throw new Error("policyDocument is required");
      const text = typeof document === "string" ? document : JSON.stringify(document);
      return ok({ revisionId: controls.putPolicyOutOfBand(workspaceId, text) });
    }
    case "DELETE":
      controls.deletePolicyOutOfBand(workspaceId);
      return ok();
    default:
      return notAllowed;
  }
}
