/**
 * What the plugin's engine tests need besides the engine project harness (scripts/lib/pulumi-project.ts): the
 * Python virtualenv of the Python example, and the steps a preview plans for the plugin's resource.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { repoRoot } from "../../../scripts/lib/package";
import { run } from "../../../scripts/lib/pulumi-project";

/** The virtualenv for the Python examples, kept between runs in .pulumi-cli/ (git-ignored). */
export const venvDir = path.join(repoRoot, ".pulumi-cli", "python-venv");
let pythonReady: Promise<string> | undefined;

/**
 * A virtualenv with the `pulumi` package from PyPI (the range the generated SDK requires) and this checkout's
 * sdk/python installed; returns its bin folder. The venv is reused while Python and the range stay the same.
 */
export function pythonBin(): Promise<string> {
  pythonReady ??= (async () => {
    const bin = path.join(venvDir, "bin");
    const pyproject = fs.readFileSync(path.join(repoRoot, "sdk/python/pyproject.toml"), "utf8");
    const pulumiRequirement = /"(pulumi[<>=~!][^"]*)"/.exec(pyproject)?.[1];
    if (pulumiRequirement === undefined) {
      throw new Error("sdk/python/pyproject.toml names no pulumi requirement");
    }
    const python = await run("python3", ["--version"], repoRoot, process.env);
    if (python.code !== 0) {
      throw new Error(`python3 is needed for the Python example: ${python.output}`);
    }
    // setuptools >= 70.1 builds wheels without the `wheel` package, so the SDK installs without network.
    const wanted = [pulumiRequirement, "setuptools>=70.1"];
    const stamp = JSON.stringify({ python: python.output.trim(), wanted });
    const stampFile = path.join(venvDir, ".stamp");
    const pip = path.join(bin, "pip");
    if (!fs.existsSync(pip) || !fs.existsSync(stampFile) || fs.readFileSync(stampFile, "utf8") !== stamp) {
      fs.rmSync(venvDir, { recursive: true, force: true });
      const steps: [string, string[]][] = [
        ["python3", ["-m", "venv", venvDir]],
        [pip, ["install", "--quiet", "--disable-pip-version-check", ...wanted]],
      ];
      for (const [command, args] of steps) {
        const result = await run(command, args, repoRoot, process.env);
        if (result.code !== 0) {
          throw new Error(`${command} ${args.join(" ")} failed:\n${result.output}`);
        }
      }
      fs.writeFileSync(stampFile, stamp);
    }
    // pip builds a local folder in place: install from a copy, so sdk/python stays as generated.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "amp-python-sdk-"));
    try {
      fs.cpSync(path.join(repoRoot, "sdk", "python"), copy, { recursive: true });
      const install = await run(
        pip,
        [
          "install",
          "--quiet",
          "--disable-pip-version-check",
          "--no-deps",
          "--no-build-isolation",
          "--no-index",
          "--force-reinstall",
          copy,
        ],
        repoRoot,
        process.env,
      );
      if (install.code !== 0) {
        throw new Error(`installing sdk/python failed:\n${install.output}`);
      }
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
    return bin;
  })();
  return pythonReady;
}

/** The ops a `pulumi preview --json` plans for ResourcePolicy resources, with their detailed diffs. */
export function policySteps(
  previewJson: string,
): { op: string; urn: string; detailedDiff?: Record<string, { kind: string; inputDiff: boolean }> }[] {
  const { steps } = JSON.parse(previewJson) as {
    steps: { op: string; urn: string; detailedDiff?: Record<string, { kind: string; inputDiff: boolean }> }[];
  };
  return steps.filter((s) => s.urn.includes("amp-resource-policy:index:ResourcePolicy"));
}
