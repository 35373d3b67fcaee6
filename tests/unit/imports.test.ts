import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const providerDir = path.resolve(__dirname, "../../provider");

/** Every TypeScript module under `dir`. */
function modulesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? modulesUnder(full) : full.endsWith(".ts") ? [full] : [];
  });
}

/** The modules of ours that `file` imports or re-exports (type-only imports included: they bind the layers too). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]*)"/g)].map((m) => m[1]);
  return specifiers.map((specifier) => {
    const base = path.resolve(path.dirname(file), specifier);
    const found = [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate));
    assert.ok(found !== undefined, `${path.relative(providerDir, file)} imports ${specifier}, which does not exist`);
    return found;
  });
}

/** The import cycles among `files`, each as the modules on it (relative to provider/). */
function importCycles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, trail: string[]): void => {
    const at = trail.indexOf(file);
    if (at >= 0) {
      cycles.push(trail.slice(at).map((f) => path.relative(providerDir, f)));
      return;
    }
    if (done.has(file)) {
      return;
    }
    for (const next of graph.get(file) ?? []) {
      visit(next, [...trail, file]);
    }
    done.add(file);
  };
  for (const file of files) {
    visit(file, []);
  }
  return cycles;
}

describe("the layout of provider/", () => {
  it("has no import cycle", () => {
    assert.deepEqual(importCycles(modulesUnder(providerDir)), []);
  });

  it("keeps provider/time in layers: the clock imports nothing; limiter, retry and poll import only those before them", () => {
    const layers = ["clock", "limiter", "retry", "poll"];
    const timeDir = path.join(providerDir, "time");
    for (const [rank, layer] of layers.entries()) {
      const file = path.join(timeDir, `${layer}.ts`);
      const below = layers.slice(0, rank).map((name) => path.join(timeDir, `${name}.ts`));
      const ours = importsOf(file);
      if (layer === "clock") {
        assert.deepEqual(ours, [], "the clock is a leaf");
      }
      for (const imported of ours.filter((f) => path.dirname(f) === timeDir)) {
        assert.ok(below.includes(imported), `${layer}.ts imports ${path.basename(imported)}, which is not below it`);
      }
      assert.doesNotMatch(fs.readFileSync(file, "utf8"), /AsyncLocalStorage/, `${layer}.ts passes time ambiently`);
    }
  });
});
