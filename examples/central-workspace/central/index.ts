// The central monitoring stack: it owns the shared AMP workspace and publishes its id, but no statement of its
// resource policy. Each source stack (../source) adds and removes its own statement with a ResourcePolicyStatement,
// so a new source account is a change to its own stack, never a pull request to this one.
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
// With @pulumi/aws this is `new aws.amp.Workspace("central").id`; against the emulator, a workspace it created.
export const workspaceId = config.require("workspaceId");
