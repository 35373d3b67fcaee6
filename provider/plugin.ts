/**
 * The plugin front door: the core lifecycle served over gRPC as the Pulumi resource plugin `amp-resource-policy`,
 * so that YAML, Python, Go and .NET programs can use `ResourcePolicy` and `pulumi import` can adopt a policy.
 *
 * `ampResourcePolicyProvider` is a `pulumi.provider.Provider` over `./lifecycle` (the same core as the dynamic
 * provider) and `serve` starts it with `pulumi.provider.main`. The stock server of `@pulumi/pulumi` 3.248 drops
 * what a plugin needs beyond that interface, so `serve` replaces five handlers of the service it registers:
 * `Diff` (with `detailedDiff` and `diffs`), `Read` (a policy that is gone answers without properties, which is
 * how the engine tells an import of nothing), `Configure` (which reads the provider's config instead of ignoring
 * it), `CheckConfig` and `DiffConfig` (unimplemented there). Everything else is the stock server.
 *
 * Quirks of this mode (DESIGN.md 5.7): the plugin accepts secrets, so values arrive as secret envelopes; they are
 * unwrapped before the core sees them and the outputs of a secret input are wrapped again. Check warnings go to
 * the engine's log (with the resource's URN), the only place a plugin's messages are shown.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type * as grpcTypes from "@grpc/grpc-js";
import type * as pulumiProvider from "@pulumi/pulumi/provider";
import type * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import type * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import type * as structProto from "google-protobuf/google/protobuf/struct_pb";

import type { AmpSettings } from "./amp";
import * as lifecycle from "./lifecycle";
import { UNKNOWN } from "./policy";
import { REVIEW_CONFIG_KEYS, checkReviewConfig, reviewSettingsFromConfig, withAccessReview } from "./review";

/** The package name: the plugin is `pulumi-resource-amp-resource-policy`, config keys are `amp-resource-policy:*`. */
export const PACKAGE_NAME = "amp-resource-policy";
/** The type token of the resource. */
export const RESOURCE_TYPE = `${PACKAGE_NAME}:index:ResourcePolicy`;
/** The signature key of a secret envelope (and of the other special values of the Pulumi wire format). */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature value that marks a secret envelope `{ [SPECIAL_SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The provider config keys, under `amp-resource-policy:` in stack config. */
export const CONFIG_KEYS = ["region", "endpoint", "profile", ...REVIEW_CONFIG_KEYS] as const;
/** The provider's settings: where AMP is, and the access review's provider-wide settings (provider/review.ts). */
export type ProviderSettings = AmpSettings & { [key in (typeof REVIEW_CONFIG_KEYS)[number]]?: string };

// ---------------------------------------------------------------------------------------------------------
// Types

/** A property bag as it crosses the wire. */
export type PropertyMap = Record<string, unknown>;

/** How a property changes, as `pulumirpc.PropertyDiff.Kind` names it. */
export type PropertyDiffKind = "ADD" | "ADD_REPLACE" | "DELETE" | "DELETE_REPLACE" | "UPDATE" | "UPDATE_REPLACE";

/** A diff with what the stock `DiffResult` cannot carry: the changed properties and how each changes. */
export interface PluginDiffResult extends pulumiProvider.DiffResult {
  readonly changes: boolean;
  readonly replaces: string[];
  /** Every changed top-level property. */
  readonly diffs: string[];
  /** How each changed property changes. */
  readonly detailedDiff: Record<string, PropertyDiffKind>;
}

/** The provider of the plugin, with the diff the extended server sends in full. */
export interface AmpResourcePolicyPluginProvider extends pulumiProvider.Provider {
  readonly version: string;
  getSchema(): Promise<string>;
  diff(id: string, urn: string, olds: PropertyMap, news: PropertyMap): Promise<PluginDiffResult>;
  read(id: string, urn: string, props?: PropertyMap): Promise<pulumiProvider.ReadResult>;
}

// ---------------------------------------------------------------------------------------------------------
// Package metadata: version and schema

let packageRootCache: string | undefined;

/** The folder of this package's `package.json` (the repository, or the installed package). */
export function packageRoot(): string {
  if (packageRootCache !== undefined) {
    return packageRootCache;
  }
  // Source (provider/) and compiled (dist/provider/) sit at different depths: walk up to our package.json.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "pulumi-amp-resource-policy") {
        packageRootCache = dir;
        return dir;
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the package.json of pulumi-amp-resource-policy above ${__dirname}`);
    }
  }
}

/** The version of the plugin: the version of the npm package. */
export function pluginVersion(): string {
  const manifest = path.join(packageRoot(), "package.json");
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The package schema (`provider/schema.json` with the package version), as JSON text. */
export function packageSchema(): string {
  const schema = JSON.parse(fs.readFileSync(path.join(packageRoot(), "provider", "schema.json"), "utf8")) as Record<
    string,
    unknown
  >;
  return JSON.stringify({ ...schema, version: pluginVersion() });
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

/** Whether `value` is, or contains, a secret envelope. */
export function containsSecret(value: unknown): boolean {
  if (isSecret(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsSecret);
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(containsSecret);
  }
  return false;
}

/** A property bag without secret envelopes, and the names of its top-level properties that held a secret. */
export function unwrapSecrets(props: PropertyMap | undefined): { plain: PropertyMap; secret: Set<string> } {
  const secret = new Set<string>();
  const plain: PropertyMap = {};
  for (const [key, value] of Object.entries(props ?? {})) {
    if (containsSecret(value)) {
      secret.add(key);
    }
    plain[key] = revealSecrets(value);
  }
  return { plain, secret };
}

/** `props` with the properties named in `secret` wrapped as secrets. */
export function wrapSecrets<T extends object>(props: T, secret: ReadonlySet<string>): PropertyMap {
  return Object.fromEntries(
    Object.entries(props).map(([key, value]: [string, unknown]) => [
      key,
      secret.has(key) && !isSecret(value) ? { [SPECIAL_SIG_KEY]: SECRET_SIG, value } : value,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Provider configuration

/**
 * Where the provider's settings come from, highest first: the `Configure` call's arguments (an explicit
 * provider's inputs, or the stack's `amp-resource-policy:*` config for the default provider), the
 * `PULUMI_CONFIG` the engine sets for a provider it launches (the same stack config, as JSON), and, for
 * anything still unset, the AWS SDK's own chain (`AWS_REGION`, `AWS_ENDPOINT_URL_AMP`, `AWS_PROFILE`, ...).
 */
export function resolveSettings(
  args: PropertyMap,
  variables: ReadonlyMap<string, string> = new Map(),
  env: NodeJS.ProcessEnv = process.env,
): ProviderSettings {
  let fromEnv: PropertyMap = {};
  try {
    const parsed: unknown = JSON.parse(env.PULUMI_CONFIG ?? "{}");
    fromEnv = typeof parsed === "object" && parsed !== null ? (parsed as PropertyMap) : {};
  } catch {
    // PULUMI_CONFIG is the engine's; a malformed value only means there is nothing to take from it.
  }
  const settings: ProviderSettings = {};
  for (const key of CONFIG_KEYS) {
    const value = [
      revealSecrets(args[key]),
      variables.get(`${PACKAGE_NAME}:config:${key}`),
      variables.get(`${PACKAGE_NAME}:${key}`),
      fromEnv[key],
    ].find((v) => typeof v === "string" && v !== "" && v !== UNKNOWN);
    if (typeof value === "string") {
      settings[key] = value;
    }
  }
  return settings;
}

/** Validates provider config (`CheckConfig`): each problem is a failure naming its key. */
export function checkConfig(news: PropertyMap): lifecycle.CheckResult {
  const failures: lifecycle.CheckFailure[] = [];
  for (const key of CONFIG_KEYS) {
    const value = revealSecrets(news[key]);
    if (value === undefined || value === null || value === UNKNOWN) {
      continue;
    }
    if (typeof value !== "string") {
      failures.push({ property: key, reason: `${key} must be a string, not ${typeof value}` });
    } else if (key === "endpoint" && value !== "" && !/^https?:\/\/[^\s/]+/.test(value)) {
      failures.push({ property: key, reason: `endpoint ${JSON.stringify(value)} is not an http(s) URL` });
    }
  }
  failures.push(...checkReviewConfig(revealSecrets(news) as PropertyMap));
  return { inputs: news, failures, warnings: [] };
}

let configured: ProviderSettings | undefined;

/** The settings of this plugin process: from `Configure` once called, else from the environment. */
export function currentSettings(): ProviderSettings {
  return configured ?? resolveSettings({});
}

// ---------------------------------------------------------------------------------------------------------
// The provider

/** Sends a message to the engine's log for the resource `urn`; set by `serve` once the engine is known. */
type EngineLog = (severity: "warning" | "info", message: string, urn: string) => Promise<void>;
let engineLog: EngineLog = async (_severity, message) => {
  console.error(message);
};

function kindOf(olds: PropertyMap, news: PropertyMap, key: string, replaces: boolean): PropertyDiffKind {
  const kind = olds[key] === undefined ? "ADD" : news[key] === undefined ? "DELETE" : "UPDATE";
  return replaces ? `${kind}_REPLACE` : kind;
}

/** The `pulumi.provider.Provider` of `amp-resource-policy:index:ResourcePolicy`, over the core lifecycle. */
export const ampResourcePolicyProvider: AmpResourcePolicyPluginProvider = {
  get version() {
    return pluginVersion();
  },

  async getSchema() {
    return packageSchema();
  },

  async check(urn: string, olds: PropertyMap, news: PropertyMap) {
    assertType(urn);
    const { plain, secret } = unwrapSecrets(news);
    const { result, diagnostics } = withAccessReview(
      lifecycle.check(plain),
      unwrapSecrets(olds).plain,
      plain,
      reviewSettingsFromConfig(currentSettings()),
      { secret: secret.has("policyDocument") },
    );
    if (result.failures.length === 0) {
      for (const warning of result.warnings) {
        await engineLog("warning", warning, urn);
      }
      for (const review of diagnostics) {
        await engineLog("info", review, urn);
      }
    }
    return { inputs: wrapSecrets(result.inputs, secret), failures: result.failures };
  },

  async diff(_id: string, urn: string, olds: PropertyMap, news: PropertyMap) {
    assertType(urn);
    const before = unwrapSecrets(olds).plain;
    const after = unwrapSecrets(news).plain;
    const result = lifecycle.diff(before, after);
    const detailedDiff = Object.fromEntries(
      result.diffs.map((key) => [key, kindOf(before, after, key, result.replaces.includes(key))]),
    );
    return { ...result, detailedDiff };
  },

  async create(urn: string, inputs: PropertyMap) {
    assertType(urn);
    const { plain, secret } = unwrapSecrets(inputs);
    const { id, outs } = await lifecycle.create(plain as unknown as lifecycle.ResourcePolicyInputs, {
      settings: currentSettings(),
    });
    return { id, outs: wrapSecrets(outs, secret) };
  },

  async read(id: string, urn: string, props?: PropertyMap) {
    assertType(urn);
    const { plain, secret } = unwrapSecrets(props);
    // An import reads with no state at all: the id is the workspace id.
    const state = withWorkspaceId(plain, id);
    const result = await lifecycle.read(id, state, {
      settings: currentSettings(),
    });
    if (result.id === undefined || result.props === undefined) {
      // No id: the policy (or its workspace) is gone.
      return { id: "", props: {} };
    }
    return {
      id: result.id,
      props: wrapSecrets(result.props, secret),
      inputs: result.inputs === undefined ? undefined : wrapSecrets(result.inputs, secret),
    };
  },

  async update(_id: string, urn: string, olds: PropertyMap, news: PropertyMap) {
    assertType(urn);
    const before = unwrapSecrets(olds).plain;
    const { plain, secret } = unwrapSecrets(news);
    const { outs } = await lifecycle.update(
      before as unknown as lifecycle.ResourcePolicyState,
      plain as unknown as lifecycle.ResourcePolicyInputs,
      { settings: currentSettings() },
    );
    return { outs: wrapSecrets(outs, secret) };
  },

  async delete(id: string, urn: string, props: PropertyMap) {
    assertType(urn);
    const { plain } = unwrapSecrets(props);
    await lifecycle.remove(id, withWorkspaceId(plain, id), { settings: currentSettings() });
  },
};

/** The state with its workspace id, taken from the resource id when the state has none (an import). */
function withWorkspaceId(state: PropertyMap, id: string): Partial<lifecycle.ResourcePolicyState> {
  const workspaceId = typeof state.workspaceId === "string" && state.workspaceId !== "" ? state.workspaceId : id;
  return { ...(state as Partial<lifecycle.ResourcePolicyState>), workspaceId };
}

/** Rejects a request for a type this plugin does not serve (the URN's type is its second-to-last `::` part). */
function assertType(urn: string): void {
  const type = urn.split("::")[2]?.split("$").pop();
  if (type !== undefined && type !== RESOURCE_TYPE) {
    throw new Error(`unknown resource type ${type}: this plugin serves ${RESOURCE_TYPE}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The server

/** Modules of the wire format, loaded from `@pulumi/pulumi`'s own dependencies so that they are the ones its server uses. */
interface Wire {
  grpc: typeof grpcTypes;
  provider: typeof pulumiProvider;
  providerRpc: typeof providerRpc;
  providerProto: typeof providerProto;
  engineRpc: typeof engineRpc;
  engineProto: typeof engineProto;
  struct: typeof structProto;
}

function loadWire(): Wire {
  const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const fromPulumi = <T>(id: string): T => require(require.resolve(id, { paths: [pulumiRoot] })) as T;
  return {
    grpc: fromPulumi<typeof grpcTypes>("@grpc/grpc-js"),
    struct: fromPulumi<typeof structProto>("google-protobuf/google/protobuf/struct_pb"),
    provider: require("@pulumi/pulumi/provider") as typeof pulumiProvider,
    providerRpc: require("@pulumi/pulumi/proto/provider_grpc_pb") as typeof providerRpc,
    providerProto: require("@pulumi/pulumi/proto/provider_pb") as typeof providerProto,
    engineRpc: require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof engineRpc,
    engineProto: require("@pulumi/pulumi/proto/engine_pb") as typeof engineProto,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

type Callback<T> = (error: Partial<grpcTypes.StatusObject> | Error | null, value?: T) => void;
type Unary<Req, Res> = (call: { request: Req }, callback: Callback<Res>) => void;

/** The engine address among the plugin's arguments (the first one that is not a logging or tracing flag). */
export function engineAddress(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--tracing") {
      i++;
    } else if (!arg.startsWith("-")) {
      return arg;
    }
  }
  return undefined;
}

/**
 * Starts the plugin: `pulumi.provider.main(ampResourcePolicyProvider, args)`, with the handlers the stock server
 * lacks. Prints the port on stdout (the engine reads it) and serves until the engine kills the process.
 */
export async function serve(args: string[] = process.argv.slice(2)): Promise<void> {
  const wire = loadWire();
  const address = engineAddress(args);
  if (address !== undefined) {
    const client = new wire.engineRpc.EngineClient(address, wire.grpc.credentials.createInsecure());
    engineLog = (severity, message, urn) =>
      new Promise((resolve) => {
        const request = new wire.engineProto.LogRequest()
          .setSeverity(
            severity === "warning" ? wire.engineProto.LogSeverity.WARNING : wire.engineProto.LogSeverity.INFO,
          )
          .setMessage(message)
          .setUrn(urn);
        // A log that cannot be delivered must not fail the operation: fall back to stderr.
        client.log(request, (err) => {
          if (err) {
            console.error(message);
          }
          resolve();
        });
      });
  }

  const server = wire.grpc.Server.prototype as { addService: grpcTypes.Server["addService"] };
  const addService = server.addService;
  server.addService = function (this: grpcTypes.Server, service, implementation) {
    const extended =
      service === wire.providerRpc.ResourceProviderService
        ? extendImplementation(wire, implementation)
        : implementation;
    addService.call(this, service, extended);
  };
  try {
    await wire.provider.main(ampResourcePolicyProvider, args);
  } finally {
    server.addService = addService;
  }
}

/** The stock implementation with `Diff`, `Read`, `Configure`, `CheckConfig` and `DiffConfig` replaced. */
function extendImplementation(
  wire: Wire,
  stock: grpcTypes.UntypedServiceImplementation,
): grpcTypes.UntypedServiceImplementation {
  const proto = wire.providerProto;
  const toStruct = (value: PropertyMap) => wire.struct.Struct.fromJavaScript(value as never);
  const failed = (callback: Callback<never>) => (err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    console.error(`${error.message}: ${error.stack ?? ""}`);
    callback(error);
  };

  const diff: Unary<providerProto.DiffRequest, providerProto.DiffResponse> = (call, callback) => {
    const req = call.request;
    const olds = req.getOlds()?.toJavaScript() ?? {};
    const news = req.getNews()?.toJavaScript() ?? {};
    ampResourcePolicyProvider.diff(req.getId(), req.getUrn(), olds, news).then((result) => {
      const resp = new proto.DiffResponse()
        .setChanges(
          result.changes ? proto.DiffResponse.DiffChanges.DIFF_SOME : proto.DiffResponse.DiffChanges.DIFF_NONE,
        )
        .setReplacesList(result.replaces)
        .setDiffsList(result.diffs)
        .setDeletebeforereplace(result.deleteBeforeReplace ?? false)
        .setHasdetaileddiff(true);
      const detailed = resp.getDetaileddiffMap();
      for (const [key, kind] of Object.entries(result.detailedDiff)) {
        detailed.set(key, new proto.PropertyDiff().setKind(proto.PropertyDiff.Kind[kind]).setInputdiff(true));
      }
      callback(null, resp);
    }, failed(callback));
  };

  const read: Unary<providerProto.ReadRequest, providerProto.ReadResponse> = (call, callback) => {
    const req = call.request;
    const props = req.getProperties()?.toJavaScript() ?? {};
    ampResourcePolicyProvider.read(req.getId(), req.getUrn(), props).then((result) => {
      const resp = new proto.ReadResponse().setId(result.id ?? "");
      // A resource that is gone has no properties at all: the engine reads an empty (but present) bag as a
      // resource that exists, and an import of it then fails with "provider does not support importing".
      if (result.id) {
        resp.setProperties(toStruct(result.props as PropertyMap));
        if (result.inputs !== undefined) {
          resp.setInputs(toStruct(result.inputs as PropertyMap));
        }
      }
      callback(null, resp);
    }, failed(callback));
  };

  const configure: Unary<providerProto.ConfigureRequest, providerProto.ConfigureResponse> = (call, callback) => {
    const req = call.request;
    const args = req.getArgs()?.toJavaScript() ?? {};
    const variables = new Map(req.getVariablesMap().getEntryList());
    configured = resolveSettings(args, variables);
    callback(
      null,
      new proto.ConfigureResponse().setAcceptsecrets(true).setAcceptresources(true).setSupportspreview(false),
    );
  };

  const checkConfigHandler: Unary<providerProto.CheckRequest, providerProto.CheckResponse> = (call, callback) => {
    const news = call.request.getNews()?.toJavaScript() ?? {};
    const result = checkConfig(news);
    const resp = new proto.CheckResponse().setInputs(toStruct(result.inputs));
    resp.setFailuresList(
      result.failures.map((f) => new proto.CheckFailure().setProperty(f.property).setReason(f.reason)),
    );
    callback(null, resp);
  };

  const diffConfig: Unary<providerProto.DiffRequest, providerProto.DiffResponse> = (call, callback) => {
    const olds = revealSecrets(call.request.getOlds()?.toJavaScript() ?? {}) as PropertyMap;
    const news = revealSecrets(call.request.getNews()?.toJavaScript() ?? {}) as PropertyMap;
    // A new region, endpoint or profile changes where later calls go; no policy is replaced because of it.
    const diffs = CONFIG_KEYS.filter((key) => olds[key] !== news[key]);
    const resp = new proto.DiffResponse()
      .setChanges(
        diffs.length > 0 ? proto.DiffResponse.DiffChanges.DIFF_SOME : proto.DiffResponse.DiffChanges.DIFF_NONE,
      )
      .setDiffsList(diffs)
      .setHasdetaileddiff(true);
    for (const key of diffs) {
      resp
        .getDetaileddiffMap()
        .set(
          key,
          new proto.PropertyDiff().setKind(proto.PropertyDiff.Kind[kindOf(olds, news, key, false)]).setInputdiff(true),
        );
    }
    callback(null, resp);
  };

  // The stock handlers stay reachable through the prototype (grpc binds each handler to this object).
  const extended = Object.create(stock) as grpcTypes.UntypedServiceImplementation;
  Object.assign(extended, { diff, read, configure, checkConfig: checkConfigHandler, diffConfig });
  return extended;
}

if (require.main === module) {
  void serve(process.argv.slice(2));
}
