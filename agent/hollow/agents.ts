// runHollowAgents: many simulated nodes in one process (kubemark's hollow kubelets). Each writes
// what a real kubelet writes: it registers its Node, renews its Lease every ~10 s (jittered) and
// posts node status every 5 minutes (the kubelet's nodeStatusReportFrequency), or at its next
// Lease tick when the Node's conditions in the API differ from what it reports (the node lifecycle
// controller marked it Unknown); one shared pod informer for all of them (not a watch per node)
// feeds a work queue that marks each bound pod Running and Ready in one status write, and
// finishes the deletion of pods that are terminating.
import { pino, type Logger } from "pino";
import type { Lease } from "../../api/coordination";
import type { Node, Pod } from "../../api/core";
import {
  ignoreNotFound,
  Informer,
  mapLimit,
  isAlreadyExists,
  isConflict,
  isNotFound,
  keyOf,
  leases as leasesRes,
  nodes as nodesRes,
  pods as podsRes,
  runController,
  WorkQueue,
  type ApiClient,
} from "../../client";
import { DEFAULT_CAPACITY, heartbeatConditions, hollowNode, hollowNodeStatus, indexForName, nodeIPFor, nodeLease, podCIDRFor, type HollowCapacity } from "./node";
import { isRunningAndReady, PodIPAllocator, runningStatus } from "./pod-status";
import { serveHollowStats, type HollowStatsServer } from "./stats";

export interface HollowAgentsOptions {
  client: ApiClient;
  /** One node with this name (count ignored). */
  nodeName?: string;
  /** count nodes named <prefix>-0 .. <prefix>-(count-1) (default prefix "hollow"). */
  nodeNamePrefix?: string;
  count?: number;
  signal: AbortSignal;
  capacity?: Partial<HollowCapacity>;
  labels?: Record<string, string>;
  /** Lease renewal (default 10 s, jittered ±10%). */
  heartbeatIntervalMs?: number;
  /** Node status posting when nothing changed (default 5 min, the kubelet's nodeStatusReportFrequency). */
  nodeStatusIntervalMs?: number;
  /** Index of the first node, for podCIDR numbering (default: derived from the name). */
  firstIndex?: number;
  /** Pod status writes in flight at once (default 32). */
  concurrency?: number;
  /** Serve synthetic usage on /stats/summary, one loopback port per node (stats.ts), for metrics.k8s.io. */
  serveStats?: boolean;
  logger?: Logger;
}

interface HollowNodeState {
  name: string;
  index: number;
  nodeIP: string;
  ips: PodIPAllocator;
  uid?: string;
  lease?: Lease;
  conditions?: NonNullable<Node["status"]>["conditions"];
  timers: NodeJS.Timeout[];
  stats?: HollowStatsServer;
}

export interface HollowAgents {
  nodeNames: string[];
  /** Pods marked Running so far. */
  started(): number;
  /** Stops heartbeats and pod handling (the Nodes stay, and go silent). */
  stop(): Promise<void>;
}

export async function runHollowAgents(opts: HollowAgentsOptions): Promise<HollowAgents> {
  const { client } = opts;
  const logger = (opts.logger ?? pino({ level: "silent" })).child({ component: "hollow" });
  const capacity: HollowCapacity = { ...DEFAULT_CAPACITY, ...opts.capacity };
  const names = opts.nodeName ? [opts.nodeName] : Array.from({ length: opts.count ?? 1 }, (_, i) => `${opts.nodeNamePrefix ?? "hollow"}-${i}`);
  const stopCtl = new AbortController();
  const signal = AbortSignal.any([opts.signal, stopCtl.signal]);
  const nodes = new Map<string, HollowNodeState>();
  const counter = { started: 0 };

  names.forEach((name, i) => {
    const index = opts.firstIndex !== undefined ? opts.firstIndex + i : opts.nodeName ? indexForName(name) : i;
    nodes.set(name, { name, index, nodeIP: nodeIPFor(index), ips: new PodIPAllocator(podCIDRFor(index)), timers: [] });
  });

  // One informer for the pods of all these nodes.
  const informer = new Informer<Pod>({
    client,
    resource: podsRes,
    fieldSelector: names.length === 1 ? `spec.nodeName=${names[0]}` : "spec.nodeName!=",
    pageSize: 1000,
    logger,
  });
  // The Nodes as the API has them, to see when someone else changed their conditions.
  const nodeInformer = new Informer<Node>({ client, resource: nodesRes, labelSelector: "kubelab.io/hollow=true", pageSize: 1000, logger });
  if (opts.serveStats) await startStats(nodes, informer);
  await mapLimit([...nodes.values()], 32, (n) => register(client, n, capacity, opts.labels));
  nodeInformer.start(signal);
  startHeartbeats(client, nodes, nodeInformer, signal, logger, opts.heartbeatIntervalMs ?? 10_000, opts.nodeStatusIntervalMs ?? 300_000);

  const queue = new WorkQueue({ name: "hollow-pods" });
  const seen = (pod: Pod) => {
    const n = nodes.get(pod.spec?.nodeName ?? "");
    if (!n) return;
    if (pod.status?.podIP) n.ips.reserve(pod.status.podIP);
    if (pod.metadata?.deletionTimestamp || !isRunningAndReady(pod)) queue.add(keyOf(pod));
  };
  informer.addEventHandler({
    onAdd: seen,
    onUpdate: (_o, pod) => seen(pod),
    onDelete: (pod) => nodes.get(pod.spec?.nodeName ?? "")?.ips.release(pod.status?.podIP),
  });
  informer.start(signal);
  const sync = async (key: string): Promise<void> => {
    const pod = informer.get(key);
    const n = pod && nodes.get(pod.spec?.nodeName ?? "");
    if (pod && n && (await syncHollowPod(client, n, pod))) counter.started++;
  };
  const done = runController({ name: "hollow-pods", queue, workers: opts.concurrency ?? 32, logger, signal, sync });

  return {
    nodeNames: names,
    started: () => counter.started,
    stop: async () => {
      stopCtl.abort();
      for (const n of nodes.values()) for (const t of n.timers) clearTimeout(t);
      await Promise.all([...nodes.values()].map((n) => n.stats?.close()));
      await done;
    },
  };
}

/**
 * The Lease every ~heartbeatMs and node status every statusMs, each node on its own phase; at a
 * Lease tick, node status at once when the API's conditions differ from the node's own.
 */
function startHeartbeats(client: ApiClient, nodes: Map<string, HollowNodeState>, nodeInformer: Informer<Node>, signal: AbortSignal, logger: Logger, heartbeatMs: number, statusMs: number): void {
  for (const n of nodes.values()) {
    const post = () => void postStatus(client, n).catch((err) => logger.warn({ err, node: n.name }, "node status failed"));
    const leaseLoop = () => {
      if (signal.aborted) return;
      void renewLease(client, n).catch((err) => logger.warn({ err, node: n.name }, "lease renewal failed"));
      if (conditionsDiffer(n.conditions, nodeInformer.get(n.name))) post();
      n.timers[0] = setTimeout(leaseLoop, heartbeatMs * (0.9 + Math.random() * 0.2));
    };
    const statusLoop = () => {
      if (signal.aborted) return;
      post();
      n.timers[1] = setTimeout(statusLoop, statusMs * (0.9 + Math.random() * 0.2));
    };
    n.timers[0] = setTimeout(leaseLoop, Math.random() * heartbeatMs);
    n.timers[1] = setTimeout(statusLoop, statusMs * (0.5 + Math.random() * 0.5));
  }
}

/** One step for one pod of a hollow node; true when it was just reported Running. */
async function syncHollowPod(client: ApiClient, n: HollowNodeState, pod: Pod): Promise<boolean> {
  const ns = pod.metadata?.namespace;
  const name = pod.metadata!.name!;
  if (pod.metadata?.deletionTimestamp) {
    // Graceful deletion: nothing runs, so it is complete at once.
    try {
      await client.delete(podsRes, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    n.ips.release(pod.status?.podIP);
    return false;
  }
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed" || isRunningAndReady(pod)) return false;
  const ip = pod.status?.podIP || n.ips.allocate();
  try {
    await client.patchSubresource(podsRes, ns, name, "status", { status: runningStatus(pod, ip, n.nodeIP, Date.now()) }, "merge");
    return true;
  } catch (err) {
    if (!pod.status?.podIP) n.ips.release(ip);
    ignoreNotFound(err);
    return false;
  }
}

/** Each node's synthetic /stats/summary, answering with the Running pods the informer has for it. */
async function startStats(nodes: Map<string, HollowNodeState>, informer: Informer<Pod>): Promise<void> {
  await mapLimit([...nodes.values()], 32, async (n) => {
    n.stats = await serveHollowStats(n.name, () => informer.list().filter((p) => p.spec?.nodeName === n.name && p.status?.phase === "Running"));
  });
}

async function register(client: ApiClient, n: HollowNodeState, capacity: HollowCapacity, labels: Record<string, string> | undefined): Promise<void> {
  const now = Date.now();
  let node: Node;
  try {
    node = await client.create<Node>(nodesRes, undefined, hollowNode(n.name, { podCIDR: podCIDRFor(n.index), labels }));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    node = await client.get<Node>(nodesRes, undefined, n.name);
    const cidr = node.spec?.podCIDR;
    if (cidr) n.ips = new PodIPAllocator(cidr);
  }
  n.uid = node.metadata?.uid;
  const status = hollowNodeStatus(n.name, n.nodeIP, capacity, now, n.stats?.port);
  const updated = await client.updateStatus<Node>(nodesRes, undefined, { ...node, status });
  n.conditions = updated.status?.conditions;
  await renewLease(client, n);
}

async function renewLease(client: ApiClient, n: HollowNodeState): Promise<void> {
  const fresh = nodeLease(n.name, n.uid, Date.now());
  if (n.lease) {
    try {
      n.lease = await client.update<Lease>(leasesRes, "kube-node-lease", { ...n.lease, spec: fresh.spec });
      return;
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
  try {
    n.lease = await client.create<Lease>(leasesRes, "kube-node-lease", fresh);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const current = await client.get<Lease>(leasesRes, "kube-node-lease", n.name);
    n.lease = await client.update<Lease>(leasesRes, "kube-node-lease", { ...current, spec: fresh.spec });
  }
}

/** The API's Node has a condition status other than the one this node last posted. */
function conditionsDiffer(posted: HollowNodeState["conditions"], live: Node | undefined): boolean {
  if (!live || !posted) return false;
  const liveConditions = live.status?.conditions ?? [];
  return posted.some((c) => liveConditions.find((l) => l.type === c.type)?.status !== c.status);
}

async function postStatus(client: ApiClient, n: HollowNodeState): Promise<void> {
  const conditions = heartbeatConditions(n.conditions, Date.now());
  const updated = await client.patchSubresource<Node>(nodesRes, undefined, n.name, "status", { status: { conditions } }, "merge");
  n.conditions = updated.status?.conditions;
}
