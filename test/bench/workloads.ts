// `npm run bench -- workloads`: the workload targets against real server processes.
// - 1,000 Jobs of one pod each, completed on hollow nodes (<= 60 s): the server's Job controller
//   and scheduler, hollow nodes in this process that report each pod Running, and here the part
//   a container would play: a pod that runs exits 0 (status Succeeded, as the kubelet reports it).
// - the 500 KB CRD applied and served, and a custom resource create against a ConfigMap create:
//   ./crd.ts's rows.
// - the StatefulSet of 100 (./workloads-statefulset.ts, the StatefulSet's own bench).
// Every table carries the load average, since the machine is shared.
import { loadavg } from "node:os";
import type { Job } from "../../api/batch";
import { jobs as jobsRes } from "../../api/batch-resources";
import type { Pod } from "../../api/core";
import { rfc3339 } from "../../api/time";
import { Informer, RestClient, pods as podsRes, type ApiClient } from "../../client";
import { runHollowAgents } from "../../agent/hollow";
import { startTestServer } from "../fixtures/server";
import { benchCrd } from "./crd";
import { benchStatefulSet } from "./workloads-statefulset";
import type { BenchRow } from "./table";

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const NODES = Number(process.env.BENCH_JOB_NODES ?? 20);

const job = (i: number): Job =>
  ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `once-${i}`, namespace: "default" },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "task", image: "kubelab/busybox", resources: { requests: { cpu: "1m", memory: "1Mi" } } }] } },
    },
  }) as unknown as Job;

/** What the kubelet reports when a pod's only container exited 0. */
function succeeded(pod: Pod): Record<string, unknown> {
  const now = rfc3339(Date.now());
  const started = pod.status?.startTime ?? now;
  const cond = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: now });
  return {
    status: {
      phase: "Succeeded",
      conditions: [cond("Initialized", "True"), cond("Ready", "False"), cond("ContainersReady", "False"), cond("PodScheduled", "True")],
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        ready: false,
        restartCount: 0,
        image: c.image,
        imageID: `hollow://${c.image}`,
        state: { terminated: { exitCode: 0, reason: "Completed", startedAt: started, finishedAt: now } },
      })),
    },
  };
}

async function inParallel(n: number, workers: number, each: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let i = next++; i < n; i = next++) await each(i);
  }));
}

/** When the n-th pod was first seen created, bound, Running and Succeeded (ms since t0). */
interface Milestones { created: number[]; bound: number[]; running: number[]; succeeded: number[] }

/** Completes every Running job pod (once) until signal aborts, noting when pods got where. */
function completeRunningPods(client: ApiClient, signal: AbortSignal, t0: () => number): Milestones {
  const m: Milestones = { created: [], bound: [], running: [], succeeded: [] };
  const seen = { created: new Set<string>(), bound: new Set<string>(), running: new Set<string>(), succeeded: new Set<string>() };
  const note = (pod: Pod) => {
    const uid = pod.metadata!.uid!;
    const at = performance.now() - t0();
    const mark = (k: keyof Milestones, yes: boolean) => {
      if (yes && !seen[k].has(uid)) {
        seen[k].add(uid);
        m[k].push(at);
      }
    };
    mark("created", true);
    mark("bound", Boolean(pod.spec?.nodeName));
    mark("running", pod.status?.phase === "Running" || pod.status?.phase === "Succeeded");
    mark("succeeded", pod.status?.phase === "Succeeded");
  };
  const informer = new Informer<Pod>({ client, resource: podsRes, namespace: "default", pageSize: 500 });
  const done = new Set<string>();
  const queue: Pod[] = [];
  let active = 0;
  const pump = () => {
    while (active < 16 && queue.length > 0) {
      const pod = queue.shift()!;
      active++;
      void client
        .patchSubresource(podsRes, "default", pod.metadata!.name!, "status", succeeded(pod), "merge")
        .catch(() => done.delete(pod.metadata!.uid!))
        .finally(() => {
          active--;
          pump();
        });
    }
  };
  const consider = (pod: Pod) => {
    note(pod);
    if (pod.status?.phase !== "Running" || done.has(pod.metadata!.uid!)) return;
    done.add(pod.metadata!.uid!);
    queue.push(pod);
    pump();
  };
  informer.addEventHandler({ onAdd: consider, onUpdate: (_o, p) => consider(p) });
  informer.start(signal);
  return m;
}

async function benchJobs(): Promise<BenchRow[]> {
  const server = await startTestServer();
  const client = RestClient.fromKubeconfig(server.kubeconfig);
  const stop = new AbortController();
  try {
    await runHollowAgents({ client, nodeNamePrefix: "job-hollow", count: NODES, signal: stop.signal, concurrency: 32 });
    let t0 = performance.now();
    const milestones = completeRunningPods(client, stop.signal, () => t0);
    const jobs = new Informer<Job>({ client, resource: jobsRes, namespace: "default", pageSize: 500 });
    const complete = new Set<string>();
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const check = (j: Job) => {
      if (j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True")) complete.add(j.metadata!.name!);
      if (complete.size >= JOBS) resolveAll();
    };
    jobs.addEventHandler({ onAdd: check, onUpdate: (_o, j) => check(j) });
    jobs.start(stop.signal);
    await jobs.waitForSync(stop.signal);

    t0 = performance.now();
    await inParallel(JOBS, 16, (i) => client.create(jobsRes, "default", job(i)));
    const created = performance.now() - t0;
    const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`only ${complete.size} of ${JOBS} Jobs Complete after 180 s`)), 180_000).unref());
    await Promise.race([all, timeout]);
    const total = performance.now() - t0;
    const last = (k: keyof Milestones) => (milestones[k].at(-1) ?? NaN) / 1000;
    return [
      { metric: `${JOBS} Jobs created (16 clients)`, value: created / 1000, unit: "s", target: "(info)" },
      ...(["created", "bound", "running", "succeeded"] as const).map((k) => ({ metric: `  the last pod ${k}`, value: last(k), unit: "s", target: "(info)" })),
      { metric: `${JOBS} Jobs of one pod each Complete on ${NODES} hollow nodes (from the first create)`, value: total / 1000, unit: "s", target: "<= 60 s" },
    ];
  } finally {
    stop.abort();
    await server.stop();
  }
}

const load = (): BenchRow => ({ metric: "load average (1 min) of the machine", value: Number(loadavg()[0]!.toFixed(2)), unit: "", target: "(info; 2 cores)" });

/** BENCH_WORKLOADS=jobs,crd,sts picks parts (default: all). */
export async function benchWorkloads(): Promise<BenchRow[]> {
  const parts = (process.env.BENCH_WORKLOADS ?? "jobs,crd,sts").split(",");
  const rows: BenchRow[] = [load()];
  if (parts.includes("jobs")) rows.push(...(await benchJobs()), load());
  if (parts.includes("crd")) rows.push(...(await benchCrd()), load());
  if (parts.includes("sts")) rows.push(...(await benchStatefulSet()), load());
  return rows;
}
