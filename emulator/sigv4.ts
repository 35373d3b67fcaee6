/**
 * Verification of AWS Signature Version 4 on incoming requests: the request is rebuilt from the headers it says it
 * signed, signed again with `@smithy/signature-v4` and the secret the emulator knows for its access key, and the two
 * signatures compared.
 */
import { createHash, createHmac, Hash, Hmac, timingSafeEqual } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { AmpError } from "./errors";

/** The signing name of AMP. */
export const SIGNING_SERVICE = "aps";

/** What the verifier needs to know about an incoming request. */
export interface SignedRequest {
  /** HTTP method. */
  method: string;
  /** The path as it came over the wire (still percent-encoded), without the query. */
  path: string;
  /** The raw query string, without `?` (may be empty). */
  rawQuery: string;
  /** Lower-cased header names to values (repeated headers joined with `,`). */
  headers: Record<string, string>;
  /** The request body. */
  body: Buffer;
}

/** Settings of the verifier. */
export interface SignatureSettings {
  /** Access key id to secret access key. */
  credentials: Record<string, string>;
  /** The only region a request may be scoped to. */
  region: string;
  /** Largest accepted difference between `x-amz-date` and the clock, in ms. */
  maxClockSkewMs: number;
  /** The clock, ms since the epoch. */
  now: () => number;
}

/** The parts of a SigV4 `Authorization` header. */
export interface ParsedAuthorization {
  /** The access key id of the credential scope. */
  accessKeyId: string;
  /** The scope date, `YYYYMMDD`. */
  date: string;
  /** The scope region. */
  region: string;
  /** The scope service (signing name). */
  service: string;
  /** The lower-cased names of the signed headers. */
  signedHeaders: string[];
  /** The hex signature. */
  signature: string;
}

/** A SHA-256 hash (or HMAC, with a secret) over node's crypto, in the shape `@smithy/signature-v4` expects. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  /** @param secret HMAC key; without one, a plain SHA-256. */
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }

  /** Adds data to the hash. */
  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  /** The hash of everything added. */
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  /** Starts over. */
  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash("sha256");
    const key =
      typeof this.secret === "string"
        ? Buffer.from(this.secret, "utf8")
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac("sha256", key);
  }
}

function invalidSignature(message: string): AmpError {
  return new AmpError(403, "InvalidSignatureException", message);
}

/** Parses an `Authorization` header of the AWS4-HMAC-SHA256 scheme; `undefined` when it is not one. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!match) return undefined;
  const parts = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const index = part.indexOf("=");
    if (index > 0) parts.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  const credential = parts.get("Credential")?.split("/");
  const signedHeaders = parts.get("SignedHeaders");
  const signature = parts.get("Signature");
  if (!credential || credential.length !== 5 || credential[4] !== "aws4_request" || !signedHeaders || !signature) {
    return undefined;
  }
  if (!/^[0-9a-f]{64}$/.test(signature) || !/^\d{8}$/.test(credential[1])) return undefined;
  return {
    accessKeyId: credential[0],
    date: credential[1],
    region: credential[2],
    service: credential[3],
    signedHeaders: signedHeaders.split(";"),
    signature,
  };
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** Decodes a raw query string into the `query` map of an `HttpRequest` (`+` is a literal plus, as AWS signs it). */
export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (rawQuery === "") return query;
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const index = pair.indexOf("=");
    const key = decodeURIComponent(index < 0 ? pair : pair.slice(0, index));
    const value = index < 0 ? "" : decodeURIComponent(pair.slice(index + 1));
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

/**
 * Verifies the SigV4 signature of `request` for service `aps`. Resolves with the access key id on success; rejects
 * with a 403 {@link AmpError} (`InvalidSignatureException`, or `UnrecognizedClientException` for an unknown access
 * key) otherwise.
 */
export async function verifySignature(request: SignedRequest, settings: SignatureSettings): Promise<string> {
  const header = request.headers["authorization"];
  if (header === undefined) throw invalidSignature("Missing Authentication Token");
  const auth = parseAuthorization(header);
  if (!auth) throw invalidSignature("Authorization header is not a valid AWS4-HMAC-SHA256 authorization");
  if (auth.service !== SIGNING_SERVICE) {
    throw invalidSignature(`Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`);
  }
  if (auth.region !== settings.region) {
    throw invalidSignature(`Credential should be scoped to a valid region: '${settings.region}'.`);
  }
  const secretAccessKey = Object.prototype.hasOwnProperty.call(settings.credentials, auth.accessKeyId)
    ? settings.credentials[auth.accessKeyId]
    : undefined;
  if (secretAccessKey === undefined) {
    throw new AmpError(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  const signingDate = parseAmzDate(request.headers["x-amz-date"]);
  if (!signingDate || !auth.signedHeaders.includes("x-amz-date")) {
    throw invalidSignature("Authorization requires a signed x-amz-date header");
  }
  if (request.headers["x-amz-date"]?.slice(0, 8) !== auth.date) {
    throw invalidSignature("Credential date does not match x-amz-date");
  }
  if (Math.abs(settings.now() - signingDate.getTime()) > settings.maxClockSkewMs) {
    throw invalidSignature("Signature expired: the request time is too far from the server time");
  }
  if (!auth.signedHeaders.includes("host")) throw invalidSignature("The host header must be signed");

  const bodyHash = createHash("sha256").update(request.body).digest("hex");
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw invalidSignature(`Signed header ${name} is missing from the request`);
    // A claimed payload hash that does not match the body must fail, so sign the real one.
    headers[name] = name === "x-amz-content-sha256" && value !== "UNSIGNED-PAYLOAD" ? bodyHash : value;
  }
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: headers["host"] ?? "",
      path: request.path,
      query: parseQuery(request.rawQuery),
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = parseAuthorization(signed.headers["authorization"] ?? "")?.signature ?? "";
  const matches =
    expected.length === auth.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
  if (!matches) {
    throw invalidSignature(
      "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return auth.accessKeyId;
}
