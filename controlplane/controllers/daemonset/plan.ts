// What one sync of a DaemonSet does, decided from the caches alone: which nodes get a pod and
// which pods go (misplaced, duplicates, failed, on removed nodes, and old-template ones the
// rolling update may replace now). Pure: the controller only carries it out.
import type { DaemonSet } from "../../../api/apps-daemonset";
import type { Node, Pod } from "../../../api/core";
import { scaledValue } from "../../../api/quantity";
import { isPodActive, isPodAvailable } from "../pods";
import { eligibility, podNode, REVISION_HASH_LABEL, type Eligibility } from "./nodes";

export interface Plan {
  /** Node names to create a pod for. */
  create: string[];
  delete: Pod[];
}

export interface NodeState {
  node: Node;
  eligible: Eligibility;
  /** Active (not finished, not terminating) pods on the node, current template first, then oldest first. */
  pods: Pod[];
}

const isCurrent = (pod: Pod, hash: string) => pod.metadata.labels?.[REVISION_HASH_LABEL] === hash;
const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? "") || 0;

/** Each node with its eligibility and active pods; pods for no known node are returned apart. */
export function nodeStates(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string): { states: NodeState[]; stray: Pod[] } {
  const byNode = new Map<string, Pod[]>();
  const stray: Pod[] = [];
  const known = new Set(nodes.map((n) => n.metadata.name!));
  for (const pod of pods.filter(isPodActive)) {
    const name = podNode(pod);
    if (!name || !known.has(name)) stray.push(pod);
    else byNode.set(name, [...(byNode.get(name) ?? []), pod]);
  }
  const order = (a: Pod, b: Pod) => Number(isCurrent(b, hash)) - Number(isCurrent(a, hash)) || created(a) - created(b);
  const states = nodes.map((node) => ({ node, eligible: eligibility(ds, node), pods: (byNode.get(node.metadata.name!) ?? []).sort(order) }));
  return { states, stray };
}

/** The pod whose readiness counts for the node: the current-template one if any, else the oldest. */
export const countedPod = (s: NodeState): Pod | undefined => s.pods[0];

/** maxUnavailable and maxSurge as pod counts of `desired` (percentages rounded up; both 0 means 1 unavailable). */
export function rollingBudget(ds: DaemonSet, desired: number): { maxUnavailable: number; maxSurge: number } {
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
  const maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
  return { maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable, maxSurge };
}

export function plan(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: number): Plan {
  const out: Plan = { create: [], delete: pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Failed") };
  const { states, stray } = nodeStates(ds, nodes, pods, hash);
  out.delete.push(...stray);
  const kept: NodeState[] = [];
  for (const s of states) {
    if (!s.eligible.shouldContinue) out.delete.push(...s.pods);
    else if (s.pods.length === 0) {
      if (s.eligible.shouldRun) out.create.push(s.node.metadata.name!);
    } else {
      // One pod per node; during a surge one current and one old.
      const current = s.pods.filter((p) => isCurrent(p, hash));
      const old = s.pods.filter((p) => !isCurrent(p, hash));
      out.delete.push(...current.slice(1), ...old.slice(1));
      kept.push({ ...s, pods: [...current.slice(0, 1), ...old.slice(0, 1)] });
    }
  }
  if ((ds.spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") rollingUpdate(ds, kept, hash, now, out);
  return out;
}

/** Replaces old-template pods: at most maxUnavailable nodes without an available pod, or maxSurge extra new pods. */
function rollingUpdate(ds: DaemonSet, states: NodeState[], hash: string, now: number, out: Plan): void {
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const desired = states.filter((s) => s.eligible.shouldRun).length + out.create.length;
  const { maxUnavailable, maxSurge } = rollingBudget(ds, desired);
  const oldOnly = states.filter((s) => s.eligible.shouldRun && s.pods.length === 1 && !isCurrent(s.pods[0]!, hash));
  if (maxSurge === 0) {
    let unavailable = out.create.length + states.filter((s) => s.eligible.shouldRun && !s.pods.some(available)).length;
    for (const s of oldOnly) {
      const pod = s.pods[0]!;
      if (!available(pod)) out.delete.push(pod);
      else if (unavailable < maxUnavailable) {
        out.delete.push(pod);
        unavailable++;
      }
    }
    return;
  }
  const pairs = states.filter((s) => s.pods.length === 2);
  let surging = 0;
  for (const s of pairs) {
    if (available(s.pods[0]!)) out.delete.push(s.pods[1]!);
    else surging++;
  }
  for (const s of oldOnly) {
    const pod = s.pods[0]!;
    if (!available(pod)) out.delete.push(pod);
    else if (surging < maxSurge) {
      out.create.push(s.node.metadata.name!);
      surging++;
    }
  }
}
