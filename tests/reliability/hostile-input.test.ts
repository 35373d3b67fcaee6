import assert from "node:assert/strict";

import { AmpEmulator, DEFAULT_MAX_POLICY_BYTES } from "../../emulator";
import { ampApi } from "../../provider/aws/amp";
import * as lifecycle from "../../provider/lifecycle";
import { POLICY_SIZE_WARNING_BYTES, UNKNOWN } from "../../provider/policy";
import { resourcePolicyProvider } from "../../sdk/nodejs/provider";
import { useEmulatorEnv } from "../support/env";
import { Tally, account, credentials, remoteWrite } from "./support";

// tests/unit/check.test.ts holds the named cases and tests/unit/policy.property.test.ts the random ones; this
// file crosses every input with every wrong type and every hostile string with every place in a policy, runs
// each through check and the dynamic provider's check with an emulator listening, and drives hostile
// workspace ids straight at the effectful methods.

const WS = "ws-12345678-abcd-1234-abcd-123456789012";
const tally = new Tally();

/** Valid inputs, every property set. */
function validInputs(): Record<string, unknown> {
  return {
    workspaceId: WS,
    policyDocument: remoteWrite(account(1)),
    clientToken: "deploy-1",
    revisionId: "NO_POLICY",
    overwriteExisting: false,
    waitTimeoutSeconds: 30,
  };
}

/** Every kind of value a property might wrongly receive. */
const values: Array<[string, unknown]> = [
  ["undefined", undefined],
  ["null", null],
  ["42", 42],
  ["0", 0],
  ["-1", -1],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["true", true],
  ["false", false],
  ["[]", []],
  ['["ws-1"]', ["ws-1"]],
  ["{}", {}],
  ['{"value":"x"}', { value: "x" }],
  ["10n", 10n],
  ["a symbol", Symbol("x")],
  ["a function", () => "x"],
  ["a Date", new Date(0)],
  ["a Buffer", Buffer.from("ws-1")],
  ['"x"', "x"],
  ['""', ""],
  ['"   "', "   "],
];

/** Which of `values` are right for each property (all else must fail on that property alone). */
const rightFor: Record<string, (name: string) => boolean> = {
  workspaceId: (name) => name === '"x"',
  policyDocument: () => false,
  clientToken: (name) => name === "undefined" || name === '"x"',
  revisionId: (name) => name === "undefined" || name === '"x"',
  overwriteExisting: (name) => ["undefined", "true", "false"].includes(name),
  waitTimeoutSeconds: (name) => ["undefined", "42"].includes(name),
};

/** Strings no policy may contain: every C0 control character and DEL, and broken UTF-16 (not UTF-8 encodable). */
const hostileStrings: Array<[string, string]> = [
  ...Array.from({ length: 32 }, (_, c): [string, string] => [
    `U+${c.toString(16).padStart(4, "0")}`,
    `a${String.fromCharCode(c)}b`,
  ]),
  ["U+007F", "a\u007fb"],
  ["a lone high surrogate", "a\ud800b"],
  ["a lone low surrogate", "a\udfffb"],
  ["a reversed surrogate pair", "a\udc00\ud800b"],
  ["a high surrogate at the end", "ab\udbff"],
];

/** The places in a policy a string can go, each a function that puts it there. */
const places: Array<[string, (s: string) => Record<string, unknown>]> = [
  ["Version", (s) => ({ ...policyObject(), Version: s })],
  ["Id", (s) => ({ ...policyObject(), Id: s })],
  ["a top-level key", (s) => ({ ...policyObject(), [s]: "x" })],
  ["Sid", (s) => policyObject({ Sid: s })],
  ["Effect", (s) => policyObject({ Effect: s })],
  ["Principal.AWS", (s) => policyObject({ Principal: { AWS: s } })],
  ["Principal type", (s) => policyObject({ Principal: { [s]: "111122223333" } })],
  ["Action", (s) => policyObject({ Action: ["aps:RemoteWrite", s] })],
  ["Resource", (s) => policyObject({ Resource: s })],
  ["a Condition operator", (s) => policyObject({ Condition: { [s]: { "aws:SourceAccount": "111122223333" } } })],
  ["a Condition key", (s) => policyObject({ Condition: { StringEquals: { [s]: "111122223333" } } })],
  ["a Condition value", (s) => policyObject({ Condition: { StringEquals: { "aws:SourceAccount": [s] } } })],
];

function policyObject(statement: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RemoteWrite",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: ["aps:RemoteWrite"],
        ...statement,
      },
    ],
  };
}

/** A valid policy whose minified JSON is exactly `bytes` bytes, padded in its Id with `pad` (1, 2 or 4 bytes). */
function policyOfSize(bytes: number, pad: string): Record<string, unknown> {
  const base = policyObject();
  const empty = Buffer.byteLength(JSON.stringify({ ...base, Id: "" }), "utf8");
  const room = bytes - empty;
  const width = Buffer.byteLength(pad, "utf8");
  const id = pad.repeat(Math.floor(room / width)) + "x".repeat(room % width);
  const doc = { ...base, Id: id };
  assert.equal(Buffer.byteLength(JSON.stringify(doc), "utf8"), bytes);
  return doc;
}

/** Runs check on `news`; it must not throw, and must fail on `property` alone, each reason naming it. */
function assertRejected(news: Record<string, unknown>, property: string, what: string): void {
  let result: lifecycle.CheckResult | undefined;
  assert.doesNotThrow(() => {
    result = lifecycle.check(news);
  }, what);
  const failures = result!.failures;
  assert.ok(failures.length > 0, `${what}: accepted`);
  for (const failure of failures) {
    assert.equal(failure.property, property, `${what}: ${failure.property} failed too (${failure.reason})`);
    assert.ok(failure.reason.startsWith(`${property} `), `${what}: ${failure.reason}`);
    assert.ok(failure.reason.length < 2000, `${what}: a reason of ${failure.reason.length} characters`);
  }
}

describe("hostile and malformed input", function () {
  this.timeout(60_000);
  let emulator: AmpEmulator;
  let restoreEnv: () => void;

  before(async () => {
    emulator = new AmpEmulator({ credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } });
    restoreEnv = useEmulatorEnv(await emulator.start(), credentials);
    emulator.resetCallCounts();
  });
  after(async () => {
    restoreEnv();
    await emulator.stop();
    tally.print("inputs tried:");
  });

  describe("check, with an emulator listening: a failure naming the property, never a throw, never a call", () => {
    const calls = () => Object.values(emulator.callCounts()).reduce((a, b) => a + b, 0);

    it("fails every wrong type of every input on that input alone", async () => {
      for (const property of Object.keys(rightFor)) {
        for (const [name, value] of values) {
          if (rightFor[property](name)) {
            continue;
          }
          const news = { ...validInputs(), [property]: value };
          if (value === undefined) {
            delete news[property];
          }
          assertRejected(news, property, `${property} = ${name}`);
          // The dynamic provider's check answers the engine the same way.
          const answer = await resourcePolicyProvider.check!({}, news);
          assert.ok(answer.failures!.some((f) => f.property === property));
          tally.add("wrong types (check and the dynamic provider's check)");
        }
      }
      assert.equal(calls(), 0, "no API call");
    });

    it("fails every control character and broken surrogate in every place of a policy, as an object and as JSON text", () => {
      for (const [where, put] of places) {
        for (const [name, text] of hostileStrings) {
          const doc = put(text);
          for (const [form, policyDocument] of [
            ["object", doc],
            ["JSON text", JSON.stringify(doc)],
            ["indented JSON text", JSON.stringify(doc, null, 2)],
          ] as const) {
            assertRejected({ ...validInputs(), policyDocument }, "policyDocument", `${name} in ${where} (${form})`);
            tally.add("hostile strings in a policy");
          }
        }
      }
      assert.equal(calls(), 0, "no API call");
    });

    it("fails the same strings as workspaceId, clientToken and revisionId", () => {
      for (const property of ["workspaceId", "clientToken", "revisionId"]) {
        for (const [name, text] of hostileStrings) {
          assertRejected({ ...validInputs(), [property]: text }, property, `${name} in ${property}`);
          tally.add("hostile strings in other inputs");
        }
      }
      assert.equal(calls(), 0, "no API call");
    });

    it("fails a workspaceId that could leave its URL path segment, whatever its shape", () => {
      const ids = [
        "/",
        "ws/1",
        "ws-1/policy",
        ".",
        "..",
        "../ws-1",
        "ws-1/..",
        "./ws-1",
        "ws?x=1",
        "ws#frag",
        "%2e%2e",
        "ws%2F1",
        "ws%",
        "ws 1",
        " ws-1",
        "ws-1 ",
        "wsé",
        "ws-ü",
        "ws-\u200b",
        "ws-\ufeff",
        "ｗｓ-1",
        "ws\\1",
        "ws;1",
        "ws:1",
        "ws@1",
        "ws&x=1",
        "ws+1",
        "-ws",
        "_ws",
        ".ws",
        "w".repeat(65),
      ];
      for (const id of ids) {
        assertRejected({ ...validInputs(), workspaceId: id }, "workspaceId", `workspaceId ${JSON.stringify(id)}`);
        tally.add("hostile workspace ids (check)");
      }
      assert.equal(calls(), 0, "no API call");
    });

    it("fails documents nested too deep, at every depth past the limit, as objects and as JSON text", () => {
      for (const depth of [62, 63, 64, 65, 100, 1000, 100_000]) {
        let nested: unknown = "111122223333";
        for (let i = 0; i < depth; i++) {
          nested = [nested];
        }
        const doc = policyObject({ Condition: { StringEquals: { "aws:SourceAccount": nested } } });
        for (const policyDocument of depth <= 1000 ? [doc, JSON.stringify(doc)] : [doc]) {
          assertRejected({ ...validInputs(), policyDocument }, "policyDocument", `nested ${depth} deep`);
          tally.add("deeply nested documents");
        }
      }
      const text = `{"Statement":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`;
      assertRejected({ ...validInputs(), policyDocument: text }, "policyDocument", "JSON text nested a million deep");
      tally.add("deeply nested documents");
      assert.equal(calls(), 0, "no API call");
    });
  });

  describe("size: AMP documents no limit, so check warns and the service decides", () => {
    const sizeWarning = (bytes: number): RegExp => new RegExp(`^policyDocument is ${bytes} bytes when minified`);

    it("never fails a document for its size; warns past POLICY_SIZE_WARNING_BYTES, counting UTF-8 bytes of the minified document in every form", () => {
      for (const pad of ["a", "é", "😀"]) {
        for (const bytes of [
          POLICY_SIZE_WARNING_BYTES - 1,
          POLICY_SIZE_WARNING_BYTES,
          POLICY_SIZE_WARNING_BYTES + 1,
          POLICY_SIZE_WARNING_BYTES + 2,
        ]) {
          const doc = policyOfSize(bytes, pad);
          for (const [form, policyDocument] of [
            ["object", doc],
            ["minified text", JSON.stringify(doc)],
            ["indented text", JSON.stringify(doc, null, 4)],
          ] as const) {
            const what = `${bytes} bytes padded with ${pad} (${form})`;
            const result = lifecycle.check({ ...validInputs(), policyDocument });
            assert.deepEqual(result.failures, [], what);
            const warned = result.warnings.filter((warning) => sizeWarning(bytes).test(warning));
            assert.equal(
              warned.length,
              bytes > POLICY_SIZE_WARNING_BYTES ? 1 : 0,
              `${what}: ${result.warnings.join("; ")}`,
            );
            tally.add("documents near the size warning");
          }
        }
      }
      const statements = Array.from({ length: 40_000 }, (_, i) => ({
        Sid: `S${i}`,
        Effect: "Allow",
        Principal: { AWS: "111122223333" },
        Action: "aps:RemoteWrite",
      }));
      const huge = { Version: "2012-10-17", Statement: statements };
      const bytes = Buffer.byteLength(JSON.stringify(huge));
      for (const policyDocument of [huge, JSON.stringify(huge), JSON.stringify(huge, null, 2)]) {
        const started = Date.now();
        const result = lifecycle.check({ ...validInputs(), policyDocument });
        assert.ok(Date.now() - started < 10_000, `check took ${Date.now() - started} ms`);
        assert.deepEqual(result.failures, []);
        assert.deepEqual(
          result.warnings.map((warning) => sizeWarning(bytes).test(warning)),
          [true],
          result.warnings.join("; "),
        );
        tally.add("documents of megabytes");
      }
      const started = Date.now();
      assertRejected({ ...validInputs(), policyDocument: "x".repeat(4 << 20) }, "policyDocument", "4 MB of not JSON");
      assert.ok(Date.now() - started < 10_000, `check took ${Date.now() - started} ms`);
      tally.add("documents of megabytes");
    });

    it("creates a document larger than the warning size when the service takes it, and reports the service's refusal when it does not", async () => {
      const limit = emulator.settings().maxPolicyBytes;
      assert.equal(limit, DEFAULT_MAX_POLICY_BYTES, "the emulator starts at its default limit");
      try {
        for (const pad of ["a", "é", "😀"]) {
          const size = 3 * POLICY_SIZE_WARNING_BYTES;
          // Indented, the text is larger still; what is sent is the user's text minified.
          const policyDocument = JSON.stringify(policyOfSize(size, pad), null, 4);
          const news = { workspaceId: emulator.createWorkspace(), policyDocument };
          assert.deepEqual(lifecycle.check(news).failures, []);

          // A service that takes large documents gets it, as written and minified.
          emulator.updateSettings({ maxPolicyBytes: 4 * POLICY_SIZE_WARNING_BYTES });
          const { outs } = await lifecycle.create(news);
          const live = emulator.getPolicy(news.workspaceId)!;
          assert.equal(live.revisionId, outs.revisionId);
          assert.equal(Buffer.byteLength(live.policyDocument), size);

          // A service that refuses it: the refusal reaches the user, naming the operation and the service's reason.
          emulator.updateSettings({ maxPolicyBytes: 2 * POLICY_SIZE_WARNING_BYTES });
          const other = emulator.createWorkspace();
          await assert.rejects(
            lifecycle.create({ workspaceId: other, policyDocument }),
            (err: Error) =>
              err.message.startsWith(`creating resource policy for AMP workspace ${other}: `) &&
              /exceeds the maximum size of 40960 bytes/.test(err.message),
          );
          assert.equal(emulator.getPolicy(other), undefined, "nothing was written");
          emulator.updateSettings({ maxPolicyBytes: limit });
          tally.add("documents over the warning size sent to the service", 2);
        }
      } finally {
        emulator.updateSettings({ maxPolicyBytes: limit });
      }
    });
  });

  describe("hostile workspace ids driven straight at create, read, update and delete (bypassing check)", () => {
    const hostileIds = [
      "",
      ".",
      "..",
      "/",
      "../x",
      "./policy",
      "ws-1/..",
      "ws-1/../../x",
      "ws/1",
      "ws-1/policy",
      "ws?x=1",
      "ws#frag",
      "%2e%2e",
      "ws%2F1",
      "ws%",
      "ws 1",
      "wsé",
      "ws-\u200b",
      "ws\u0000",
      "ws\r\nX-Injected: 1",
      "ws\ud800",
      "ws\\..\\x",
      "w".repeat(65),
      UNKNOWN.replace(/-/g, "/"),
    ];
    /** Legitimate ids with every character AMP allows, including '.': they must reach exactly their own path. */
    const legitimateIds = ["ws.1_a-b", "W", "0", `a${".".repeat(63)}`, "ws-12345678-abcd-1234-abcd-123456789012"];

    /** Every request must have stayed at /workspaces/<its id, encoded>[/policy], never a segment of its own. */
    function assertContained(ids: string[]): number {
      const log = emulator.requestLog();
      for (const entry of log) {
        const match = /^\/workspaces\/([^/]+)(\/policy)?$/.exec(entry.path);
        assert.ok(match, `a request left its path: ${entry.method} ${entry.path}`);
        const id = decodeURIComponent(match[1]);
        assert.ok(ids.includes(id), `a request reached another workspace: ${entry.path}`);
        assert.ok(id !== "." && id !== "..", `a dot segment: ${entry.path}`);
      }
      return log.length;
    }

    it("refuses every hostile id before any request, for each operation, with an error naming the operation", async () => {
      // A victim that a normalized path could reach (DELETE /workspaces/./policy is signed as /workspaces/policy).
      emulator.createWorkspace({ workspaceId: "policy" });
      const victim = emulator.putPolicyOutOfBand("policy", remoteWrite(account(9)));
      for (const id of hostileIds) {
        if (id.length >= 1 && id.length <= 64 && !emulator.workspaces().some((w) => w.workspaceId === id)) {
          emulator.createWorkspace({ workspaceId: id });
        }
      }
      emulator.clearRequestLog();
      emulator.resetCallCounts();
      const state: lifecycle.ResourcePolicyState = {
        workspaceId: "",
        policyDocument: remoteWrite(account(1)),
        policyStatus: "ACTIVE",
        revisionId: "r1",
        waitTimeoutSeconds: 2,
      };
      for (const id of hostileIds) {
        const operations: Array<[string, () => Promise<unknown>]> = [
          ["creating", () => lifecycle.create({ workspaceId: id, policyDocument: remoteWrite(account(1)) })],
          ["reading", () => lifecycle.read(id, {})],
          ["reading", () => lifecycle.read(id, { ...state, workspaceId: id })],
          [
            "updating",
            () =>
              lifecycle.update(
                { ...state, workspaceId: id },
                { workspaceId: id, policyDocument: remoteWrite(account(2)) },
              ),
          ],
          ["deleting", () => lifecycle.remove(id, { ...state, workspaceId: id })],
        ];
        for (const [verb, run] of operations) {
          let pending: Promise<unknown> | undefined;
          assert.doesNotThrow(
            () => {
              pending = run();
            },
            `${verb} ${JSON.stringify(id)} threw synchronously`,
          );
          await assert.rejects(
            pending!,
            (err: Error) =>
              err.message.startsWith(`${verb} resource policy for AMP workspace `) &&
              /refusing to call AMP with workspace id/.test(err.message),
            `${verb} ${JSON.stringify(id)}`,
          );
          tally.add("hostile workspace ids (lifecycle operations, check bypassed)");
        }
        // And the seam itself, called directly.
        const api = ampApi();
        for (const call of [
          () => api.findResourcePolicy(id),
          () => api.findWorkspaceStatus(id),
          () => api.putResourcePolicy({ workspaceId: id, policyDocument: "{}", clientToken: "t" }),
          () => api.deleteResourcePolicy({ workspaceId: id, clientToken: "t" }),
        ]) {
          await assert.rejects(call(), /refusing to call AMP/);
          tally.add("hostile workspace ids (AMP seam calls)");
        }
      }
      assert.equal(assertContained([]), 0, "not one request was sent");
      assert.deepEqual(emulator.callCounts(), {});
      assert.equal(emulator.getPolicy("policy")!.revisionId, victim, "the victim is untouched");
    });

    it("sends legitimate ids with every allowed character to exactly their own path", async () => {
      emulator.clearRequestLog();
      for (const id of legitimateIds) {
        if (!emulator.workspaces().some((w) => w.workspaceId === id)) {
          emulator.createWorkspace({ workspaceId: id });
        }
        const { outs } = await lifecycle.create({ workspaceId: id, policyDocument: remoteWrite(account(1)) });
        assert.equal((await lifecycle.read(id, outs)).id, id);
        await lifecycle.remove(id, outs);
        tally.add("legitimate workspace ids (the control)");
      }
      assert.ok(assertContained(legitimateIds) >= legitimateIds.length * 3, "the requests were made");
    });
  });

  describe("in all", () => {
    it("counts the inputs tried", () => {
      const total = [
        "wrong types (check and the dynamic provider's check)",
        "hostile strings in a policy",
        "hostile strings in other inputs",
        "hostile workspace ids (check)",
        "deeply nested documents",
        "documents near the size warning",
        "documents of megabytes",
        "documents over the warning size sent to the service",
        "hostile workspace ids (lifecycle operations, check bypassed)",
        "hostile workspace ids (AMP seam calls)",
      ].reduce((sum, key) => sum + tally.get(key), 0);
      tally.add("in all", total);
      assert.equal(tally.get("hostile strings in a policy"), places.length * hostileStrings.length * 3);
      assert.ok(total > 1500, `${total} inputs`);
    });
  });
});
