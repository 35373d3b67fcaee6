import assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { AmpEmulator } from "../../emulator";
import { installPackedPackage, installedDir, packageName, uninstallPackage } from "../../scripts/lib/package";
import { DynamicProviderServer } from "../support/dynamic-server";
import { emulatorEnv } from "../../scripts/lib/pulumi-project";

// ResourcePolicyStatement through the dynamic door (issue 17): its provider serialized by the real serializer from
// the installed package, run by the real dynamic-provider server against the emulator, beside another owner's
// statement on the same workspace.

const urn = (name: string) => `urn:pulumi:test::amp::pulumi-nodejs:dynamic/amp:ResourcePolicyStatement::${name}`;
const remoteWrite = (account: string) => ({
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: ["aps:RemoteWrite"],
});

describe("the dynamic door of ResourcePolicyStatement: real serializer, real dynamic-provider server", function () {
  this.timeout(120_000);
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSTATEMENT";
  const accessKey = "AKIAZZZZZZZZSTATEMENT";
  let saved: NodeJS.ProcessEnv;
  let text: string;
  let emulator: AmpEmulator;
  let server: DynamicProviderServer;

  before(async () => {
    saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = accessKey;
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    installPackedPackage();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(installedDir) as typeof import("../../sdk/nodejs");
    const provider = pkg.resourcePolicyStatementProvider;
    text = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false })).text;
    emulator = new AmpEmulator({ transitionDelayMs: 100 });
    const url = await emulator.start();
    server = await DynamicProviderServer.start(emulatorEnv(url));
  });
  after(async () => {
    process.env = saved;
    await server?.stop();
    await emulator?.stop();
    uninstallPackage();
  });

  it("serializes as a require of its own module of the installed package, at most 1 KB per statement", () => {
    assert.match(text, new RegExp(`require\\("${packageName}/dist/sdk/nodejs/statement-provider\\.js"\\)`));
    const perStatement = 2 * Buffer.byteLength(JSON.stringify(text));
    assert.ok(perStatement <= 1024, `__provider takes ${perStatement} bytes per statement`);
    for (const copied of ["createStatement", "async check", "limiter"]) {
      assert.ok(!text.includes(copied), `${copied} is copied by value`);
    }
  });

  it("contains no credentials, client or settings", () => {
    for (const needle of [accessKey, secret, "AmpClient", "127.0.0.1"]) {
      assert.ok(!text.includes(needle), `found ${needle}`);
    }
  });

  it("create, read, update and delete one statement; another owner's statement is kept throughout", async () => {
    const ws = emulator.createWorkspace();
    const other = {
      Sid: "CentralTeam",
      Effect: "Allow",
      Principal: { AWS: "123456789012" },
      Action: "aps:QueryMetrics",
    };
    emulator.putPolicyOutOfBand(ws, JSON.stringify({ Version: "2012-10-17", Statement: [other] }));
    const props = (extra: Record<string, unknown>) => ({ __provider: text, workspaceId: ws, sid: "TeamA", ...extra });
    const live = () =>
      (JSON.parse(emulator.getPolicy(ws)!.policyDocument) as { Statement: Array<Record<string, unknown>> }).Statement;

    const { inputs, failures } = await server.check(urn("a"), {}, props({ statement: remoteWrite("111122223333") }));
    assert.deepEqual(failures, []);
    const created = await server.create(urn("a"), inputs);
    assert.equal(created.id, `${ws}/TeamA`);
    assert.equal(created.props.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.equal(created.props.policyStatus, "ACTIVE");
    assert.deepEqual(
      live().map((s) => s.Sid),
      ["CentralTeam", "TeamA"],
    );
    assert.deepEqual(live()[0], other, "the other owner's statement is kept as it was");

    const read = await server.read(urn("a"), created.id, created.props);
    assert.equal(read.id, created.id);

    const updated = await server.update(
      urn("a"),
      created.id,
      created.props,
      props({ statement: remoteWrite("444455556666") }),
    );
    assert.equal(updated.revisionId, emulator.getPolicy(ws)!.revisionId);
    assert.deepEqual(live().find((s) => s.Sid === "TeamA")!.Principal, { AWS: "arn:aws:iam::444455556666:root" });

    await server.delete(urn("a"), created.id, updated);
    assert.deepEqual(live(), [other]);
    const gone = await server.read(urn("a"), created.id, updated);
    assert.equal(gone.id, "");
  });
});
