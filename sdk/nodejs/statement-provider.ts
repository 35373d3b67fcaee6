/**
 * The dynamic provider object behind `ResourcePolicyStatement`, and nothing else: this module's whole
 * `module.exports`.
 *
 * The same shape as `./provider` (the provider of `ResourcePolicy`), for the same reasons: Pulumi serializes the
 * provider into each resource's state (`__provider`), and its closure serializer captures an object that is the
 * entire `module.exports` of a module under `node_modules` as a `require("pulumi-amp-resource-policy/dist/sdk/nodejs/statement-provider.js")`
 * of that module instead of copying its code. So this module exports only the provider (`export =`), keeps this
 * path in every later version (states name it), and its methods only delegate to the statement lifecycle
 * (provider/statement): no client, credential or setting is captured. Everything environmental (region and its
 * partition, endpoint, credentials, `AMP_POLICY_*`) is read when a method runs, so that a state written on one
 * machine runs with the credentials of the machine that refreshes or destroys it, and none is ever stored.
 */
import * as pulumi from "@pulumi/pulumi";

import { redactedId, secretInputNames } from "../../provider/redact";
import { engineFailures } from "../../provider/resource/check";
import { reviewSettingsFromEnv } from "../../provider/review";
import * as statements from "../../provider/statement";

/** Sends check's messages where the engine shows them (the provider's diagnostics during preview and up). */
function checkLogger(news: Record<string, unknown>) {
  const about = (message: string) =>
    `amp:ResourcePolicyStatement (${redactedId(news)}/${String(news.sid)}): ${message}`;
  return {
    warning: (message: string) => void pulumi.log.warn(about(message)),
    info: (message: string) => void pulumi.log.info(about(message)),
  };
}

/** The module-level dynamic provider used by every `ResourcePolicyStatement`. */
const resourcePolicyStatementProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const settings = reviewSettingsFromEnv();
    const { inputs, failures } = await statements.checkStatement(
      { olds, news, settings, secretInputs: secretInputNames(news) },
      checkLogger(news),
    );
    return { inputs, failures: engineFailures(failures) };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    return statements.diffStatement(olds, news, { partition: reviewSettingsFromEnv().partition });
  },

  async create(inputs: statements.StatementInputs) {
    return statements.createStatement(inputs, { partition: reviewSettingsFromEnv().partition });
  },

  async read(id: string, props: statements.StatementState) {
    return statements.readStatement(id, props, { partition: reviewSettingsFromEnv().partition });
  },

  async update(_id: string, olds: statements.StatementState, news: statements.StatementInputs) {
    return statements.updateStatement(olds, news, { partition: reviewSettingsFromEnv().partition });
  },

  async delete(id: string, props: statements.StatementState) {
    await statements.removeStatement(id, props, { partition: reviewSettingsFromEnv().partition });
  },
};

export = resourcePolicyStatementProvider;
