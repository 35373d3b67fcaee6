/**
 * The dynamic provider object behind `ResourcePolicy`, and nothing else: this module's whole `module.exports`.
 *
 * Pulumi serializes the provider into each resource's state (`__provider`, once in the inputs and once in the
 * outputs). Its closure serializer captures an object that is the entire `module.exports` of a module under
 * `node_modules` as a `require("pulumi-amp-resource-policy/dist/sdk/nodejs/provider.js")` of that module, about
 * 0.3 KB, where an object literal among other exports is copied with its methods (2.7 KB). So this module must
 * export only the provider (`export =`), must stay at this path in every later version (states written since
 * 0.2.0 name it), and its methods only delegate: no client, credential or setting is captured. Everything
 * environmental (region, endpoint, credentials) is read when a method runs.
 *
 * States written by 0.1.0 hold the old inline code, which `require`s `dist/provider/lifecycle.js`: that module
 * keeps its path and its `check`, `diff`, `create`, `read`, `update` and `remove` exports.
 */
import * as pulumi from "@pulumi/pulumi";

import * as lifecycle from "../../provider/lifecycle";
import { redactCheck, redactedId, secretInputValues } from "../../provider/redact";
import { reviewSettingsFromEnv, withAccessReview } from "../../provider/review";

/** Emits check warnings where the engine shows them (the provider's diagnostics during preview and up). */
function warn(message: string): void {
  void pulumi.log.warn(message);
}

/** The provider, with itself as `resourcePolicyProvider` for code that imports it by that name (as before 0.2.0). */
interface ResourcePolicyProviderModule extends pulumi.dynamic.ResourceProvider {
  readonly resourcePolicyProvider: pulumi.dynamic.ResourceProvider;
}

/** The module-level dynamic provider used by every `ResourcePolicy`. */
const resourcePolicyProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const secrets = secretInputValues(news);
    const reviewed = withAccessReview(lifecycle.check(news), olds, news, reviewSettingsFromEnv(), {
      secret: secrets.includes(news.policyDocument),
    });
    const result = redactCheck(reviewed.result, secrets);
    if (result.failures.length === 0) {
      result.warnings.forEach((w) => warn(`amp:ResourcePolicy (${redactedId(news)}): ${w}`));
      reviewed.diagnostics.forEach((d) => void pulumi.log.info(`amp:ResourcePolicy (${redactedId(news)}): ${d}`));
    }
    return { inputs: result.inputs, failures: result.failures };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return lifecycle.diff(olds, news);
  },

  async create(inputs: lifecycle.ResourcePolicyInputs) {
    return lifecycle.create(inputs);
  },

  async read(id: string, props: lifecycle.ResourcePolicyState) {
    return lifecycle.read(id, props);
  },

  async update(_id: string, olds: lifecycle.ResourcePolicyState, news: lifecycle.ResourcePolicyInputs) {
    return lifecycle.update(olds, news);
  },

  async delete(id: string, props: lifecycle.ResourcePolicyState) {
    await lifecycle.remove(id, props);
  },
} as pulumi.dynamic.ResourceProvider as ResourcePolicyProviderModule;
Object.defineProperty(resourcePolicyProvider, "resourcePolicyProvider", { value: resourcePolicyProvider });

export = resourcePolicyProvider;
