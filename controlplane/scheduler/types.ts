// The scheduler framework's shapes: what a filter or score plugin sees (the pod, one node with
// what is already bound to it) and what it answers (a status with user-facing reasons, a score).
import type { Node, Pod } from "../../api/core";

export interface Resources {
  /** Thousandths of a core ("500m" is 500). */
  milliCPU: number;
  /** Bytes. */
  memory: number;
  pods: number;
}

/** One node and what the scheduler believes is on it (bound pods plus assumed ones). */
export interface NodeInfo {
  node: Node;
  /** Facts of the Node object alone, read once per Node object (not once per decision and node). */
  name: string;
  /** Why its health keeps pods off it (nodeHealthReason), or undefined when it is Ready. */
  healthReason: string | undefined;
  allocatable: Resources;
  /** Sum of the requests of the pods on the node (pods counts them). */
  requested: Resources;
  /** Requests with Kubernetes' non-zero defaults for pods without any (for scoring only). */
  nonZeroRequested: { milliCPU: number; memory: number };
  /** "protocol/hostIP/hostPort" of every host port in use, with use counts. */
  usedPorts: Map<string, number>;
  /** Pods on the node per controller-owner uid (for spreading a workload's replicas). */
  ownerCounts: Map<string, number>;
}

/** What the plugins need from a pod, computed once per scheduling attempt. */
export interface PodInfo {
  pod: Pod;
  requests: Resources;
  nonZeroRequests: { milliCPU: number; memory: number };
  hostPorts: Array<{ protocol: string; hostIP: string; hostPort: number }>;
  /** uid of the controller owner (ReplicaSet, ...), if any. */
  ownerUid?: string;
  /** The PersistentVolumeClaims its volumes name (Kubernetes' VolumeBinding PreFilter: read once, not per node). */
  claimNames: string[];
}

/** A filter's "no": Unschedulable may change as pods come and go; UnschedulableAndUnresolvable will not for this pod. */
export interface FilterStatus {
  code: "Unschedulable" | "UnschedulableAndUnresolvable";
  reasons: string[];
  /** The plugin that said no (set by the framework). */
  plugin?: string;
}

export interface FilterPlugin {
  name: string;
  /** undefined means the pod fits this node. */
  filter(pod: PodInfo, node: NodeInfo): FilterStatus | undefined;
  /**
   * The cluster events that may make a pod this plugin rejected schedulable (Kubernetes'
   * EventsToRegister), each with an optional queueing hint; a pod parked as unschedulable is
   * tried again only on an event a plugin that rejected it registered, and whose hint says Queue.
   */
  events?: ClusterEventWithHint[];
}

/** What changed: the kind of object, and how (Kubernetes' framework.ClusterEvent). "Pod" means a pod bound to a node. */
export type EventResource = "Node" | "Pod" | "PersistentVolumeClaim" | "PersistentVolume" | "StorageClass";
export type ActionType = "Add" | "Delete" | "Update" | "UpdateNodeAllocatable" | "UpdateNodeLabel" | "UpdateNodeTaint" | "UpdateNodeCondition";

export interface ClusterEvent {
  resource: EventResource;
  /** One or more actions: a Node update can change its labels and its taints at once. */
  actions: ActionType[];
}

/** Queue: the event may make the pod schedulable; QueueSkip: it cannot help this pod. */
export type QueueingHint = "Queue" | "QueueSkip";

/** oldObj is undefined for an Add; newObj is undefined for a Delete. */
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  resource: EventResource;
  actions: ActionType[];
  /** Without a hint every matching event queues the pod. */
  hint?: QueueingHintFn;
}

export interface ScorePlugin {
  name: string;
  weight: number;
  /** 0 (worst) to 100 (best), or a raw value that normalize maps to that range. */
  score(pod: PodInfo, node: NodeInfo): number;
  /** Rewrites the raw scores of all candidate nodes in place into 0..100. */
  normalize?(scores: number[]): void;
}

export const MAX_NODE_SCORE = 100;

export function unschedulable(...reasons: string[]): FilterStatus {
  return { code: "Unschedulable", reasons };
}

export function unresolvable(...reasons: string[]): FilterStatus {
  return { code: "UnschedulableAndUnresolvable", reasons };
}
