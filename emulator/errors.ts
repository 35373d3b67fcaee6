/**
 * AMP error responses as the emulator sends them: a status code, the error type (sent in the
 * `x-amzn-errortype` header), a JSON body with `message` plus the fields the AMP model declares for
 * that error, and extra headers such as `Retry-After`.
 */

/** The resource types the emulator names in `resourceId`/`resourceType` error fields. */
export type AmpResourceType = "Workspace" | "ResourcePolicy";

/** One entry of a `ValidationException.fieldList`. */
export interface ValidationField {
  /** The request field that failed validation, e.g. `policyDocument`. */
  name: string;
  /** Why it failed. */
  message: string;
}

/** The `reason` values the AMP model declares for `ValidationException`. */
export type ValidationReason = "CANNOT_PARSE" | "FIELD_VALIDATION_FAILED" | "OTHER" | "UNKNOWN_OPERATION";

/** The `serviceCode` the emulator reports in throttling errors. */
export const SERVICE_CODE = "AmazonPrometheusService";

/**
 * An error answer of the emulated service. Thrown by the state machine and the HTTP layer and turned into
 * a response by the server; never escapes the emulator.
 */
export class AmpError extends Error {
  /**
   * @param statusCode HTTP status of the answer.
   * @param errorType error name for the `x-amzn-errortype` header, e.g. `ConflictException`.
   * @param message human-readable message, sent as `message`.
   * @param fields modelled members of the error, merged into the JSON body.
   * @param headers extra response headers, e.g. `Retry-After`.
   */
  constructor(
    readonly statusCode: number,
    readonly errorType: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AmpError";
  }

  /** The JSON body of the answer: `message` first, then the modelled fields. */
  body(): Record<string, unknown> {
    return { message: this.message, ...this.fields };
  }
}

/** `ConflictException` (409) about a resource. */
export function conflict(message: string, resourceId: string, resourceType: AmpResourceType): AmpError {
  return new AmpError(409, "ConflictException", message, { resourceId, resourceType });
}

/** `ResourceNotFoundException` (404) about a resource. */
export function notFound(message: string, resourceId: string, resourceType: AmpResourceType): AmpError {
  return new AmpError(404, "ResourceNotFoundException", message, { resourceId, resourceType });
}

/** `ValidationException` (400) naming the offending fields. */
export function validation(message: string, reason: ValidationReason, fieldList: ValidationField[] = []): AmpError {
  return new AmpError(400, "ValidationException", message, { reason, fieldList });
}

/** `ThrottlingException` (429) with the optional `Retry-After` header (seconds). */
export function throttling(message: string, retryAfterSeconds?: number, quotaCode = "RequestRate"): AmpError {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) };
  return new AmpError(429, "ThrottlingException", message, { serviceCode: SERVICE_CODE, quotaCode }, headers);
}

/** `InternalServerException` (500) with the optional `Retry-After` header (seconds). */
export function internalServer(message: string, retryAfterSeconds?: number): AmpError {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) };
  return new AmpError(500, "InternalServerException", message, {}, headers);
}

/** `ServiceUnavailableException` (503), not modelled by AMP: the SDK sees a generic service error and retries it. */
export function serviceUnavailable(message: string, retryAfterSeconds?: number): AmpError {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) };
  return new AmpError(503, "ServiceUnavailableException", message, {}, headers);
}

/** `AccessDeniedException` (403). */
export function accessDenied(message: string): AmpError {
  return new AmpError(403, "AccessDeniedException", message);
}

/** `ServiceQuotaExceededException` (402). */
export function serviceQuotaExceeded(message: string, resourceId: string, resourceType: AmpResourceType): AmpError {
  return new AmpError(402, "ServiceQuotaExceededException", message, {
    resourceId,
    resourceType,
    serviceCode: SERVICE_CODE,
    quotaCode: "ResourcePolicies",
  });
}
