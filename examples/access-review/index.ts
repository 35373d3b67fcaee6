// Lets another AWS account remote-write metrics into an Amazon Managed Service for Prometheus workspace and
// reader accounts query them, with every broadening of that access held at preview until it is approved:
// `pulumi preview` prints who gains what and an access digest; `approvedAccess` set to that digest (in the
// same pull request) lets `pulumi up` apply exactly that access.
import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
const workspaceId = config.require("workspaceId");
const writerAccountId = config.get("writerAccountId") ?? "111122223333";
const readerAccountIds = (config.get("readerAccountIds") ?? "").split(",").filter((id) => id !== "");

/** A policy statement, as this program writes them. */
interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal: { AWS: string | string[] };
  Action: string[];
}

const statements: Statement[] = [
  {
    Sid: "CrossAccountRemoteWrite",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${writerAccountId}:root` },
    Action: ["aps:RemoteWrite"],
  },
];
if (readerAccountIds.length > 0) {
  statements.push({
    Sid: "CrossAccountQuery",
    Effect: "Allow",
    Principal: { AWS: readerAccountIds.map((id) => `arn:aws:iam::${id}:root`) },
    Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
  });
}

const policy = new ResourcePolicy("access-reviewed", {
  workspaceId,
  policyDocument: { Version: "2012-10-17", Statement: statements },
  requireApproval: (config.get("requireApproval") ?? "broadening") as "never" | "broadening" | "any-change",
  approvedAccess: config.get("approvedAccess") || undefined,
});

export const policyStatus = policy.policyStatus;
export const revisionId = policy.revisionId;
