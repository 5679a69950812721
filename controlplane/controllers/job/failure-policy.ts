// podFailurePolicy: the first rule matching a failed pod decides what its failure does (FailJob,
// Ignore, Count; FailIndex counts as Count here, without backoffLimitPerIndex), with the message
// Kubernetes writes on the Job's condition (pkg/controller/job/pod_failure_policy.go).
import type { PodFailurePolicy, PodFailurePolicyRule } from "../../../api/batch";
import type { ContainerStatus, Pod } from "../../../api/core";

export interface PolicyMatch {
  action: "FailJob" | "Ignore" | "Count";
  message?: string;
}

function exitCodeMatch(rule: PodFailurePolicyRule, statuses: ContainerStatus[]): ContainerStatus | undefined {
  const req = rule.onExitCodes!;
  return statuses.find((s) => {
    const code = s.state?.terminated?.exitCode;
    if (code === undefined || code === 0) return false;
    if (req.containerName && req.containerName !== s.name) return false;
    const listed = req.values.includes(code);
    return req.operator === "In" ? listed : !listed;
  });
}

const action = (a: string): PolicyMatch["action"] => (a === "FailJob" || a === "Ignore" ? a : "Count");

/** What the policy says of a failed pod; undefined when no rule matches (the failure counts). */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const s = exitCodeMatch(rule, statuses);
      if (!s) continue;
      const message = `Container ${s.name} for pod ${who} failed with exit code ${s.state!.terminated!.exitCode} matching ${rule.action} rule at index ${i}`;
      return { action: action(rule.action), message };
    }
    const cond = (rule.onPodConditions ?? []).find((p) => (pod.status?.conditions ?? []).some((c) => c.type === p.type && c.status === (p.status ?? "True")));
    if (cond) return { action: action(rule.action), message: `Pod ${who} has condition ${cond.type} matching ${rule.action} rule at index ${i}` };
  }
  return undefined;
}
