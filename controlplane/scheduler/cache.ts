// The scheduler's cache: every node with the pods bound to it, plus "assumed" pods whose binding
// was sent but not yet seen in the informer, so the next decision already counts them (this is
// what lets decisions run back to back while bindings are in flight).
import type { Node, Pod } from "../../api/core";
import { keyOf } from "../../client/keys";
import { accountPod, newNodeInfo, newPodInfo, setNode } from "./node-info";
import type { NodeInfo, PodInfo } from "./types";

interface PodState {
  nodeName: string;
  info: PodInfo;
  assumed: boolean;
}

const placeholderNode = (name: string): Node => ({ metadata: { name }, spec: {}, status: {} }) as Node;

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  /** Nodes that exist (NodeInfos may also exist for nodes only pods refer to). */
  private readonly present = new Set<string>();
  private readonly pods = new Map<string, PodState>();
  private list: NodeInfo[] | undefined;

  /** The NodeInfos of existing nodes, in a stable order. */
  nodeList(): NodeInfo[] {
    if (!this.list) this.list = [...this.present].map((n) => this.infos.get(n)!);
    return this.list;
  }

  nodeCount(): number {
    return this.present.size;
  }

  getNodeInfo(name: string): NodeInfo | undefined {
    return this.present.has(name) ? this.infos.get(name) : undefined;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const info = this.infos.get(name);
    if (info) setNode(info, node);
    else this.infos.set(name, newNodeInfo(node));
    if (!this.present.has(name)) {
      this.present.add(name);
      this.list = undefined;
    }
  }

  removeNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    if (this.present.delete(name)) this.list = undefined;
    const info = this.infos.get(name);
    if (info && info.requested.pods === 0) this.infos.delete(name);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed ?? false;
  }

  /** Counts pod on nodeName before the binding is confirmed. */
  assume(info: PodInfo, nodeName: string): void {
    const key = keyOf(info.pod);
    this.removeKey(key);
    this.account(key, { nodeName, info, assumed: true });
  }

  /** The binding failed: stop counting the assumed pod. */
  forget(key: string): void {
    if (this.pods.get(key)?.assumed) this.removeKey(key);
  }

  /** A pod seen in the informer (added or updated). Unbound and finished pods are not counted. */
  setPod(pod: Pod): void {
    const key = keyOf(pod);
    const nodeName = pod.spec?.nodeName;
    const current = this.pods.get(key);
    if (!nodeName || isTerminal(pod)) {
      if (current && !current.assumed) this.removeKey(key);
      return;
    }
    if (current && !current.assumed && current.nodeName === nodeName && current.info.pod.metadata?.uid === pod.metadata?.uid) {
      current.info.pod = pod;
      return;
    }
    this.removeKey(key);
    this.account(key, { nodeName, info: newPodInfo(pod), assumed: false });
  }

  removePod(pod: Pod): void {
    this.removeKey(keyOf(pod));
  }

  private account(key: string, state: PodState): void {
    let info = this.infos.get(state.nodeName);
    if (!info) this.infos.set(state.nodeName, (info = newNodeInfo(placeholderNode(state.nodeName))));
    accountPod(info, state.info, 1);
    this.pods.set(key, state);
  }

  private removeKey(key: string): void {
    const state = this.pods.get(key);
    if (!state) return;
    this.pods.delete(key);
    const info = this.infos.get(state.nodeName);
    if (!info) return;
    accountPod(info, state.info, -1);
    if (!this.present.has(state.nodeName) && info.requested.pods <= 0) this.infos.delete(state.nodeName);
  }
}
