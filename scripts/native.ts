// better-sqlite3 compiled for the Node the VMs run (not for the Node running this tree, whose ABI
// may differ): the package's sources from node_modules, node-gyp (the one npm ships) against the
// pinned Node's own headers (--nodedir), so nothing is downloaded. The result is cached per Node
// and better-sqlite3 version: a compile takes minutes on two cores.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { cacheDir, ensureNodeDist, type NodeDist } from "./node-dist";

const root = path.resolve(import.meta.dirname, "..");

/** Native addons and what they need at run time; shipped beside the bundle, never bundled. */
export const NATIVE_PACKAGES = ["better-sqlite3", "bindings", "file-uri-to-path"];

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/** npm's own node-gyp (npm ships it for install scripts); the tree's copy when npm's is elsewhere. */
export function nodeGyp(): string {
  try {
    const npmCli = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
    const bundled = path.join(path.dirname(npmCli), "..", "node_modules", "node-gyp", "bin", "node-gyp.js");
    if (existsSync(bundled)) return bundled;
  } catch {
    // no npm on PATH: try the tree
  }
  return createRequire(path.join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js");
}

/**
 * A node_modules folder holding NATIVE_PACKAGES, better-sqlite3 compiled for `dist`'s Node.
 * Built once into the cache (in a scratch folder, then renamed, so a parallel caller never sees
 * half a build); returns the folder that contains node_modules/.
 */
export function ensureNativeModules(dist: NodeDist = ensureNodeDist()): string {
  const out = path.join(cacheDir(), `natives-better-sqlite3-${packageVersion("better-sqlite3")}-node-v${dist.version}`);
  const addon = path.join(out, "node_modules/better-sqlite3/build/Release/better_sqlite3.node");
  if (existsSync(addon)) return out;
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = mkdtempSync(path.join(cacheDir(), ".natives-"));
  try {
    for (const p of NATIVE_PACKAGES) {
      cpSync(path.join(root, "node_modules", p), path.join(tmp, "node_modules", p), {
        recursive: true,
        filter: (src) => !src.startsWith(path.join(root, "node_modules", "better-sqlite3", "build")),
      });
    }
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|runtime|dist_url)$/i.test(k)));
    execFileSync(dist.node, [nodeGyp(), "rebuild", "--release", `--nodedir=${dist.dir}`, `--target=${dist.version}`, "--jobs=2"], {
      cwd: path.join(tmp, "node_modules", "better-sqlite3"),
      env,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!existsSync(addon)) {
      rmSync(out, { recursive: true, force: true });
      renameSync(tmp, out);
    }
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`building better-sqlite3 for Node ${dist.version} failed (needs g++, make, python3): ${err.stderr?.toString().slice(-2000) ?? err.message}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  // scripts/test-setup.sh: the pinned Node and the natives for it, before the tests need them.
  const dist = ensureNodeDist();
  const dir = ensureNativeModules(dist);
  console.log(`node v${dist.version}: ${dist.node}\nbetter-sqlite3 for it: ${dir}`);
}
