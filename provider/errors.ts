/**
 * Branded errors of the provider core.
 *
 * Serialized provider code may load this module twice (once by the program, once from the `__provider`
 * text), so `instanceof` is not reliable: each class carries a brand and a static `isInstance`, as in
 * `@pulumi/pulumi`'s own errors. AWS SDK errors are read only at the AMP seam (provider/aws/amp.ts), which maps
 * them to these.
 */

const notFoundBrand = "__ampPolicyNotFoundError";
const timeoutBrand = "__ampPolicyTimeoutError";
const conflictBrand = "__ampPolicyConflictError";
const ampConflictBrand = "__ampConflictError";

/** The policy (or its workspace) does not exist. Thrown by the finder. */
export class NotFoundError extends Error {
  /** @internal */
  readonly [notFoundBrand] = true;

  /** Whether `err` is a `NotFoundError`, from whichever copy of this module it came. */
  static isInstance(err: unknown): err is NotFoundError {
    return hasBrand(err, notFoundBrand);
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotFoundError";
  }
}

/** A wait ran out of time. The message says what it waited for and the last status seen. */
export class WaitTimeoutError extends Error {
  /** @internal */
  readonly [timeoutBrand] = true;

  /** The last status observed before the timeout, if any. */
  readonly lastStatus: string | undefined;

  /** Whether `err` is a `WaitTimeoutError`, from whichever copy of this module it came. */
  static isInstance(err: unknown): err is WaitTimeoutError {
    return hasBrand(err, timeoutBrand);
  }

  constructor(message: string, lastStatus: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WaitTimeoutError";
    this.lastStatus = lastStatus;
  }
}

/**
 * The policy in AWS is not the one Pulumi expects: it exists where Pulumi expected none, or its revision
 * moved on because something outside Pulumi changed it. Nothing was written.
 */
export class PolicyConflictError extends Error {
  /** @internal */
  readonly [conflictBrand] = true;

  /** Whether `err` is a `PolicyConflictError`, from whichever copy of this module it came. */
  static isInstance(err: unknown): err is PolicyConflictError {
    return hasBrand(err, conflictBrand);
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PolicyConflictError";
  }
}

/**
 * What an `AmpConflictError` is about. `clientToken`: the client token was already used with other request
 * parameters, which no amount of waiting clears. `policyState`: the policy or the workspace is not as the request
 * expected (a transition under way, another revision, a policy already there); AMP's answer does not say which
 * reliably, so the core reads the live policy to find out.
 */
export type AmpConflictKind = "clientToken" | "policyState";

/** AMP refused a request as conflicting (its `ConflictException`), mapped at the AMP seam (provider/aws/amp.ts). */
export class AmpConflictError extends Error {
  /** @internal */
  readonly [ampConflictBrand] = true;

  /** What the conflict is about. */
  readonly kind: AmpConflictKind;

  /** Whether `err` is an `AmpConflictError`, from whichever copy of this module it came. */
  static isInstance(err: unknown): err is AmpConflictError {
    return hasBrand(err, ampConflictBrand);
  }

  constructor(kind: AmpConflictKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AmpConflictError";
    this.kind = kind;
  }
}

/** The message of any thrown value, for wrapping. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    return err.message || err.name;
  }
  return String(err);
}

function hasBrand(err: unknown, brand: string): boolean {
  return typeof err === "object" && err !== null && (err as Record<string, unknown>)[brand] === true;
}
