/**
 * The dynamic provider object behind `ResourcePolicy`, and nothing else: this module's whole `module.exports`.
 *
 * Pulumi serializes the provider into each resource's state (`__provider`, once in the inputs and once in the
 * outputs). Its closure serializer captures an object that is the entire `module.exports` of a module under
 * `node_modules` as a `require("pulumi-amp-resource-policy/dist/sdk/nodejs/provider.js")` of that module, about
 * 0.3 KB, where an object literal among other exports is copied with its methods (2.7 KB). So this module must
 * export only the provider (`export =`), must stay at this path in every later version (states written since
 * 0.2.0 name it), and its methods only delegate: no client, credential or setting is captured. Everything
 * environmental (region and its partition, endpoint, credentials, `AMP_POLICY_*`) is read when a method runs.
 *
 * States written by 0.1.0 hold the old inline code, which `require`s `dist/provider/lifecycle.js`: that module
 * keeps its path and its `check`, `diff`, `create`, `read`, `update` and `remove` exports.
 */
import * as pulumi from "@pulumi/pulumi";

import * as lifecycle from "../../provider/lifecycle";
import { redactedId, secretInputNames } from "../../provider/redact";
import { checkResource, engineFailures } from "../../provider/resource/check";
import { reviewSettingsFromEnv } from "../../provider/review";

/** Sends check's messages where the engine shows them (the provider's diagnostics during preview and up). */
function checkLogger(news: Record<string, unknown>) {
  const about = (message: string) => `amp:ResourcePolicy (${redactedId(news)}): ${message}`;
  return {
    warning: (message: string) => void pulumi.log.warn(about(message)),
    info: (message: string) => void pulumi.log.info(about(message)),
  };
}

/** The provider, with itself as `resourcePolicyProvider` for code that imports it by that name (as before 0.2.0). */
interface ResourcePolicyProviderModule extends pulumi.dynamic.ResourceProvider {
  readonly resourcePolicyProvider: pulumi.dynamic.ResourceProvider;
}

/** The module-level dynamic provider used by every `ResourcePolicy`. */
const resourcePolicyProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const settings = reviewSettingsFromEnv();
    const { inputs, failures } = await checkResource(
      { olds, news, settings, secretInputs: secretInputNames(news) },
      checkLogger(news),
    );
    return { inputs, failures: engineFailures(failures) };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return lifecycle.diff(olds, news, { partition: reviewSettingsFromEnv().partition });
  },

  async create(inputs: lifecycle.ResourcePolicyInputs) {
    return lifecycle.create(inputs);
  },

  async read(id: string, props: lifecycle.ResourcePolicyState) {
    return lifecycle.read(id, props, { partition: reviewSettingsFromEnv().partition });
  },

  async update(_id: string, olds: lifecycle.ResourcePolicyState, news: lifecycle.ResourcePolicyInputs) {
    return lifecycle.update(olds, news, { partition: reviewSettingsFromEnv().partition });
  },

  async delete(id: string, props: lifecycle.ResourcePolicyState) {
    await lifecycle.remove(id, props);
  },
} as pulumi.dynamic.ResourceProvider as ResourcePolicyProviderModule;
Object.defineProperty(resourcePolicyProvider, "resourcePolicyProvider", { value: resourcePolicyProvider });

export = resourcePolicyProvider;
