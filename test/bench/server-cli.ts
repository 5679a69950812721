// How the benchmarks run the server: as the master VMs and the local lab run it, from the esbuild
// bundle (`npm run build`'s dist/kubelab.mjs, built afresh into .kubelab/bench once per bench run),
// not the sources through tsx, whose loader thread and on-the-fly transforms cost the server CPU
// and memory no user's server spends. BENCH_SERVER_CLI=bin/kubelab.mjs runs the sources, as the
// tests do (a CPU profile then names source files, not the bundle).
import { join } from "node:path";
import { bundle, ENTRIES } from "../../scripts/build";
import { REPO_ROOT } from "../fixtures/server";

let built: Promise<string> | undefined;

/** startTestServer's `cli` for a benchmark's server. */
export function benchServerCli(): Promise<string> {
  const chosen = process.env.BENCH_SERVER_CLI;
  built ??= chosen
    ? Promise.resolve(join(REPO_ROOT, chosen))
    : (async () => {
        const file = join(REPO_ROOT, ".kubelab/bench/kubelab.mjs");
        await bundle(file, ENTRIES.cli);
        return file;
      })();
  return built;
}
