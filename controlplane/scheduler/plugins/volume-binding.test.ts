import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../../api/core";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { StorageClass } from "../../../api/storage";
import { pinnedToNode } from "../../../api/storage-binding";
import { fitErrorMessage, schedulePod, filtersWithVolumes } from "../framework";
import { newNodeInfo, newPodInfo } from "../node-info";
import { UNBOUND_IMMEDIATE_REASON, VOLUME_NODE_AFFINITY_REASON, volumeBindingStatus, type ClaimLookup } from "./volume-binding";

const node = (name: string): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] } }) as Node;
const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "db", namespace: "default" }, spec: { containers: [{ name: "db", image: "kubelab/busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] } };
const cls = (mode: string): StorageClass => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "kubelab.io/local-path", volumeBindingMode: mode });
const claim = (volumeName?: string): PersistentVolumeClaim => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "local-path", volumeName } });
const pinned: PersistentVolume = { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv1" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], local: { path: "/x" }, nodeAffinity: pinnedToNode("worker1") } };

function lookup(pvc: PersistentVolumeClaim | undefined, sc: StorageClass, pvs: PersistentVolume[] = []): ClaimLookup {
  return { claim: () => pvc, volume: (n) => pvs.find((p) => p.metadata.name === n), volumes: () => pvs, storageClass: () => sc };
}

describe("VolumeBinding", () => {
  it("sends a pod whose claim is bound to a pinned volume to that volume's node only", () => {
    const l = lookup(claim("pv1"), cls("WaitForFirstConsumer"), [pinned]);
    expect(volumeBindingStatus(pod, node("worker1"), l)).toBeUndefined();
    expect(volumeBindingStatus(pod, node("worker2"), l)).toEqual({ code: "UnschedulableAndUnresolvable", reasons: [VOLUME_NODE_AFFINITY_REASON] });
    const nodes = [node("worker1"), node("worker2")].map((n) => newNodeInfo(n));
    const result = schedulePod(newPodInfo(pod), nodes, { filters: filtersWithVolumes(l) });
    expect(result.node?.node.metadata?.name).toBe("worker1");
  });

  it("keeps a pod with an unbound Immediate claim off every node, with Kubernetes' reason", () => {
    const l = lookup(claim(), cls("Immediate"));
    const nodes = [node("worker1"), node("worker2")].map((n) => newNodeInfo(n));
    const result = schedulePod(newPodInfo(pod), nodes, { filters: filtersWithVolumes(l) });
    expect(result.node).toBeUndefined();
    expect(fitErrorMessage(2, result.diagnosis)).toBe(`0/2 nodes are available: 2 ${UNBOUND_IMMEDIATE_REASON}.`);
  });

  it("lets an unbound WaitForFirstConsumer claim go anywhere its class can provision, and a missing claim nowhere", () => {
    expect(volumeBindingStatus(pod, node("worker2"), lookup(claim(), cls("WaitForFirstConsumer")))).toBeUndefined();
    expect(volumeBindingStatus(pod, node("worker2"), lookup(undefined, cls("WaitForFirstConsumer")))?.reasons).toEqual(['persistentvolumeclaim "data" not found']);
  });
});
