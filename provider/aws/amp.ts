/**
 * The AMP seam: the few calls the core needs, backed by an `AmpClient` built inside each lifecycle call
 * (never captured: a client holds credentials and native handles, which must not be serialized). AMP's error
 * names are read here and nowhere else: a missing policy or workspace becomes a `NotFoundError`, a conflict an
 * `AmpConflictError` with its kind.
 */
import type * as AmpSdk from "@aws-sdk/client-amp";

import { AmpConflictError, NotFoundError, messageOf } from "../errors";
import { type Attempt, paced, sharedLimiter } from "../time";

/** Where and how to reach AMP. Anything left out comes from the standard AWS chain and env vars. */
export interface AmpSettings {
  /** AWS region; default `AWS_REGION` / the AWS config chain. */
  region?: string;
  /** Endpoint URL, e.g. a local emulator; default `AWS_ENDPOINT_URL_AMP` / `AWS_ENDPOINT_URL` / AWS. */
  endpoint?: string;
  /** A named profile of the shared AWS config files; default `AWS_PROFILE`. */
  profile?: string;
}

/** A workspace's resource policy as the service describes it. */
export interface LivePolicy {
  policyDocument: string;
  policyStatus: string;
  revisionId: string;
}

/** The result of a write. */
export interface PutResult {
  policyStatus: string;
  revisionId: string;
}

/**
 * The calls the core makes. One attempt each: retries are the caller's, with its own deadline, which `attempt`
 * carries to the rate limiter, and its signal aborts an attempt that would outlive it.
 */
export interface AmpApi {
  /**
   * The workspace's policy.
   *
   * @throws NotFoundError when the workspace has no policy or does not exist.
   */
  findResourcePolicy(workspaceId: string, attempt?: Attempt): Promise<LivePolicy>;
  /**
   * `PutResourcePolicy`; `revisionId` undefined overwrites, `NO_POLICY` writes only where none exists.
   *
   * @throws AmpConflictError when AMP refuses the write as conflicting (see its `kind`).
   * @throws NotFoundError when the workspace does not exist.
   */
  putResourcePolicy(
    request: {
      workspaceId: string;
      policyDocument: string;
      clientToken: string;
      revisionId?: string;
    },
    attempt?: Attempt,
  ): Promise<PutResult>;
  /**
   * `DeleteResourcePolicy`; `revisionId` undefined deletes whatever is there.
   *
   * @throws AmpConflictError when AMP refuses the delete as conflicting (see its `kind`).
   * @throws NotFoundError when the workspace has no policy or does not exist.
   */
  deleteResourcePolicy(
    request: { workspaceId: string; clientToken: string; revisionId?: string },
    attempt?: Attempt,
  ): Promise<void>;
  /**
   * The workspace's status code (`ACTIVE`, `CREATING`, ...).
   *
   * @throws NotFoundError when the workspace does not exist.
   */
  findWorkspaceStatus(workspaceId: string, attempt?: Attempt): Promise<string>;
}

/** AMP's own pattern for a workspace id (1-64 characters); check validates inputs against it. */
const workspaceIdPattern = /^[0-9A-Za-z][-.0-9A-Z_a-z]{0,63}$/;

/** Whether `value` is a well-formed AMP workspace id. */
export function isWorkspaceId(value: unknown): boolean {
  return typeof value === "string" && workspaceIdPattern.test(value);
}

/** The AMP API through the AWS SDK. Settings are read now, at call time, never earlier. */
export function ampApi(settings: AmpSettings = {}): AmpApi {
  // Loaded on first use: a Pulumi program only declares resources and never needs the SDK; the provider does.
  const sdk = loadSdk();
  const { AmpClient, DeleteResourcePolicyCommand, DescribeResourcePolicyCommand, DescribeWorkspaceCommand } = sdk;
  const { PutResourcePolicyCommand } = sdk;
  const client = new AmpClient({
    region: settings.region || undefined,
    endpoint: settings.endpoint || undefined,
    profile: settings.profile || undefined,
    // The core retries with its own deadline and a stable client token; one attempt per call here.
    maxAttempts: 1,
  });
  // Every call waits its turn in the process's limiter for this endpoint (AWS limits an account per region).
  const limiter = sharedLimiter(
    [
      settings.endpoint || process.env.AWS_ENDPOINT_URL_AMP || process.env.AWS_ENDPOINT_URL || "",
      settings.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "",
      settings.profile || process.env.AWS_PROFILE || "",
    ].join(" "),
  );
  return {
    async findResourcePolicy(workspaceId, attempt) {
      checkPathLabel(workspaceId);
      try {
        const out = await paced(
          limiter,
          () => client.send(new DescribeResourcePolicyCommand({ workspaceId }), { abortSignal: attempt?.signal }),
          attempt,
        );
        return {
          policyDocument: out.policyDocument ?? "",
          policyStatus: out.policyStatus ?? "",
          revisionId: out.revisionId ?? "",
        };
      } catch (err) {
        throw fromAwsError(err, `AMP workspace ${workspaceId} has no resource policy`);
      }
    },
    async putResourcePolicy(request, attempt) {
      checkPathLabel(request.workspaceId);
      try {
        const out = await paced(
          limiter,
          () => client.send(new PutResourcePolicyCommand(request), { abortSignal: attempt?.signal }),
          attempt,
        );
        return { policyStatus: out.policyStatus ?? "", revisionId: out.revisionId ?? "" };
      } catch (err) {
        throw fromAwsError(err);
      }
    },
    async deleteResourcePolicy(request, attempt) {
      checkPathLabel(request.workspaceId);
      try {
        await paced(
          limiter,
          () => client.send(new DeleteResourcePolicyCommand(request), { abortSignal: attempt?.signal }),
          attempt,
        );
      } catch (err) {
        throw fromAwsError(err);
      }
    },
    async findWorkspaceStatus(workspaceId, attempt) {
      checkPathLabel(workspaceId);
      try {
        const out = await paced(
          limiter,
          () => client.send(new DescribeWorkspaceCommand({ workspaceId }), { abortSignal: attempt?.signal }),
          attempt,
        );
        return out.workspace?.status?.statusCode ?? "";
      } catch (err) {
        throw fromAwsError(err, `AMP workspace ${workspaceId} does not exist`);
      }
    },
  };
}

function loadSdk(): typeof AmpSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@aws-sdk/client-amp") as typeof AmpSdk;
}

/**
 * Refuses a workspace id that is not AMP's own shape before it becomes a path label. The SDK percent-encodes
 * `/`, `?` and `#`, but sends `.`, `..` and an empty id as they are, and SigV4 signs the normalized path:
 * `DELETE /workspaces/./policy` is signed, and routed by anything that normalizes URLs, as
 * `DELETE /workspaces/policy`, another operation on another resource.
 */
function checkPathLabel(workspaceId: string): void {
  if (!isWorkspaceId(workspaceId)) {
    const text = String(workspaceId);
    const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
    throw new Error(
      `refusing to call AMP with workspace id ${shown}: not a valid AMP workspace id ` +
        "(1-64 letters, digits, '-', '.', '_', starting with a letter or digit)",
    );
  }
}

/**
 * Our own error for an AWS error the core acts on: `ResourceNotFoundException` becomes a `NotFoundError` (with
 * `notFound` as its message, else AMP's), `ConflictException` an `AmpConflictError` of its kind. Anything else
 * (throttling, server errors, validation, access) is returned as it is: the retry policy and the user read it.
 */
export function fromAwsError(err: unknown, notFound?: string): unknown {
  if (isAwsError(err, "ResourceNotFoundException")) {
    return new NotFoundError(notFound ?? messageOf(err), { cause: err });
  }
  if (isAwsError(err, "ConflictException")) {
    // AMP names the client token in the message of this one conflict only; no field tells it apart.
    const kind = /client ?token/i.test(messageOf(err)) ? "clientToken" : "policyState";
    return new AmpConflictError(kind, messageOf(err), { cause: err });
  }
  return err;
}

/** Whether `err` is an AWS SDK service error of the given exception name (by `name`: the SDK may load twice). */
function isAwsError(err: unknown, name: string): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === name;
}
