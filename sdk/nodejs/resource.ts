import * as pulumi from "@pulumi/pulumi";

import { IDENTITY_INPUT } from "../../provider/lifecycle";
import type { PolicyDocument } from "../../provider/policy";
import { SECRET_INPUTS } from "../../provider/redact";
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
  /**
   * Which access changes fail preview until approved: `"never"` (default), `"broadening"` (the new policy lets
   * someone do something the old did not), or `"any-change"` (any change of access). The environment variable
   * `AMP_POLICY_REQUIRE_APPROVAL` sets a floor for every resource; the stricter of the two applies.
   */
  requireApproval?: pulumi.Input<"never" | "broadening" | "any-change">;
  /**
   * The access digest that a preview printed for the change it approves (`access digest: ...`). It approves
   * exactly that access: the next change of access needs a new approval. Never sent to AMP.
   */
  approvedAccess?: pulumi.Input<string>;
  /** Finding codes (`issueCode`) whose warnings are not shown, e.g. `["MISSING_VERSION"]`. */
  suppressFindings?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The names of the arguments that are secret. The dynamic-provider server gives the provider plain values, so
 * this is how `check` knows which values to keep out of its messages.
 */
export async function secretArguments<Args extends object>(args: Args): Promise<string[]> {
  const names = Object.keys(args) as Array<keyof Args & string>;
  const secret = await Promise.all(names.map((name) => pulumi.isSecret(pulumi.output(args[name]))));
  return names.filter((_, i) => secret[i]);
}

/** The type token of a `ResourcePolicy` (`pulumi.dynamic.Resource` prefixes the module given to it). */
const DYNAMIC_TYPE = "pulumi-nodejs:dynamic/amp:ResourcePolicy";

/**
 * The URN the engine will give a resource named `name` of the dynamic door's type under `parent`: the resource's
 * identity, which the dynamic provider (never given a URN) mixes into its client tokens. Computed from names and
 * types only, so it resolves before registration and makes the resource depend on nothing. `ownType` is the
 * resource's own type token (default: `ResourcePolicy`'s).
 */
export function resourceIdentity(name: string, parent: pulumi.Resource | undefined, ownType = DYNAMIC_TYPE): string {
  const types: string[] = [];
  for (let at = parent; at !== undefined; at = (at as { __parentResource?: pulumi.Resource }).__parentResource) {
    const type = pulumi.resourceType(at);
    if (type === "pulumi:pulumi:Stack") {
      break;
    }
    types.unshift(type);
  }
  types.push(ownType);
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${types.join("$")}::${name}`;
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
      requireApproval: args.requireApproval,
      approvedAccess: args.approvedAccess,
      suppressFindings: args.suppressFindings,
      policyStatus: undefined,
      [SECRET_INPUTS]: secretArguments(args),
      [IDENTITY_INPUT]: resourceIdentity(name, opts?.parent),
    };
    super(resourcePolicyProvider, name, props, opts, "amp", "ResourcePolicy");
  }
}
