/**
 * Drives the resource plugin (bin/pulumi-resource-amp-resource-policy, i.e. the compiled provider/serve/plugin.ts)
 * over gRPC as the engine does, without the engine, through the provider-process harness
 * (tests/support/provider-process.ts); and a fake engine that records what the plugin logs.
 */
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as engproto from "@pulumi/pulumi/proto/engine_pb";
import type * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

import { repoRoot } from "../../../scripts/lib/package";
import { type CheckOutcome, type DiffOutcome, type Props, ProviderProcess } from "../../support/provider-process";

export type { DiffOutcome, Props };

/** The plugin executable of this repository (runs dist/provider/serve/plugin.js). */
export const pluginExecutable = path.join(repoRoot, "bin", "pulumi-resource-amp-resource-policy");

/** The URN of a ResourcePolicy named `name`. */
export function policyUrn(name = "policy"): string {
  return `urn:pulumi:dev::plugin-test::amp-resource-policy:index:ResourcePolicy::${name}`;
}

/** The URN of the default provider. */
export const providerUrn = "urn:pulumi:dev::plugin-test::pulumi:providers:amp-resource-policy::default";

/** A secret envelope, as the engine sends secrets to a plugin that accepts them. */
export function secret(value: unknown): Props {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

/** A log message the plugin sent to the engine. */
export interface LoggedMessage {
  severity: string;
  message: string;
  urn: string;
}

/** An Engine service that records `Log` calls (the only engine call a CRUD plugin makes). */
export class FakeEngine {
  readonly logs: LoggedMessage[] = [];
  private readonly server = new grpc.Server();
  address = "";

  async start(): Promise<string> {
    const severities = ["DEBUG", "INFO", "WARNING", "ERROR"];
    const implementation: grpc.UntypedServiceImplementation = {
      log: (call: grpc.ServerUnaryCall<engproto.LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) => {
        const req = call.request;
        this.logs.push({ severity: severities[req.getSeverity()], message: req.getMessage(), urn: req.getUrn() });
        callback(null, new Empty());
      },
    };
    this.server.addService(engrpc.EngineService, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.address = `127.0.0.1:${port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

/** A running plugin process, with the engine's calls in the order a test reads best (the URN last). */
export class PluginServer {
  private constructor(private readonly provider: ProviderProcess) {}

  /** Everything the plugin wrote to stderr. */
  get stderr(): string[] {
    return this.provider.stderr;
  }

  /**
   * Spawns the plugin as the engine does (`<executable> <engine address>`), with `env` replacing the variables
   * it names (an `undefined` value removes one), and connects to the port it prints. `launch` is the command
   * and its leading arguments (default: the plugin executable).
   */
  static async start(
    env: NodeJS.ProcessEnv = {},
    engineAddress?: string,
    launch: string[] = [pluginExecutable],
  ): Promise<PluginServer> {
    const [command, ...args] = launch;
    const started = await ProviderProcess.start(
      command,
      [...args, ...(engineAddress === undefined ? [] : [engineAddress])],
      env,
    );
    return new PluginServer(started);
  }

  stop(): Promise<void> {
    return this.provider.stop();
  }

  /** Calls `method` (the client's name for it, e.g. `getPluginInfo`) with `req`. */
  call<T>(method: string, req: unknown): Promise<T> {
    return this.provider.call<T>(method, req);
  }

  async getSchema(): Promise<string> {
    return (await this.call<provproto.GetSchemaResponse>("getSchema", new provproto.GetSchemaRequest())).getSchema();
  }

  async getPluginInfo(): Promise<string> {
    return (await this.call<plugproto.PluginInfo>("getPluginInfo", new Empty())).getVersion();
  }

  configure(args: Props, variables: Record<string, string> = {}): Promise<provproto.ConfigureResponse> {
    const req = new provproto.ConfigureRequest().setArgs(Struct.fromJavaScript(args as never));
    for (const [key, value] of Object.entries(variables)) {
      req.getVariablesMap().set(key, value);
    }
    return this.call<provproto.ConfigureResponse>("configure", req);
  }

  checkConfig(news: Props): Promise<CheckOutcome> {
    return this.provider.check(providerUrn, {}, news, "checkConfig");
  }

  diffConfig(olds: Props, news: Props): Promise<DiffOutcome> {
    return this.provider.diff(providerUrn, "", olds, news, "diffConfig");
  }

  check(news: Props, olds: Props = {}, urn = policyUrn()): Promise<CheckOutcome> {
    return this.provider.check(urn, olds, news);
  }

  diff(id: string, olds: Props, news: Props, urn = policyUrn()): Promise<DiffOutcome> {
    return this.provider.diff(urn, id, olds, news);
  }

  create(props: Props, urn = policyUrn(), preview = false): Promise<{ id: string; props: Props }> {
    return this.provider.create(urn, props, preview);
  }

  read(
    id: string,
    props: Props,
    urn = policyUrn(),
  ): Promise<{ id: string; props: Props; inputs: Props | undefined; hasProperties: boolean }> {
    return this.provider.read(urn, id, props);
  }

  update(id: string, olds: Props, news: Props, urn = policyUrn(), preview = false): Promise<Props> {
    return this.provider.update(urn, id, olds, news, preview);
  }

  delete(id: string, props: Props, urn = policyUrn()): Promise<void> {
    return this.provider.delete(urn, id, props);
  }
}
