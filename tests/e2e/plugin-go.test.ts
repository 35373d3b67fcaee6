import assert from "node:assert/strict";
import * as path from "node:path";

import { repoRoot } from "../../scripts/lib/package";
import { describeSdkProgram } from "./support/sdk-program";

// The Go host (sdk/v3 v3.66.0) builds the program with `go build` before every command. The first build compiles
// the Pulumi Go SDK: minutes on a cold Go build cache (.ci/run keeps it), seconds after.
describeSdkProgram({
  example: "go",
  language: "Go",
  host: "pulumi-language-go",
  timeoutMs: 1_200_000,
  prepare: (project) => {
    // The copy lives outside the repository: its replace directive must name this checkout's sdk/go.
    const goMod = project.read("go.mod");
    const pointed = goMod.replace(/=> \.\.\/\.\.\/sdk\/go$/m, `=> ${path.join(repoRoot, "sdk", "go")}`);
    assert.notEqual(pointed, goMod, "examples/go/go.mod has no replace of the SDK with ../../sdk/go");
    project.write("go.mod", pointed);
  },
});
