import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

import { AmpEmulator } from "../../emulator";
import { repoRoot } from "../../scripts/lib/package";
import { FakeEngine, PluginServer, policyUrn, secret } from "./support/plugin-server";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A policy with values worth hiding: an account, an organization, a Sid, a number. */
const secretPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "HiddenSidZq81",
      Effect: "Allow",
      Principal: "*",
      Action: ["aps:RemoteWrite", "aps:HiddenActionQq"],
      Resource: "arn:aws:aps:us-east-1:938271640012:workspace/ws-hidden-elsewhere",
      Condition: { NumericEquals: { "aws:MultiFactorAuthAge": 7361 } },
    },
  ],
};
const hidden = ["HiddenSidZq81", "HiddenActionQq", "938271640012", "ws-hidden-elsewhere", "7361"];

describe("the plugin's own gRPC server (provider/serve/server.ts): the protocol beyond CRUD", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let engine: FakeEngine;
  let plugin: PluginServer;

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 50 });
    const url = await emulator.start();
    engine = new FakeEngine();
    await engine.start();
    plugin = await PluginServer.start(
      {
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_AMP: url,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_PROFILE: undefined,
        PULUMI_CONFIG: undefined,
      },
      engine.address,
    );
  });
  after(async () => {
    await plugin?.stop();
    await engine?.stop();
    await emulator?.stop();
  });

  it("uses no part of the stock @pulumi/pulumi provider server, only the generated stubs", () => {
    for (const file of ["provider/serve/server.ts", "provider/serve/plugin.ts"]) {
      const source = fs.readFileSync(path.join(repoRoot, file), "utf8");
      const modules = [...source.matchAll(/(?:from |require\()"(@pulumi\/pulumi[^"]*)"/g)].map((m) => m[1]);
      assert.ok(
        modules.every((m) => m.startsWith("@pulumi/pulumi/proto/") || m === "@pulumi/pulumi/package.json"),
        `${file} uses ${modules.join(", ")}`,
      );
    }
  });

  it("Handshake accepts secrets and not resource references", async function () {
    if (!("ProviderHandshakeRequest" in provproto)) {
      // Stubs from before Handshake (e.g. @pulumi/pulumi 3.142): a newer engine gets UNIMPLEMENTED and goes on
      // with Configure, as with any plugin of that age.
      this.skip();
    }
    const resp = await plugin.call<provproto.ProviderHandshakeResponse>(
      "handshake",
      new provproto.ProviderHandshakeRequest().setEngineAddress(engine.address),
    );
    assert.equal(resp.getAcceptSecrets(), true);
    assert.equal(resp.getAcceptResources(), false);
  });

  it("GetPluginInfo gives the package version", async () => {
    const info = await plugin.call<plugproto.PluginInfo>("getPluginInfo", new Empty());
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
      version: string;
    };
    assert.equal(info.getVersion(), version);
  });

  it("Configure supports preview and accepts secrets", async () => {
    const resp = await plugin.configure({});
    assert.equal(resp.getSupportspreview(), true);
    assert.equal(resp.getAcceptsecrets(), true);
  });

  it("Invoke, Call, Construct and Parameterize answer UNIMPLEMENTED, naming the method; Cancel answers", async () => {
    for (const [method, req] of [
      ["invoke", new provproto.InvokeRequest().setTok("amp-resource-policy:index:getThing")],
      ["call", new provproto.CallRequest()],
      ["construct", new provproto.ConstructRequest()],
      ["parameterize", new provproto.ParameterizeRequest()],
    ] as const) {
      await assert.rejects(plugin.call(method, req), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNIMPLEMENTED, method);
        assert.match(err.details, /pulumirpc\.ResourceProvider\/\w+ is not implemented/);
        return true;
      });
    }
    assert.ok((await plugin.call("cancel", new Empty())) instanceof Empty);
  });

  it("a preview of Create and of Update writes nothing, and the outputs only AMP knows are unknown", async () => {
    const ws = emulator.createWorkspace({ alias: "preview" });
    const policy = JSON.stringify({ ...secretPolicy, Statement: [{ ...secretPolicy.Statement[0], Resource: "*" }] });
    emulator.clearRequestLog();
    const created = await plugin.create({ workspaceId: ws, policyDocument: secret(policy) }, policyUrn(), true);
    assert.equal(created.id, "");
    assert.deepEqual(created.props, {
      workspaceId: ws,
      policyDocument: secret(policy),
      policyStatus: UNKNOWN,
      revisionId: UNKNOWN,
    });
    const updated = await plugin.update(
      ws,
      { workspaceId: ws, policyDocument: policy, policyStatus: "ACTIVE", revisionId: "1" },
      { workspaceId: ws, policyDocument: UNKNOWN },
      policyUrn(),
      true,
    );
    assert.deepEqual(updated, { workspaceId: ws, policyDocument: UNKNOWN, policyStatus: UNKNOWN, revisionId: UNKNOWN });
    assert.deepEqual(emulator.requestLog(), [], "a preview makes no AMP call");
    assert.equal(emulator.getPolicy(ws), undefined);
  });

  it("Check of a secret policy names paths and problems, but quotes nothing of the document", async () => {
    const before = engine.logs.length;
    const doc = JSON.stringify(secretPolicy);
    const ok = await plugin.check({ workspaceId: "ws-1", policyDocument: secret(doc) }, {}, policyUrn("secret"));
    assert.deepEqual(ok.failures, []);
    const warnings = engine.logs.slice(before).map((l) => l.message);
    assert.ok(warnings.length >= 3, JSON.stringify(warnings));
    assert.ok(warnings.some((w) => /Statement\[0\]\.Action "\[secret\]" is not a Prometheus-compatible/.test(w)));
    assert.ok(warnings.some((w) => /Statement\[0\] allows Principal "\*"/.test(w)));

    const bad = JSON.stringify({
      ...secretPolicy,
      Statement: [{ ...secretPolicy.Statement[0], Effect: "MaybeHiddenEffect", Sid: "Hidden-Sid-Dash" }],
    });
    const failed = await plugin.check({ workspaceId: "ws-1", policyDocument: secret(bad) });
    assert.ok(failed.failures.length >= 1, JSON.stringify(failed.failures));
    assert.ok(failed.failures.every((f) => f.property === "policyDocument"));
    assert.ok(failed.failures.some((f) => /Statement\[0\]\.Effect must be "Allow" or "Deny"/.test(f.reason)));
    const notJson = await plugin.check({ workspaceId: "ws-1", policyDocument: secret(`{"Sid": "HiddenSidZq81" x`) });
    assert.match(notJson.failures[0].reason, /policyDocument is not valid JSON/);

    const shown = [...warnings, ...[...failed.failures, ...notJson.failures].map((f) => f.reason)].join("\n");
    for (const value of [...hidden, "MaybeHiddenEffect", "Hidden-Sid-Dash"]) {
      assert.ok(!shown.includes(value), `"${value}" shows in:\n${shown}`);
    }
    assert.ok(!plugin.stderr.join("").includes("HiddenSidZq81"), "nor on stderr");
  });

  it("Check of the same policy, not secret, quotes its values (the redaction above is not vacuous)", async () => {
    const before = engine.logs.length;
    await plugin.check({ workspaceId: "ws-1", policyDocument: JSON.stringify(secretPolicy) });
    const shown = engine.logs
      .slice(before)
      .map((l) => l.message)
      .join("\n");
    assert.match(shown, /"aps:HiddenActionQq" is not a Prometheus-compatible action/);
    assert.match(shown, /ws-hidden-elsewhere/);
  });
});
