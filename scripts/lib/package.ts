/**
 * The built package installed the way a user's program gets it: `npm pack`, then unpacked as a real folder
 * under this repository's `node_modules/`. The Pulumi serializer captures modules under `node_modules` by
 * reference, so only an installed copy (not the source tree, not a symlink) shows what users get.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "../..");
export const packageName = "pulumi-amp-resource-policy";
export const installedDir = path.join(repoRoot, "node_modules", packageName);

/** Packs the built package into a tarball in a temporary folder and returns its path. */
export function packPackage(): string {
  if (!fs.existsSync(path.join(repoRoot, "dist/sdk/nodejs/index.js"))) {
    execFileSync("npm", ["run", "build"], { cwd: repoRoot, stdio: "inherit" });
  }
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "amp-policy-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dest], { cwd: repoRoot, encoding: "utf8" });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  return path.join(dest, filename);
}

/** Installs the packed package into `node_modules/` and returns the folder. */
export function installPackedPackage(): string {
  const tarball = packPackage();
  fs.rmSync(installedDir, { recursive: true, force: true });
  fs.mkdirSync(installedDir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installedDir, "--strip-components=1"]);
  fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
  return installedDir;
}

/** Removes the installed copy. */
export function uninstallPackage(): void {
  fs.rmSync(installedDir, { recursive: true, force: true });
}
