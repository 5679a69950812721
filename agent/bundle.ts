// The agent as one file for the workers: an esbuild bundle of agent/main.ts. dockerode's BuildKit
// session support (gRPC, protobuf) is never used by the agent and is replaced by an empty module,
// which keeps the agent's memory small.
import { build, type Plugin } from "esbuild";
import { resolve } from "node:path";

const UNUSED = /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)(\/.*)?$/;

const stubUnused: Plugin = {
  name: "stub-unused",
  setup(b) {
    b.onResolve({ filter: UNUSED }, (args) => ({ path: args.path, namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

export async function bundleAgent(outfile: string): Promise<string> {
  await build({
    entryPoints: [resolve(import.meta.dirname, "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    // ssh2 (docker over ssh) and its native helper are optional in docker-modem.
    external: ["cpu-features", "ssh2"],
    plugins: [stubUnused],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: "error",
  });
  return outfile;
}
