// A source account's stack (one per team: stacks team-a and team-b here): it owns one statement of the central
// workspace's resource policy, the one with its Sid, and nothing else. Other stacks' statements are kept whatever
// they are; two stacks writing at once are merged (each write is conditional on the revision it read).
import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicyStatement } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
const sourceAccountId = config.require("sourceAccountId");
// The workspace id: given directly, or the central stack's output.
const workspaceId: pulumi.Input<string> =
  config.get("workspaceId") ||
  (new pulumi.StackReference(config.require("centralStack")).requireOutput("workspaceId") as pulumi.Output<string>);

const remoteWrite = new ResourcePolicyStatement("remote-write", {
  workspaceId,
  // The statement's identity on the shared workspace: unique there, so name it after its owner.
  sid: `RemoteWrite${sourceAccountId}`,
  statement: {
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${sourceAccountId}:root` },
    Action: ["aps:RemoteWrite"],
  },
});

export const statementId = remoteWrite.id;
export const policyStatus = remoteWrite.policyStatus;
export const revisionId = remoteWrite.revisionId;
