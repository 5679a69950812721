// `replicas:` (kustomize's ReplicaCountTransformer): spec.replicas of the named workloads.
import type { Resource } from "./resource";

const SCALABLE = new Set(["Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"]);

export interface ReplicaEntry {
  name: string;
  count: number;
}

/** Returns the entries that matched no object (kustomize ignores them too; callers may report). */
export function setReplicas(resources: Resource[], entries: ReplicaEntry[]): void {
  for (const e of entries) {
    for (const r of resources) {
      if (!SCALABLE.has(r.object.kind)) continue;
      if (r.object.metadata.name !== e.name && r.origName !== e.name) continue;
      (r.object as unknown as { spec: Record<string, unknown> }).spec ??= {};
      (r.object as unknown as { spec: Record<string, unknown> }).spec.replicas = e.count;
    }
  }
}
