/** Shared set-up for the emulator tests: an emulator on 127.0.0.1:0, SDK clients pointed at it, admin calls. */
import { AmpClient, AmpClientConfig } from "@aws-sdk/client-amp";
import { AmpEmulator, EmulatorOptions } from "../../emulator";

/** Test credentials the emulator accepts by default. */
export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** A started emulator and a client without retries; `close` stops both. */
export interface Harness {
  emulator: AmpEmulator;
  url: string;
  client: AmpClient;
  clientWith(config: Partial<AmpClientConfig>): AmpClient;
  close(): Promise<void>;
}

/** Starts an emulator with `options` and a single-attempt client. */
export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = new AmpEmulator(options);
  const url = await emulator.start(0, "127.0.0.1");
  const clients: AmpClient[] = [];
  const clientWith = (config: Partial<AmpClientConfig>): AmpClient => {
    const client = new AmpClient({
      endpoint: url,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      ...config,
    });
    clients.push(client);
    return client;
  };
  const client = clientWith({});
  return {
    emulator,
    url,
    client,
    clientWith,
    close: async () => {
      for (const c of clients) c.destroy();
      await emulator.stop();
    },
  };
}

/** A valid workspace policy document granting RemoteWrite on `resource`. */
export function policyDocument(resource: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowRemoteWrite",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: ["aps:RemoteWrite"],
        Resource: resource,
        ...extra,
      },
    ],
  });
}

/** Runs `promise` and returns what it rejected with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** An admin answer: status and parsed JSON body (loosely typed, tests check its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AdminAnswer = { status: number; body: any };

/** Calls an admin endpoint; resolves with the status and the parsed JSON body. */
export async function admin(url: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
