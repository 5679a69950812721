// A StatefulSet pod's identity (stateful_set_utils.go): its stable name `<set>-<ordinal>`, the
// labels that name it, hostname and subdomain (so `<pod>.<serviceName>.<ns>.svc` resolves), and
// its storage: one claim `<template>-<set>-<ordinal>` per volumeClaimTemplate, mounted as the
// volume of the template's name.
import type { StatefulSet } from "../../../api/apps-statefulset";
import type { PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { Pod, PodTemplateSpec, Volume } from "../../../api/core";
import { CONTROLLER_REVISION_HASH_LABEL } from "../history/revision";
import { controllerRefTo } from "../owner";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export { CONTROLLER_REVISION_HASH_LABEL };

export const startOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;
export const replicaCount = (set: StatefulSet): number => set.spec.replicas ?? 1;
export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name}-${ordinal}`;
export const claimName = (set: StatefulSet, template: string, ordinal: number): string => `${template}-${set.metadata.name}-${ordinal}`;

/** The ordinal in a pod's name if it is `<set>-<n>`, else -1 (getParentNameAndOrdinal). */
export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const name = pod.metadata.name ?? "";
  const prefix = `${set.metadata.name}-`;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

/** isMemberOf: named as one of set's pods. */
export const isMemberOf = (set: StatefulSet, pod: Pod): boolean => ordinalOf(set, pod) >= 0;

export function inOrdinalRange(set: StatefulSet, ordinal: number): boolean {
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + replicaCount(set);
}

export const podRevision = (pod: Pod): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "";

/** The claims of ordinal's pod (getPersistentVolumeClaims): template copies named for it, labelled with the selector's matchLabels. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => {
    const { status: _status, ...claim } = structuredClone(t);
    return {
      ...claim,
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        ...claim.metadata,
        name: claimName(set, claim.metadata.name!, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...claim.metadata.labels, ...set.spec.selector.matchLabels },
      },
    } as PersistentVolumeClaim;
  });
}

/** updateStorage: each claim template is the volume of its name, replacing a template volume of that name. */
function volumesWithClaims(set: StatefulSet, ordinal: number, volumes: Volume[] = []): Volume[] {
  const templates = (set.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name!);
  const claimed = templates.map((t) => ({ name: t, persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } }) as Volume);
  return [...volumes.filter((v) => !templates.includes(v.name)), ...claimed];
}

/** newVersionedStatefulSetPod: ordinal's pod from `template`, labelled with `revision`. */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const name = podName(set, ordinal);
  const spec = structuredClone(template.spec!);
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  spec.volumes = volumesWithClaims(set, ordinal, spec.volumes);
  if (!spec.volumes.length) delete spec.volumes;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...template.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: set.metadata })],
    },
    spec,
  } as Pod;
}

/** identityMatches: the name, namespace and pod-name label of ordinal's pod. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(set, pod);
  return ordinal >= 0 && pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name && pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal);
}

/** The pod with its identity labels put right (the only part of a live pod's identity that may change). */
export function withIdentity(pod: Pod, ordinal: number): Pod {
  const copy = structuredClone(pod);
  copy.metadata.labels = { ...copy.metadata.labels, [POD_NAME_LABEL]: copy.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
  return copy;
}
