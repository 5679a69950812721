// The scale half of `npm run bench -- gitsync` (issue 16's targets): a one-object change in a
// 1,000-object Kustomize repository, push to applied and the API writes it cost; and 1,000
// GitRepositories of 4 objects each (Flux's benchmark shape) reconciled from scratch.
import type { Registry } from "prom-client";
import { percentile, type BenchRow } from "./table";
import type { Bench } from "./gitsync-bench";

const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

/** Sum of gitsync_revision_api_writes observations so far. */
async function writesSoFar(metrics: Registry): Promise<number> {
  const text = await metrics.getSingleMetricAsString("gitsync_revision_api_writes");
  const line = text.split("\n").find((l) => l.startsWith("gitsync_revision_api_writes_sum"));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** A 1,000-object Kustomize repository: one ConfigMap changed per commit, pushed through the webhook. */
export async function kustomizeOneChange(b: Bench, metrics: Registry): Promise<BenchRow[]> {
  const n = 1000;
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`base/cm-${i}.yaml`] = cm(`k-${i}`, "0");
  files["base/kustomization.yaml"] = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${Array.from({ length: n }, (_, i) => `  - cm-${i}.yaml`).join("\n")}\n`;
  await b.kustomize.commit(files);
  const first = b.next("default/kustomize", (r) => r.outcome === "Applied" || r.outcome === "Invalid");
  await b.client.create(b.resource, "default", {
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name: "kustomize", namespace: "default" },
    spec: { url: b.kustomize.url, branch: "main", interval: "1h", paths: ["base"], secretRef: { name: "bench" } },
  });
  if ((await first).result.outcome !== "Applied") throw new Error("the Kustomize repository did not apply");
  const latencies: number[] = [];
  const writes: number[] = [];
  for (let i = 1; i <= 15; i++) {
    await b.kustomize.commit({ [`base/cm-${i}.yaml`]: cm(`k-${i}`, String(i)) });
    const before = await writesSoFar(metrics);
    const applied = b.next("default/kustomize", (r) => r.outcome === "Applied");
    const t = performance.now();
    const res = await b.sync.webhook({ method: "POST", url: "/hooks/gitops/default/kustomize", headers: { authorization: `Bearer ${b.token}` }, body: Buffer.from("{}") });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    await applied;
    latencies.push(performance.now() - t);
    writes.push((await writesSoFar(metrics)) - before);
  }
  latencies.sort((a, c) => a - c);
  return [
    { metric: "1-object change in a 1,000-object Kustomize repo, push -> applied, p50", value: percentile(latencies, 50), unit: "ms", target: "<= 500 ms" },
    { metric: "  API writes for it (objects + status), max", value: Math.max(...writes), unit: "writes", target: "<= 3" },
  ];
}

/** 1,000 GitRepositories (one path each of one repository, 4 objects per path) from scratch. */
export async function manyRepositories(b: Bench): Promise<BenchRow[]> {
  const count = Number(process.env.BENCH_GITSYNC_REPOS ?? 1000);
  const files: Record<string, string> = {};
  for (let r = 0; r < count; r++) for (let o = 0; o < 4; o++) files[`tenants/t${r}/cm-${o}.yaml`] = cm(`t${r}-${o}`, "1");
  await b.many.commit(files);
  const done: Array<Promise<unknown>> = [];
  const t = performance.now();
  for (let r = 0; r < count; r++) {
    done.push(b.next(`default/t${r}`, (res) => res.outcome === "Applied" || res.outcome === "Invalid"));
    await b.client.create(b.resource, "default", {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: `t${r}`, namespace: "default" },
      spec: { url: b.many.url, branch: "main", interval: "1h", paths: [`tenants/t${r}`] },
    });
  }
  await Promise.all(done);
  return [{ metric: `${count} GitRepositories x 4 objects reconciled from scratch`, value: (performance.now() - t) / 1000, unit: "s", target: "<= 60 s (Flux: 253 s)" }];
}
