// Lets Amazon Managed Grafana, acting for accounts of one AWS organization, query an AMP workspace read-only.
import * as pulumi from "@pulumi/pulumi";
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
const workspaceId = config.require("workspaceId");
const organizationId = config.get("organizationId") ?? "o-exampleorgid";

const policy = new ResourcePolicy("grafana-read-only", {
  workspaceId,
  policyDocument: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GrafanaReadOnly",
        Effect: "Allow",
        Principal: { Service: "grafana.amazonaws.com" },
        Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
        Condition: { StringEquals: { "aws:SourceOrgID": organizationId } },
      },
    ],
  },
});

export const policyStatus = policy.policyStatus;
export const revisionId = policy.revisionId;
