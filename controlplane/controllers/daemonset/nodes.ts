// Which nodes a DaemonSet's pod belongs on (after Kubernetes' NodeShouldRunDaemonPod), the
// tolerations every daemon pod gets, and the pod the controller creates for one node: pinned to
// it by a required node affinity on metadata.name (matchFields), so the scheduler binds it.
import type { DaemonSet } from "../../../api/apps-daemonset";
import type { Node, Pod, PodSpec, Taint, Toleration } from "../../../api/core";
import { tolerationsTolerateTaint } from "../../../api/core";
import { matchesNodeSelectorAndAffinity } from "../../../api/corev1/node-affinity";
import { NODE_UNREACHABLE_REASON, nodeHealthReason } from "../../../api/corev1/node-health";

/** Label on every daemon pod: the hash of the template it was made from. */
export const REVISION_HASH_LABEL = "controller-revision-hash";

const noExecute = (key: string): Toleration => ({ key, operator: "Exists", effect: "NoExecute" });
const noSchedule = (key: string): Toleration => ({ key, operator: "Exists", effect: "NoSchedule" });

/** The tolerations Kubernetes' AddOrUpdateDaemonPodTolerations adds (network-unavailable for hostNetwork only). */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const out = [
    noExecute("node.kubernetes.io/not-ready"),
    noExecute("node.kubernetes.io/unreachable"),
    noSchedule("node.kubernetes.io/disk-pressure"),
    noSchedule("node.kubernetes.io/memory-pressure"),
    noSchedule("node.kubernetes.io/pid-pressure"),
    noSchedule("node.kubernetes.io/unschedulable"),
  ];
  if (spec?.hostNetwork) out.push(noSchedule("node.kubernetes.io/network-unavailable"));
  return out;
}

/** The template's tolerations plus the daemon ones it does not already have (same key and effect). */
export function withDaemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const own = spec?.tolerations ?? [];
  const extra = daemonTolerations(spec).filter((d) => !own.some((t) => t.key === d.key && t.effect === d.effect && (t.operator ?? "Equal") === "Exists"));
  return [...own, ...extra];
}

export interface Eligibility {
  /** A pod should be created here. */
  shouldRun: boolean;
  /** A pod already here may stay (an untolerated NoSchedule taint keeps it; NoExecute does not). */
  shouldContinue: boolean;
}

/**
 * The NoSchedule taint Kubernetes' TaintNodesByCondition puts on a node that is not Ready (our
 * node lifecycle controller sets only the NoExecute ones): a node that never became Ready gets no
 * pod, one that stopped being Ready keeps its pod.
 */
function healthTaints(node: Node): Taint[] {
  const reason = nodeHealthReason(node);
  if (!reason) return [];
  return [{ key: reason === NODE_UNREACHABLE_REASON ? "node.kubernetes.io/unreachable" : "node.kubernetes.io/not-ready", effect: "NoSchedule" }];
}

/** NodeShouldRunDaemonPod: node selector and required affinity, then the taints. */
export function eligibility(ds: DaemonSet, node: Node): Eligibility {
  const pod = { spec: ds.spec.template.spec } as Pod;
  if (!matchesNodeSelectorAndAffinity(pod, node)) return { shouldRun: false, shouldContinue: false };
  const tolerations = withDaemonTolerations(ds.spec.template.spec);
  const untolerated = (effect: string) => [...(node.spec?.taints ?? []), ...healthTaints(node)].some((t: Taint) => t.effect === effect && !tolerationsTolerateTaint(tolerations, t));
  if (untolerated("NoExecute")) return { shouldRun: false, shouldContinue: false };
  return { shouldRun: !untolerated("NoSchedule"), shouldContinue: true };
}

/** The node a daemon pod is on or meant for: spec.nodeName, else its metadata.name affinity. */
export function podNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    const f = (term.matchFields ?? []).find((r) => r.key === "metadata.name" && r.operator === "In" && r.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

/**
 * The pod spec for one node: the template's, with the daemon tolerations and the required node
 * affinity replaced by one term on metadata.name (ReplaceDaemonSetPodNodeNameNodeAffinity).
 */
export function podSpecForNode(spec: PodSpec, nodeName: string): PodSpec {
  const out = structuredClone(spec);
  out.tolerations = withDaemonTolerations(spec);
  const nodeAffinity = { ...out.affinity?.nodeAffinity };
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }] };
  out.affinity = { ...out.affinity, nodeAffinity };
  return out;
}
