import * as pulumi from "@pulumi/pulumi";

import { IDENTITY_INPUT } from "../../provider/lifecycle";
import type { PolicyStatement } from "../../provider/policy";
import { SECRET_INPUTS } from "../../provider/redact";
import { resourceIdentity, secretArguments } from "./resource";
import resourcePolicyStatementProvider from "./statement-provider";

/** The arguments of a `ResourcePolicyStatement`. */
export interface ResourcePolicyStatementArgs {
  /** The AMP workspace whose resource policy holds the statement. Changing it replaces the resource. */
  workspaceId: pulumi.Input<string>;
  /**
   * The statement's `Sid`: its identity in the workspace's policy, unique there. The resource id is
   * `<workspaceId>/<sid>`; changing it replaces the resource. A second resource with the same Sid on the same
   * workspace fails its create, naming the Sid.
   */
  sid: pulumi.Input<string>;
  /**
   * One IAM statement, as an object or a JSON string, without a `Sid` or with `Sid` equal to `sid`. It is compared
   * by IAM meaning: reformatting or reordering it is never a change.
   */
  statement: pulumi.Input<string | PolicyStatement>;
  /** How long an operation may wait for AMP (including other owners' writes), in seconds. Default 300. */
  waitTimeoutSeconds?: pulumi.Input<number>;
  /**
   * Which access changes of this statement fail preview until approved: `"never"` (default), `"broadening"` or
   * `"any-change"`, as for `ResourcePolicy`. `AMP_POLICY_REQUIRE_APPROVAL` sets a floor; the stricter applies.
   */
  requireApproval?: pulumi.Input<"never" | "broadening" | "any-change">;
  /** The access digest a preview printed for the change it approves (`access digest: ...`). Never sent to AMP. */
  approvedAccess?: pulumi.Input<string>;
  /** Finding codes (`issueCode`) whose warnings are not shown, e.g. `["KMS_KEY_GRANTS"]`. */
  suppressFindings?: pulumi.Input<pulumi.Input<string>[]>;
  /** Mixed into the idempotency token of each write (1-64 printable ASCII). By default the provider derives one. */
  clientToken?: pulumi.Input<string>;
}

/** The type token of a `ResourcePolicyStatement` (`pulumi.dynamic.Resource` prefixes the module given to it). */
const DYNAMIC_TYPE = "pulumi-nodejs:dynamic/amp:ResourcePolicyStatement";

/**
 * One statement (by `Sid`) of the resource-based policy of an Amazon Managed Service for Prometheus workspace, for
 * a workspace shared by many stacks (a central monitoring account): each stack owns its own statements.
 *
 * Each write reads the live policy, adds, replaces or removes only this statement (the others are kept as AMP
 * returned them), and writes at the revision it read; when another owner wrote meanwhile it reads and merges
 * again, so no owner's write is lost. The last statement's delete deletes the policy. A workspace is managed whole
 * (`ResourcePolicy`) or by statements, never both.
 */
export class ResourcePolicyStatement extends pulumi.dynamic.Resource {
  /** The workspace whose policy holds the statement. */
  declare readonly workspaceId: pulumi.Output<string>;
  /** The statement's `Sid` in the workspace's policy. */
  declare readonly sid: pulumi.Output<string>;
  /** The statement, as given. */
  declare readonly statement: pulumi.Output<string | PolicyStatement>;
  /** The status of the workspace's policy after this resource's last write: `ACTIVE` once applied. */
  declare readonly policyStatus: pulumi.Output<string>;
  /** The revision of the workspace's policy that this resource's last write made. */
  declare readonly revisionId: pulumi.Output<string>;

  /**
   * @param name The unique name of the resource.
   * @param args The workspace, the Sid and the statement.
   * @param opts Options for the resource.
   */
  constructor(name: string, args: ResourcePolicyStatementArgs, opts?: pulumi.CustomResourceOptions) {
    // The base class adds `__provider` to the props it is given: hand it a fresh object.
    const props: pulumi.Inputs = {
      workspaceId: args.workspaceId,
      sid: args.sid,
      statement: args.statement,
      waitTimeoutSeconds: args.waitTimeoutSeconds,
      requireApproval: args.requireApproval,
      approvedAccess: args.approvedAccess,
      suppressFindings: args.suppressFindings,
      clientToken: args.clientToken,
      policyStatus: undefined,
      revisionId: undefined,
      [SECRET_INPUTS]: secretArguments(args),
      [IDENTITY_INPUT]: resourceIdentity(name, opts?.parent, DYNAMIC_TYPE),
    };
    super(resourcePolicyStatementProvider, name, props, opts, "amp", "ResourcePolicyStatement");
  }
}
