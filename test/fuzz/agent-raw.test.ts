// The raw-socket fuzzer against a real `kubelab agent`'s two listeners (10250 with logs, 10255
// read-only), 20,000 requests each: the agent stays alive, /healthz is ok, its pods are the same
// and no request was answered with a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../../agent/testing";
import { fuzzListener, type FuzzResult } from "./raw-http";
import { runSeeds } from "./seeds";

const REQUESTS = 20_000;
const ADDRESS = "127.0.0.213";

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent({ address: ADDRESS });
}, 60_000);
afterAll(async () => {
  await agent?.cleanup();
});

const PATHS = ["/healthz", "/pods", "/pods/", "/stats/summary", "/metrics", "/containerLogs/default/nope/app", "/containerLogs/kube-system/static-x/c", "/containerLogs/", "/"];

function summary(r: FuzzResult): string {
  return [...r.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(" ");
}

describe("agent listeners under a raw-socket fuzzer", () => {
  it.each([["10250 (authenticated port)", "port"], ["10255 (read-only port)", "readOnlyPort"]] as const)("answers 20,000 malformed requests on %s without a crash or a 5xx", async (_name, which) => {
    const port = agent[which];
    const pods = JSON.stringify(await agent.pods());
    const seeds = runSeeds();
    for (const seed of seeds) {
      const r = await fuzzListener({ host: ADDRESS, port, paths: PATHS }, { seed, count: Math.ceil(REQUESTS / seeds.length) });
      const where = `seed ${seed} (replay: FUZZ_SEED=${seed}); statuses ${summary(r)}`;
      console.log(`agent :${port} fuzz: ${where}`);
      expect(r.serverErrors, where).toEqual([]);
      process.kill(agent.pid(), 0);
      expect((await fetch(`http://${ADDRESS}:${port}/healthz`)).status, where).toBe(200);
    }
    expect(JSON.stringify(await agent.pods())).toBe(pods);
  }, 120_000);
});
