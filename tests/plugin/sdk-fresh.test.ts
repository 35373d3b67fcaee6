import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";

/** Files of a generated SDK, relative, without what building or installing it leaves behind (git-ignored). */
function sdkFiles(dir: string): string[] {
  const ignored = /(^|\/)(build|dist|target|bin|obj|__pycache__|[^/]*\.egg-info)(\/|$)|\.pyc$/;
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .filter((file) => !ignored.test(file))
    .sort();
}

describe("the generated SDKs (sdk/python, sdk/go, sdk/java, sdk/dotnet)", function () {
  // The first run builds tools/gen-sdk (a few seconds with the CLI's Go build cache, minutes without).
  this.timeout(600_000);
  let fresh: string;

  before(() => {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), "amp-gen-sdk-"));
    execFileSync("bash", [path.join(repoRoot, "scripts/gen-sdk.sh"), "--out", fresh], {
      cwd: repoRoot,
      stdio: ["ignore", "inherit", "inherit"],
    });
  });
  after(() => fs.rmSync(fresh, { recursive: true, force: true }));

  for (const language of ["python", "go", "java", "dotnet"]) {
    it(`sdk/${language} is what scripts/gen-sdk.sh generates now (else run \`npm run gen-sdk\`)`, () => {
      const committed = path.join(repoRoot, "sdk", language);
      const generated = path.join(fresh, language);
      const files = sdkFiles(generated);
      assert.ok(files.length > 3, `nothing generated for ${language}`);
      assert.deepEqual(sdkFiles(committed), files, `sdk/${language} has other files than the generator writes`);
      for (const file of files) {
        const want = fs.readFileSync(path.join(generated, file), "utf8");
        const have = fs.readFileSync(path.join(committed, file), "utf8");
        assert.ok(have === want, `sdk/${language}/${file} is stale: run \`npm run gen-sdk\``);
      }
    });
  }

  it("the Python SDK is the package, version and resource of the schema", () => {
    const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string })
      .version;
    const plugin = JSON.parse(
      fs.readFileSync(path.join(repoRoot, "sdk/python/pulumi_amp_resource_policy/pulumi-plugin.json"), "utf8"),
    );
    assert.deepEqual(plugin, { resource: true, name: "amp-resource-policy", version });
    const pyproject = fs.readFileSync(path.join(repoRoot, "sdk/python/pyproject.toml"), "utf8");
    assert.match(pyproject, new RegExp(`version = "${version.replace(/\./g, "\\.")}"`));
    const resource = fs.readFileSync(
      path.join(repoRoot, "sdk/python/pulumi_amp_resource_policy/resource_policy.py"),
      "utf8",
    );
    assert.match(resource, /@pulumi\.type_token\("amp-resource-policy:index:ResourcePolicy"\)/);
    for (const name of ["workspace_id", "policy_document", "policy_status", "revision_id", "overwrite_existing"]) {
      assert.match(resource, new RegExp(`def ${name}\\(`), `no ${name} property`);
    }
  });

  it("the Go SDK is a module at the schema's import path, requiring the CLI's Pulumi Go SDK", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "provider/schema.json"), "utf8")) as {
      language: { go: { importBasePath: string } };
    };
    const goMod = fs.readFileSync(path.join(repoRoot, "sdk/go/go.mod"), "utf8");
    assert.match(goMod, new RegExp(`^module ${path.posix.dirname(schema.language.go.importBasePath)}$`, "m"));
    const cliGoMod = fs.readFileSync(path.join(repoRoot, "tools/pulumi-cli/go.mod"), "utf8");
    const cliSdk = /github\.com\/pulumi\/pulumi\/sdk\/v3 (v\S+)/.exec(cliGoMod)![1];
    assert.match(goMod, new RegExp(`github\\.com/pulumi/pulumi/sdk/v3 ${cliSdk.replace(/\./g, "\\.")}\\b`));
    assert.ok(fs.statSync(path.join(repoRoot, "sdk/go/go.sum")).size > 0, "sdk/go/go.sum is empty");
  });

  it("the Java SDK builds with Maven: a pom.xml with a compiler release and a pinned com.pulumi:pulumi", () => {
    const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string })
      .version;
    const pom = fs.readFileSync(path.join(repoRoot, "sdk/java/pom.xml"), "utf8");
    assert.match(pom, /<maven\.compiler\.release>\d+<\/maven\.compiler\.release>/);
    assert.match(pom, /<artifactId>pulumi<\/artifactId>\s*<version>\d+\.\d+\.\d+<\/version>/);
    assert.match(pom, new RegExp(`<artifactId>amp-resource-policy</artifactId>\\s*<version>${version}</version>`));
    const resources = "sdk/java/src/main/resources/io/github/pulumiampresourcepolicy/amp-resource-policy";
    assert.equal(fs.readFileSync(path.join(repoRoot, resources, "version.txt"), "utf8").trim(), version);
    const source = "sdk/java/src/main/java/io/github/pulumiampresourcepolicy/ampresourcepolicy/ResourcePolicy.java";
    const resource = fs.readFileSync(path.join(repoRoot, source), "utf8");
    assert.match(resource, /@ResourceType\(type="amp-resource-policy:index:ResourcePolicy"\)/);
  });

  it("the .NET SDK carries the schema's logo and names the plugin (generated offline, not compiled here)", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "provider/schema.json"), "utf8")) as {
      logoUrl: string;
    };
    const logo = fs.readFileSync(path.join(repoRoot, "sdk/dotnet/logo.png"));
    assert.equal(`data:image/png;base64,${logo.toString("base64")}`, schema.logoUrl);
    const plugin = JSON.parse(fs.readFileSync(path.join(repoRoot, "sdk/dotnet/pulumi-plugin.json"), "utf8"));
    assert.equal(plugin.name, "amp-resource-policy");
    const resource = fs.readFileSync(path.join(repoRoot, "sdk/dotnet/ResourcePolicy.cs"), "utf8");
    assert.match(resource, /\[AmpResourcePolicyResourceType\("amp-resource-policy:index:ResourcePolicy"\)\]/);
  });
});
