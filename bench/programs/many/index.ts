// Benchmark stack: `count` resource policies, policy i on workspace `<workspaceIdPrefix><i>`.
import * as pulumi from "@pulumi/pulumi";
// The package resolves once the harness installs it beside a copy of this program; the repository's own
// type check (tsconfig.json includes bench/) sees no installed copy here, hence the directive.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import { ResourcePolicy } from "pulumi-amp-resource-policy";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const prefix = config.require("workspaceIdPrefix");
const writer = config.get("writerAccountId") ?? "111122223333";
const style = config.get("style") ?? "object";
const frontDoor = config.get("frontDoor") ?? "dynamic";

/** The policy as an object, or (style "reformatted") the same policy as a reordered, reformatted JSON string. */
function policyDocument() {
  if (style === "reformatted") {
    return `{
      "Statement": { "Action": "APS:RemoteWrite", "Principal": { "AWS": ["${writer}"] },
                     "Effect": "Allow", "Sid": "RemoteWrite" },
      "Version": "2012-10-17"
    }`;
  }
  return {
    Version: "2012-10-17" as const,
    Statement: [
      {
        Sid: "RemoteWrite",
        Effect: "Allow" as const,
        Principal: { AWS: `arn:aws:iam::${writer}:root` },
        Action: ["aps:RemoteWrite"],
      },
    ],
  };
}

/** The plugin front door: the same resource served by the `amp-resource-policy` provider plugin. */
class PluginResourcePolicy extends pulumi.CustomResource {
  declare readonly revisionId: pulumi.Output<string>;
  constructor(name: string, args: pulumi.Inputs) {
    super("amp-resource-policy:index:ResourcePolicy", name, {
      ...args,
      policyStatus: undefined,
      revisionId: undefined,
    });
  }
}

/**
 * A provider that does nothing (frontDoor "noop"): create and delete return at once, with no AMP call. The
 * engine's own cost of a resource, against which the idle-waiting benchmark (bench/idle.ts) compares ours. That
 * benchmark installs it as the module `amp-bench-noop-provider` (its whole `module.exports`), so that it is
 * serialized by reference, as ours is.
 */
const noopProvider: pulumi.dynamic.ResourceProvider | undefined =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  frontDoor === "noop" ? (require("amp-bench-noop-provider") as pulumi.dynamic.ResourceProvider) : undefined;

/** A resource served by `noopProvider`. */
class NoopResourcePolicy extends pulumi.dynamic.Resource {
  declare readonly revisionId: pulumi.Output<string>;
  constructor(name: string, args: pulumi.Inputs) {
    super(noopProvider!, name, { ...args, policyStatus: undefined, revisionId: undefined });
  }
}

const revisions: pulumi.Output<string>[] = [];
for (let i = 0; i < count; i++) {
  const args = { workspaceId: `${prefix}${i}`, policyDocument: policyDocument() };
  if (frontDoor === "noop") {
    revisions.push(new NoopResourcePolicy(`policy-${i}`, args).revisionId);
  } else if (frontDoor === "plugin") {
    const policy = new PluginResourcePolicy(`policy-${i}`, args);
    revisions.push(policy.revisionId);
  } else {
    revisions.push(new ResourcePolicy(`policy-${i}`, args).revisionId);
  }
}

export const policies = count;
