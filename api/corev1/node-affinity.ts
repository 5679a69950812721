// Node selection as Kubernetes defines it for pods: spec.nodeSelector (every label must match)
// and the required node affinity (any term matches; within a term every expression on labels and
// every field requirement on metadata.name must). One definition for the scheduler's NodeAffinity
// plugin and the DaemonSet controller.
import type { Node } from "./node";
import type { Pod } from "./pod";
import type { NodeSelectorTerm } from "./scheduling";

type Requirement = NonNullable<NodeSelectorTerm["matchExpressions"]>[number];

function requirementMatches(req: Requirement, values: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, req.key);
  const v = values[req.key];
  const list = req.values ?? [];
  switch (req.operator) {
    case "In":
      return has && list.includes(v!);
    case "NotIn":
      return !has || !list.includes(v!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has || list.length !== 1) return false;
      const a = Number.parseInt(v!, 10);
      const b = Number.parseInt(list[0]!, 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return req.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A term matches when it has at least one requirement and all of them match. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const nodeFields = { "metadata.name": node.metadata?.name ?? "" };
  return exprs.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, nodeFields));
}

export function matchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

