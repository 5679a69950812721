// The Node object of this agent: registration (capacity, allocatable, addresses, labels,
// nodeInfo, podCIDR, daemonEndpoints), the Ready condition with the pressure conditions, status
// every nodeStatusUpdateFrequency, and the heartbeat Lease in kube-node-lease that node lifecycle
// watches. All calls retry with back-off while the API server is away.
import { readFileSync } from "node:fs";
import { arch, cpus, hostname, totalmem } from "node:os";
import type { Logger } from "pino";
import { ignoreNotFound, isAlreadyExists, isNotFound } from "../../client/errors";
import type { ApiClient } from "../../client/rest";
import { leases, nodes } from "../../client/resources";
import { KUBELET_VERSION, type AgentConfig } from "../config";
import type { KObject } from "../../api/resource";
import { rfc3339, rfc3339Micro } from "../../api/time";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

interface NodeObject extends KObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; [k: string]: unknown };
  status?: Record<string, unknown>;
}

function osImage(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

function kernel(): string {
  try {
    return readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    return "";
  }
}

function machineID(): string {
  try {
    return readFileSync("/etc/machine-id", "utf8").trim();
  } catch {
    return "";
  }
}

const goArch = (): string => ({ x64: "amd64", arm64: "arm64", arm: "arm" })[arch() as string] ?? arch();

export interface NodeStatusOptions {
  cfg: AgentConfig;
  client: ApiClient;
  log: Logger;
  dockerVersion: () => Promise<string>;
  /** The main port, reported as daemonEndpoints.kubeletEndpoint.Port. */
  port: () => number;
}

export class NodeStatusManager {
  private timer?: NodeJS.Timeout;
  private leaseTimer?: NodeJS.Timeout;
  private registered = false;
  private nodeUid?: string;
  private stopped = false;
  private readonly startedAt = rfc3339();
  private readyTransition = this.startedAt;

  constructor(private readonly opts: NodeStatusOptions) {}

  start(): void {
    // The first status write registers the Node; the Lease follows (owned by the Node).
    void this.tickStatus().then(() => this.tickLease());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.leaseTimer);
  }

  private capacity(): Record<string, string> {
    const { cfg } = this.opts;
    const cpu = cfg.cpu ?? cpus().length;
    const memory = cfg.memoryBytes ?? totalmem();
    return {
      cpu: String(cpu),
      memory: `${Math.floor(memory / 1024)}Ki`,
      pods: String(cfg.maxPods),
      "ephemeral-storage": "20Gi",
    };
  }

  async status(): Promise<Record<string, unknown>> {
    const { cfg } = this.opts;
    const now = rfc3339();
    const capacity = this.capacity();
    const condition = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: type === "Ready" ? this.readyTransition : this.startedAt,
      reason,
      message,
    });
    return {
      capacity,
      allocatable: capacity,
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: cfg.address },
        { type: "Hostname", address: cfg.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.opts.port() } },
      nodeInfo: {
        machineID: machineID(),
        systemUUID: machineID(),
        bootID: "",
        kernelVersion: kernel(),
        osImage: osImage(),
        containerRuntimeVersion: `docker://${await this.opts.dockerVersion().catch(() => "unknown")}`,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: "linux",
        architecture: goArch(),
      },
    };
  }

  private nodeObject(status: Record<string, unknown>): NodeObject {
    const { cfg } = this.opts;
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: cfg.nodeName,
        labels: {
          "kubernetes.io/hostname": cfg.nodeName,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": goArch(),
          "beta.kubernetes.io/os": "linux",
          "beta.kubernetes.io/arch": goArch(),
          ...cfg.nodeLabels,
        },
        annotations: { "kubelab.io/host": hostname() },
      },
      spec: cfg.podCIDR ? { podCIDR: cfg.podCIDR, podCIDRs: [cfg.podCIDR] } : {},
      status,
    };
  }

  /** Creates the Node when missing; returns it. */
  private async register(status: Record<string, unknown>): Promise<void> {
    const { client, cfg, log } = this.opts;
    try {
      const created = await client.create(nodes, undefined, this.nodeObject(status));
      this.nodeUid = created.metadata.uid;
      log.info({ node: cfg.nodeName }, "node registered");
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Already there (an agent restart): make labels and podCIDR ours again.
      const existing = await client.get<NodeObject>(nodes, undefined, cfg.nodeName);
      this.nodeUid = existing.metadata.uid;
      const patch: Record<string, unknown> = { metadata: { labels: this.nodeObject(status).metadata.labels } };
      if (cfg.podCIDR && !existing.spec?.podCIDR) patch.spec = { podCIDR: cfg.podCIDR, podCIDRs: [cfg.podCIDR] };
      await client.patch(nodes, undefined, cfg.nodeName, patch, "merge");
    }
    this.registered = true;
  }

  private async tickStatus(): Promise<void> {
    if (this.stopped) return;
    const { client, cfg, log } = this.opts;
    let next = cfg.nodeStatusUpdateFrequencyMs;
    try {
      const status = await this.status();
      if (!this.registered) await this.register(status);
      await client.patchSubresource(nodes, undefined, cfg.nodeName, "status", { status }, "merge");
    } catch (err) {
      if (isNotFound(err)) this.registered = false; // the Node was deleted: register again
      log.warn({ err: (err as Error).message }, "node status update failed");
      next = Math.min(next, 2000);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tickStatus(), next);
  }

  private async tickLease(): Promise<void> {
    if (this.stopped) return;
    const { client, cfg, log } = this.opts;
    let next = cfg.nodeStatusUpdateFrequencyMs;
    const now = rfc3339Micro();
    try {
      try {
        await client.patch(leases, NODE_LEASE_NAMESPACE, cfg.nodeName, { spec: { renewTime: now, holderIdentity: cfg.nodeName } }, "merge");
      } catch (err) {
        ignoreNotFound(err);
        await client.create(leases, NODE_LEASE_NAMESPACE, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: {
            name: cfg.nodeName,
            namespace: NODE_LEASE_NAMESPACE,
            // Owned by the Node, so the garbage collector removes it with the Node.
            ...(this.nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: cfg.nodeName, uid: this.nodeUid }] } : {}),
          },
          spec: {
            holderIdentity: cfg.nodeName,
            leaseDurationSeconds: cfg.leaseDurationSeconds,
            renewTime: now,
          },
        });
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, "lease renewal failed");
      next = Math.min(next, 2000);
    }
    if (!this.stopped) this.leaseTimer = setTimeout(() => void this.tickLease(), next);
  }
}
