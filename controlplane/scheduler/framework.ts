// One scheduling decision: run the filters over the nodes (starting where the last decision
// stopped, stopping once enough feasible nodes were found, as Kubernetes' percentageOfNodesToScore
// does), score the feasible ones, pick the best (ties broken at random), or explain why none fits.
import { leastAllocated } from "./plugins/least-allocated";
import { nodeAffinity } from "./plugins/node-affinity";
import { nodeName } from "./plugins/node-name";
import { nodePorts } from "./plugins/node-ports";
import { nodeReady } from "./plugins/node-ready";
import { nodeResourcesFit } from "./plugins/node-resources-fit";
import { nodeUnschedulable } from "./plugins/node-unschedulable";
import { selectorSpread } from "./plugins/selector-spread";
import { taintToleration } from "./plugins/taint-toleration";
import { volumeBinding, type ClaimLookup } from "./plugins/volume-binding";
import type { FilterPlugin, FilterStatus, NodeInfo, PodInfo, ScorePlugin } from "./types";

export const defaultFilters: FilterPlugin[] = [nodeUnschedulable, nodeName, nodeReady, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];
export const defaultScores: ScorePlugin[] = [selectorSpread, leastAllocated];

/** The default filters and VolumeBinding over the scheduler's claim caches (after NodeResourcesFit, as Kubernetes orders them). */
export function filtersWithVolumes(lookup: ClaimLookup): FilterPlugin[] {
  return [...defaultFilters, volumeBinding(lookup)];
}

export interface ScheduleOptions {
  filters?: FilterPlugin[];
  scores?: ScorePlugin[];
  /** Index of the node to start filtering at (rotated between decisions). */
  startIndex?: number;
  /** Percentage of nodes to find feasible before scoring (default: adaptive, as Kubernetes). */
  percentageOfNodesToScore?: number;
  random?: () => number;
}

export interface ScheduleResult {
  /** The chosen node, when one fits. */
  node?: NodeInfo;
  /** Where the next decision should start filtering. */
  nextStartIndex: number;
  /** Why each rejected node was rejected (filled when nothing fits). */
  diagnosis: Map<string, FilterStatus>;
  /** The plugins that rejected a node (Kubernetes' UnschedulablePlugins): their events may help the pod. */
  unschedulablePlugins: Set<string>;
  feasible: number;
}

/** How many feasible nodes to look for before scoring (Kubernetes' numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(numNodes: number, percentage?: number): number {
  const minFeasible = 100;
  if (numNodes < minFeasible || percentage === 100) return numNodes;
  let pct = percentage ?? Math.max(5, 50 - Math.floor(numNodes / 125));
  if (pct <= 0) pct = 5;
  return Math.min(numNodes, Math.max(minFeasible, Math.floor((numNodes * pct) / 100)));
}

export function runFilters(pod: PodInfo, node: NodeInfo, filters: FilterPlugin[]): FilterStatus | undefined {
  for (const f of filters) {
    const status = f.filter(pod, node);
    if (status) {
      status.plugin = f.name;
      return status;
    }
  }
  return undefined;
}

export function schedulePod(pod: PodInfo, nodes: NodeInfo[], opts: ScheduleOptions = {}): ScheduleResult {
  const filters = opts.filters ?? defaultFilters;
  const scores = opts.scores ?? defaultScores;
  const random = opts.random ?? Math.random;
  const n = nodes.length;
  const want = numFeasibleNodesToFind(n, opts.percentageOfNodesToScore);
  const start = n === 0 ? 0 : (opts.startIndex ?? 0) % n;
  const feasible: NodeInfo[] = [];
  const diagnosis = new Map<string, FilterStatus>();
  let visited = 0;
  for (; visited < n && feasible.length < want; visited++) {
    const node = nodes[(start + visited) % n]!;
    const status = runFilters(pod, node, filters);
    if (status) diagnosis.set(node.name, status);
    else feasible.push(node);
  }
  const nextStartIndex = n === 0 ? 0 : (start + visited) % n;
  const unschedulablePlugins = new Set<string>();
  for (const status of diagnosis.values()) if (status.plugin) unschedulablePlugins.add(status.plugin);
  if (feasible.length === 0) return { nextStartIndex, diagnosis, unschedulablePlugins, feasible: 0 };
  if (feasible.length === 1) return { node: feasible[0], nextStartIndex, diagnosis, unschedulablePlugins, feasible: 1 };

  const totals = new Array<number>(feasible.length).fill(0);
  for (const plugin of scores) {
    const raw = feasible.map((node) => plugin.score(pod, node));
    plugin.normalize?.(raw);
    for (let i = 0; i < raw.length; i++) totals[i]! += raw[i]! * plugin.weight;
  }
  // Highest total wins; ties are broken uniformly at random (reservoir sampling).
  let best = -Infinity;
  let chosen = 0;
  let ties = 0;
  for (let i = 0; i < totals.length; i++) {
    const t = totals[i]!;
    if (t > best) {
      best = t;
      chosen = i;
      ties = 1;
    } else if (t === best) {
      ties++;
      if (random() * ties < 1) chosen = i;
    }
  }
  return { node: feasible[chosen], nextStartIndex, diagnosis, unschedulablePlugins, feasible: feasible.length };
}

/**
 * Kubernetes' FitError message: "0/3 nodes are available: 1 node(s) didn't match Pod's node
 * affinity/selector, 2 Insufficient memory." (each reason with how many nodes gave it, sorted).
 */
export function fitErrorMessage(numNodes: number, diagnosis: Map<string, FilterStatus>): string {
  if (numNodes === 0) return "no nodes available to schedule pods";
  const histogram = new Map<string, number>();
  for (const status of diagnosis.values()) {
    for (const reason of status.reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
  }
  const parts = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${numNodes} nodes are available: ${parts.join(", ")}.`;
}
