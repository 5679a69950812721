// The StatefulSet row of `npm run bench -- workloads`: an OrderedReady StatefulSet of 100 replicas
// on hollow nodes (in this process), against a real server process with its controllers and
// scheduler, from create to every pod Running and Ready; then a rolling update of all of them.
// OrderedReady makes this a chain of 100 create -> schedule -> Running -> Ready -> next create
// round trips, so it measures the controller's reaction time per pod.
import type { StatefulSet } from "../../api/apps-statefulset";
import type { Pod } from "../../api/core";
import { RestClient, pods as podsRes, statefulsets as stsRes } from "../../client";
import { runHollowAgents } from "../../agent/hollow";
import { startTestServer } from "../fixtures/server";
import type { BenchRow } from "./table";

const REPLICAS = Number(process.env.BENCH_STS_REPLICAS ?? 100);
const NODES = Number(process.env.BENCH_STS_NODES ?? 10);

const statefulSet = (image: string): StatefulSet =>
  ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "pets", namespace: "default" },
    spec: {
      replicas: REPLICAS,
      serviceName: "pets",
      selector: { matchLabels: { app: "pets" } },
      template: { metadata: { labels: { app: "pets" } }, spec: { containers: [{ name: "web", image, resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
    },
  }) as unknown as StatefulSet;

async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function benchStatefulSet(): Promise<BenchRow[]> {
  const server = await startTestServer();
  const client = RestClient.fromKubeconfig(server.kubeconfig);
  const stop = new AbortController();
  const rows: BenchRow[] = [];
  try {
    await runHollowAgents({ client, nodeNamePrefix: "sts-hollow", count: NODES, signal: stop.signal, concurrency: 32 });
    const ready = async (image: string) => {
      const list = await client.list<Pod>(podsRes, "default", { labelSelector: "app=pets" });
      const sts = await client.get<StatefulSet>(stsRes, "default", "pets");
      const ok = list.items.filter((p) => p.status?.phase === "Running" && p.spec?.containers[0]?.image === image && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") && !p.metadata.deletionTimestamp);
      return ok.length === REPLICAS && sts.status?.readyReplicas === REPLICAS && sts.status.updatedReplicas === REPLICAS;
    };
    const t0 = performance.now();
    await client.create(stsRes, "default", statefulSet("kubelab/web:1"));
    await waitFor(`${REPLICAS} pods Running and Ready`, 120_000, () => ready("kubelab/web:1"));
    rows.push({ metric: `StatefulSet of ${REPLICAS} replicas (OrderedReady) on ${NODES} hollow nodes Running`, value: (performance.now() - t0) / 1000, unit: "s", target: "<= 60 s" });
    const t1 = performance.now();
    await client.patch(stsRes, "default", "pets", { spec: { template: { spec: { containers: [{ name: "web", image: "kubelab/web:2" }] } } } }, "strategic");
    await waitFor("the rolling update", 120_000, () => ready("kubelab/web:2"));
    rows.push({ metric: `its rolling update (reverse ordinal order, one pod at a time)`, value: (performance.now() - t1) / 1000, unit: "s", target: "-" });
  } finally {
    stop.abort();
    await server.stop();
  }
  return rows;
}
