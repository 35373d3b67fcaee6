import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import { FakeEngine, PluginServer, type Props } from "./support/plugin-server";

const ACCOUNT = "777788889999";
/** A policy letting `principal` remote-write. */
const policy = (principal: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "Write", Effect: "Allow", Principal: { AWS: principal }, Action: ["aps:RemoteWrite"] }],
  });

for (const [region, partition, via] of [
  ["cn-north-1", "aws-cn", "amp-resource-policy:region"],
  ["us-gov-west-1", "aws-us-gov", "AWS_REGION"],
] as const) {
  describe(`the resource plugin in ${region} (region from ${via}), over gRPC against the emulator`, function () {
    this.timeout(60_000);
    let emulator: AmpEmulator;
    let engine: FakeEngine;
    let plugin: PluginServer;
    let ws: string;
    let state: Props;

    before(async () => {
      emulator = new AmpEmulator({ region, transitionDelayMs: 50 });
      const url = await emulator.start();
      engine = new FakeEngine();
      await engine.start();
      plugin = await PluginServer.start(
        {
          AWS_REGION: via === "AWS_REGION" ? region : undefined,
          AWS_DEFAULT_REGION: undefined,
          AWS_ENDPOINT_URL_AMP: undefined,
          AWS_ENDPOINT_URL: undefined,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_SESSION_TOKEN: undefined,
          AWS_PROFILE: undefined,
          PULUMI_CONFIG: undefined,
        },
        engine.address,
      );
      await plugin.configure(via === "AWS_REGION" ? { endpoint: url } : { endpoint: url, region });
      ws = emulator.createWorkspace();
      const created = await plugin.create({ workspaceId: ws, policyDocument: policy(ACCOUNT) });
      state = created.props;
    });
    after(async () => {
      await plugin?.stop();
      await engine?.stop();
      await emulator?.stop();
    });

    it(`Diff: the bare id to arn:aws:iam::id:root is a change there; to arn:${partition}:iam::id:root is not`, async () => {
      const toAws = await plugin.diff(ws, state, {
        workspaceId: ws,
        policyDocument: policy(`arn:aws:iam::${ACCOUNT}:root`),
      });
      assert.deepEqual([toAws.changes, toAws.diffs], ["DIFF_SOME", ["policyDocument"]]);
      const own = await plugin.diff(ws, state, {
        workspaceId: ws,
        policyDocument: policy(`arn:${partition}:iam::${ACCOUNT}:root`),
      });
      assert.equal(own.changes, "DIFF_NONE");
    });

    it("Check reviews the change in that partition: the account's root there loses access", async () => {
      const before = engine.logs.length;
      await plugin.check({ workspaceId: ws, policyDocument: policy(`arn:aws:iam::${ACCOUNT}:root`) }, state);
      const logged = engine.logs
        .slice(before)
        .map((l) => l.message)
        .join("\n");
      assert.match(logged, new RegExp(`arn:${partition}:iam::${ACCOUNT}:root loses aps:RemoteWrite`));
    });

    it("Update writes it (no 'no change' shortcut), and Read of the new live text keeps it", async () => {
      const revision = emulator.getPolicy(ws)!.revisionId;
      const news = { workspaceId: ws, policyDocument: policy(`arn:aws:iam::${ACCOUNT}:root`) };
      const outs = await plugin.update(ws, state, news);
      assert.notEqual(outs.revisionId, revision, "a new revision was written");
      assert.equal(emulator.getPolicy(ws)!.policyDocument, news.policyDocument);
      // A state that still says the bare id: in this partition it is another principal than the live policy's.
      const read = await plugin.read(ws, { ...state, revisionId: outs.revisionId });
      assert.notEqual(read.props.policyDocument, state.policyDocument, "refresh records the live principal");
      assert.match(String(read.props.policyDocument), /"AWS":"arn:aws:iam::777788889999:root"/);
    });
  });
}
