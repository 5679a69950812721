// The node IPAM controller, as kube-controller-manager's range allocator (--allocate-node-cidrs):
// every Node without spec.podCIDR gets the next free --node-cidr-mask-size subnet of
// --cluster-cidr; a Node that came with one (an agent given --pod-cidr) keeps it and it counts as
// used; a deleted Node's subnet becomes free again; an exhausted range is a CIDRNotAvailable event
// on the Node, retried with backoff.
import type { Node } from "../../../api/core";
import { nodes as nodesRes, runController, WorkQueue, type ApiClient, type EventRecorder, type Informer, type Result } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { CidrSet } from "./cidr-set";

export const DEFAULT_CLUSTER_CIDR = "10.244.0.0/16";
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

export interface NodeIpamControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  /** --cluster-cidr (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (default 24). */
  nodeCIDRMaskSize?: number;
}

const podCIDRsOf = (node: Node): string[] => {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return [...new Set(cidrs)];
};

export class NodeIpamController {
  readonly queue = new WorkQueue({ name: "nodeipam" });
  readonly cidrs: CidrSet;
  private readonly client: ApiClient;
  private readonly nodeInformer: Informer<Node>;
  /** Node name → the CIDRs marked used for it (what a delete releases). */
  private readonly assigned = new Map<string, string[]>();
  private primed = false;

  /** Throws when the CIDR options are invalid (the server refuses to start). */
  constructor(private readonly opts: NodeIpamControllerOptions) {
    this.client = opts.client;
    this.cidrs = new CidrSet(opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.nodeCIDRMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE);
    this.nodeInformer = opts.informers.nodes();
    this.nodeInformer.addEventHandler({
      onAdd: (n) => this.queue.add(n.metadata.name!),
      onUpdate: (o, n) => {
        if (o.metadata.resourceVersion !== n.metadata.resourceVersion) this.queue.add(n.metadata.name!);
      },
      onDelete: (n) => this.queue.add(n.metadata.name!),
    });
  }

  /** Runs one worker (allocation is sequential, as Kubernetes' range allocator) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "nodeipam", queue: this.queue, workers: 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<Result | void> {
    this.prime();
    const node = this.nodeInformer.get(name);
    if (!node) {
      const freed = this.assigned.get(name) ?? [];
      for (const cidr of freed) this.cidrs.release(cidr);
      this.assigned.delete(name);
      // Nodes waiting on an exhausted range need not wait for their backoff.
      if (freed.length) for (const n of this.nodeInformer.list()) if (!podCIDRsOf(n).length) this.queue.add(n.metadata.name!);
      return;
    }
    if (node.metadata.deletionTimestamp) return;
    const existing = podCIDRsOf(node);
    if (existing.length) {
      this.markUsed(name, existing);
      return;
    }
    const pending = this.assigned.get(name);
    const cidr = pending?.[0] ?? this.cidrs.allocateNext();
    if (!cidr) {
      this.opts.recorder?.event(node, "Normal", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable`);
      return { requeue: true };
    }
    this.assigned.set(name, [cidr]);
    try {
      await this.client.patch(nodesRes, undefined, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, "merge");
    } catch (err) {
      this.cidrs.release(cidr);
      this.assigned.delete(name);
      this.opts.recorder?.event(node, "Warning", "CIDRAssignmentFailed", `Node ${name} status is now: CIDRAssignmentFailed`);
      throw err;
    }
  }

  /** Before the first allocation, every subnet the cached Nodes already hold is marked used. */
  private prime(): void {
    if (this.primed) return;
    this.primed = true;
    for (const node of this.nodeInformer.list()) {
      const cidrs = podCIDRsOf(node);
      if (cidrs.length) this.markUsed(node.metadata.name!, cidrs);
    }
  }

  private markUsed(name: string, cidrs: string[]): void {
    const before = this.assigned.get(name) ?? [];
    if (before.length === cidrs.length && before.every((c, i) => c === cidrs[i])) return;
    for (const c of before) if (!cidrs.includes(c)) this.cidrs.release(c);
    // A CIDR outside the cluster range is the node's own business: nothing to mark.
    for (const c of cidrs) this.cidrs.occupy(c);
    this.assigned.set(name, cidrs);
  }
}
