// `npm run build`: what goes onto the GCE VMs.
//   dist/kubelab.mjs                    the whole CLI (server, agent, lab) as one esbuild bundle
//   dist/kubelab-native-modules.tar.gz  better-sqlite3 with its compiled addon, for the master
// The CLI uses top-level await, so the bundle is ESM (.mjs) with a `require` for the CommonJS
// dependencies. better-sqlite3 is a native addon and stays outside the bundle: the tarball holds
// a copy compiled for the VMs' Node (the LTS pinned in infra/gce/vm/install-node.sh; see
// scripts/native.ts), on this machine's glibc (Debian 12, the VMs' OS).
// Optional natives (cpu-features, ssh2's sshcrypto.node) are left out; their loaders fall back
// to JavaScript when they are missing.
import { build, type Plugin } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { NATIVE_PACKAGES, ensureNativeModules } from "./native";


const root = path.resolve(import.meta.dirname, "..");
export const BUNDLE = path.join(root, "dist", "kubelab.mjs");
export const NATIVE_MODULES = path.join(root, "dist", "kubelab-native-modules.tar.gz");

// dockerode's BuildKit session support (gRPC, protobuf) is never used: empty modules.
const UNUSED = /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)(\/.*)?$/;
const stubUnused: Plugin = {
  name: "stub-unused",
  setup(b) {
    b.onResolve({ filter: UNUSED }, (args) => ({ path: args.path, namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

// An external ESM import is hoisted to the top of the bundle and loaded at start, so an agent on a
// worker (no better-sqlite3 there) would fail to start. Each native package is therefore reached
// through a CommonJS shim that requires it when the code importing it first runs: only the
// server's store loads it.
const lazyNatives: Plugin = {
  name: "lazy-natives",
  setup(b) {
    const filter = new RegExp(`^(${NATIVE_PACKAGES.join("|")})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === "lazy-native" ? { path: args.path, external: true } : { path: args.path, namespace: "lazy-native" });
    b.onLoad({ filter: /.*/, namespace: "lazy-native" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

export async function bundle(outfile = BUNDLE): Promise<number> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.join(root, "cmd", "kubelab.ts")],
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
    plugins: [stubUnused, lazyNatives],
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
  return statSync(outfile).size;
}

/** tar.gz of node_modules/<pkg> for each native package, built for the VMs' Node, without build intermediates. */
export function packNativeModules(outfile = NATIVE_MODULES, from = ensureNativeModules()): number {
  mkdirSync(path.dirname(outfile), { recursive: true });
  const files = NATIVE_PACKAGES.flatMap((p) => {
    const dir = `node_modules/${p}`;
    if (p !== "better-sqlite3") return [dir];
    return [`${dir}/package.json`, `${dir}/lib`, `${dir}/LICENSE`, `${dir}/build/Release/better_sqlite3.node`];
  });
  execFileSync("tar", ["-czf", outfile, "--owner=0", "--group=0", "--sort=name", "--mtime=@0", "-C", from, ...files]);
  return statSync(outfile).size;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const bundleSize = await bundle();
  const nativeSize = packNativeModules();
  console.log(`${path.relative(root, BUNDLE)}  ${mb(bundleSize)} (${bundleSize} bytes)`);
  console.log(`${path.relative(root, NATIVE_MODULES)}  ${mb(nativeSize)} (${nativeSize} bytes)`);
}
