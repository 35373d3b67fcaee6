import * as pulumi from "@pulumi/pulumi";

import type { PolicyDocument } from "../../provider/policy";
import resourcePolicyProvider from "./provider";

/** The arguments of a `ResourcePolicy`. */
export interface ResourcePolicyArgs {
  /** The AMP workspace id (e.g. `ws-12345678-...`). It is the resource id; changing it replaces the resource. */
  workspaceId: pulumi.Input<string>;
  /**
   * The resource-based policy, as a JSON string or an object. It is sent as given, and compared by IAM
   * meaning: reformatting or reordering it is never a change.
   */
  policyDocument: pulumi.Input<string | PolicyDocument>;
  /**
   * An idempotency token for the first write (1-64 printable ASCII). By default the provider makes its own,
   * the same across the retries of an operation.
   */
  clientToken?: pulumi.Input<string>;
  /**
   * The revision expected to be current at the first write. By default the policy is created only where the
   * workspace has none; give the revision of an existing policy to take it over.
   */
  revisionId?: pulumi.Input<string>;
  /** Take over (overwrite) a policy that already exists when this resource is created. Default `false`. */
  overwriteExisting?: pulumi.Input<boolean>;
  /** How long an operation may wait for AMP, in seconds. Default 300. */
  waitTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * The resource-based policy of an Amazon Managed Service for Prometheus workspace.
 *
 * Created only where the workspace has no policy; updated and deleted only at the revision Pulumi last wrote,
 * so that a policy changed outside Pulumi is reported instead of overwritten.
 */
export class ResourcePolicy extends pulumi.dynamic.Resource {
  /** The workspace id (also the resource id). */
  declare readonly workspaceId: pulumi.Output<string>;
  /** The policy document, as given. */
  declare readonly policyDocument: pulumi.Output<string | PolicyDocument>;
  /** The policy status: `ACTIVE` once applied. */
  declare readonly policyStatus: pulumi.Output<string>;
  /** The revision AMP returned for the last write; the next update and delete send it. */
  declare readonly revisionId: pulumi.Output<string>;

  /**
   * @param name The unique name of the resource.
   * @param args The workspace and the policy.
   * @param opts Options for the resource.
   */
  constructor(name: string, args: ResourcePolicyArgs, opts?: pulumi.CustomResourceOptions) {
    // The base class adds `__provider` to the props it is given: hand it a fresh object.
    const props: pulumi.Inputs = {
      workspaceId: args.workspaceId,
      policyDocument: args.policyDocument,
      clientToken: args.clientToken,
      revisionId: args.revisionId,
      overwriteExisting: args.overwriteExisting,
      waitTimeoutSeconds: args.waitTimeoutSeconds,
      policyStatus: undefined,
    };
    super(resourcePolicyProvider, name, props, opts, "amp", "ResourcePolicy");
  }
}
