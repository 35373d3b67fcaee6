"""Lets another AWS account remote-write metrics into an AMP workspace, through the amp-resource-policy plugin."""

import json

import pulumi
import pulumi_amp_resource_policy as amp

config = pulumi.Config()
writer = config.get("writerPrincipal") or "arn:aws:iam::111122223333:root"

policy = amp.ResourcePolicy(
    "cross-account-remote-write",
    workspace_id=config.require("workspaceId"),
    policy_document=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CrossAccountRemoteWrite",
                    "Effect": "Allow",
                    "Principal": {"AWS": writer},
                    "Action": ["aps:RemoteWrite"],
                }
            ],
        }
    ),
)

pulumi.export("policyStatus", policy.policy_status)
pulumi.export("revisionId", policy.revision_id)
