/**
 * The one harness for a provider process: spawns a ResourceProvider gRPC server (the resource plugin, or the
 * stock dynamic-provider server), reads the port it prints on its first stdout line as the engine does, and
 * calls it with the generated pulumirpc client, Structs in and out.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

import { mergeEnv } from "../../scripts/lib/pulumi-project";

export type Props = Record<string, unknown>;

/** The result of Check or CheckConfig. */
export interface CheckOutcome {
  inputs: Props;
  failures: { property: string; reason: string }[];
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

const struct = (props: Props) => Struct.fromJavaScript(props as never);

function nameOf(values: Record<string, number>, value: number): string {
  return Object.entries(values).find(([, v]) => v === value)?.[0] ?? String(value);
}

/** A running provider process and a client for it. */
export class ProviderProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: provrpc.ResourceProviderClient,
    /** Everything the process wrote to stderr (where provider warnings go when there is no engine). */
    readonly stderr: string[],
  ) {}

  /**
   * Spawns `command args` in the repository, with `env` applied to this process's environment (an `undefined`
   * value removes a variable), and connects to the port it prints.
   */
  static async start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProviderProcess> {
    const child = spawn(command, args, {
      cwd: path.resolve(__dirname, "../.."),
      env: mergeEnv(process.env, env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    const port = await new Promise<string>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.once("line", (line) => resolve(line.trim()));
      child.once("exit", (code) => reject(new Error(`${command} exited with ${code}: ${stderr.join("")}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new ProviderProcess(child, client, stderr);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
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

  /** Check (or, with `method` "checkConfig", CheckConfig). */
  async check(urn: string, olds: Props, news: Props, method = "check"): Promise<CheckOutcome> {
    const req = new provproto.CheckRequest().setUrn(urn).setOlds(struct(olds)).setNews(struct(news));
    const resp = await this.call<provproto.CheckResponse>(method, req);
    return {
      inputs: resp.getInputs()?.toJavaScript() ?? {},
      failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** Diff (or, with `method` "diffConfig", DiffConfig). */
  async diff(urn: string, id: string, olds: Props, news: Props, method = "diff"): Promise<DiffOutcome> {
    const req = new provproto.DiffRequest().setUrn(urn).setId(id).setOlds(struct(olds)).setNews(struct(news));
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

  async create(urn: string, props: Props, preview = false): Promise<{ id: string; props: Props }> {
    const req = new provproto.CreateRequest().setUrn(urn).setProperties(struct(props)).setPreview(preview);
    const resp = await this.call<provproto.CreateResponse>("create", req);
    return { id: resp.getId(), props: resp.getProperties()!.toJavaScript() };
  }

  async read(
    urn: string,
    id: string,
    props: Props,
  ): Promise<{ id: string; props: Props; inputs: Props | undefined; hasProperties: boolean }> {
    const req = new provproto.ReadRequest().setUrn(urn).setId(id).setProperties(struct(props));
    const resp = await this.call<provproto.ReadResponse>("read", req);
    return {
      id: resp.getId(),
      props: resp.getProperties()?.toJavaScript() ?? {},
      inputs: resp.getInputs()?.toJavaScript(),
      hasProperties: resp.hasProperties(),
    };
  }

  async update(urn: string, id: string, olds: Props, news: Props, preview = false): Promise<Props> {
    const req = new provproto.UpdateRequest()
      .setUrn(urn)
      .setId(id)
      .setPreview(preview)
      .setOlds(struct(olds))
      .setNews(struct(news));
    const resp = await this.call<provproto.UpdateResponse>("update", req);
    return resp.getProperties()!.toJavaScript();
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const req = new provproto.DeleteRequest().setUrn(urn).setId(id).setProperties(struct(props));
    await this.call("delete", req);
  }
}
