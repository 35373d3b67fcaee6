/**
 * Shared pieces of the reliability tier: emulators reached through `LifecycleContext.settings` (so that
 * several can run at once in one process), policies, the request-log checks behind "never writes twice with
 * different outcomes", and the tallies each file prints and asserts.
 */
import assert from "node:assert/strict";

import { AmpEmulator, type EmulatorOptions, type RequestLogEntry } from "../../emulator";
import type { LifecycleContext } from "../../provider/lifecycle";

/** The credentials every emulator of this tier accepts; the env vars carry them to the AWS SDK. */
export const credentials = { accessKeyId: "reliability", secretAccessKey: "reliability-secret" };

/** A policy letting `account` remote-write metrics, as a JSON string. */
export function remoteWrite(account: string, sid = "RemoteWrite"): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["aps:RemoteWrite"],
      },
    ],
  });
}

/** A 12-digit account id made from a number, for policies that must all differ. */
export function account(n: number): string {
  return String(100000000000 + n);
}

/** An emulator of its own on a free port, and the lifecycle context that reaches it. */
export interface Peer {
  emulator: AmpEmulator;
  context: LifecycleContext;
  stop(): Promise<void>;
}

/** Starts an emulator that accepts {@link credentials}; the context names its endpoint explicitly. */
export async function startPeer(options: EmulatorOptions = {}, context: LifecycleContext = {}): Promise<Peer> {
  const emulator = new AmpEmulator({
    transitionDelayMs: 50,
    ...options,
    credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
  });
  const endpoint = await emulator.start();
  return {
    emulator,
    context: { ...context, settings: { region: "us-east-1", endpoint } },
    stop: () => emulator.stop(),
  };
}

/** Points the SDK's credential env vars at {@link credentials}; returns the restore function. */
export function useCredentials(): () => void {
  const keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_REGION = "us-east-1";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  };
}

/** The writes (Put and Delete of the policy) the emulator logged for one workspace. */
export function writesTo(log: RequestLogEntry[], workspaceId: string): RequestLogEntry[] {
  return log.filter(
    (e) =>
      e.workspaceId === workspaceId && (e.operation === "PutResourcePolicy" || e.operation === "DeleteResourcePolicy"),
  );
}

/** The writes the service accepted (202): the ones that changed, or replayed, something. */
export function accepted(writes: RequestLogEntry[]): RequestLogEntry[] {
  return writes.filter((e) => e.statusCode === 202);
}

/**
 * "Never writes twice with different outcomes": every attempt of one operation carries the same client token,
 * and the service accepted at most one write (a replay of the same token is the same outcome, so it counts once).
 */
export function assertOneOutcome(writes: RequestLogEntry[], what: string): void {
  const tokens = new Set(writes.map((e) => e.clientToken));
  assert.ok(tokens.size <= 1, `${what}: attempts used ${tokens.size} client tokens: ${[...tokens].join(", ")}`);
  const acceptedTokens = new Set(accepted(writes).map((e) => e.clientToken));
  assert.ok(acceptedTokens.size <= 1, `${what}: ${acceptedTokens.size} different writes were accepted`);
}

/** Resolves once every call the emulator received has been answered (or dropped) and logged. */
export async function quiesce(emulator: AmpEmulator, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const received = (): number => Object.values(emulator.callCounts()).reduce((a, b) => a + b, 0);
  while (emulator.requestLog().length < received()) {
    assert.ok(Date.now() < deadline, "the emulator still has calls in flight");
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Named counters, printed as a small table and asserted by the tests that fill them. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Prints the counters under a title, one per line, in the order they were first added. */
  print(title: string): void {
    console.log(`      ${title}`);
    for (const [key, n] of this.counts) {
      console.log(`        ${key}: ${n}`);
    }
  }
}
