import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { AmpEmulator } from "../../emulator";
import { policiesEquivalent } from "../../provider/policy";
import { repoRoot } from "../../scripts/lib/package";
import { FakeEngine, PluginServer, type Props, policyUrn, secret } from "./support/plugin-server";

const TYPE = "amp-resource-policy:index:ResourcePolicy";
const packageVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;

/** A policy letting `account` remote-write, as compact JSON. */
const policyText = (account: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CrossAccountRemoteWrite",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["aps:RemoteWrite"],
      },
    ],
  });

/** The same policy, reformatted, reordered, with a bare account id and an upper-case action. */
const reformatted = (account: string) =>
  `{ "Statement": { "Action": "APS:RemoteWrite", "Principal": { "AWS": ["${account}"] },\n` +
  `  "Effect": "Allow", "Sid": "CrossAccountRemoteWrite" }, "Version": "2012-10-17" }`;

describe("the resource plugin over gRPC (bin/pulumi-resource-amp-resource-policy), against the emulator", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let engine: FakeEngine;
  let plugin: PluginServer;
  let url: string;
  const awsEnv = (endpoint: string): NodeJS.ProcessEnv => ({
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_AMP: endpoint,
    AWS_ENDPOINT_URL: undefined,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    PULUMI_CONFIG: undefined,
  });

  before(async () => {
    emulator = new AmpEmulator({ transitionDelayMs: 100 });
    url = await emulator.start();
    engine = new FakeEngine();
    await engine.start();
    plugin = await PluginServer.start(awsEnv(url), engine.address);
  });
  after(async () => {
    await plugin?.stop();
    await engine?.stop();
    await emulator?.stop();
  });

  describe("schema and provider config", () => {
    it("GetSchema returns provider/schema.json at the package version, with a description for every property", async () => {
      const schema = JSON.parse(await plugin.getSchema());
      const file = JSON.parse(fs.readFileSync(path.join(repoRoot, "provider/schema.json"), "utf8"));
      assert.deepEqual(schema, { ...file, version: packageVersion });
      assert.equal(schema.name, "amp-resource-policy");
      const resource = schema.resources[TYPE];
      assert.deepEqual(Object.keys(resource.inputProperties).sort(), [
        "approvedAccess",
        "clientToken",
        "overwriteExisting",
        "policyDocument",
        "requireApproval",
        "revisionId",
        "suppressFindings",
        "waitTimeoutSeconds",
        "workspaceId",
      ]);
      assert.deepEqual(resource.requiredInputs, ["workspaceId", "policyDocument"]);
      assert.ok(resource.properties.policyStatus && resource.properties.revisionId);
      assert.equal(resource.inputProperties.workspaceId.replaceOnChanges, true);
      const bags = {
        "resource properties": resource.properties,
        "resource inputs": resource.inputProperties,
        config: schema.config.variables,
        "provider inputs": schema.provider.inputProperties,
      } as Record<string, Record<string, { description?: string }>>;
      for (const [bag, props] of Object.entries(bags)) {
        for (const [name, prop] of Object.entries(props)) {
          assert.ok((prop.description ?? "").length > 20, `${bag}.${name} has no description`);
        }
      }
      assert.match(resource.inputProperties.policyDocument.description, /object is accepted/);
      assert.equal(await plugin.getPluginInfo(), packageVersion);
    });

    it("CheckConfig accepts valid config and names the key of each problem", async () => {
      const good = { region: "eu-west-1", endpoint: "http://127.0.0.1:4566", profile: "dev" };
      assert.deepEqual(await plugin.checkConfig(good), { inputs: good, failures: [] });
      assert.deepEqual((await plugin.checkConfig({ endpoint: secret("https://aps.example") })).failures, []);

      const bad = await plugin.checkConfig({ endpoint: "localhost:4566", region: 5 });
      assert.deepEqual(bad.failures.map((f) => f.property).sort(), ["endpoint", "region"]);
      assert.match(
        bad.failures.find((f) => f.property === "endpoint")!.reason,
        /"localhost:4566" is not an http\(s\) URL/,
      );
      assert.match(bad.failures.find((f) => f.property === "region")!.reason, /must be a string/);
    });

    it("DiffConfig reports a new endpoint as an update, never a replacement", async () => {
      const changed = await plugin.diffConfig({ endpoint: "http://a:1" }, { endpoint: "http://b:2" });
      assert.equal(changed.changes, "DIFF_SOME");
      assert.deepEqual(changed.replaces, []);
      assert.deepEqual(changed.detailedDiff, { endpoint: { kind: "UPDATE", inputDiff: true } });
      const same = await plugin.diffConfig({ region: "us-east-1" }, { region: secret("us-east-1") });
      assert.equal(same.changes, "DIFF_NONE");
    });
  });

  describe("check and diff", () => {
    it("Check returns failures that name workspaceId and policyDocument", async () => {
      const { failures } = await plugin.check({ workspaceId: "", policyDocument: "{not json" });
      assert.deepEqual(failures.map((f) => f.property).sort(), ["policyDocument", "workspaceId"]);
      assert.match(failures.find((f) => f.property === "workspaceId")!.reason, /workspaceId is required/);

      const wrongType = await plugin.check({
        workspaceId: "ws-1",
        policyDocument: policyText("111122223333"),
        overwriteExisting: 1,
      });
      assert.deepEqual(
        wrongType.failures.map((f) => f.property),
        ["overwriteExisting"],
      );
    });

    it("Check passes valid inputs through unchanged, and a secret input stays secret", async () => {
      const news = { workspaceId: "ws-1", policyDocument: secret(reformatted("111122223333")), waitTimeoutSeconds: 30 };
      assert.deepEqual(await plugin.check(news), { inputs: news, failures: [] });
    });

    it("Check sends its warnings to the engine's log, for the resource's URN", async () => {
      const before = engine.logs.length;
      const unversioned = JSON.stringify({
        Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "aps:RemoteWrite" }],
      });
      const { failures } = await plugin.check(
        { workspaceId: "ws-1", policyDocument: unversioned },
        {},
        policyUrn("warned"),
      );
      assert.deepEqual(failures, []);
      const logged = engine.logs.slice(before);
      // The warning, then (as info) the access review of this create (provider/review.ts), both for the resource.
      assert.equal(logged.length, 2, JSON.stringify(logged));
      assert.ok(logged.every((log) => log.urn === policyUrn("warned")));
      assert.deepEqual(
        logged.map((log) => log.severity),
        ["WARNING", "INFO"],
      );
      assert.match(logged[0].message, /policyDocument has no Version/);
      assert.match(logged[1].message, /^broadens access: arn:aws:iam::111122223333:root gains aps:RemoteWrite\n/);
    });

    it("Diff: a reformatted policy is no change, even when one side is secret", async () => {
      const olds = { workspaceId: "ws-1", policyDocument: policyText("111122223333"), revisionId: "r1" };
      for (const doc of [reformatted("111122223333"), secret(reformatted("111122223333"))]) {
        const d = await plugin.diff("ws-1", olds, { workspaceId: "ws-1", policyDocument: doc });
        assert.equal(d.changes, "DIFF_NONE");
        assert.deepEqual(d.diffs, []);
        assert.deepEqual(d.detailedDiff, {});
        assert.equal(d.hasDetailedDiff, true);
      }
    });

    it("Diff: a new principal is an UPDATE of policyDocument; a new workspaceId is an UPDATE_REPLACE", async () => {
      const olds = { workspaceId: "ws-1", policyDocument: policyText("111122223333"), revisionId: "r1" };
      const update = await plugin.diff("ws-1", olds, {
        workspaceId: "ws-1",
        policyDocument: policyText("444455556666"),
      });
      assert.equal(update.changes, "DIFF_SOME");
      assert.deepEqual(update.replaces, []);
      assert.deepEqual(update.diffs, ["policyDocument"]);
      assert.deepEqual(update.detailedDiff, { policyDocument: { kind: "UPDATE", inputDiff: true } });

      const replace = await plugin.diff("ws-1", olds, {
        workspaceId: "ws-2",
        policyDocument: policyText("111122223333"),
      });
      assert.deepEqual(replace.replaces, ["workspaceId"]);
      assert.deepEqual(replace.detailedDiff, { workspaceId: { kind: "UPDATE_REPLACE", inputDiff: true } });
      assert.equal(replace.deleteBeforeReplace, false);
    });
  });

  describe("create, read, update, delete", () => {
    let ws: string;
    let state: Props;

    before(() => {
      ws = emulator.createWorkspace({ alias: "grpc" });
    });

    it("Create writes the policy only where none exists and returns the workspace id, ACTIVE and the revision", async () => {
      emulator.clearRequestLog();
      const created = await plugin.create({ workspaceId: ws, policyDocument: policyText("111122223333") });
      assert.equal(created.id, ws);
      assert.equal(created.props.policyStatus, "ACTIVE");
      assert.equal(created.props.revisionId, emulator.getPolicy(ws)!.revisionId);
      assert.equal(created.props.policyDocument, policyText("111122223333"));
      const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
      assert.equal(puts.length, 1);
      assert.equal(puts[0].revisionId, "NO_POLICY");
      state = created.props;
    });

    it("Read with state keeps the state's text when the live policy means the same", async () => {
      const read = await plugin.read(ws, { ...state, policyDocument: reformatted("111122223333") });
      assert.equal(read.id, ws);
      assert.equal(read.hasProperties, true);
      assert.equal(read.props.policyDocument, reformatted("111122223333"));
      assert.equal(read.props.revisionId, state.revisionId);
      assert.equal(read.inputs!.policyDocument, reformatted("111122223333"));
      assert.equal(read.inputs!.workspaceId, ws);
    });

    it("Update writes at the stored revision; a secret input gives a secret output", async () => {
      emulator.clearRequestLog();
      const outs = await plugin.update(ws, state, {
        workspaceId: ws,
        policyDocument: secret(policyText("444455556666")),
      });
      assert.deepEqual(outs.policyDocument, secret(policyText("444455556666")));
      const live = emulator.getPolicy(ws)!;
      assert.ok(policiesEquivalent(live.policyDocument, policyText("444455556666")));
      assert.equal(outs.revisionId, live.revisionId);
      assert.notEqual(outs.revisionId, state.revisionId);
      const puts = emulator.requestLog().filter((e) => e.operation === "PutResourcePolicy");
      assert.deepEqual(
        puts.map((p) => p.revisionId),
        [state.revisionId],
      );
      state = outs;
    });

    it("Update refuses to overwrite a policy changed outside Pulumi, and says so", async () => {
      const outOfBand = policyText("999999999999");
      emulator.putPolicyOutOfBand(ws, outOfBand);
      await assert.rejects(
        plugin.update(ws, state, { workspaceId: ws, policyDocument: policyText("777788889999") }),
        /updating resource policy for AMP workspace .*changed outside Pulumi/,
      );
      assert.equal(emulator.getPolicy(ws)!.policyDocument, outOfBand);
      // A refresh adopts the live policy: its text (the state's was secret and means something else).
      const read = await plugin.read(ws, state);
      const adopted = read.props.policyDocument as { value: string };
      assert.deepEqual(adopted, secret(adopted.value), "still secret");
      assert.ok(policiesEquivalent(adopted.value, outOfBand), adopted.value);
      assert.equal(read.props.revisionId, emulator.getPolicy(ws)!.revisionId);
      state = read.props;
    });

    it("Delete removes the policy at the stored revision", async () => {
      emulator.clearRequestLog();
      await plugin.delete(ws, state);
      assert.equal(emulator.getPolicy(ws), undefined);
      const deletes = emulator.requestLog().filter((e) => e.operation === "DeleteResourcePolicy");
      assert.deepEqual(
        deletes.map((d) => d.revisionId),
        [state.revisionId],
      );
    });

    it("Read of a policy that is gone returns no id and no properties (how the engine tells it is gone)", async () => {
      const read = await plugin.read(ws, state);
      assert.equal(read.id, "");
      assert.equal(read.hasProperties, false);
      assert.equal(read.inputs, undefined);
    });

    it("Read without state (an import) adopts the live policy by workspace id, without writing", async () => {
      const other = emulator.createWorkspace({ alias: "grpc-import" });
      const live = reformatted("123456789012");
      const revision = emulator.putPolicyOutOfBand(other, live);
      emulator.clearRequestLog();
      const read = await plugin.read(other, {});
      assert.equal(read.id, other);
      // The service's own serialization of the document: what `pulumi import` writes into the program.
      assert.deepEqual(Object.keys(read.inputs!).sort(), ["policyDocument", "workspaceId"]);
      assert.equal(read.inputs!.workspaceId, other);
      assert.equal(typeof read.inputs!.policyDocument, "string");
      assert.ok(policiesEquivalent(read.inputs!.policyDocument, live));
      assert.equal(read.props.policyDocument, read.inputs!.policyDocument);
      assert.equal(read.props.revisionId, revision);
      assert.equal(read.props.policyStatus, "ACTIVE");
      assert.deepEqual(
        emulator.requestLog().map((e) => e.operation),
        ["DescribeResourcePolicy"],
      );
    });

    it("rejects a request for a type the plugin does not serve", async () => {
      await assert.rejects(
        plugin.create(
          { workspaceId: ws, policyDocument: policyText("1") },
          "urn:pulumi:dev::p::amp-resource-policy:index:Other::x",
        ),
        /unknown resource type amp-resource-policy:index:Other/,
      );
    });
  });

  describe("where region and endpoint come from", () => {
    const deadEndpoint = "http://127.0.0.1:1";
    let ws: string;

    before(() => {
      ws = emulator.createWorkspace({ alias: "grpc-config" });
      emulator.putPolicyOutOfBand(ws, policyText("111122223333"));
    });

    /** Reads the policy with a short timeout, so that a wrong endpoint fails fast. */
    const readWith = (server: PluginServer) => server.read(ws, { workspaceId: ws, waitTimeoutSeconds: 5 });

    it("Configure's arguments (an explicit provider, or stack config) win over the environment", async () => {
      const server = await PluginServer.start({ ...awsEnv(deadEndpoint), AWS_REGION: undefined });
      try {
        const resp = await server.configure({ endpoint: url, region: secret("us-east-1") });
        assert.equal(resp.getAcceptsecrets(), true);
        assert.equal((await readWith(server)).id, ws);
      } finally {
        await server.stop();
      }
    });

    it("Configure's variables (amp-resource-policy:config:*) are read when there are no arguments", async () => {
      const server = await PluginServer.start({ ...awsEnv(deadEndpoint), AWS_REGION: undefined });
      try {
        await server.configure(
          {},
          { "amp-resource-policy:config:endpoint": url, "amp-resource-policy:config:region": "us-east-1" },
        );
        assert.equal((await readWith(server)).id, ws);
      } finally {
        await server.stop();
      }
    });

    it("PULUMI_CONFIG, set by the engine for the provider it launches, is read before Configure", async () => {
      const server = await PluginServer.start({
        ...awsEnv(deadEndpoint),
        AWS_REGION: undefined,
        PULUMI_CONFIG: JSON.stringify({ endpoint: url, region: "us-east-1" }),
      });
      try {
        assert.equal((await readWith(server)).id, ws);
      } finally {
        await server.stop();
      }
    });

    it("the AWS environment variables are the fallback (and a dead endpoint fails with its cause)", async () => {
      const server = await PluginServer.start(awsEnv(deadEndpoint));
      try {
        await assert.rejects(readWith(server), /reading resource policy for AMP workspace .*ECONNREFUSED/);
      } finally {
        await server.stop();
      }
    });
  });
});
