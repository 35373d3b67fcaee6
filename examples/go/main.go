// Lets another AWS account remote-write metrics into an AMP workspace, through the amp-resource-policy plugin.
package main

import (
	"encoding/json"

	"github.com/pulumi-amp-resource-policy/sdk/go/ampresourcepolicy"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		conf := config.New(ctx, "")
		writer := conf.Get("writerPrincipal")
		if writer == "" {
			writer = "arn:aws:iam::111122223333:root"
		}
		document, err := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": []map[string]any{{
				"Sid":       "CrossAccountRemoteWrite",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": writer},
				"Action":    []string{"aps:RemoteWrite"},
			}},
		})
		if err != nil {
			return err
		}
		policy, err := ampresourcepolicy.NewResourcePolicy(ctx, "cross-account-remote-write", &ampresourcepolicy.ResourcePolicyArgs{
			WorkspaceId:    pulumi.String(conf.Require("workspaceId")),
			PolicyDocument: pulumi.String(string(document)),
		})
		if err != nil {
			return err
		}
		ctx.Export("policyStatus", policy.PolicyStatus)
		ctx.Export("revisionId", policy.RevisionId)
		return nil
	})
}
