/**
 * The plugin front door: the core lifecycles served over gRPC as the Pulumi resource plugin `amp-resource-policy`,
 * so that YAML, Python, Go and .NET programs can use `ResourcePolicy` (a workspace's whole policy) and
 * `ResourcePolicyStatement` (one statement of it, by Sid), and `pulumi import` can adopt either. Each call is
 * dispatched by the type in its URN to that type's lifecycle.
 *
 * Like the dynamic door (sdk/nodejs/provider.ts), each method is plain values in, one lifecycle call, plain
 * values out; the wire (gRPC, Structs, secret envelopes, the engine's log) is `./server`'s. What only this door
 * does: the provider's config (`Configure`, `CheckConfig`, `DiffConfig`), `detailedDiff`, previews of create and
 * update, import (a read without state), and check warnings sent to the engine's log with the resource's URN,
 * the only place a plugin's messages are shown. A secret input's values are kept out of check's messages.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { AmpSettings } from "../aws/amp";
import * as lifecycle from "../lifecycle";
import { UNKNOWN } from "../policy";
import { checkResource, engineFailures } from "../resource/check";
import * as statements from "../statement";
import { REVIEW_CONFIG_KEYS, type ReviewSettings, checkReviewConfig, reviewSettingsFromConfig } from "../review";
import * as server from "./server";
import type { PluginProvider, PropertyDiffKind, PropertyMap } from "./server";

/** The package name: the plugin is `pulumi-resource-amp-resource-policy`, config keys are `amp-resource-policy:*`. */
export const PACKAGE_NAME = "amp-resource-policy";
/** The type token of the resource that owns a workspace's whole policy. */
export const RESOURCE_TYPE = `${PACKAGE_NAME}:index:ResourcePolicy`;
/** The type token of the resource that owns one statement (by Sid) of a workspace's policy. */
export const STATEMENT_TYPE = `${PACKAGE_NAME}:index:${statements.STATEMENT_TYPE_NAME}`;
/** The provider config keys, under `amp-resource-policy:` in stack config. */
export const CONFIG_KEYS = ["region", "endpoint", "profile", ...REVIEW_CONFIG_KEYS] as const;
/** The provider's settings: where AMP is, and the access review's provider-wide settings (provider/review.ts). */
export type ProviderSettings = AmpSettings & { [key in (typeof REVIEW_CONFIG_KEYS)[number]]?: string };

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
      args[key],
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
export function checkConfig(news: PropertyMap): server.CheckOutcome {
  const failures: lifecycle.CheckFailure[] = [];
  for (const key of CONFIG_KEYS) {
    const value = news[key];
    if (value === undefined || value === null || value === UNKNOWN) {
      continue;
    }
    if (typeof value !== "string") {
      failures.push({ property: key, reason: `${key} must be a string, not ${typeof value}` });
    } else if (key === "endpoint" && value !== "" && !/^https?:\/\/[^\s/]+/.test(value)) {
      failures.push({ property: key, reason: `endpoint ${JSON.stringify(value)} is not an http(s) URL` });
    }
  }
  failures.push(...checkReviewConfig(news));
  return { inputs: news, failures };
}

let configured: ProviderSettings | undefined;

/** The settings of this plugin process: from `Configure` once called, else from the environment. */
export function currentSettings(): ProviderSettings {
  return configured ?? resolveSettings({});
}

/** Compares provider config (`DiffConfig`): a new region, endpoint or profile is an update, never a replacement. */
export function diffConfig(olds: PropertyMap, news: PropertyMap): server.DiffOutcome {
  const diffs = CONFIG_KEYS.filter((key) => olds[key] !== news[key]);
  const detailedDiff = Object.fromEntries(diffs.map((key) => [key, kindOf(olds, news, key, false)]));
  return { changes: diffs.length > 0, replaces: [], diffs, detailedDiff };
}

// ---------------------------------------------------------------------------------------------------------
// The provider

function kindOf(olds: PropertyMap, news: PropertyMap, key: string, replaces: boolean): PropertyDiffKind {
  const kind = olds[key] === undefined ? "ADD" : news[key] === undefined ? "DELETE" : "UPDATE";
  return replaces ? `${kind}_REPLACE` : kind;
}

/** What a preview shows for a write: the inputs, and the outputs only the service will know. */
function previewOutputs(inputs: PropertyMap): PropertyMap {
  return { ...inputs, policyStatus: UNKNOWN, revisionId: UNKNOWN };
}

/**
 * The review settings of this process and what it knows of the workspaces: the region (config, else
 * `AWS_REGION` / `AWS_DEFAULT_REGION`, as the AWS SDK reads it) with its partition, and the account.
 */
export function currentReviewSettings(env: NodeJS.ProcessEnv = process.env): ReviewSettings {
  const current = currentSettings();
  return reviewSettingsFromConfig({ ...current, region: current.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION });
}

/** Aborted by the engine's `Cancel`: it ends every operation of this process (the engine is shutting down). */
const cancelled = new AbortController();

/**
 * The lifecycle context of a call: the settings of this process, its partition, the engine's `Cancel`, and the
 * resource's URN as its identity.
 */
const settings = (urn?: string): lifecycle.LifecycleContext => ({
  settings: currentSettings(),
  partition: currentReviewSettings().partition,
  signal: cancelled.signal,
  identity: urn,
});

/**
 * What the plugin does for one resource type, over plain values: each method is one call of that type's
 * lifecycle. The provider below owns the protocol (config, previews, detailed diffs, the engine's log).
 */
interface ResourceLifecycle {
  check(
    request: CheckRequest,
    logger: CheckLogger,
  ): Promise<{ inputs: PropertyMap; failures: lifecycle.CheckFailure[] }>;
  diff(olds: PropertyMap, news: PropertyMap): lifecycle.DiffResult;
  create(inputs: PropertyMap, urn: string): Promise<{ id: string; outs: object }>;
  /** An import reads with no state: the id alone says what to read. */
  read(id: string, state: PropertyMap): Promise<{ id?: string; props?: object; inputs?: object }>;
  /** Without a call: the outputs an update will keep. */
  previewUpdate(olds: PropertyMap, news: PropertyMap): object;
  update(olds: PropertyMap, news: PropertyMap, urn: string): Promise<{ outs: object }>;
  delete(id: string, props: PropertyMap, urn: string): Promise<void>;
}

type CheckRequest = Parameters<typeof checkResource>[0];
type CheckLogger = Parameters<typeof checkResource>[1];

const partition = () => ({ partition: currentReviewSettings().partition });

/** `ResourcePolicy`: the workspace's whole policy; its id is the workspace id. */
const policyLifecycle: ResourceLifecycle = {
  check: (request, logger) => checkResource(request, logger),
  diff: (olds, news) => lifecycle.diff(olds, news, partition()),
  create: (inputs, urn) => lifecycle.create(inputs as unknown as lifecycle.ResourcePolicyInputs, settings(urn)),
  read: (id, state) => lifecycle.read(id, withWorkspaceId(state, id), settings()),
  previewUpdate: (olds, news) =>
    lifecycle.previewUpdate(olds, news as unknown as lifecycle.ResourcePolicyInputs, partition()),
  update: (olds, news, urn) =>
    lifecycle.update(
      olds as unknown as lifecycle.ResourcePolicyState,
      news as unknown as lifecycle.ResourcePolicyInputs,
      settings(urn),
    ),
  delete: (id, props, urn) => lifecycle.remove(id, withWorkspaceId(props, id), settings(urn)),
};

/** `ResourcePolicyStatement`: one statement of the workspace's policy; its id is `<workspaceId>/<sid>`. */
const statementLifecycle: ResourceLifecycle = {
  check: (request, logger) => statements.checkStatement(request, logger),
  diff: (olds, news) => statements.diffStatement(olds, news, partition()),
  create: (inputs, urn) => statements.createStatement(inputs as unknown as statements.StatementInputs, settings(urn)),
  read: (id, state) => statements.readStatement(id, state, settings()),
  previewUpdate: (olds, news) =>
    statements.previewStatementUpdate(olds, news as unknown as statements.StatementInputs, partition()),
  update: (olds, news, urn) =>
    statements.updateStatement(
      olds as unknown as statements.StatementState,
      news as unknown as statements.StatementInputs,
      settings(urn),
    ),
  delete: (id, props, urn) => statements.removeStatement(id, props, settings(urn)),
};

/** The lifecycle of each type token this plugin serves. */
const lifecycles: ReadonlyMap<string, ResourceLifecycle> = new Map([
  [RESOURCE_TYPE, policyLifecycle],
  [STATEMENT_TYPE, statementLifecycle],
]);

/**
 * The lifecycle of the resource a URN names (its type is the third `::` part, after the last `$` of its parents'
 * types). A type this plugin does not serve is an error naming the types it does.
 */
function lifecycleOf(urn: string): ResourceLifecycle {
  const type = urn.split("::")[2]?.split("$").pop() ?? "";
  const found = lifecycles.get(type);
  if (found === undefined) {
    throw new Error(`unknown resource type ${type}: this plugin serves ${[...lifecycles.keys()].join(" and ")}`);
  }
  return found;
}

/** The provider of `amp-resource-policy:index:ResourcePolicy` and `...:ResourcePolicyStatement`. */
export const ampResourcePolicyProvider: PluginProvider = {
  get version() {
    return pluginVersion();
  },

  schema: () => packageSchema(),

  checkConfig,

  diffConfig,

  configure(args, variables) {
    configured = resolveSettings(args, variables);
  },

  async check(ctx, olds, news) {
    const resource = lifecycleOf(ctx.urn);
    const { inputs, failures } = await resource.check(
      { olds, news, settings: currentReviewSettings(), secretInputs: [...ctx.secrets] },
      { warning: (message) => ctx.log("warning", message), info: (message) => ctx.log("info", message) },
    );
    return { inputs, failures: engineFailures(failures) };
  },

  async diff(ctx, _id, olds, news) {
    const result = lifecycleOf(ctx.urn).diff(olds, news);
    const kinds = result.diffs.map((key) => [key, kindOf(olds, news, key, result.replaces.includes(key))]);
    return { ...result, detailedDiff: Object.fromEntries(kinds) as Record<string, PropertyDiffKind> };
  },

  async create(ctx, inputs, preview) {
    const resource = lifecycleOf(ctx.urn);
    if (preview) {
      return { id: "", outs: previewOutputs(inputs) };
    }
    return resource.create(inputs, ctx.urn);
  },

  async read(ctx, id, state) {
    return lifecycleOf(ctx.urn).read(id, state);
  },

  async update(ctx, _id, olds, news, preview) {
    const resource = lifecycleOf(ctx.urn);
    if (preview) {
      return { outs: resource.previewUpdate(olds, news) };
    }
    return resource.update(olds, news, ctx.urn);
  },

  async delete(ctx, id, props) {
    await lifecycleOf(ctx.urn).delete(id, props, ctx.urn);
  },

  cancel() {
    cancelled.abort(new Error("the engine cancelled the operation (Cancel)"));
  },
};

/** The state with its workspace id, taken from the resource id when the state has none (an import). */
function withWorkspaceId(state: PropertyMap, id: string): Partial<lifecycle.ResourcePolicyState> {
  const workspaceId = typeof state.workspaceId === "string" && state.workspaceId !== "" ? state.workspaceId : id;
  return { ...(state as Partial<lifecycle.ResourcePolicyState>), workspaceId };
}

/** Starts the plugin: prints the port on stdout (the engine reads it) and serves until the engine kills it. */
export function serve(args: string[] = process.argv.slice(2)): Promise<void> {
  return server.serve(ampResourcePolicyProvider, args);
}

if (require.main === module) {
  void serve(process.argv.slice(2));
}
