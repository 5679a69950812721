// How a pod is written into Docker, so that the agent can read its whole view back after a
// restart: dockershim's container names (k8s_<container>_<pod>_<namespace>_<uid>_<attempt>, the
// sandbox as k8s_POD_...) and labels naming pod, namespace, uid, container, attempt and spec hash.
import { createHash } from "node:crypto";
import type { Container } from "../../api/core";

export const LABEL_MANAGED = "io.kubelab.managed";
export const LABEL_NODE = "io.kubelab.node";
export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
export const LABEL_CONTAINER_TYPE = "io.kubernetes.docker.type";
export const LABEL_ATTEMPT = "io.kubernetes.container.restartCount";
export const LABEL_HASH = "io.kubernetes.container.hash";
export const LABEL_GRACE = "io.kubernetes.pod.terminationGracePeriod";
export const LABEL_SOURCE = "io.kubelab.pod.source";

export const SANDBOX_CONTAINER_NAME = "POD";

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

export function sandboxName(pod: PodRef, attempt: number): string {
  return `k8s_${SANDBOX_CONTAINER_NAME}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}

export function containerName(pod: PodRef, container: string, attempt: number): string {
  return `k8s_${container}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}

/** The hash of what a running container was made from: a changed spec means a new container. */
export function containerHash(container: Container): string {
  return createHash("sha256").update(stableJson(container)).digest("hex").slice(0, 8);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export interface LabelInput {
  node: string;
  pod: PodRef;
  container: string;
  attempt: number;
  hash?: string;
  gracePeriodSeconds: number;
  source: string;
}

export function containerLabels(input: LabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL_MANAGED]: "true",
    [LABEL_NODE]: input.node,
    [LABEL_POD_NAME]: input.pod.name,
    [LABEL_POD_NAMESPACE]: input.pod.namespace,
    [LABEL_POD_UID]: input.pod.uid,
    [LABEL_CONTAINER_NAME]: input.container,
    [LABEL_CONTAINER_TYPE]: input.container === SANDBOX_CONTAINER_NAME ? "podsandbox" : "container",
    [LABEL_ATTEMPT]: String(input.attempt),
    [LABEL_GRACE]: String(input.gracePeriodSeconds),
    [LABEL_SOURCE]: input.source,
  };
  if (input.hash) labels[LABEL_HASH] = input.hash;
  return labels;
}
