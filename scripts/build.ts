// `npm run build`: what goes onto the GCE VMs.
//   dist/kubelab.mjs                    the whole CLI (server, agent, lab) as one esbuild bundle
//   dist/kubelab-agent.mjs              the CLI with the agent alone (cmd/kubelab-agent.ts): what
//                                       workers run, installed there as kubelab.mjs
//   dist/kubelab-native-modules.tar.gz  what the master's server loads from node_modules beside
//                                       the bundle: better-sqlite3 with its compiled addon, and
//                                       etcd3 with gRPC (SHIPPED_PACKAGES and all they need)
// The CLI uses top-level await, so the bundle is ESM (.mjs) with a `require` for the CommonJS
// dependencies. better-sqlite3 is a native addon and stays outside the bundle: the tarball holds
// a copy compiled for the VMs' Node (the LTS pinned in infra/gce/vm/install-node.sh; see
// scripts/native.ts), on this machine's glibc (Debian 12, the VMs' OS).
// etcd3 reads its .proto files from its own folder when it loads, so it cannot be bundled either:
// the etcd store's packages ship unchanged, as real node_modules, in the same tarball.
// Optional natives (cpu-features, ssh2's sshcrypto.node) are left out; their loaders fall back
// to JavaScript when they are missing.
import { build, type Plugin } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { NATIVE_PACKAGES, ensureNativeModules } from "./native";


const root = path.resolve(import.meta.dirname, "..");
export const BUNDLE = path.join(root, "dist", "kubelab.mjs");
export const AGENT_BUNDLE = path.join(root, "dist", "kubelab-agent.mjs");
/** The entry of each bundle. */
export const ENTRIES = { cli: path.join(root, "cmd", "kubelab.ts"), agent: path.join(root, "cmd", "kubelab-agent.ts") };
export const NATIVE_MODULES = path.join(root, "dist", "kubelab-native-modules.tar.gz");

/**
 * The packages kubelab's own code imports for the etcd store (controlplane/storage/etcd*.ts).
 * etcd3 loads rpc.proto from its folder at load time, and the store must share etcd3's gRPC;
 * they stay outside the bundle and ship beside it with every package they need.
 */
export const SHIPPED_PACKAGES = ["etcd3", "@grpc/grpc-js", "cockatiel"];

const fromNodeModules = (importer: string) => importer.includes(`${path.sep}node_modules${path.sep}`);

// dockerode's BuildKit session support (gRPC, protobuf) and docker-modem's ssh:// transport
// (ssh2, which allocates a 16 MB buffer at load) are never used, the agent speaks to the local
// socket: empty modules there (the etcd store's gRPC is the shipped one, reached through lazyExternals).
const UNUSED = /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs|ssh2)(\/.*)?$/;
const stubUnused: Plugin = {
  name: "stub-unused",
  setup(b) {
    b.onResolve({ filter: UNUSED }, (args) => ({ path: args.path, namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

// An external ESM import is hoisted to the top of the bundle and loaded at start, so an agent on a
// worker (no better-sqlite3 or etcd3 there) would fail to start. Each external package is
// therefore reached through a CommonJS shim that requires it when the code importing it first
// runs: only the server's store loads them (etcd3 only with --store etcd).
const lazyExternals: Plugin = {
  name: "lazy-externals",
  setup(b) {
    const filter = new RegExp(`^(${[...NATIVE_PACKAGES, ...SHIPPED_PACKAGES].map((p) => p.replace("/", "\\/")).join("|")})$`);
    b.onResolve({ filter }, (args) => {
      if (args.namespace === "lazy-native") return { path: args.path, external: true };
      // A bundled package's own import (dockerode's gRPC) is not the store's: stubUnused takes it.
      if (!NATIVE_PACKAGES.includes(args.path) && fromNodeModules(args.importer)) return undefined;
      return { path: args.path, namespace: "lazy-native" };
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-native" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

export async function bundle(outfile = BUNDLE, entry = ENTRIES.cli): Promise<number> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    // The lowest Node of package.json's engines: the same bundle runs the local lab on this
    // machine's Node and the VMs on the pinned LTS (scripts/build.test.ts runs it there).
    target: "node20.19",
    outfile,
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: "linked",
    external: ["cpu-features", "*.node"],
    plugins: [lazyExternals, stubUnused],
    banner: {
      js: [
        "#!/usr/bin/env node",
        "import { createRequire as __kubelabRequire } from 'node:module';",
        "import { fileURLToPath as __kubelabPath } from 'node:url';",
        "const require = __kubelabRequire(import.meta.url);",
        "const __filename = __kubelabPath(import.meta.url);",
        "const __dirname = __kubelabPath(new URL('.', import.meta.url));",
      ].join("\n"),
    },
    logLevel: "warning",
  });
  asciiOnly(outfile);
  return statSync(outfile).size;
}

/**
 * esbuild escapes non-ASCII text except in some regular expression literals (one character in a
 * dependency's regex): V8 then holds the whole 4 MB source as a two-byte string, 5 MB more heap in
 * every process. Each such character becomes a \u escape, which means the same in strings,
 * regular expressions, template literals and identifiers.
 */
function asciiOnly(file: string): void {
  const text = readFileSync(file, "utf8");
  if (!/[^\x00-\x7f]/.test(text)) return;
  writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** The folder of package `name` as Node resolves it from the package folder `from` (nested first). */
function resolvePackage(name: string, from: string): string {
  for (let d = from; d.startsWith(root); d = path.dirname(d)) {
    const dir = path.join(d, "node_modules", name);
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  throw new Error(`${name} (needed by ${path.relative(root, from) || "kubelab"}) is not installed: run npm ci`);
}

/**
 * node_modules paths (relative to the tree) of SHIPPED_PACKAGES and everything they depend on,
 * in the tree's own layout (nested copies stay nested); type-only packages (@types/*) are left out.
 */
export function shippedModulePaths(): string[] {
  const found = new Set<string>();
  const visit = (name: string, from: string) => {
    if (name.startsWith("@types/")) return;
    const dir = resolvePackage(name, from);
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir);
  };
  for (const p of SHIPPED_PACKAGES) visit(p, root);
  const dirs = [...found].map((d) => path.relative(root, d)).sort();
  // A nested copy is inside its parent's folder, which the archive holds whole.
  return dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}${path.sep}`)));
}

/**
 * tar.gz of node_modules/ for the master: each native package built for the VMs' Node without
 * build intermediates, and the shipped packages as installed here (no source maps or .d.ts).
 */
export function packNativeModules(outfile = NATIVE_MODULES, from = ensureNativeModules()): number {
  mkdirSync(path.dirname(outfile), { recursive: true });
  const files = NATIVE_PACKAGES.flatMap((p) => {
    const dir = `node_modules/${p}`;
    if (p !== "better-sqlite3") return [dir];
    return [`${dir}/package.json`, `${dir}/lib`, `${dir}/LICENSE`, `${dir}/build/Release/better_sqlite3.node`];
  });
  execFileSync("tar", [
    "-czf", outfile, "--owner=0", "--group=0", "--sort=name", "--mtime=@0", "--exclude=*.map", "--exclude=*.d.ts",
    "-C", from, ...files, "-C", root, ...shippedModulePaths(),
  ]);
  return statSync(outfile).size;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const bundleSize = await bundle();
  const agentSize = await bundle(AGENT_BUNDLE, ENTRIES.agent);
  const nativeSize = packNativeModules();
  console.log(`${path.relative(root, BUNDLE)}  ${mb(bundleSize)} (${bundleSize} bytes)`);
  console.log(`${path.relative(root, AGENT_BUNDLE)}  ${mb(agentSize)} (${agentSize} bytes)`);
  console.log(`${path.relative(root, NATIVE_MODULES)}  ${mb(nativeSize)} (${nativeSize} bytes)`);
}
