// `npm run bench -- api`: the API server under load from this machine (loopback only), against a
// real server process with the SQLite store and no controllers.
import { Agent, fetch as undiciFetch } from "undici";
import { startTestServer } from "../fixtures/server";
import { loadavg } from "node:os";
import { readFileSync } from "node:fs";
import { percentile, rssMb, type BenchRow } from "./table";

/** User plus system CPU time of a process so far, in ms (from /proc; NaN when unreadable). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "bench", shard: String(name.length % 4) } },
  spec: { containers: [{ name: "web", image: "kubelab/web:1", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
});

export async function benchApi(): Promise<BenchRow[]> {
  const server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  // undici's own fetch with its pooled Agent (Node's built-in fetch cannot take this Agent).
  const fetch = (url: string, init: Record<string, unknown> = {}) => undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);
  const base = `${server.url}/api/v1/namespaces/default/pods`;
  const json = { "Content-Type": "application/json" };
  const rows: BenchRow[] = [];
  try {
    // 1. Creates with 16 concurrent clients, reads measured alongside.
    const total = Number(process.env.BENCH_API_PODS ?? 10_000);
    const writeLat: number[] = [];
    const readLat: number[] = [];
    let next = 0;
    let writing = true;
    const started = performance.now();
    const cpuBefore = cpuMs(server.pid());
    const writers = Array.from({ length: 16 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        const res = await fetch(base, { method: "POST", headers: json, body: JSON.stringify(pod(`bench-${i}`)) });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
        writeLat.push(performance.now() - t);
      }
    });
    const readers = Array.from({ length: 2 }, async () => {
      while (writing) {
        const i = Math.floor(Math.random() * Math.max(1, next - 32));
        const t = performance.now();
        const res = await fetch(`${base}/bench-${i}`, {});
        await res.arrayBuffer();
        if (res.status === 200) readLat.push(performance.now() - t);
      }
    });
    await Promise.all(writers);
    const elapsed = (performance.now() - started) / 1000;
    const cpuPerCreate = (cpuMs(server.pid()) - cpuBefore) / total;
    writing = false;
    await Promise.all(readers);
    writeLat.sort((a, b) => a - b);
    readLat.sort((a, b) => a - b);
    rows.push({ metric: "pod creates/s (16 clients)", value: total / elapsed, unit: "/s", target: ">= 1000/s" });
    rows.push({ metric: "create p99 under that load", value: percentile(writeLat, 99), unit: "ms", target: "<= 20 ms" });
    rows.push({ metric: "get p99 under that load", value: percentile(readLat, 99), unit: "ms", target: "<= 5 ms" });
    // The server's own CPU time per create (the reads alongside included): comparable across runs
    // even when other work on the machine stretches the wall-clock figures.
    rows.push({ metric: "server CPU per create (incl. reads)", value: cpuPerCreate, unit: "ms", target: "(info)" });

    // 2. List all 10,000 pods.
    const listTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const res = await fetch(base, {});
      const body = (await res.json()) as { items: unknown[] };
      if (body.items.length !== total) throw new Error(`list returned ${body.items.length}`);
      listTimes.push(performance.now() - t);
    }
    listTimes.sort((a, b) => a - b);
    rows.push({ metric: `list ${total} pods (median of 5)`, value: percentile(listTimes, 50), unit: "ms", target: "<= 300 ms" });
    rows.push({ metric: `server RSS with ${total} pods`, value: rssMb(server.pid()), unit: "MB", target: "<= 250 MB" });

    // 3. One change reaching 100 watchers.
    const watchers = 100;
    const arrivals: number[] = [];
    let sentAt = 0;
    const controllers: AbortController[] = [];
    const ready: Promise<void>[] = [];
    const rv = ((await (await fetch(`${base}?limit=1`, {})).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    for (let w = 0; w < watchers; w++) {
      const ac = new AbortController();
      controllers.push(ac);
      ready.push(
        fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, { signal: ac.signal }).then((res) => {
          const reader = res.body!.getReader();
          void (async () => {
            try {
              for (;;) {
                const { done } = await reader.read();
                if (done) return;
                arrivals.push(performance.now() - sentAt);
              }
            } catch {
              // aborted
            }
          })();
        }),
      );
    }
    await Promise.all(ready);
    const changes = 20;
    for (let c = 0; c < changes; c++) {
      const before = arrivals.length;
      sentAt = performance.now();
      const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `fanout-${c}` }, data: { n: String(c) } }),
      });
      await res.arrayBuffer();
      const deadline = performance.now() + 5000;
      while (arrivals.length < before + watchers && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    }
    for (const ac of controllers) ac.abort();
    arrivals.sort((a, b) => a - b);
    rows.push({ metric: `change to 100 watchers p99 (${changes} changes)`, value: percentile(arrivals, 99), unit: "ms", target: "<= 50 ms" });
    rows.push({ metric: "load average (1 min) at the end", value: loadavg()[0], unit: "", target: "(info)" });
  } finally {
    await dispatcher.close();
    await server.stop();
  }
  return rows;
}
