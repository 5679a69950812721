// Node health as the node lifecycle controller judges it, and the NoExecute taint eviction maths:
// which taint a node's Ready condition calls for, and when a pod on a tainted node must go.
import type { Node, Pod, Taint, Toleration } from "../../../api/core";
import { toleratesTaint } from "../../../api/corev1/scheduling";

export const UNREACHABLE_TAINT_KEY = "node.kubernetes.io/unreachable";
export const NOT_READY_TAINT_KEY = "node.kubernetes.io/not-ready";
export const NODE_STATUS_UNKNOWN_MESSAGE = "Kubelet stopped posting node status.";

/** The NoExecute taint key the node's Ready condition calls for (undefined when Ready). */
export function wantedTaintKey(node: Node): string | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  if (!ready || ready.status === "True") return undefined;
  return ready.status === "Unknown" ? UNREACHABLE_TAINT_KEY : NOT_READY_TAINT_KEY;
}

/** The node's taints with the health taints made to match `wanted` (undefined when already so). */
export function reconcileHealthTaints(node: Node, wanted: string | undefined, now: string): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const health = (t: Taint) => t.effect === "NoExecute" && (t.key === UNREACHABLE_TAINT_KEY || t.key === NOT_READY_TAINT_KEY);
  const current = taints.filter(health).map((t) => t.key);
  if (current.length === (wanted ? 1 : 0) && (!wanted || current[0] === wanted)) return undefined;
  const rest = taints.filter((t) => !health(t));
  return wanted ? [...rest, { key: wanted, effect: "NoExecute", timeAdded: now }] : rest;
}

/**
 * When the pod must leave a node with this NoExecute taint, in ms since the epoch: now for no
 * matching toleration, Infinity for one without tolerationSeconds, else timeAdded + the smallest
 * tolerationSeconds. A pod with no toleration for the health taints gets the default one (what the
 * DefaultTolerationSeconds admission would have added).
 */
export function evictionTime(pod: Pod, taint: Taint, defaultSeconds: number, now: number): number {
  let tolerations: Toleration[] = pod.spec?.tolerations ?? [];
  const isHealth = taint.key === UNREACHABLE_TAINT_KEY || taint.key === NOT_READY_TAINT_KEY;
  if (isHealth && !tolerations.some((t) => t.key === taint.key || (!t.key && t.operator === "Exists"))) {
    tolerations = [...tolerations, { key: taint.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: defaultSeconds }];
  }
  const matching = tolerations.filter((t) => toleratesTaint(t, taint));
  if (matching.length === 0) return now;
  if (matching.some((t) => t.tolerationSeconds === undefined || t.tolerationSeconds === null)) return Infinity;
  const seconds = Math.min(...matching.map((t) => Math.max(0, t.tolerationSeconds ?? 0)));
  const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
  return (Number.isNaN(added) ? now : added) + seconds * 1000;
}
