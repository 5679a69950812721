// How the benchmarks run the server and the agent: as the master VMs, the workers and the local lab
// run them, from the esbuild bundles (`npm run build`'s dist/kubelab.mjs and dist/kubelab-agent.mjs,
// built afresh into .kubelab/bench once per bench run), not the sources through tsx, whose loader
// thread and on-the-fly transforms cost CPU and memory no user's process spends.
// BENCH_SERVER_CLI / BENCH_AGENT_CLI=<file> runs another build or bin/kubelab.mjs, the sources as
// the tests run them (a CPU profile then names source files, not the bundle's one). The server
// also gets a master's node flags and environment (benchServer below), as the agent bench gives
// its agent a worker's (agent/node-flags.ts).
import { resolve } from "node:path";
import { bundle, ENTRIES } from "../../scripts/build";
import { SERVER_ENVIRONMENT, SERVER_NODE_FLAGS } from "../../controlplane/node-flags";
import { REPO_ROOT } from "../fixtures/server";

const built = new Map<string, Promise<string>>();

/** The file `chosen` names (relative to the tree), else `entry` bundled into .kubelab/bench/`name`, once per run. */
function benchCli(chosen: string | undefined, name: string, entry: string): Promise<string> {
  if (chosen) return Promise.resolve(resolve(REPO_ROOT, chosen));
  let file = built.get(name);
  if (!file) {
    const out = resolve(REPO_ROOT, ".kubelab/bench", name);
    file = bundle(out, entry).then(() => out);
    built.set(name, file);
  }
  return file;
}

/** startTestServer's `cli` for a benchmark's server. */
const benchServerCli = () => benchCli(process.env.BENCH_SERVER_CLI, "kubelab.mjs", ENTRIES.cli);

/** startTestAgent's `cli` for a benchmark's agent. */
export const benchAgentCli = () => benchCli(process.env.BENCH_AGENT_CLI, "kubelab-agent.mjs", ENTRIES.agent);

/**
 * How a benchmark starts its server: from the bundle, with the node flags and environment a master
 * VM runs it with (controlplane/node-flags.ts); spread into startTestServer's options.
 * BENCH_SERVER_NODE_ARGS="<flags>" replaces the flags ("": none), and a variable of that
 * environment set for the bench (MALLOC_ARENA_MAX=8, say) replaces its value.
 */
export async function benchServer(): Promise<{ cli: string; nodeArgs: string[]; env: Record<string, string> }> {
  const flags = process.env.BENCH_SERVER_NODE_ARGS;
  const nodeArgs = flags === undefined ? [...SERVER_NODE_FLAGS] : flags.split(" ").filter(Boolean);
  const env = Object.fromEntries(Object.entries(SERVER_ENVIRONMENT).map(([k, v]) => [k, process.env[k] ?? v]));
  return { cli: await benchServerCli(), nodeArgs, env };
}
