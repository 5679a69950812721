// Cluster events and queueing hints (Kubernetes' framework.ClusterEvent and QueueingHintFn): what
// changed in the cluster, and whether that can help a pod the scheduler parked as unschedulable.
// A pod is tried again only when one of the plugins that rejected it registered the event and its
// hint says Queue, so a heartbeat or an unrelated label change leaves the parked pods alone.
import type { Node, Pod } from "../../api/core";
import type { ActionType, ClusterEvent, FilterPlugin } from "./types";

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Condition types and statuses, without heartbeat times (they change on every status post). */
const conditionStates = (node: Node) => (node.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();

/** What a Node update changed that plugins care about (Kubernetes' nodeSchedulingPropertiesChange); empty for a heartbeat. */
export function nodeUpdateActions(old: Node, node: Node): ActionType[] {
  const actions: ActionType[] = [];
  if (!same(old.status?.allocatable, node.status?.allocatable)) actions.push("UpdateNodeAllocatable");
  if (!same(old.metadata?.labels, node.metadata?.labels)) actions.push("UpdateNodeLabel");
  if (!same(old.spec?.taints, node.spec?.taints) || Boolean(old.spec?.unschedulable) !== Boolean(node.spec?.unschedulable)) actions.push("UpdateNodeTaint");
  if (!same(conditionStates(old), conditionStates(node))) actions.push("UpdateNodeCondition");
  return actions;
}

/** Which plugins registered which events (built once per scheduler from its filters). */
export class QueueingHints {
  private readonly byPlugin = new Map<string, NonNullable<FilterPlugin["events"]>>();

  constructor(plugins: FilterPlugin[]) {
    for (const p of plugins) this.byPlugin.set(p.name, p.events ?? []);
  }

  /**
   * Whether event may make pod schedulable, given the plugins that rejected it. With none to ask,
   * any event may (Kubernetes' isPodWorthRequeuing).
   */
  mayHelp(pod: Pod, rejectedBy: ReadonlySet<string>, event: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    if (rejectedBy.size === 0) return true;
    for (const name of rejectedBy) {
      const registrations = this.byPlugin.get(name);
      // A plugin the scheduler does not know cannot say: try the pod again.
      if (!registrations) return true;
      for (const r of registrations) {
        if (r.resource !== event.resource || !r.actions.some((a) => event.actions.includes(a))) continue;
        if (!r.hint || safeHint(r.hint, pod, oldObj, newObj) === "Queue") return true;
      }
    }
    return false;
  }
}

/** A hint that throws says Queue (Kubernetes does the same): trying again is the safe side. */
function safeHint(hint: NonNullable<NonNullable<FilterPlugin["events"]>[number]["hint"]>, pod: Pod, oldObj: unknown, newObj: unknown) {
  try {
    return hint(pod, oldObj, newObj);
  } catch {
    return "Queue";
  }
}
