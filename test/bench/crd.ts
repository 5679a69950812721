// `npm run bench -- crd`: a CRD of the size real projects ship (a 500 KB schema, applied with
// `kubectl apply --server-side` as their docs say) until its resource is served, and what a
// custom resource create costs next to a ConfigMap create, against a real server process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { kubectlFor } from "../fixtures/kubectl";
import { startTestServer } from "../fixtures/server";
import { bigCrd } from "./crd-schema";
import type { BenchRow } from "./table";

type Fetch = (url: string, init?: Record<string, unknown>) => ReturnType<typeof undiciFetch>;

/** Mean latency of `total` POSTs of body(i) with 16 concurrent clients, in ms. */
async function createLatency(fetch: Fetch, url: string, total: number, body: (i: number) => unknown): Promise<number> {
  let next = 0;
  let sum = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t = performance.now();
      const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body(i)) });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
      sum += performance.now() - t;
    }
  }));
  return sum / total;
}

export async function benchCrd(): Promise<BenchRow[]> {
  const server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const kubectl = kubectlFor(server.kubeconfig);
  const dispatcher = new Agent({ connections: 32 });
  const fetch: Fetch = (url, init = {}) => undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);
  const rows: BenchRow[] = [];
  try {
    const crd = bigCrd(500_000);
    const file = join(mkdtempSync(join(tmpdir(), "kubelab-bench-crd-")), "big-crd.json");
    writeFileSync(file, JSON.stringify(crd));
    const bigs = `${server.url}/apis/bench.kubelab.io/v1/namespaces/default/bigs`;
    const big = (name: string) => ({ apiVersion: "bench.kubelab.io/v1", kind: "Big", metadata: { name }, spec: { replicas: 2, section1: { field1: true, field2: ["a", "b"], field3: "50%", field0: { field1: false } } } });

    // 1. Applied (kubectl apply --server-side) and served: until a custom resource is created.
    const t0 = performance.now();
    await kubectl.ok(["apply", "--server-side", "-f", file]);
    for (;;) {
      const res = await fetch(bigs, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(big("first")) });
      await res.arrayBuffer();
      if (res.status === 201) break;
      if (performance.now() - t0 > 30_000) throw new Error(`the CRD was not served in 30 s (last status ${res.status})`);
    }
    rows.push({ metric: `CRD of ${Math.round(JSON.stringify(crd).length / 1000)} KB applied (server-side) and served`, value: performance.now() - t0, unit: "ms", target: "<= 2000 ms" });
    const t1 = performance.now();
    await kubectl.ok(["explain", "bigs.spec.section1"]);
    rows.push({ metric: "kubectl explain of it (OpenAPI v3 built on first read)", value: performance.now() - t1, unit: "ms", target: "(info)" });

    // 2. Creates: custom resources of that CRD against ConfigMaps, same clients, same count.
    const total = Number(process.env.BENCH_CRD_CREATES ?? 2000);
    const cm = (i: number) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}` }, data: { replicas: "2", field: "x" } });
    await createLatency(fetch, `${server.url}/api/v1/namespaces/default/configmaps`, 200, (i) => cm(100_000 + i)); // warm-up
    await createLatency(fetch, bigs, 200, (i) => big(`warm-${i}`));
    // Interleaved rounds, so that load from elsewhere on the machine falls on both alike.
    let cmMs = 0;
    let crMs = 0;
    for (let round = 0; round < 4; round++) {
      cmMs += (await createLatency(fetch, `${server.url}/api/v1/namespaces/default/configmaps`, total / 4, (i) => cm(round * total + i))) / 4;
      crMs += (await createLatency(fetch, bigs, total / 4, (i) => big(`big-${round}-${i}`))) / 4;
    }
    rows.push({ metric: `ConfigMap create, mean of ${total} (16 clients)`, value: cmMs, unit: "ms", target: "(info)" });
    rows.push({ metric: `custom resource create, mean of ${total} (16 clients)`, value: crMs, unit: "ms", target: "(info)" });
    rows.push({ metric: "custom resource create / ConfigMap create", value: crMs / cmMs, unit: "x", target: "<= 1.5x" });
  } finally {
    await dispatcher.close();
    await server.stop();
  }
  return rows;
}
