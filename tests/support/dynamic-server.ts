/**
 * The real `@pulumi/pulumi/cmd/dynamic-provider` gRPC server, started as the engine starts it, driven with the
 * provider-process harness (./provider-process).
 */
import { ProviderProcess } from "./provider-process";

export type DynamicProviderServer = ProviderProcess;

export const DynamicProviderServer = {
  /** Spawns the server (with `env` added to this process's environment) and connects to it. */
  start(env: NodeJS.ProcessEnv = {}): Promise<DynamicProviderServer> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
    return ProviderProcess.start(process.execPath, [entry, "127.0.0.1:0"], env);
  },
};
