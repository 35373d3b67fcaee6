// Lets another AWS account remote-write metrics into an Amazon Managed Service for Prometheus workspace.
import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
// With @pulumi/aws this is `new aws.amp.Workspace("metrics").id`; against the emulator, a workspace it created.
const workspaceId = config.require("workspaceId");
const writerAccountId = config.get("writerAccountId") ?? "111122223333";

const policy = new ResourcePolicy("cross-account-remote-write", {
  workspaceId,
  policyDocument: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CrossAccountRemoteWrite",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${writerAccountId}:root` },
        Action: ["aps:RemoteWrite"],
      },
    ],
  },
});

export const policyStatus = policy.policyStatus;
export const revisionId = policy.revisionId;
