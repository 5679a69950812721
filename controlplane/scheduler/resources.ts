// Resource arithmetic of pods and nodes: a pod's effective requests (sum of containers, at least
// the largest init container, plus overhead), a node's allocatable, Kubernetes' defaults for
// scoring pods that request nothing.
import type { Node, Pod } from "../../api/core";
import { parseQuantity } from "../../api/quantity";
import type { Resources } from "./types";

/** Kubernetes scores a pod without requests as if it asked for 100m cpu and 200Mi memory. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

type ResourceMap = Record<string, string | number> | undefined;

function quantity(list: ResourceMap, name: string): number {
  const v = list?.[name];
  if (v === undefined) return 0;
  try {
    return parseQuantity(v);
  } catch {
    return 0;
  }
}

const milli = (list: ResourceMap) => Math.round(quantity(list, "cpu") * 1000);
const bytes = (list: ResourceMap) => Math.round(quantity(list, "memory"));

/** Effective requests: max(sum over containers, each init container) + overhead; pods = 1. */
export function podRequests(pod: Pod): Resources {
  let milliCPU = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    milliCPU += milli(c.resources?.requests);
    memory += bytes(c.resources?.requests);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    milliCPU = Math.max(milliCPU, milli(c.resources?.requests));
    memory = Math.max(memory, bytes(c.resources?.requests));
  }
  milliCPU += milli(pod.spec?.overhead);
  memory += bytes(pod.spec?.overhead);
  return { milliCPU, memory, pods: 1 };
}

/** Requests for scoring: containers without a cpu/memory request count with the defaults. */
export function nonZeroRequests(pod: Pod): { milliCPU: number; memory: number } {
  let milliCPU = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = c.resources?.requests;
    milliCPU += r?.cpu !== undefined ? milli(r) : DEFAULT_MILLI_CPU_REQUEST;
    memory += r?.memory !== undefined ? bytes(r) : DEFAULT_MEMORY_REQUEST;
  }
  return { milliCPU, memory };
}

/** status.allocatable, falling back to status.capacity (a node without either holds nothing). */
export function nodeAllocatable(node: Node): Resources {
  const list = (node.status?.allocatable ?? node.status?.capacity) as ResourceMap;
  return { milliCPU: milli(list), memory: bytes(list), pods: Math.floor(quantity(list, "pods")) };
}
