import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";
import { run } from "../../scripts/lib/pulumi-project";
import { describeSdkProgram } from "./support/sdk-program";

/**
 * Installs this checkout's sdk/java into the local Maven repository (from a copy, so that sdk/java stays as
 * generated), as the example's pom.xml expects it.
 */
async function installJavaSdk(): Promise<void> {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "amp-java-sdk-"));
  try {
    fs.cpSync(path.join(repoRoot, "sdk", "java"), copy, { recursive: true });
    const install = await run("mvn", ["-B", "-q", "-ntp", "install", "-DskipTests"], copy, process.env);
    if (install.code !== 0) {
      throw new Error(`mvn install of sdk/java failed:\n${install.output}`);
    }
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

// The Java host (pulumi-java v1.22.0) runs the program with `mvn compile exec:java` before every command; the
// first run fills the local Maven repository (.ci/run keeps it).
describeSdkProgram({
  example: "java",
  language: "Java",
  host: "pulumi-language-java",
  timeoutMs: 900_000,
  prepare: installJavaSdk,
});
