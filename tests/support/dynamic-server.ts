/**
 * Drives the real `@pulumi/pulumi/cmd/dynamic-provider` gRPC server, as the engine does, without the engine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

type Props = Record<string, unknown>;

/** A running dynamic-provider server and a client for it. */
export class DynamicProviderServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: provrpc.ResourceProviderClient,
    /** Everything the server wrote to stderr (where provider warnings go). */
    readonly stderr: string[],
  ) {}

  /** Spawns the server (with `env` added to this process's environment) and connects to it. */
  static async start(env: NodeJS.ProcessEnv = {}): Promise<DynamicProviderServer> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
    const child = spawn(process.execPath, [entry, "127.0.0.1:0"], {
      cwd: path.resolve(__dirname, "../.."),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    const port = await new Promise<string>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.once("line", (line) => resolve(line.trim()));
      child.once("exit", (code) => reject(new Error(`dynamic provider exited with ${code}: ${stderr.join("")}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new DynamicProviderServer(child, client, stderr);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
  }

  async check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest()
      .setUrn(urn)
      .setOlds(Struct.fromJavaScript(olds as never))
      .setNews(Struct.fromJavaScript(news as never));
    const resp = await this.call<provproto.CheckResponse>("check", req);
    return {
      inputs: resp.getInputs()?.toJavaScript() ?? {},
      failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: Props, news: Props): Promise<{ changes: string; replaces: string[] }> {
    const req = new provproto.DiffRequest()
      .setUrn(urn)
      .setId(id)
      .setOlds(Struct.fromJavaScript(olds as never))
      .setNews(Struct.fromJavaScript(news as never));
    const resp = await this.call<provproto.DiffResponse>("diff", req);
    const names = Object.entries(provproto.DiffResponse.DiffChanges);
    const changes = names.find(([, v]) => v === resp.getChanges())?.[0] ?? String(resp.getChanges());
    return { changes, replaces: resp.getReplacesList() };
  }

  async create(urn: string, props: Props): Promise<{ id: string; props: Props }> {
    const req = new provproto.CreateRequest().setUrn(urn).setProperties(Struct.fromJavaScript(props as never));
    const resp = await this.call<provproto.CreateResponse>("create", req);
    return { id: resp.getId(), props: resp.getProperties()!.toJavaScript() };
  }

  async read(urn: string, id: string, props: Props): Promise<{ id: string; props: Props; inputs: Props | undefined }> {
    const req = new provproto.ReadRequest()
      .setUrn(urn)
      .setId(id)
      .setProperties(Struct.fromJavaScript(props as never));
    const resp = await this.call<provproto.ReadResponse>("read", req);
    return {
      id: resp.getId(),
      props: resp.getProperties()?.toJavaScript() ?? {},
      inputs: resp.getInputs()?.toJavaScript() as Props | undefined,
    };
  }

  async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
    const req = new provproto.UpdateRequest()
      .setUrn(urn)
      .setId(id)
      .setOlds(Struct.fromJavaScript(olds as never))
      .setNews(Struct.fromJavaScript(news as never));
    const resp = await this.call<provproto.UpdateResponse>("update", req);
    return resp.getProperties()!.toJavaScript();
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const req = new provproto.DeleteRequest()
      .setUrn(urn)
      .setId(id)
      .setProperties(Struct.fromJavaScript(props as never));
    await this.call("delete", req);
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: T) => void) => void>)[
        method
      ];
      fn.call(this.client, req, (err, value) => (err ? reject(err) : resolve(value)));
    });
  }
}
