/**
 * The HTTP layer: the AMP REST-JSON routes, the order in which a call meets fault injection, the rate limit, the
 * signature check and the state machine, and the shape of every answer (always JSON, error type in
 * `x-amzn-errortype`). Paths under `/_emulator/` go to the admin handler, unsigned.
 */
import { randomUUID } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { AdminRequest, AdminResponse, ADMIN_PREFIX } from "./admin";
import { AmpError, validation } from "./errors";
import { CallJournal, FaultInjector, OperationName, RateLimiter, RequestLogEntry } from "./faults";
import { verifySignature } from "./sigv4";
import { AmpState } from "./state";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How the server authenticates calls; read on every call, so changes apply at once. */
export interface AuthSettings {
  /** Check SigV4 signatures. */
  verifySignature: boolean;
  /** Access key id to secret access key. */
  credentials: Record<string, string>;
  /** Largest accepted difference between `x-amz-date` and the clock, in ms. */
  maxClockSkewMs: number;
}

/** Everything the server works with. */
export interface ServerContext {
  /** The state machine. */
  state: AmpState;
  /** The fault queue. */
  faults: FaultInjector;
  /** The rate limiter. */
  rateLimiter: RateLimiter;
  /** Call counters and request log. */
  journal: CallJournal;
  /** Authentication settings. */
  auth: AuthSettings;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** Handles `/_emulator/...` requests. */
  admin: (request: AdminRequest) => AdminResponse;
}

/** A request matched to an AMP operation. */
interface Route {
  operation: OperationName;
  workspaceId?: string;
}

type Query = Record<string, string>;

class BodyTooLarge extends Error {}

function firstValues(rawQuery: string): Query {
  const query: Query = {};
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const index = pair.indexOf("=");
    const key = decodeURIComponent(index < 0 ? pair : pair.slice(0, index));
    if (!(key in query)) query[key] = index < 0 ? "" : decodeURIComponent(pair.slice(index + 1));
  }
  return query;
}

/** Matches a method and path (segments still encoded) to an AMP operation, or `undefined`. */
function route(method: string, path: string): Route | undefined {
  const segments = path.split("/").slice(1).map(decodeURIComponent);
  if (segments[0] !== "workspaces") return undefined;
  if (segments.length === 1) {
    if (method === "POST") return { operation: "CreateWorkspace" };
    if (method === "GET") return { operation: "ListWorkspaces" };
    return undefined;
  }
  const workspaceId = segments[1];
  if (segments.length === 2) {
    if (method === "GET") return { operation: "DescribeWorkspace", workspaceId };
    if (method === "DELETE") return { operation: "DeleteWorkspace", workspaceId };
    return undefined;
  }
  if (segments.length === 3 && segments[2] === "policy") {
    if (method === "PUT") return { operation: "PutResourcePolicy", workspaceId };
    if (method === "GET") return { operation: "DescribeResourcePolicy", workspaceId };
    if (method === "DELETE") return { operation: "DeleteResourcePolicy", workspaceId };
  }
  return undefined;
}

function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw validation("Could not parse the request body as JSON", "CANNOT_PARSE");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw validation("The request body must be a JSON object", "CANNOT_PARSE");
  }
  return parsed as Record<string, unknown>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`request body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function headerMap(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

/** The emulator's HTTP server. */
export class EmulatorServer {
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private readonly sleeps = new Set<() => void>();

  /** @param context what the server works with. */
  constructor(private readonly context: ServerContext) {}

  /** The base URL, e.g. `http://127.0.0.1:4510`, once started. */
  get url(): string | undefined {
    return this.baseUrl;
  }

  /** Starts listening; resolves with the base URL. Port 0 picks a free port. */
  start(port: number, host: string): Promise<string> {
    if (this.server) return Promise.reject(new Error("the emulator is already started"));
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.fail(response, error));
    });
    server.on("clientError", (_error, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", (error) => {
        this.server = undefined;
        reject(error);
      });
      server.listen(port, host, () => {
        const address = server.address() as AddressInfo;
        const printableHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
        this.baseUrl = `http://${printableHost}:${address.port}`;
        resolve(this.baseUrl);
      });
    });
  }

  /** Stops listening, drops open connections and cuts short injected latencies. */
  stop(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    this.baseUrl = undefined;
    for (const wake of [...this.sleeps]) wake();
    return new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = this.context.now();
    const method = request.method ?? "GET";
    const rawUrl = request.url ?? "/";
    const queryIndex = rawUrl.indexOf("?");
    const path = queryIndex < 0 ? rawUrl : rawUrl.slice(0, queryIndex);
    const rawQuery = queryIndex < 0 ? "" : rawUrl.slice(queryIndex + 1);
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        response.setHeader("Connection", "close");
        this.send(response, new AmpError(413, "RequestEntityTooLargeException", error.message));
        return;
      }
      throw error;
    }

    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      this.handleAdmin(response, method, path, rawQuery, body);
      return;
    }

    let matched: Route | undefined;
    let query: Query;
    try {
      matched = route(method, path);
      query = firstValues(rawQuery);
    } catch {
      this.send(response, validation("The request URI could not be decoded", "CANNOT_PARSE"));
      return;
    }
    const entry: RequestLogEntry = {
      time: new Date(started).toISOString(),
      operation: matched?.operation ?? "Unknown",
      method,
      path,
      statusCode: 0,
      durationMs: 0,
    };
    this.context.journal.count(entry.operation);
    if (!matched) {
      this.finish(
        entry,
        response,
        new AmpError(404, "UnknownOperationException", `The AMP emulator does not serve ${method} ${path}`),
      );
      return;
    }
    const { operation, workspaceId } = matched;
    if (workspaceId !== undefined) entry.workspaceId = workspaceId;
    this.describeCall(entry, operation, query, body);

    const decision = this.context.faults.take(operation, workspaceId);
    if (decision.latencyMs > 0) {
      entry.fault = "latency";
      await this.sleep(decision.latencyMs);
      if (!this.server) {
        request.socket.destroy();
        return;
      }
    }
    if (decision.drop) {
      entry.fault = "drop";
      entry.durationMs = this.context.now() - started;
      this.context.journal.log(entry);
      request.socket.destroy();
      return;
    }
    if (decision.error) {
      entry.fault = "error";
      this.finish(entry, response, decision.error);
      return;
    }
    const throttled = this.context.rateLimiter.admit();
    if (throttled) {
      entry.fault = "rate-limit";
      this.finish(entry, response, throttled);
      return;
    }

    let outcome: { statusCode: number; output?: unknown } | AmpError;
    try {
      if (this.context.auth.verifySignature) {
        await verifySignature(
          { method, path, rawQuery, headers: headerMap(request), body },
          {
            credentials: this.context.auth.credentials,
            region: this.context.state.settings.region,
            maxClockSkewMs: this.context.auth.maxClockSkewMs,
            now: this.context.now,
          },
        );
      }
      outcome = this.dispatch(operation, workspaceId ?? "", query, body);
    } catch (error) {
      if (!(error instanceof AmpError)) throw error;
      outcome = error;
    }

    // Faults after commit: the call above was applied; now its answer is late, replaced or lost.
    const after = decision.afterCommit;
    const committedStatusCode = outcome.statusCode;
    if (after.latencyMs > 0) {
      entry.fault = "latency";
      entry.afterCommit = true;
      await this.sleep(after.latencyMs);
      if (!this.server) {
        entry.committedStatusCode = committedStatusCode;
        entry.durationMs = this.context.now() - started;
        this.context.journal.log(entry);
        request.socket.destroy();
        return;
      }
    }
    if (after.drop) {
      entry.fault = "drop";
      entry.afterCommit = true;
      entry.committedStatusCode = committedStatusCode;
      entry.durationMs = this.context.now() - started;
      this.context.journal.log(entry);
      request.socket.destroy();
      return;
    }
    if (after.error) {
      entry.fault = "error";
      entry.afterCommit = true;
      entry.committedStatusCode = committedStatusCode;
      this.finish(entry, response, after.error);
      return;
    }
    if (outcome instanceof AmpError) this.finish(entry, response, outcome);
    else this.finish(entry, response, undefined, outcome.statusCode, outcome.output);
  }

  /** Fills the log entry's request members (client token, revision) without failing on a bad body. */
  private describeCall(entry: RequestLogEntry, operation: OperationName, query: Query, body: Buffer): void {
    let clientToken: unknown = query.clientToken;
    let revisionId: unknown = query.revisionId;
    if (operation === "PutResourcePolicy" || operation === "CreateWorkspace") {
      try {
        const parsed = parseJsonBody(body);
        clientToken = parsed.clientToken;
        revisionId = parsed.revisionId;
      } catch {
        // The call itself reports the bad body.
      }
    }
    if (typeof clientToken === "string") entry.clientToken = clientToken;
    if (typeof revisionId === "string") entry.revisionId = revisionId;
  }

  private dispatch(
    operation: OperationName,
    workspaceId: string,
    query: Query,
    body: Buffer,
  ): { statusCode: number; output?: unknown } {
    const state = this.context.state;
    switch (operation) {
      case "CreateWorkspace":
        return { statusCode: 202, output: state.createWorkspace(parseJsonBody(body)) };
      case "ListWorkspaces":
        return {
          statusCode: 200,
          output: state.listWorkspaces({
            alias: query.alias,
            maxResults: query.maxResults,
            nextToken: query.nextToken,
          }),
        };
      case "DescribeWorkspace":
        return { statusCode: 200, output: state.describeWorkspace(workspaceId) };
      case "DeleteWorkspace":
        state.deleteWorkspace({ workspaceId, clientToken: query.clientToken });
        return { statusCode: 202 };
      case "PutResourcePolicy": {
        const input = parseJsonBody(body);
        return {
          statusCode: 202,
          output: state.putResourcePolicy({
            workspaceId,
            policyDocument: input.policyDocument,
            clientToken: input.clientToken,
            revisionId: input.revisionId,
          }),
        };
      }
      case "DescribeResourcePolicy":
        return { statusCode: 200, output: state.describeResourcePolicy(workspaceId) };
      case "DeleteResourcePolicy":
        state.deleteResourcePolicy({ workspaceId, clientToken: query.clientToken, revisionId: query.revisionId });
        return { statusCode: 202 };
    }
  }

  private handleAdmin(response: ServerResponse, method: string, path: string, rawQuery: string, body: Buffer): void {
    let answer: AdminResponse;
    try {
      answer = this.context.admin({ method, path, query: firstValues(rawQuery), body });
    } catch (error) {
      answer = { statusCode: 400, body: { message: error instanceof Error ? error.message : String(error) } };
    }
    const text = JSON.stringify(answer.body);
    response.writeHead(answer.statusCode, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
    });
    response.end(text);
  }

  private finish(
    entry: RequestLogEntry,
    response: ServerResponse,
    error?: AmpError,
    statusCode = 200,
    output?: unknown,
  ): void {
    entry.statusCode = error ? error.statusCode : statusCode;
    if (error) entry.errorType = error.errorType;
    entry.durationMs = this.context.now() - Date.parse(entry.time);
    this.context.journal.log(entry);
    if (error) this.send(response, error);
    else this.sendOutput(response, statusCode, output);
  }

  private baseHeaders(): Record<string, string> {
    return {
      "Content-Type": "application/json",
      "x-amzn-RequestId": randomUUID(),
      Date: new Date(this.context.now()).toUTCString(),
    };
  }

  private sendOutput(response: ServerResponse, statusCode: number, output: unknown): void {
    const text = output === undefined ? "" : JSON.stringify(output);
    response.writeHead(statusCode, { ...this.baseHeaders(), "Content-Length": Buffer.byteLength(text) });
    response.end(text);
  }

  private send(response: ServerResponse, error: AmpError): void {
    const text = JSON.stringify(error.body());
    response.writeHead(error.statusCode, {
      ...this.baseHeaders(),
      ...error.headers,
      "x-amzn-errortype": error.errorType,
      "Content-Length": Buffer.byteLength(text),
    });
    response.end(text);
  }

  /** Answers 500 for a bug in the emulator itself (still JSON, so the SDK reports it sensibly). */
  private fail(response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.send(response, new AmpError(500, "InternalServerException", `AMP emulator failure: ${message}`));
  }
}
