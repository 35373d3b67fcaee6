/**
 * The emulated service's state machine: workspaces, their resource policies, status transitions, revision checks
 * and client-token idempotency. Plain values in, plain values (or a thrown {@link AmpError}) out: no HTTP here.
 *
 * Transitions are evaluated lazily against an injectable clock: a resource whose transition deadline has passed
 * settles the next time anything looks at the state, so no timers need cleaning up.
 */
import { randomUUID } from "node:crypto";
import { conflict, notFound, validation } from "./errors";
import { checkPolicyForWorkspace, parsePolicyDocument, reserializePolicyDocument } from "./policy";

/** Status codes of a workspace as the emulator reports them. */
export type WorkspaceStatusCode = "CREATING" | "ACTIVE" | "DELETING";

/** Status codes of a workspace resource policy. */
export type PolicyStatusCode = "CREATING" | "UPDATING" | "ACTIVE" | "DELETING";

/** The `revisionId` value that makes PutResourcePolicy succeed only when the workspace has no policy. */
export const NO_POLICY = "NO_POLICY";

/** Settings of the state machine; {@link AmpState.settings} may be changed at any time. */
export interface StateSettings {
  /** Region used in ARNs and endpoints. */
  region: string;
  /** Account id used in ARNs. */
  accountId: string;
  /** How long CREATING/UPDATING/DELETING lasts, for workspaces and policies, in ms (0 = settles on the next read). */
  transitionDelayMs: number;
  /** For how long after DeleteResourcePolicy Describe still shows the previous status, in ms. */
  deleteVisibilityLagMs: number;
  /** Reject actions outside the Prometheus-compatible list. */
  rejectUnsupportedActions: boolean;
  /** Largest accepted policy document, in UTF-8 bytes. */
  maxPolicyBytes: number;
  /** For how long a client token is remembered, in ms. */
  clientTokenTtlMs: number;
}

/** A policy as stored: the raw text the caller sent, not the re-serialized form Describe hands back. */
export interface StoredPolicy {
  /** The document exactly as it was put. */
  policyDocument: string;
  /** The current status (a DELETING policy is reported as such here even during the visibility lag). */
  policyStatus: PolicyStatusCode;
  /** The current revision. */
  revisionId: string;
}

/** A workspace as seen by the emulator's controls. */
export interface WorkspaceSnapshot {
  /** The workspace id, `ws-<uuid>` unless chosen out of band. */
  workspaceId: string;
  /** `arn:aws:aps:<region>:<account>:workspace/<id>`. */
  arn: string;
  /** The alias, when one was given. */
  alias?: string;
  /** The current status. */
  status: WorkspaceStatusCode;
  /** Creation time, ms since the epoch. */
  createdAtMs: number;
  /** Whether the policy's transitions are frozen. */
  policyFrozen: boolean;
  /** The stored policy, if any. */
  policy?: StoredPolicy;
}

/** Options of an out-of-band workspace creation. */
export interface CreateWorkspaceOptions {
  /** The workspace alias. */
  alias?: string;
  /** A chosen id (1–64 characters); default `ws-<uuid>`. */
  workspaceId?: string;
  /** A customer-managed KMS key ARN to report. */
  kmsKeyArn?: string;
  /** Tags to report. */
  tags?: Record<string, string>;
}

/** `WorkspaceStatus` as the AMP API shapes it. */
export interface WorkspaceStatusShape {
  /** The status code. */
  statusCode: WorkspaceStatusCode;
}

/** `WorkspaceDescription`/`WorkspaceSummary` as the AMP API shapes it; `createdAt` in epoch seconds. */
export interface WorkspaceShape {
  /** The workspace id. */
  workspaceId: string;
  /** The alias, when set. */
  alias?: string;
  /** The workspace ARN. */
  arn: string;
  /** The status. */
  status: WorkspaceStatusShape;
  /** The Prometheus endpoint (DescribeWorkspace only). */
  prometheusEndpoint?: string;
  /** Creation time in epoch seconds (a JSON number, fractional). */
  createdAt: number;
  /** Tags, when set. */
  tags?: Record<string, string>;
  /** The customer-managed KMS key, when set. */
  kmsKeyArn?: string;
}

/** Input of CreateWorkspace. */
export interface CreateWorkspaceInput {
  /** Workspace alias, 1–100 characters. */
  alias?: unknown;
  /** Idempotency token. */
  clientToken?: unknown;
  /** Map of tags. */
  tags?: unknown;
  /** KMS key ARN. */
  kmsKeyArn?: unknown;
}

/** Output of CreateWorkspace. */
export interface CreateWorkspaceOutput {
  /** The new workspace id. */
  workspaceId: string;
  /** Its ARN. */
  arn: string;
  /** Its status (CREATING). */
  status: WorkspaceStatusShape;
  /** Tags, when given. */
  tags?: Record<string, string>;
  /** KMS key ARN, when given. */
  kmsKeyArn?: string;
}

/** Input of ListWorkspaces (query parameters, undecoded types). */
export interface ListWorkspacesInput {
  /** Alias prefix to filter on. */
  alias?: string;
  /** Page size, 1–1000 (default 100), as sent in the query. */
  maxResults?: string;
  /** Token of a previous page. */
  nextToken?: string;
}

/** Output of ListWorkspaces. */
export interface ListWorkspacesOutput {
  /** One page of workspaces. */
  workspaces: WorkspaceShape[];
  /** Token of the next page, when there is one. */
  nextToken?: string;
}

/** Input of PutResourcePolicy. */
export interface PutResourcePolicyInput {
  /** From the path. */
  workspaceId: string;
  /** The document text. */
  policyDocument?: unknown;
  /** Idempotency token. */
  clientToken?: unknown;
  /** Expected current revision, `NO_POLICY`, or omitted to overwrite. */
  revisionId?: unknown;
}

/** Output of PutResourcePolicy. */
export interface PutResourcePolicyOutput {
  /** CREATING for a first put, UPDATING for later ones. */
  policyStatus: PolicyStatusCode;
  /** The new revision. */
  revisionId: string;
}

/** Output of DescribeResourcePolicy. */
export interface DescribeResourcePolicyOutput {
  /** The document, re-serialized. */
  policyDocument: string;
  /** The status as currently visible. */
  policyStatus: PolicyStatusCode;
  /** The current revision. */
  revisionId: string;
}

/** Input of DeleteResourcePolicy and DeleteWorkspace (query parameters). */
export interface DeleteInput {
  /** From the path. */
  workspaceId: string;
  /** Idempotency token (query). */
  clientToken?: string;
  /** Expected current revision (query; DeleteResourcePolicy only). */
  revisionId?: string;
}

/**
 * A write the service applied (a replay of a client token applies nothing and is not recorded): the ground truth
 * for "at most one write per operation", whatever happened to the answers.
 */
export interface AppliedWrite {
  /** When it was applied (ISO 8601). */
  time: string;
  /** The operation. */
  operation: "PutResourcePolicy" | "DeleteResourcePolicy" | "CreateWorkspace" | "DeleteWorkspace";
  /** The workspace written. */
  workspaceId: string;
  /** The client token of the call, if any. */
  clientToken?: string;
  /** The revision the call expected (`revisionId` of the request), if any. */
  expectedRevisionId?: string;
  /** The policy revision the write created (Put) or deleted (Delete). */
  revisionId?: string;
}

interface PolicyRecord {
  document: string;
  revisionId: string;
  status: PolicyStatusCode;
  /** When the current transition completes, unless frozen. */
  transitionEndsAt: number;
  /** Status shown by Describe until `visibleFrom` (the delete lag). */
  shownStatus?: PolicyStatusCode;
  visibleFrom?: number;
}

interface WorkspaceRecord {
  workspaceId: string;
  arn: string;
  alias?: string;
  tags?: Record<string, string>;
  kmsKeyArn?: string;
  createdAtMs: number;
  status: WorkspaceStatusCode;
  transitionEndsAt: number;
  policy?: PolicyRecord;
  policyFrozen: boolean;
}

interface TokenRecord {
  fingerprint: string;
  result: unknown;
  expiresAt: number;
}

const PRINTABLE_ASCII = /^[!-~]+$/;
const WORKSPACE_ID_MAX = 64;

function validateClientToken(token: unknown): string | undefined {
  if (token === undefined) return undefined;
  if (typeof token !== "string" || token.length < 1 || token.length > 64 || !PRINTABLE_ASCII.test(token)) {
    throw validation("clientToken must be 1 to 64 printable ASCII characters", "FIELD_VALIDATION_FAILED", [
      { name: "clientToken", message: "Value must be 1 to 64 printable ASCII characters" },
    ]);
  }
  return token;
}

function validateWorkspaceId(workspaceId: string): void {
  if (workspaceId.length < 1 || workspaceId.length > WORKSPACE_ID_MAX) {
    throw validation("workspaceId must be 1 to 64 characters", "FIELD_VALIDATION_FAILED", [
      { name: "workspaceId", message: "Value must have length between 1 and 64" },
    ]);
  }
}

function validateOptionalString(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length < 1 || value.length > max) {
    throw validation(`${name} must be a string of 1 to ${max} characters`, "FIELD_VALIDATION_FAILED", [
      { name, message: `Value must be a string of length between 1 and ${max}` },
    ]);
  }
  return value;
}

function validateTags(tags: unknown): Record<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  const valid =
    typeof tags === "object" && !Array.isArray(tags) && Object.values(tags).every((v) => typeof v === "string");
  if (!valid) {
    throw validation("tags must be a map of strings", "FIELD_VALIDATION_FAILED", [
      { name: "tags", message: "Invalid tags" },
    ]);
  }
  return { ...(tags as Record<string, string>) };
}

function isTransitioning(status: PolicyStatusCode): boolean {
  return status !== "ACTIVE";
}

/**
 * The state of one emulated AMP account in one region. All operation methods take the decoded request members and
 * return the response members, or throw an {@link AmpError}.
 */
export class AmpState {
  /** Live settings; changes apply to transitions and checks that start afterwards. */
  readonly settings: StateSettings;
  private readonly now: () => number;
  private readonly workspaces = new Map<string, WorkspaceRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private applied: AppliedWrite[] = [];

  /**
   * @param settings initial settings.
   * @param now the clock, ms since the epoch (injectable for tests).
   */
  constructor(settings: StateSettings, now: () => number = Date.now) {
    this.settings = { ...settings };
    this.now = now;
  }

  // ---- AMP operations ------------------------------------------------------------------------------------------

  /** CreateWorkspace: a new workspace in CREATING, ACTIVE after the transition delay. */
  createWorkspace(input: CreateWorkspaceInput): CreateWorkspaceOutput {
    const clientToken = validateClientToken(input.clientToken);
    const alias = validateOptionalString(input.alias, "alias", 100);
    const kmsKeyArn = validateOptionalString(input.kmsKeyArn, "kmsKeyArn", 2048);
    const tags = validateTags(input.tags);
    return this.idempotent("CreateWorkspace", clientToken, [alias, kmsKeyArn, tags], () => {
      const record = this.addWorkspace({ alias, kmsKeyArn, tags }, "CREATING");
      this.recordApplied("CreateWorkspace", record.workspaceId, clientToken);
      return {
        workspaceId: record.workspaceId,
        arn: record.arn,
        status: { statusCode: record.status },
        ...(record.tags ? { tags: record.tags } : {}),
        ...(record.kmsKeyArn ? { kmsKeyArn: record.kmsKeyArn } : {}),
      };
    });
  }

  /** DescribeWorkspace. */
  describeWorkspace(workspaceId: string): { workspace: WorkspaceShape } {
    validateWorkspaceId(workspaceId);
    return { workspace: this.workspaceShape(this.requireWorkspace(workspaceId), true) };
  }

  /** DeleteWorkspace: DELETING, gone after the transition delay; its policy is removed at once. */
  deleteWorkspace(input: DeleteInput): void {
    validateWorkspaceId(input.workspaceId);
    const clientToken = validateClientToken(input.clientToken);
    this.idempotent("DeleteWorkspace", clientToken, [input.workspaceId], () => {
      const record = this.requireWorkspace(input.workspaceId);
      if (record.status !== "ACTIVE") {
        throw conflict(
          `Workspace ${record.workspaceId} is ${record.status} and cannot be deleted`,
          record.workspaceId,
          "Workspace",
        );
      }
      record.status = "DELETING";
      record.transitionEndsAt = this.now() + this.settings.transitionDelayMs;
      record.policy = undefined;
      this.recordApplied("DeleteWorkspace", record.workspaceId, clientToken);
      return undefined;
    });
  }

  /** ListWorkspaces, in creation order, filtered by alias prefix, paginated with an opaque `nextToken`. */
  listWorkspaces(input: ListWorkspacesInput): ListWorkspacesOutput {
    this.advance();
    let maxResults = 100;
    if (input.maxResults !== undefined) {
      maxResults = Number(input.maxResults);
      if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
        throw validation("maxResults must be between 1 and 1000", "FIELD_VALIDATION_FAILED", [
          { name: "maxResults", message: "Value must be between 1 and 1000" },
        ]);
      }
    }
    let start = 0;
    if (input.nextToken !== undefined) {
      const decoded = Buffer.from(input.nextToken, "base64url").toString("utf8");
      start = /^offset:\d+$/.test(decoded) ? Number(decoded.slice("offset:".length)) : NaN;
      if (!Number.isInteger(start)) {
        throw validation("Invalid nextToken", "FIELD_VALIDATION_FAILED", [
          { name: "nextToken", message: "Invalid token" },
        ]);
      }
    }
    const all = [...this.workspaces.values()]
      .filter((record) => input.alias === undefined || (record.alias ?? "").startsWith(input.alias))
      .sort((a, b) => a.createdAtMs - b.createdAtMs || a.workspaceId.localeCompare(b.workspaceId));
    const page = all.slice(start, start + maxResults).map((record) => this.workspaceShape(record, false));
    const next = start + maxResults;
    return {
      workspaces: page,
      ...(next < all.length ? { nextToken: Buffer.from(`offset:${next}`, "utf8").toString("base64url") } : {}),
    };
  }

  /** PutResourcePolicy, with the revision, status and idempotency rules of the service. */
  putResourcePolicy(input: PutResourcePolicyInput): PutResourcePolicyOutput {
    validateWorkspaceId(input.workspaceId);
    const clientToken = validateClientToken(input.clientToken);
    if (input.policyDocument === undefined || input.policyDocument === null) {
      throw validation("policyDocument is required", "FIELD_VALIDATION_FAILED", [
        { name: "policyDocument", message: "Value is required" },
      ]);
    }
    if (typeof input.policyDocument !== "string") {
      throw validation("policyDocument must be a string", "FIELD_VALIDATION_FAILED", [
        { name: "policyDocument", message: "Value must be a string" },
      ]);
    }
    const revisionId = validateOptionalString(input.revisionId, "revisionId", 1024);
    const document = input.policyDocument;
    const statements = parsePolicyDocument(document, this.settings.maxPolicyBytes);
    return this.idempotent("PutResourcePolicy", clientToken, [input.workspaceId, document, revisionId], () => {
      const workspace = this.requireActiveWorkspace(input.workspaceId);
      checkPolicyForWorkspace(statements, workspace.arn, this.settings.rejectUnsupportedActions);
      const current = workspace.policy;
      if (current && isTransitioning(current.status)) {
        throw conflict(
          `Resource policy of workspace ${workspace.workspaceId} is ${current.status}; retry when it is ACTIVE`,
          workspace.workspaceId,
          "ResourcePolicy",
        );
      }
      if (revisionId === NO_POLICY && current) {
        throw conflict(
          `Workspace ${workspace.workspaceId} already has a resource policy (revision ${current.revisionId})`,
          workspace.workspaceId,
          "ResourcePolicy",
        );
      }
      if (revisionId !== undefined && revisionId !== NO_POLICY && current?.revisionId !== revisionId) {
        throw conflict(
          current
            ? `Revision ${revisionId} does not match the current revision of the resource policy`
            : `Workspace ${workspace.workspaceId} has no resource policy with revision ${revisionId}`,
          workspace.workspaceId,
          "ResourcePolicy",
        );
      }
      const policyStatus: PolicyStatusCode = current ? "UPDATING" : "CREATING";
      const newRevision = randomUUID();
      workspace.policy = {
        document,
        revisionId: newRevision,
        status: policyStatus,
        transitionEndsAt: this.now() + this.settings.transitionDelayMs,
      };
      this.recordApplied("PutResourcePolicy", workspace.workspaceId, clientToken, revisionId, newRevision);
      return { policyStatus, revisionId: newRevision };
    });
  }

  /** DescribeResourcePolicy: the document re-serialized, never byte for byte. */
  describeResourcePolicy(workspaceId: string): DescribeResourcePolicyOutput {
    validateWorkspaceId(workspaceId);
    const workspace = this.requireWorkspace(workspaceId);
    const policy = this.requirePolicy(workspace);
    const lagging = policy.visibleFrom !== undefined && this.now() < policy.visibleFrom;
    return {
      policyDocument: reserializePolicyDocument(policy.document),
      policyStatus: lagging && policy.shownStatus ? policy.shownStatus : policy.status,
      revisionId: policy.revisionId,
    };
  }

  /** DeleteResourcePolicy: DELETING, gone after the transition delay. */
  deleteResourcePolicy(input: DeleteInput): void {
    validateWorkspaceId(input.workspaceId);
    const clientToken = validateClientToken(input.clientToken);
    const revisionId = validateOptionalString(input.revisionId, "revisionId", 1024);
    this.idempotent("DeleteResourcePolicy", clientToken, [input.workspaceId, revisionId], () => {
      const workspace = this.requireActiveWorkspace(input.workspaceId);
      const policy = this.requirePolicy(workspace);
      if (isTransitioning(policy.status)) {
        throw conflict(
          `Resource policy of workspace ${workspace.workspaceId} is ${policy.status}; retry when it is ACTIVE`,
          workspace.workspaceId,
          "ResourcePolicy",
        );
      }
      if (revisionId !== undefined && revisionId !== policy.revisionId) {
        throw conflict(
          `Revision ${revisionId} does not match the current revision of the resource policy`,
          workspace.workspaceId,
          "ResourcePolicy",
        );
      }
      const now = this.now();
      policy.shownStatus = policy.status;
      policy.visibleFrom = now + this.settings.deleteVisibilityLagMs;
      policy.status = "DELETING";
      policy.transitionEndsAt = policy.visibleFrom + this.settings.transitionDelayMs;
      this.recordApplied("DeleteResourcePolicy", workspace.workspaceId, clientToken, revisionId, policy.revisionId);
      return undefined;
    });
  }

  // ---- Out-of-band controls -------------------------------------------------------------------------------------

  /** Creates an ACTIVE workspace directly; returns its id. Throws a plain `Error` if the id is taken or invalid. */
  createWorkspaceOutOfBand(options: CreateWorkspaceOptions = {}): string {
    this.advance();
    if (options.workspaceId !== undefined) {
      if (options.workspaceId.length < 1 || options.workspaceId.length > WORKSPACE_ID_MAX) {
        throw new Error(
          `workspace id must be 1 to ${WORKSPACE_ID_MAX} characters: ${JSON.stringify(options.workspaceId)}`,
        );
      }
      if (this.workspaces.has(options.workspaceId)) throw new Error(`workspace ${options.workspaceId} already exists`);
    }
    return this.addWorkspace(options, "ACTIVE").workspaceId;
  }

  /** Stores `document` (raw, unchecked) as the workspace's ACTIVE policy with a new revision; returns the revision. */
  putPolicyOutOfBand(workspaceId: string, document: string): string {
    const workspace = this.requireWorkspaceForControl(workspaceId);
    const revisionId = randomUUID();
    workspace.policy = { document, revisionId, status: "ACTIVE", transitionEndsAt: this.now() };
    return revisionId;
  }

  /** Removes the workspace's policy at once (no-op if there is none). */
  deletePolicyOutOfBand(workspaceId: string): void {
    this.requireWorkspaceForControl(workspaceId).policy = undefined;
  }

  /** Removes the workspace and its policy at once. */
  deleteWorkspaceOutOfBand(workspaceId: string): void {
    this.requireWorkspaceForControl(workspaceId);
    this.workspaces.delete(workspaceId);
  }

  /**
   * Freezes (or unfreezes) the transitions of the workspace's policy: a CREATING/UPDATING/DELETING policy stays so
   * until unfrozen, then completes after a fresh transition delay.
   */
  freezePolicy(workspaceId: string, frozen: boolean): void {
    const workspace = this.requireWorkspaceForControl(workspaceId);
    if (workspace.policyFrozen && !frozen && workspace.policy && isTransitioning(workspace.policy.status)) {
      workspace.policy.transitionEndsAt = this.now() + this.settings.transitionDelayMs;
    }
    workspace.policyFrozen = frozen;
  }

  /** The workspace's policy as stored (raw text), or `undefined`. Throws a plain `Error` for an unknown workspace. */
  getPolicy(workspaceId: string): StoredPolicy | undefined {
    const policy = this.requireWorkspaceForControl(workspaceId).policy;
    return policy && { policyDocument: policy.document, policyStatus: policy.status, revisionId: policy.revisionId };
  }

  /** Every workspace with its stored policy. */
  snapshot(): WorkspaceSnapshot[] {
    this.advance();
    return [...this.workspaces.values()].map((record) => {
      const policy = record.policy;
      return {
        workspaceId: record.workspaceId,
        arn: record.arn,
        ...(record.alias !== undefined ? { alias: record.alias } : {}),
        status: record.status,
        createdAtMs: record.createdAtMs,
        policyFrozen: record.policyFrozen,
        ...(policy
          ? { policy: { policyDocument: policy.document, policyStatus: policy.status, revisionId: policy.revisionId } }
          : {}),
      };
    });
  }

  /** The writes applied through the API, oldest first (replays of a client token are not writes). */
  appliedWrites(): AppliedWrite[] {
    return this.applied.map((write) => ({ ...write }));
  }

  /** Empties the journal of applied writes. */
  clearAppliedWrites(): void {
    this.applied = [];
  }

  /** Forgets every workspace and client token, and the journal of applied writes. */
  clear(): void {
    this.workspaces.clear();
    this.tokens.clear();
    this.applied = [];
  }

  /** The ARN of a workspace id in this account and region. */
  workspaceArn(workspaceId: string): string {
    return `arn:aws:aps:${this.settings.region}:${this.settings.accountId}:workspace/${workspaceId}`;
  }

  // ---- Internals ------------------------------------------------------------------------------------------------

  private addWorkspace(options: CreateWorkspaceOptions, status: WorkspaceStatusCode): WorkspaceRecord {
    const workspaceId = options.workspaceId ?? `ws-${randomUUID()}`;
    const now = this.now();
    const record: WorkspaceRecord = {
      workspaceId,
      arn: this.workspaceArn(workspaceId),
      ...(options.alias !== undefined ? { alias: options.alias } : {}),
      ...(options.tags !== undefined ? { tags: { ...options.tags } } : {}),
      ...(options.kmsKeyArn !== undefined ? { kmsKeyArn: options.kmsKeyArn } : {}),
      createdAtMs: now,
      status,
      transitionEndsAt: now + this.settings.transitionDelayMs,
      policyFrozen: false,
    };
    this.workspaces.set(workspaceId, record);
    return record;
  }

  /** Settles every transition whose deadline has passed and forgets expired client tokens. */
  private advance(): void {
    const now = this.now();
    for (const [id, workspace] of this.workspaces) {
      if (workspace.status === "CREATING" && now >= workspace.transitionEndsAt) workspace.status = "ACTIVE";
      if (workspace.status === "DELETING" && now >= workspace.transitionEndsAt) {
        this.workspaces.delete(id);
        continue;
      }
      const policy = workspace.policy;
      if (policy && isTransitioning(policy.status) && !workspace.policyFrozen && now >= policy.transitionEndsAt) {
        if (policy.status === "DELETING") workspace.policy = undefined;
        else policy.status = "ACTIVE";
      }
    }
    for (const [key, token] of this.tokens) {
      if (now >= token.expiresAt) this.tokens.delete(key);
    }
  }

  private recordApplied(
    operation: AppliedWrite["operation"],
    workspaceId: string,
    clientToken: string | undefined,
    expectedRevisionId?: string,
    revisionId?: string,
  ): void {
    this.applied.push({
      time: new Date(this.now()).toISOString(),
      operation,
      workspaceId,
      ...(clientToken !== undefined ? { clientToken } : {}),
      ...(expectedRevisionId !== undefined ? { expectedRevisionId } : {}),
      ...(revisionId !== undefined ? { revisionId } : {}),
    });
    if (this.applied.length > 10_000) this.applied.splice(0, this.applied.length - 10_000);
  }

  private requireWorkspace(workspaceId: string): WorkspaceRecord {
    this.advance();
    const workspace = this.workspaces.get(workspaceId);
    if (!workspace) throw notFound(`Workspace ${workspaceId} not found`, workspaceId, "Workspace");
    return workspace;
  }

  private requireActiveWorkspace(workspaceId: string): WorkspaceRecord {
    const workspace = this.requireWorkspace(workspaceId);
    if (workspace.status !== "ACTIVE") {
      throw conflict(`Workspace ${workspaceId} is ${workspace.status}; it must be ACTIVE`, workspaceId, "Workspace");
    }
    return workspace;
  }

  private requirePolicy(workspace: WorkspaceRecord): PolicyRecord {
    if (!workspace.policy) {
      throw notFound(
        `Resource policy for workspace ${workspace.workspaceId} not found`,
        workspace.workspaceId,
        "ResourcePolicy",
      );
    }
    return workspace.policy;
  }

  private requireWorkspaceForControl(workspaceId: string): WorkspaceRecord {
    this.advance();
    const workspace = this.workspaces.get(workspaceId);
    if (!workspace) throw new Error(`workspace ${workspaceId} does not exist`);
    return workspace;
  }

  /**
   * Runs `action` once per client token: a repeat with the same request replays the first result without acting
   * again; a repeat with a different request is a ConflictException. Failed calls do not consume the token.
   */
  private idempotent<T>(operation: string, clientToken: string | undefined, request: unknown[], action: () => T): T {
    if (clientToken === undefined) return action();
    this.advance();
    const key = `${operation}\u0000${clientToken}`;
    const fingerprint = JSON.stringify(request);
    const previous = this.tokens.get(key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        const resourceId = typeof request[0] === "string" ? request[0] : clientToken;
        const resourceType = operation.endsWith("ResourcePolicy") ? "ResourcePolicy" : "Workspace";
        throw conflict(
          `Client token ${clientToken} was already used with different request parameters`,
          resourceId,
          resourceType,
        );
      }
      return previous.result as T;
    }
    const result = action();
    this.tokens.set(key, { fingerprint, result, expiresAt: this.now() + this.settings.clientTokenTtlMs });
    return result;
  }

  private workspaceShape(record: WorkspaceRecord, describe: boolean): WorkspaceShape {
    return {
      workspaceId: record.workspaceId,
      ...(record.alias !== undefined ? { alias: record.alias } : {}),
      arn: record.arn,
      status: { statusCode: record.status },
      ...(describe
        ? {
            prometheusEndpoint: `https://aps-workspaces.${this.settings.region}.amazonaws.com/workspaces/${record.workspaceId}/`,
          }
        : {}),
      createdAt: record.createdAtMs / 1000,
      ...(record.tags ? { tags: record.tags } : {}),
      ...(record.kmsKeyArn ? { kmsKeyArn: record.kmsKeyArn } : {}),
    };
  }
}
