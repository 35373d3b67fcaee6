/** The AMP emulator for a benchmark: started in this process, with the AWS env vars pointing at it. */
import { AmpEmulator, type EmulatorOptions, type RequestLogEntry } from "../../emulator";

/** Credentials the emulator accepts (it checks SigV4 signatures made with them). */
export const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** The env vars a Pulumi program or the lifecycle needs to reach the emulator at `url`. */
export function emulatorEnv(url: string): NodeJS.ProcessEnv {
  return {
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_AMP: url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

/** A running emulator; `stop` also restores the env vars it set. */
export interface BenchEmulator {
  emulator: AmpEmulator;
  url: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Starts an emulator and points this process's AWS env vars (used by the lifecycle) at it. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<BenchEmulator> {
  const emulator = new AmpEmulator({
    credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
    ...options,
  });
  const url = await emulator.start();
  const env = emulatorEnv(url);
  const saved: Record<string, string | undefined> = {};
  for (const key of [...Object.keys(env), "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
    saved[key] = process.env[key];
    delete process.env[key];
  }
  Object.assign(process.env, env);
  return {
    emulator,
    url,
    env,
    async stop() {
      await emulator.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) {
          delete process.env[key];
        } else {
          process.env[key] = value;
        }
      }
    },
  };
}

const shortNames: Record<string, string> = {
  PutResourcePolicy: "Put",
  DescribeResourcePolicy: "Describe",
  DeleteResourcePolicy: "Delete",
};

/** The short name of an AMP operation in the tables: `Put`, `Describe`, `Delete`, else the full name. */
export function shortOp(operation: string): string {
  return shortNames[operation] ?? operation;
}

/** Calls by operation, as a compact label: e.g. `Put 1 · Describe 3`. */
export function describeCalls(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${shortOp(op)} ${num1(n)}`);
  return parts.length === 0 ? "none" : parts.join(" · ");
}

function num1(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Total calls. */
export function totalCalls(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Counts the calls `action` makes at the emulator. */
export async function countCalls<T>(
  emulator: AmpEmulator,
  action: () => Promise<T>,
): Promise<{ result: T; counts: Record<string, number> }> {
  emulator.resetCallCounts();
  const result = await action();
  return { result, counts: emulator.callCounts() };
}

/** Whether a logged call was refused by the rate limiter. */
export const throttled = (entry: RequestLogEntry): boolean => entry.fault === "rate-limit" || entry.statusCode === 429;
