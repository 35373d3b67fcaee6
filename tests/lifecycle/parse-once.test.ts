import assert from "node:assert/strict";

import { AmpEmulator } from "../../emulator";
import { documentScans, forgetParsedPolicies, policiesEquivalent } from "../../provider/policy";
import * as lifecycle from "../../provider/lifecycle";
import { resourcePolicyProvider as provider } from "../../sdk/nodejs/provider";
import { useEmulatorEnv } from "../support/env";

/** A pretty-printed document as a user writes it, granting remote write to `account`. */
const remoteWrite = (account: string) =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "RemoteWrite",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: ["aps:RemoteWrite", "aps:QueryMetrics"],
          Condition: { Bool: { "aws:SecureTransport": "true" } },
        },
      ],
    },
    null,
    2,
  );

describe("one parsed policy per document", function () {
  this.timeout(30_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 0 });
    restoreEnv = useEmulatorEnv(await emulator.start());
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
  });

  it("reads each document's text once across one check, diff and update", async () => {
    const workspaceId = emulator.createWorkspace();
    const oldDocument = remoteWrite("111111111111");
    const { outs: olds } = await lifecycle.create({ workspaceId, policyDocument: oldDocument });
    // No input is secret, so that check runs the whole access review too.
    const news = { workspaceId, policyDocument: remoteWrite("222222222222"), __secretInputs: [] };

    forgetParsedPolicies();
    const before = documentScans();
    const checked = await provider.check!(olds, news);
    assert.deepEqual(checked.failures, []);
    const diff = await provider.diff!(workspaceId, olds, checked.inputs);
    assert.equal(diff.changes, true);
    const { outs } = await provider.update!(workspaceId, olds, checked.inputs as lifecycle.ResourcePolicyInputs);
    const scans = documentScans() - before;

    assert.ok(policiesEquivalent(emulator.getPolicy(workspaceId)!.policyDocument, news.policyDocument));
    assert.equal(outs.policyDocument, news.policyDocument);
    // Two documents (the state's and the new one), each read once.
    assert.equal(scans, 2, `the two documents' text was scanned ${scans} times`);
  });
});
