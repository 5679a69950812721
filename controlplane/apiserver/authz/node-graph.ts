// What each node may read because of the pods bound to it (Kubernetes' node authorizer graph,
// plugin/pkg/auth/authorizer/node/graph.go, in the small): pod -> node, and the Secrets,
// ConfigMaps, PersistentVolumeClaims and ServiceAccount each pod uses; a claim's bound
// PersistentVolume through the claim. Kept up to date from the store's pods and claims
// (node-graph-sync.ts); read on every request a node makes, so lookups are map hits.
import type { Pod, PodSpec } from "../../../api/core";

export type RefKind = "secrets" | "configmaps" | "persistentvolumeclaims" | "serviceaccounts";

interface PodEntry {
  node: string;
  refs: string[];
}

/** "secrets/ns/name": the key of a namespaced object a pod refers to. */
const refKey = (kind: RefKind | "persistentvolumes", ns: string, name: string) => `${kind}/${ns}/${name}`;

/** What a pod refers to, as Kubernetes' graph populator collects it (volumes, env, envFrom, pull secrets, its ServiceAccount). */
export function podReferences(ns: string, podName: string, spec: PodSpec): string[] {
  const refs = new Set<string>();
  const add = (kind: RefKind, name: string | undefined) => name && refs.add(refKey(kind, ns, name));
  add("serviceaccounts", spec.serviceAccountName ?? spec.serviceAccount ?? "default");
  for (const s of spec.imagePullSecrets ?? []) add("secrets", s.name);
  for (const v of spec.volumes ?? []) {
    add("secrets", v.secret?.secretName);
    add("configmaps", v.configMap?.name);
    add("persistentvolumeclaims", v.persistentVolumeClaim?.claimName);
    if (v.ephemeral) add("persistentvolumeclaims", `${podName}-${v.name}`);
    for (const src of v.projected?.sources ?? []) {
      add("secrets", src.secret?.name);
      add("configmaps", src.configMap?.name);
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      add("secrets", e.valueFrom?.secretKeyRef?.name);
      add("configmaps", e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add("secrets", e.secretRef?.name);
      add("configmaps", e.configMapRef?.name);
    }
  }
  return [...refs];
}

export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** node -> ref key -> how many of its pods use it. */
  private readonly uses = new Map<string, Map<string, number>>();
  /** "ns/claim" -> the PersistentVolume it is bound to. */
  private readonly claims = new Map<string, string>();

  /** Adds, changes or (for a pod bound to no node) forgets one pod. */
  setPod(pod: { metadata: { namespace?: string; name?: string }; spec?: Pod["spec"] }): void {
    const ns = pod.metadata.namespace ?? "";
    const name = pod.metadata.name ?? "";
    const node = pod.spec?.nodeName;
    const refs = node && pod.spec ? podReferences(ns, name, pod.spec) : [];
    // Most pod writes are status updates: nothing the graph holds changes.
    const known = this.pods.get(`${ns}/${name}`);
    if (known && known.node === node && known.refs.length === refs.length && known.refs.every((r, i) => r === refs[i])) return;
    this.deletePod(ns, name);
    if (!node) return;
    this.pods.set(`${ns}/${name}`, { node, refs });
    const counts = this.uses.get(node) ?? new Map<string, number>();
    for (const r of refs) counts.set(r, (counts.get(r) ?? 0) + 1);
    this.uses.set(node, counts);
  }

  deletePod(ns: string, name: string): void {
    const entry = this.pods.get(`${ns}/${name}`);
    if (!entry) return;
    this.pods.delete(`${ns}/${name}`);
    const counts = this.uses.get(entry.node)!;
    for (const r of entry.refs) {
      const n = (counts.get(r) ?? 1) - 1;
      if (n <= 0) counts.delete(r);
      else counts.set(r, n);
    }
    if (counts.size === 0) this.uses.delete(entry.node);
  }

  setClaim(ns: string, name: string, volumeName: string | undefined): void {
    if (volumeName) this.claims.set(`${ns}/${name}`, volumeName);
    else this.claims.delete(`${ns}/${name}`);
  }

  /** The node a pod is bound to, if the graph knows the pod. */
  nodeOfPod(ns: string, name: string): string | undefined {
    return this.pods.get(`${ns}/${name}`)?.node;
  }

  /** Does a pod bound to `node` use this Secret, ConfigMap, claim or ServiceAccount? */
  nodeUses(node: string, kind: RefKind, ns: string, name: string): boolean {
    return this.uses.get(node)?.has(refKey(kind, ns, name)) ?? false;
  }

  /** Is this PersistentVolume bound to a claim a pod on `node` uses? */
  nodeUsesVolume(node: string, pvName: string): boolean {
    for (const key of this.uses.get(node)?.keys() ?? []) {
      if (!key.startsWith("persistentvolumeclaims/")) continue;
      if (this.claims.get(key.slice("persistentvolumeclaims/".length)) === pvName) return true;
    }
    return false;
  }
}
