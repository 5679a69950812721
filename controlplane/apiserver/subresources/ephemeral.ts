// pods/ephemeralcontainers (Kubernetes' podEphemeralContainersStrategy): GET, PUT and PATCH on
// the Pod, of which only spec.ephemeralContainers is written; the main resource cannot change
// them. The generic object handler serves the verbs; these are the strategy's rules, hooked into
// the pod strategy (strategies/pod.ts).
import type { Pod } from "../../../api/core";
import { defaultContainer } from "../../../api/corev1/defaults";
import { validateEphemeralContainersUpdate, validateNoEphemeralOnCreate } from "../../../api/corev1/ephemeral-container-rules";
import { deepEqual } from "../../../api/define";
import type { FieldCause, KObject } from "../../../api/resource";

export const EPHEMERAL_SUBRESOURCE = "ephemeralcontainers";

type PodObject = KObject & Pod;

/**
 * The object an update writes. Through the subresource: the stored pod with the new list
 * (defaulted as containers are); through anything else: the stored list, whatever was sent.
 */
export function prepareEphemeralUpdate(next: PodObject, old: PodObject, subresource: string | undefined): PodObject {
  if (subresource === EPHEMERAL_SUBRESOURCE) {
    const pod = structuredClone(old);
    pod.metadata.resourceVersion = next.metadata?.resourceVersion ?? old.metadata.resourceVersion;
    const list = structuredClone(next.spec?.ephemeralContainers ?? []);
    for (const c of list) defaultContainer(c);
    if (list.length) pod.spec.ephemeralContainers = list;
    else delete pod.spec.ephemeralContainers;
    return pod;
  }
  if (!next.spec) return next;
  if (old.spec.ephemeralContainers) next.spec.ephemeralContainers = structuredClone(old.spec.ephemeralContainers);
  else delete next.spec.ephemeralContainers;
  return next;
}

/**
 * The update checks: ephemeral containers by their own rules when the list changed (only the
 * subresource can change it), everything else by the pod's update rules, which see the list
 * as it was.
 */
export function validateEphemeralAwareUpdate(next: PodObject, old: PodObject, validatePodUpdate: (n: PodObject, o: PodObject) => FieldCause[]): FieldCause[] {
  const changed = !deepEqual(next.spec.ephemeralContainers ?? [], old.spec.ephemeralContainers ?? []);
  if (!changed) return validatePodUpdate(next, old);
  const asBefore: PodObject = { ...next, spec: { ...next.spec } };
  if (old.spec.ephemeralContainers) asBefore.spec.ephemeralContainers = old.spec.ephemeralContainers;
  else delete asBefore.spec.ephemeralContainers;
  return [...validateEphemeralContainersUpdate(next, old), ...validatePodUpdate(asBefore, old)];
}

/** On create: none allowed (ValidatePodCreate). */
export function ephemeralCreateCauses(pod: PodObject): FieldCause[] {
  return validateNoEphemeralOnCreate(pod);
}
