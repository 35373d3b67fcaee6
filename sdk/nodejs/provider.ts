/**
 * The dynamic provider object behind `ResourcePolicy`.
 *
 * Pulumi serializes this object into each resource's state (`__provider`). It lives in the published package
 * so that the serializer captures it as a `require` of this module rather than copying code, and its methods
 * only delegate: no client, credential or setting is captured. Everything environmental (region, endpoint,
 * credentials) is read when a method runs.
 */
import * as pulumi from "@pulumi/pulumi";

import * as lifecycle from "../../provider/lifecycle";
import { redactCheck, redactedId, secretInputValues } from "../../provider/redact";
import { reviewSettingsFromEnv, withAccessReview } from "../../provider/review";

/** Emits check warnings where the engine shows them (the provider's diagnostics during preview and up). */
function warn(message: string): void {
  void pulumi.log.warn(message);
}

/** The module-level dynamic provider used by every `ResourcePolicy`. */
export const resourcePolicyProvider: pulumi.dynamic.ResourceProvider = {
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
};
