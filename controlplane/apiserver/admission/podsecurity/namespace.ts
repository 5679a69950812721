// Pod Security admission of Namespaces (Kubernetes' ValidateNamespace): labels that do not parse
// are refused (422), labels on an exempt namespace are warned to be ignored, and making enforce
// stricter warns about the existing pods that would now be refused (checked, not evicted).
import type { Pod } from "../../../../api/core";
import {
  compareLevels,
  evaluatePod,
  fullyPrivileged,
  LABEL_PREFIX,
  levelVersionString,
  MODES,
  sameLevelVersion,
  versionString,
  violationsReason,
  type LabelError,
  type LevelVersion,
  type Policy,
} from "../../../../api/podsecurity";
import type { KObject } from "../../../../api/resource";
import { invalid } from "../../errors";

export interface NamespaceLike {
  metadata: { name?: string; labels?: Record<string, string> };
}

/** What namespaceWarnings needs of the plugin. */
export interface NamespacePolicySource {
  policyOf(labels: Record<string, string> | undefined): { policy: Policy; errors: LabelError[] };
  exemptNamespace(ns: string): boolean;
  exemptRuntimeClass(rc: string | undefined): boolean;
  readonly config: { defaults: Policy };
}

/** At most this many existing pods are checked when enforce changes (Kubernetes' default). */
const MAX_PODS_TO_CHECK = 3000;

export async function namespaceWarnings(
  psa: NamespacePolicySource,
  ns: NamespaceLike,
  old: NamespaceLike | undefined,
  listPods: (namespace: string) => Promise<Array<KObject & Pod>>,
): Promise<string[]> {
  const name = ns.metadata.name ?? "";
  const { policy, errors } = psa.policyOf(ns.metadata.labels);
  const exemptWarning = () => {
    const w = psa.exemptNamespace(name) ? exemptNamespaceWarning(name, policy, psa.config.defaults, ns.metadata.labels ?? {}) : "";
    return w ? [w] : [];
  };
  if (!old) {
    if (errors.length) throw invalidLabels(name, errors);
    return exemptWarning();
  }
  const before = psa.policyOf(old.metadata.labels);
  if (errors.length && (before.errors.length === 0 || JSON.stringify(errors) !== JSON.stringify(before.errors))) throw invalidLabels(name, errors);
  const next = policy.enforce;
  const prev = before.policy.enforce;
  if (sameLevelVersion(next, prev) || next.level === "privileged") return [];
  if (versionString(next.version) === versionString(prev.version) && compareLevels(next.level, prev.level) < 1) return [];
  if (psa.exemptNamespace(name)) return exemptWarning();
  return existingPodWarnings(psa, name, next, await listPods(name));
}

function invalidLabels(name: string, errors: LabelError[]) {
  return invalid(
    "Namespace",
    "",
    name,
    errors.map((e) => ({ reason: "FieldValueInvalid", field: e.field, message: `Invalid value: ${JSON.stringify(e.value)}: ${e.message}` })),
  );
}

/**
 * One warning per distinct violation among the existing pods, naming the first pod (by name) and
 * how many others share it; pods of a controller already looked at come last, so one bad
 * Deployment does not use up the pods checked.
 */
export function existingPodWarnings(psa: Pick<NamespacePolicySource, "exemptRuntimeClass">, namespace: string, enforce: LevelVersion, pods: Array<KObject & Pod>): string[] {
  const first: Array<KObject & Pod> = [];
  const later: Array<KObject & Pod> = [];
  const seenControllers = new Set<string>();
  for (const pod of pods) {
    if (psa.exemptRuntimeClass(pod.spec.runtimeClassName)) continue;
    const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (owner && seenControllers.has(owner.uid)) later.push(pod);
    else {
      if (owner) seenControllers.add(owner.uid);
      first.push(pod);
    }
  }
  const ordered = [...first, ...later];
  const checked = ordered.slice(0, MAX_PODS_TO_CHECK);
  const byReason = new Map<string, { pod: string; count: number }>();
  for (const pod of checked) {
    const violations = evaluatePod(enforce, pod.metadata, pod.spec);
    if (!violations.length) continue;
    const reason = violationsReason(violations);
    const seen = byReason.get(reason);
    const podName = pod.metadata.name ?? "";
    if (!seen) byReason.set(reason, { pod: podName, count: 1 });
    else byReason.set(reason, { pod: podName < seen.pod ? podName : seen.pod, count: seen.count + 1 });
  }
  const warnings: string[] = [];
  if (checked.length < ordered.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${ordered.length} existing pods`);
  if (byReason.size) warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
  const perPod = [...byReason].map(([reason, { pod, count }]) => {
    if (count === 1) return `${pod}: ${reason}`;
    return `${pod} (and ${count - 1} other ${count === 2 ? "pod" : "pods"}): ${reason}`;
  });
  return [...warnings, ...perPod.sort()];
}

/** Kubernetes' "namespace ... is exempt from Pod Security, and the policy (...) will be ignored". */
function exemptNamespaceWarning(name: string, policy: Policy, defaults: Policy, labels: Record<string, string>): string {
  const equivalent = MODES.every((m) => (policy[m].level === "privileged" && defaults[m].level === "privileged") || sameLevelVersion(policy[m], defaults[m]));
  if (fullyPrivileged(policy) || equivalent) return "";
  const parts = MODES.filter((m) => policy[m].level !== "privileged" && (labels[LABEL_PREFIX + m] !== undefined || labels[`${LABEL_PREFIX}${m}-version`] !== undefined))
    .map((m) => `${m}=${levelVersionString(policy[m])}`);
  return `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(", ")}) will be ignored`;
}
