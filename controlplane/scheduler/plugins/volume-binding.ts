// VolumeBinding (Kubernetes' plugins/volumebinding): a pod's claims decide where it may go. A
// bound claim's volume must be reachable from the node (its nodeAffinity); an unbound claim of
// an Immediate class (or of no class) keeps the pod off every node until it is bound; an unbound
// WaitForFirstConsumer claim fits a node where a matching volume is reachable or its class can
// provision one. When the pod is bound the plugin's PreBind names the node on those claims
// (volume.kubernetes.io/selected-node) and waits until they are bound, as Kubernetes does, so
// the agent never sees the pod before its volumes exist.
import type { Node, Pod } from "../../../api/core";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import { SELECTED_NODE_ANNOTATION, type StorageClass } from "../../../api/storage";
import { claimClass, findMatchingVolume, podClaimNames, volumeFitsNode } from "../../../api/storage-binding";
import { persistentvolumeclaims, type ApiClient, type Informer } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { unresolvable, unschedulable, type ClusterEvent, type FilterPlugin, type FilterStatus, type QueueingHint } from "../types";

export const VOLUME_NODE_AFFINITY_REASON = "node(s) had volume node affinity conflict";
export const UNBOUND_IMMEDIATE_REASON = "pod has unbound immediate PersistentVolumeClaims";
export const NO_VOLUME_REASON = "node(s) didn't find available persistent volumes to bind";
export const BOUND_TO_MISSING_REASON = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

/** What the plugin reads: the scheduler's caches of claims, volumes and classes. */
export interface ClaimLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

const NO_PROVISIONER = "kubernetes.io/no-provisioner";

/** Why the pod's claims keep it off this node (undefined: they fit). Pure. */
export function volumeBindingStatus(pod: Pod, node: Node, lookup: ClaimLookup, claimNames = podClaimNames(pod)): FilterStatus | undefined {
  if (claimNames.length === 0) return undefined;
  const ns = pod.metadata?.namespace ?? "default";
  for (const name of claimNames) {
    const pvc = lookup.claim(ns, name);
    if (!pvc) return unresolvable(`persistentvolumeclaim "${name}" not found`);
    if (pvc.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
    if (pvc.spec?.volumeName) {
      const pv = lookup.volume(pvc.spec.volumeName);
      if (!pv) return unresolvable(BOUND_TO_MISSING_REASON);
      if (!volumeFitsNode(pv, node)) return unresolvable(VOLUME_NODE_AFFINITY_REASON);
      continue;
    }
    const cls = lookup.storageClass(claimClass(pvc));
    if (cls?.volumeBindingMode !== "WaitForFirstConsumer") return unresolvable(UNBOUND_IMMEDIATE_REASON);
    const selected = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    // Provisioning for another node has begun: only that node can get this claim's volume.
    if (selected && selected !== node.metadata?.name) return unschedulable(NO_VOLUME_REASON);
    if (findMatchingVolume(pvc, lookup.volumes(), node)) continue;
    if (!cls.provisioner || cls.provisioner === NO_PROVISIONER) return unschedulable(NO_VOLUME_REASON);
  }
  return undefined;
}

/** Queueing hints: volumes and classes matter only to a pod with claims; a claim only to the pods that use it. */
const hasClaims = (pod: Pod): QueueingHint => (podClaimNames(pod).length > 0 ? "Queue" : "QueueSkip");

export function schedulableAfterClaimChange(pod: Pod, _old: unknown, claim: unknown): QueueingHint {
  const pvc = claim as PersistentVolumeClaim | undefined;
  if (!pvc) return hasClaims(pod);
  const sameNamespace = (pvc.metadata.namespace ?? "default") === (pod.metadata?.namespace ?? "default");
  return sameNamespace && podClaimNames(pod).includes(pvc.metadata.name ?? "") ? "Queue" : "QueueSkip";
}

export function volumeBinding(lookup: ClaimLookup): FilterPlugin {
  return {
    name: "VolumeBinding",
    filter: (pod, node) => volumeBindingStatus(pod.pod, node.node, lookup, pod.claimNames),
    events: [
      { resource: "PersistentVolumeClaim", actions: ["Add", "Update"], hint: schedulableAfterClaimChange },
      { resource: "PersistentVolume", actions: ["Add", "Update"], hint: hasClaims },
      { resource: "StorageClass", actions: ["Add", "Update"], hint: hasClaims },
      { resource: "Node", actions: ["Add", "UpdateNodeLabel"] },
    ],
  };
}

export interface VolumeBinderOptions {
  client: ApiClient;
  informers: SharedInformers;
  /** Claims, volumes or classes changed: pods waiting for them may fit now. */
  onChange(event: ClusterEvent, oldObj: unknown, newObj: unknown): void;
  /** How long PreBind waits for the claims to be bound (default 120 s). */
  bindTimeoutMs?: number;
}

/** The plugin's lookup over the shared informers, and its PreBind. */
export class VolumeBinder {
  readonly lookup: ClaimLookup;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly opts: VolumeBinderOptions) {
    this.claims = opts.informers.persistentVolumeClaims();
    const volumes = opts.informers.persistentVolumes();
    const classes = opts.informers.storageClasses();
    this.lookup = {
      claim: (ns, name) => this.claims.get(`${ns}/${name}`),
      volume: (name) => volumes.get(name),
      volumes: () => volumes.list(),
      storageClass: (name) => classes.get(name),
    };
    const changed = (resource: ClusterEvent["resource"]) => ({
      onAdd: (obj: unknown) => opts.onChange({ resource, actions: ["Add"] }, undefined, obj),
      onUpdate: (old: unknown, obj: unknown) => opts.onChange({ resource, actions: ["Update"] }, old, obj),
    });
    this.claims.addEventHandler({ onAdd: () => this.wake(), onUpdate: () => this.wake() });
    this.claims.addEventHandler(changed("PersistentVolumeClaim"));
    volumes.addEventHandler(changed("PersistentVolume"));
    classes.addEventHandler(changed("StorageClass"));
  }

  /**
   * Names the node on the pod's unbound claims, then waits until all of them are bound;
   * undefined (nothing to wait for) for a pod without claims, so that most bindings take no tick.
   */
  preBind(pod: Pod, nodeName: string, signal?: AbortSignal): Promise<void> | undefined {
    const names = podClaimNames(pod);
    return names.length === 0 ? undefined : this.bindClaims(pod.metadata?.namespace ?? "default", names, nodeName, signal);
  }

  private async bindClaims(ns: string, names: string[], nodeName: string, signal?: AbortSignal): Promise<void> {
    const unbound = () => names.filter((n) => !this.claims.get(`${ns}/${n}`)?.spec?.volumeName);
    for (const name of unbound()) {
      const pvc = this.claims.get(`${ns}/${name}`);
      if (!pvc || pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION] === nodeName) continue;
      await this.opts.client.patch(persistentvolumeclaims, ns, name, { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } } }, "merge");
    }
    // The binder and provisioner take it from here; their writes reach this cache.
    await this.claimsChange(() => unbound().length === 0, this.opts.bindTimeoutMs ?? 120_000, signal).catch(() => {
      throw new Error(`binding volumes: timed out waiting for claims ${unbound().join(", ")} to be bound`);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once done() holds (checked now and on every claim event); rejects after timeoutMs. */
  private claimsChange(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener("abort", abort);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const abort = () => finish(new Error("aborted"));
      const timer = setTimeout(() => finish(new Error("timed out")), timeoutMs);
      this.waiters.add(check);
      signal?.addEventListener("abort", abort);
    });
  }
}
