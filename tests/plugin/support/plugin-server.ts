/**
 * Drives the resource plugin (bin/pulumi-resource-amp-resource-policy, i.e. the compiled provider/plugin.ts)
 * over gRPC as the engine does, without the engine; and a fake engine that records what the plugin logs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

import { repoRoot } from "../../../scripts/lib/package";

export type Props = Record<string, unknown>;

/** The plugin executable of this repository (runs dist/provider/plugin.js). */
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

/** The result of Diff or DiffConfig, with the enums by name. */
export interface DiffOutcome {
  changes: string;
  replaces: string[];
  diffs: string[];
  detailedDiff: Record<string, { kind: string; inputDiff: boolean }>;
  hasDetailedDiff: boolean;
  deleteBeforeReplace: boolean;
}

function nameOf(values: Record<string, number>, value: number): string {
  return Object.entries(values).find(([, v]) => v === value)?.[0] ?? String(value);
}

/** A running plugin process and a client for it. */
export class PluginServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: provrpc.ResourceProviderClient,
    /** Everything the plugin wrote to stderr. */
    readonly stderr: string[],
  ) {}

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
    const fullEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) {
        delete fullEnv[key];
      } else {
        fullEnv[key] = value;
      }
    }
    const [command, ...launchArgs] = launch;
    const child = spawn(command, [...launchArgs, ...(engineAddress === undefined ? [] : [engineAddress])], {
      cwd: repoRoot,
      env: fullEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    const port = await new Promise<string>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.once("line", (line) => resolve(line.trim()));
      child.once("exit", (code) => reject(new Error(`the plugin exited with ${code}: ${stderr.join("")}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PluginServer(child, client, stderr);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
  }

  async getSchema(): Promise<string> {
    const resp = await this.call<provproto.GetSchemaResponse>("getSchema", new provproto.GetSchemaRequest());
    return resp.getSchema();
  }

  async getPluginInfo(): Promise<string> {
    const resp = await this.call<plugproto.PluginInfo>("getPluginInfo", new Empty());
    return resp.getVersion();
  }

  async configure(args: Props, variables: Record<string, string> = {}): Promise<provproto.ConfigureResponse> {
    const req = new provproto.ConfigureRequest().setArgs(Struct.fromJavaScript(args as never));
    for (const [key, value] of Object.entries(variables)) {
      req.getVariablesMap().set(key, value);
    }
    return this.call<provproto.ConfigureResponse>("configure", req);
  }

  checkConfig(news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    return this.checkCall("checkConfig", providerUrn, {}, news);
  }

  diffConfig(olds: Props, news: Props): Promise<DiffOutcome> {
    return this.diffCall("diffConfig", providerUrn, "", olds, news);
  }

  check(
    news: Props,
    olds: Props = {},
    urn = policyUrn(),
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    return this.checkCall("check", urn, olds, news);
  }

  diff(id: string, olds: Props, news: Props, urn = policyUrn()): Promise<DiffOutcome> {
    return this.diffCall("diff", urn, id, olds, news);
  }

  async create(props: Props, urn = policyUrn(), preview = false): Promise<{ id: string; props: Props }> {
    const req = new provproto.CreateRequest()
      .setUrn(urn)
      .setProperties(Struct.fromJavaScript(props as never))
      .setPreview(preview);
    const resp = await this.call<provproto.CreateResponse>("create", req);
    return { id: resp.getId(), props: resp.getProperties()!.toJavaScript() };
  }

  async read(
    id: string,
    props: Props,
    urn = policyUrn(),
  ): Promise<{ id: string; props: Props; inputs: Props | undefined; hasProperties: boolean }> {
    const req = new provproto.ReadRequest()
      .setUrn(urn)
      .setId(id)
      .setProperties(Struct.fromJavaScript(props as never));
    const resp = await this.call<provproto.ReadResponse>("read", req);
    return {
      id: resp.getId(),
      props: resp.getProperties()?.toJavaScript() ?? {},
      inputs: resp.getInputs()?.toJavaScript(),
      hasProperties: resp.hasProperties(),
    };
  }

  async update(id: string, olds: Props, news: Props, urn = policyUrn(), preview = false): Promise<Props> {
    const req = new provproto.UpdateRequest()
      .setUrn(urn)
      .setId(id)
      .setPreview(preview)
      .setOlds(Struct.fromJavaScript(olds as never))
      .setNews(Struct.fromJavaScript(news as never));
    const resp = await this.call<provproto.UpdateResponse>("update", req);
    return resp.getProperties()!.toJavaScript();
  }

  async delete(id: string, props: Props, urn = policyUrn()): Promise<void> {
    const req = new provproto.DeleteRequest()
      .setUrn(urn)
      .setId(id)
      .setProperties(Struct.fromJavaScript(props as never));
    await this.call("delete", req);
  }

  private async checkCall(
    method: string,
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest()
      .setUrn(urn)
      .setOlds(Struct.fromJavaScript(olds as never))
      .setNews(Struct.fromJavaScript(news as never));
    const resp = await this.call<provproto.CheckResponse>(method, req);
    return {
      inputs: resp.getInputs()?.toJavaScript() ?? {},
      failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  private async diffCall(method: string, urn: string, id: string, olds: Props, news: Props): Promise<DiffOutcome> {
    const req = new provproto.DiffRequest()
      .setUrn(urn)
      .setId(id)
      .setOlds(Struct.fromJavaScript(olds as never))
      .setNews(Struct.fromJavaScript(news as never));
    const resp = await this.call<provproto.DiffResponse>(method, req);
    const kinds = provproto.PropertyDiff.Kind as unknown as Record<string, number>;
    const detailedDiff: DiffOutcome["detailedDiff"] = {};
    resp.getDetaileddiffMap().forEach((value, key) => {
      detailedDiff[key] = { kind: nameOf(kinds, value.getKind()), inputDiff: value.getInputdiff() };
    });
    return {
      changes: nameOf(provproto.DiffResponse.DiffChanges as unknown as Record<string, number>, resp.getChanges()),
      replaces: resp.getReplacesList(),
      diffs: resp.getDiffsList(),
      detailedDiff,
      hasDetailedDiff: resp.getHasdetaileddiff(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  /** Calls `method` (the client's name for it, e.g. `getPluginInfo`) with `req`. */
  call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: T) => void) => void>)[
        method
      ];
      fn.call(this.client, req, (err, value) => (err ? reject(err) : resolve(value)));
    });
  }
}
