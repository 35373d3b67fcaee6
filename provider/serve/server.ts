/**
 * A `pulumirpc.ResourceProvider` gRPC server for a CRUD plugin, over `@grpc/grpc-js` and the generated stubs of
 * `@pulumi/pulumi/proto`: nothing of the stock `@pulumi/pulumi` provider server is used, so the plugin behaves
 * the same whichever `@pulumi/pulumi` (a peer) the user has.
 *
 * It owns the wire format and nothing else: Structs in and out, secret envelopes (values reach the provider
 * plain; an output whose input of the same name was secret goes back secret), the engine's log, and an
 * `UNIMPLEMENTED` status naming the method for whatever a CRUD plugin does not serve (Invoke, Call, Construct,
 * Parameterize, ...). What each method means is the `PluginProvider`'s (provider/serve/plugin.ts).
 *
 * The launch protocol: the engine starts the plugin with its own address as an argument and reads the port the
 * plugin prints on stdout. Newer engines then call `Handshake` (which also carries the engine address).
 */
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import type * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import type * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import type * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import type * as emptyProto from "google-protobuf/google/protobuf/empty_pb";
import type * as structProto from "google-protobuf/google/protobuf/struct_pb";

/** A property bag as it crosses the wire. */
export type PropertyMap = Record<string, unknown>;

/** The signature key of a secret envelope (and of the other special values of the Pulumi wire format). */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature value that marks a secret envelope `{ [SPECIAL_SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** How a property changes, as `pulumirpc.PropertyDiff.Kind` names it. */
export type PropertyDiffKind = "ADD" | "ADD_REPLACE" | "DELETE" | "DELETE_REPLACE" | "UPDATE" | "UPDATE_REPLACE";

export interface CheckOutcome {
  inputs: PropertyMap;
  failures: Array<{ property: string; reason: string }>;
}

export interface DiffOutcome {
  changes: boolean;
  replaces: string[];
  diffs: string[];
  deleteBeforeReplace?: boolean;
  /** How each changed property changes. */
  detailedDiff: Record<string, PropertyDiffKind>;
}

/** What the server knows about the resource a call is for. */
export interface CallContext {
  readonly urn: string;
  /** The top-level inputs that arrived secret (their values reach the provider plain). */
  readonly secrets: ReadonlySet<string>;
  /** Sends a message to the engine's log for this resource (stderr when there is no engine). */
  log(severity: "info" | "warning" | "error", message: string): Promise<void>;
}

/** A CRUD provider of plain values: what the server serves. */
export interface PluginProvider {
  readonly version: string;
  schema(): string;
  checkConfig(news: PropertyMap): CheckOutcome;
  diffConfig(olds: PropertyMap, news: PropertyMap): DiffOutcome;
  configure(args: PropertyMap, variables: ReadonlyMap<string, string>): void;
  check(ctx: CallContext, olds: PropertyMap, news: PropertyMap): Promise<CheckOutcome>;
  diff(ctx: CallContext, id: string, olds: PropertyMap, news: PropertyMap): Promise<DiffOutcome>;
  /** With `preview`, nothing is written: the outputs not known yet are the unknown sentinel. */
  create(ctx: CallContext, inputs: PropertyMap, preview: boolean): Promise<{ id: string; outs: object }>;
  /** No id: the resource is gone (or, for an import, does not exist). */
  read(
    ctx: CallContext,
    id: string,
    state: PropertyMap,
    inputs: PropertyMap,
  ): Promise<{ id?: string; props?: object; inputs?: object }>;
  update(
    ctx: CallContext,
    id: string,
    olds: PropertyMap,
    news: PropertyMap,
    preview: boolean,
  ): Promise<{ outs: object }>;
  delete(ctx: CallContext, id: string, props: PropertyMap): Promise<void>;
  /**
   * The engine's `Cancel`: the engine is shutting down. Operations in flight end at once with an error (their
   * outcome unknown), and later ones fail without calling AMP.
   */
  cancel?(): void;
}

// ---------------------------------------------------------------------------------------------------------
// Secrets

/** Whether `value` is a secret envelope. */
export function isSecret(value: unknown): value is { value?: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as PropertyMap)[SPECIAL_SIG_KEY] === SECRET_SIG
  );
}

/** `value` with every secret envelope, at any depth, replaced by its plain value. */
export function revealSecrets(value: unknown): unknown {
  if (isSecret(value)) {
    return revealSecrets(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(revealSecrets);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
  }
  return value;
}

function containsSecret(value: unknown): boolean {
  if (isSecret(value)) {
    return true;
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(containsSecret);
  }
  return false;
}

/** A property bag without secret envelopes, and the names of its top-level properties that held a secret. */
export function unwrapSecrets(...bags: Array<PropertyMap | undefined>): { plain: PropertyMap; secrets: Set<string> } {
  const secrets = new Set<string>();
  for (const bag of bags) {
    Object.entries(bag ?? {}).forEach(([key, value]) => containsSecret(value) && secrets.add(key));
  }
  return { plain: revealSecrets(bags[0] ?? {}) as PropertyMap, secrets };
}

/** `props` with the properties named in `secrets` wrapped as secrets. */
export function wrapSecrets(props: object, secrets: ReadonlySet<string>): PropertyMap {
  return Object.fromEntries(
    Object.entries(props).map(([key, value]: [string, unknown]) => [
      key,
      secrets.has(key) && !isSecret(value) ? { [SPECIAL_SIG_KEY]: SECRET_SIG, value } : value,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The server

/** The engine address among the plugin's arguments (the first one that is not a logging or tracing flag). */
export function engineAddress(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--tracing") {
      i++;
    } else if (!args[i].startsWith("-")) {
      return args[i];
    }
  }
  return undefined;
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** The generated stubs, and google-protobuf as `@pulumi/pulumi` resolves it (so its messages are the stubs' own). */
function loadWire() {
  const fromPulumi = (id: string): unknown =>
    require(require.resolve(id, { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] }));
  return {
    providerRpc: require("@pulumi/pulumi/proto/provider_grpc_pb") as typeof providerRpc,
    proto: require("@pulumi/pulumi/proto/provider_pb") as typeof providerProto,
    plugin: require("@pulumi/pulumi/proto/plugin_pb") as typeof pluginProto,
    engineRpc: require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof engineRpc,
    engine: require("@pulumi/pulumi/proto/engine_pb") as typeof engineProto,
    Struct: (fromPulumi("google-protobuf/google/protobuf/struct_pb") as typeof structProto).Struct,
    Empty: (fromPulumi("google-protobuf/google/protobuf/empty_pb") as typeof emptyProto).Empty,
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

type Reply = (error: Partial<grpc.StatusObject> | null, value?: unknown) => void;
type Handler = (request: never) => unknown;

/**
 * Serves `provider` until the engine kills the process: binds a port on 127.0.0.1, prints it on stdout, and logs
 * to the engine whose address is among `args` (or arrives by `Handshake`/`Attach`).
 */
export async function serve(provider: PluginProvider, args: string[]): Promise<void> {
  const wire = loadWire();
  const { proto, Struct, Empty } = wire;
  let engine: engineRpc.EngineClient | undefined;
  const connectEngine = (address: string | undefined): void => {
    engine?.close();
    engine = address ? new wire.engineRpc.EngineClient(address, grpc.credentials.createInsecure()) : undefined;
  };
  connectEngine(engineAddress(args));

  const severities = {
    info: wire.engine.LogSeverity.INFO,
    warning: wire.engine.LogSeverity.WARNING,
    error: wire.engine.LogSeverity.ERROR,
  };
  const context = (urn: string, secrets: ReadonlySet<string> = new Set()): CallContext => ({
    urn,
    secrets,
    log: (severity, message) =>
      new Promise((resolve) => {
        const request = new wire.engine.LogRequest().setSeverity(severities[severity]).setMessage(message).setUrn(urn);
        // A log that cannot be delivered must not fail the operation: it goes to stderr instead.
        const fallback = () => resolve(void console.error(`${severity}: ${message}`));
        if (engine === undefined) {
          return fallback();
        }
        engine.log(request, (err) => (err ? fallback() : resolve()));
      }),
  });

  // JSON drops `undefined` members, which a Struct cannot hold.
  const toStruct = (props: object) => Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as never);
  const fromStruct = (struct: structProto.Struct | undefined): PropertyMap => struct?.toJavaScript() ?? {};
  const diffResponse = (result: DiffOutcome) => {
    const resp = new proto.DiffResponse()
      .setChanges(result.changes ? proto.DiffResponse.DiffChanges.DIFF_SOME : proto.DiffResponse.DiffChanges.DIFF_NONE)
      .setReplacesList(result.replaces)
      .setDiffsList(result.diffs)
      .setDeletebeforereplace(result.deleteBeforeReplace ?? false)
      .setHasdetaileddiff(true);
    for (const [key, kind] of Object.entries(result.detailedDiff)) {
      resp
        .getDetaileddiffMap()
        .set(key, new proto.PropertyDiff().setKind(proto.PropertyDiff.Kind[kind]).setInputdiff(true));
    }
    return resp;
  };
  const checkResponse = (result: CheckOutcome, secrets: ReadonlySet<string>) =>
    new proto.CheckResponse()
      .setInputs(toStruct(wrapSecrets(result.inputs, secrets)))
      .setFailuresList(
        result.failures.map((f) => new proto.CheckFailure().setProperty(f.property).setReason(f.reason)),
      );

  // One handler per method: request in, one provider call, response out.
  const handlers: Record<string, Handler> = {
    handshake: (req: providerProto.ProviderHandshakeRequest) => {
      connectEngine(req.getEngineAddress());
      return new proto.ProviderHandshakeResponse().setAcceptSecrets(true).setAcceptResources(false);
    },
    attach: (req: pluginProto.PluginAttach) => {
      connectEngine(req.getAddress());
      return new Empty();
    },
    getPluginInfo: () => new wire.plugin.PluginInfo().setVersion(provider.version),
    getSchema: () => new proto.GetSchemaResponse().setSchema(provider.schema()),
    checkConfig: (req: providerProto.CheckRequest) => {
      const { plain, secrets } = unwrapSecrets(fromStruct(req.getNews()));
      return checkResponse(provider.checkConfig(plain), secrets);
    },
    diffConfig: (req: providerProto.DiffRequest) =>
      diffResponse(
        provider.diffConfig(
          unwrapSecrets(fromStruct(req.getOlds())).plain,
          unwrapSecrets(fromStruct(req.getNews())).plain,
        ),
      ),
    configure: (req: providerProto.ConfigureRequest) => {
      provider.configure(unwrapSecrets(fromStruct(req.getArgs())).plain, new Map(req.getVariablesMap().getEntryList()));
      // Resource references would only reach us as a workspace id anyway: let the engine send the id.
      return new proto.ConfigureResponse().setAcceptsecrets(true).setAcceptresources(false).setSupportspreview(true);
    },
    check: async (req: providerProto.CheckRequest) => {
      const { plain, secrets } = unwrapSecrets(fromStruct(req.getNews()));
      const olds = unwrapSecrets(fromStruct(req.getOlds())).plain;
      return checkResponse(await provider.check(context(req.getUrn(), secrets), olds, plain), secrets);
    },
    diff: async (req: providerProto.DiffRequest) => {
      const olds = unwrapSecrets(fromStruct(req.getOlds()));
      const news = unwrapSecrets(fromStruct(req.getNews()));
      const ctx = context(req.getUrn(), new Set([...olds.secrets, ...news.secrets]));
      return diffResponse(await provider.diff(ctx, req.getId(), olds.plain, news.plain));
    },
    create: async (req: providerProto.CreateRequest) => {
      const { plain, secrets } = unwrapSecrets(fromStruct(req.getProperties()));
      const { id, outs } = await provider.create(context(req.getUrn(), secrets), plain, req.getPreview());
      return new proto.CreateResponse().setId(id).setProperties(toStruct(wrapSecrets(outs, secrets)));
    },
    read: async (req: providerProto.ReadRequest) => {
      const state = unwrapSecrets(fromStruct(req.getProperties()), fromStruct(req.getInputs()));
      const inputs = unwrapSecrets(fromStruct(req.getInputs())).plain;
      const result = await provider.read(context(req.getUrn(), state.secrets), req.getId(), state.plain, inputs);
      const resp = new proto.ReadResponse().setId(result.id ?? "");
      // A resource that is gone has no properties at all: the engine takes an empty (but present) bag for a
      // resource that exists, and an import of it would then fail with "provider does not support importing".
      if (result.id && result.props !== undefined) {
        resp.setProperties(toStruct(wrapSecrets(result.props, state.secrets)));
        if (result.inputs !== undefined) {
          resp.setInputs(toStruct(wrapSecrets(result.inputs, state.secrets)));
        }
      }
      return resp;
    },
    update: async (req: providerProto.UpdateRequest) => {
      const olds = unwrapSecrets(fromStruct(req.getOlds())).plain;
      const { plain, secrets } = unwrapSecrets(fromStruct(req.getNews()));
      const ctx = context(req.getUrn(), secrets);
      const { outs } = await provider.update(ctx, req.getId(), olds, plain, req.getPreview());
      return new proto.UpdateResponse().setProperties(toStruct(wrapSecrets(outs, secrets)));
    },
    delete: async (req: providerProto.DeleteRequest) => {
      const { plain, secrets } = unwrapSecrets(fromStruct(req.getProperties()));
      await provider.delete(context(req.getUrn(), secrets), req.getId(), plain);
      return new Empty();
    },
    cancel: () => {
      provider.cancel?.();
      return new Empty();
    },
  };

  const service = wire.providerRpc.ResourceProviderService as unknown as grpc.ServiceDefinition;
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service)) {
    if (method.requestStream || method.responseStream) {
      continue; // grpc-js answers a streaming method it has no handler for with UNIMPLEMENTED.
    }
    const handler = handlers[name];
    implementation[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, reply: Reply) => {
      if (handler === undefined) {
        reply({ code: grpc.status.UNIMPLEMENTED, details: `${method.path} is not implemented by this CRUD provider` });
        return;
      }
      Promise.resolve()
        .then(() => handler(call.request as never))
        .then(
          (response) => reply(null, response),
          (err: unknown) =>
            reply({ code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) }),
        );
    };
  }

  // The engine's messages can be large (a whole program's state is not, but a schema or a policy can be).
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  // The engine reads the port from the first line of stdout.
  process.stdout.write(`${port}\n`);
}
