// The metrics store, as metrics-server's storage keeps it: for every node and every container the
// last two cumulative samples (CPU core-nanoseconds, memory working set, each with the time it was
// read). A point is served only once two samples of the same counter exist: CPU usage is the
// rate between them (usageNanoCores over the window), memory the last working set. A counter that
// went backwards (a restarted container) starts over from its new sample. Pure: the scraper feeds
// it, the API answers from it.

export interface CumulativeSample {
  /** When the agent read the counters (ms since the epoch). */
  timeMs: number;
  /** CPU time used since start, in core-nanoseconds. */
  cpuNs: number;
  memoryBytes: number;
}

export interface UsagePoint {
  timestampMs: number;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface ContainerPoint extends UsagePoint {
  name: string;
}

export interface PodPoint {
  namespace: string;
  name: string;
  timestampMs: number;
  windowMs: number;
  containers: ContainerPoint[];
}

/** What one scrape of one node brought. */
export interface NodeBatch {
  node: string;
  sample?: CumulativeSample;
  pods: Array<{ namespace: string; name: string; containers: Array<{ name: string; sample: CumulativeSample }> }>;
}

interface SamplePair {
  prev?: CumulativeSample;
  last: CumulativeSample;
}

/** The pair after a new sample: the same sample again changes nothing; a reset starts over. */
function advance(pair: SamplePair | undefined, s: CumulativeSample): SamplePair {
  if (!pair) return { last: s };
  if (s.timeMs <= pair.last.timeMs) return pair;
  if (s.cpuNs < pair.last.cpuNs) return { last: s };
  return { prev: pair.last, last: s };
}

function point(pair: SamplePair | undefined): UsagePoint | undefined {
  if (!pair?.prev) return undefined;
  const windowMs = pair.last.timeMs - pair.prev.timeMs;
  if (windowMs <= 0) return undefined;
  return {
    timestampMs: pair.last.timeMs,
    windowMs,
    cpuNanoCores: ((pair.last.cpuNs - pair.prev.cpuNs) / windowMs) * 1e3,
    memoryBytes: pair.last.memoryBytes,
  };
}

const podKey = (ns: string, name: string) => `${ns}/${name}`;

export class MetricsStore {
  private readonly nodes = new Map<string, SamplePair>();
  /** The labels of the nodes last listed, so a NodeMetrics list needs no read of the Nodes. */
  private readonly nodeLabels = new Map<string, Record<string, string>>();
  /** node -> pod key -> container -> samples: a node's scrape replaces its pods. */
  private readonly podsByNode = new Map<string, Map<string, { namespace: string; name: string; containers: Map<string, SamplePair> }>>();

  /** One node's scrape: its own counters and its pods' (pods it no longer reports are dropped). */
  store(batch: NodeBatch): void {
    if (batch.sample) this.nodes.set(batch.node, advance(this.nodes.get(batch.node), batch.sample));
    const before = this.podsByNode.get(batch.node);
    const after = new Map<string, { namespace: string; name: string; containers: Map<string, SamplePair> }>();
    for (const pod of batch.pods) {
      const key = podKey(pod.namespace, pod.name);
      const old = before?.get(key)?.containers;
      const containers = new Map<string, SamplePair>();
      for (const c of pod.containers) containers.set(c.name, advance(old?.get(c.name), c.sample));
      after.set(key, { namespace: pod.namespace, name: pod.name, containers });
    }
    this.podsByNode.set(batch.node, after);
  }

  /** The Ready nodes, with their labels: the others are forgotten. */
  retainNodes(nodes: Map<string, Record<string, string>>): void {
    for (const n of [...this.nodes.keys()]) if (!nodes.has(n)) this.nodes.delete(n);
    for (const n of [...this.podsByNode.keys()]) if (!nodes.has(n)) this.podsByNode.delete(n);
    this.nodeLabels.clear();
    for (const [n, labels] of nodes) this.nodeLabels.set(n, labels);
  }

  /** Every node with a point, with its labels, by name. */
  nodePoints(): Array<{ name: string; labels: Record<string, string>; point: UsagePoint }> {
    const out: Array<{ name: string; labels: Record<string, string>; point: UsagePoint }> = [];
    for (const [name, labels] of this.nodeLabels) {
      const p = this.node(name);
      if (p) out.push({ name, labels, point: p });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  node(name: string): UsagePoint | undefined {
    return point(this.nodes.get(name));
  }

  /**
   * A pod's point: every container it reports with a point; none at all while any container
   * has only one sample (metrics-server serves a pod only when its containers all have one).
   */
  pod(namespace: string, name: string): PodPoint | undefined {
    const key = podKey(namespace, name);
    for (const pods of this.podsByNode.values()) {
      const p = pods.get(key);
      if (p) return podPoint(p.namespace, p.name, p.containers);
    }
    return undefined;
  }

  /** Every pod with a point, optionally of one namespace. */
  pods(namespace?: string): PodPoint[] {
    const out: PodPoint[] = [];
    for (const pods of this.podsByNode.values()) {
      for (const p of pods.values()) {
        if (namespace && p.namespace !== namespace) continue;
        const pt = podPoint(p.namespace, p.name, p.containers);
        if (pt) out.push(pt);
      }
    }
    return out;
  }
}

function podPoint(namespace: string, name: string, containers: Map<string, SamplePair>): PodPoint | undefined {
  const points: ContainerPoint[] = [];
  for (const [cname, pair] of containers) {
    const pt = point(pair);
    if (!pt) return undefined;
    points.push({ name: cname, ...pt });
  }
  if (points.length === 0) return undefined;
  return {
    namespace,
    name,
    timestampMs: Math.max(...points.map((p) => p.timestampMs)),
    windowMs: points[0]!.windowMs,
    containers: points,
  };
}
