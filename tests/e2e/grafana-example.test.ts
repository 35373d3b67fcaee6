import assert from "node:assert/strict";

import type { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { type EmulatedProject, type PulumiProject, assertOk, emulatedProject } from "../../scripts/lib/pulumi-project";

describe("the real Pulumi engine on examples/grafana-read-only", function () {
  this.timeout(300_000);
  let setup: EmulatedProject;
  let emulator: AmpEmulator;
  let project: PulumiProject;
  let ws: string;

  before(async () => {
    setup = await emulatedProject("grafana-read-only", { emulator: { transitionDelayMs: 200 } });
    ({ emulator, project } = setup);
    ws = emulator.createWorkspace({ alias: "grafana" });
    assertOk(await project.pulumi(["config", "set", "workspaceId", ws]), "config set");
    assertOk(await project.pulumi(["config", "set", "organizationId", "o-a1b2c3d4e5"]), "config set");
  });
  after(async () => setup?.dispose());

  it("applies the organization-limited read-only policy without warnings, and converges", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    assertOk(up, "up");
    assert.doesNotMatch(
      up.output,
      /warning:.*amp:ResourcePolicy/,
      "a restricted service principal is not 'open to anyone'",
    );
    const live = emulator.getPolicy(ws)!;
    assert.equal(live.policyStatus, "ACTIVE");
    assert.ok(
      policiesEquivalent(live.policyDocument, {
        Version: "2012-10-17",
        Statement: {
          Sid: "GrafanaReadOnly",
          Effect: "Allow",
          Principal: { Service: ["grafana.amazonaws.com"] },
          Action: ["aps:GetLabels", "aps:GetMetricMetadata", "aps:GetSeries", "aps:QueryMetrics"],
          Condition: { StringEquals: { "aws:sourceorgid": ["o-a1b2c3d4e5"] } },
        },
      }),
    );
    assertOk(await project.pulumi(["preview", "--refresh", "--expect-no-changes"]), "preview --refresh");
    assertOk(await project.pulumi(["destroy", "--yes", "--skip-preview"]), "destroy");
    assert.equal(emulator.getPolicy(ws), undefined);
  });
});
