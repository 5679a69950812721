import { describe, expect, it } from "vitest";
import type { PersistentVolume } from "../api/corev1/persistentvolume";
import { pinnedToNode } from "../api/storage-binding";
import { needsCleanup } from "./pv-reclaimer";

const dir = "/var/lib/kubelab/agent/storage";
const pv = (path: string, o: { node?: string; deleting?: boolean; finalizers?: string[] } = {}): PersistentVolume => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name: "pvc-1", finalizers: o.finalizers ?? ["kubelab.io/local-path-cleanup"], ...(o.deleting === false ? {} : { deletionTimestamp: "2026-01-01T00:00:00Z" }) },
  spec: { local: { path }, nodeAffinity: pinnedToNode(o.node ?? "worker1") },
});

describe("local-path cleanup on the node", () => {
  it("removes the directory of a deleted local-path PV of this node", () => {
    expect(needsCleanup(pv(`${dir}/pvc-1_default_data`), "worker1", dir)).toBe(`${dir}/pvc-1_default_data`);
  });

  it("leaves alone PVs not being deleted, without the cleanup finalizer, or of another node", () => {
    expect(needsCleanup(pv(`${dir}/a`, { deleting: false }), "worker1", dir)).toBeUndefined();
    expect(needsCleanup(pv(`${dir}/a`, { finalizers: ["kubernetes.io/pv-protection"] }), "worker1", dir)).toBeUndefined();
    expect(needsCleanup(pv(`${dir}/a`, { node: "worker2" }), "worker1", dir)).toBeUndefined();
  });

  it("never removes anything outside the node's storage dir, nor the dir itself, whatever the PV says", () => {
    for (const path of ["/", "/etc", dir, `${dir}/../agent`, `${dir}-other/x`, "/var/lib/kubelab/agent"]) {
      expect(needsCleanup(pv(path), "worker1", dir)).toBeUndefined();
    }
  });
});
