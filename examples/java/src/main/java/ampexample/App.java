package ampexample;

import com.google.gson.Gson;
import com.pulumi.Pulumi;
import io.github.pulumiampresourcepolicy.ampresourcepolicy.ResourcePolicy;
import io.github.pulumiampresourcepolicy.ampresourcepolicy.ResourcePolicyArgs;
import java.util.List;
import java.util.Map;

/** Lets another AWS account remote-write metrics into an AMP workspace, through the amp-resource-policy plugin. */
public class App {
    public static void main(String[] args) {
        Pulumi.run(ctx -> {
            var config = ctx.config();
            var writer = config.get("writerPrincipal").orElse("arn:aws:iam::111122223333:root");
            var document = new Gson().toJson(Map.of(
                    "Version", "2012-10-17",
                    "Statement", List.of(Map.of(
                            "Sid", "CrossAccountRemoteWrite",
                            "Effect", "Allow",
                            "Principal", Map.of("AWS", writer),
                            "Action", List.of("aps:RemoteWrite")))));
            var policy = new ResourcePolicy("cross-account-remote-write", ResourcePolicyArgs.builder()
                    .workspaceId(config.require("workspaceId"))
                    .policyDocument(document)
                    .build());
            ctx.export("policyStatus", policy.policyStatus());
            ctx.export("revisionId", policy.revisionId());
        });
    }
}
