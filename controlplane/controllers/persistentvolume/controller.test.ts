import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/core";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import type { StorageClass } from "../../../api/storage";
import { rfc3339 } from "../../../api/time";
import { LocalPathProvisioner } from "../localpath/controller";
import { controllerFixture, newNode, newPod, T0 } from "../testing";
import { PersistentVolumeController } from "./controller";

const localPath: StorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: "local-path", uid: "uid-sc", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
  provisioner: "kubelab.io/local-path",
  reclaimPolicy: "Delete",
  volumeBindingMode: "WaitForFirstConsumer",
};

function claim(name: string, o: { node?: string; volumeName?: string; deleting?: boolean; storageClassName?: string } = {}): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      resourceVersion: "1",
      finalizers: ["kubernetes.io/pvc-protection"],
      ...(o.node ? { annotations: { "volume.kubernetes.io/selected-node": o.node } } : {}),
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
    },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: o.storageClassName ?? "local-path", volumeMode: "Filesystem", ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
    status: { phase: o.volumeName ? "Bound" : "Pending" },
  };
}

function manualVolume(name: string, storage: string, o: { claimRef?: PersistentVolumeClaim; policy?: string } = {}): PersistentVolume {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, uid: `uid-${name}`, resourceVersion: "1", finalizers: ["kubernetes.io/pv-protection"] },
    spec: {
      capacity: { storage },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "manual",
      persistentVolumeReclaimPolicy: o.policy ?? "Retain",
      volumeMode: "Filesystem",
      hostPath: { path: `/srv/${name}` },
      ...(o.claimRef ? { claimRef: { kind: "PersistentVolumeClaim", namespace: "default", name: o.claimRef.metadata.name, uid: o.claimRef.metadata.uid } } : {}),
    },
    status: { phase: o.claimRef ? "Bound" : "Available" },
  };
}

function setup(...objects: Array<PersistentVolumeClaim | PersistentVolume | StorageClass | Pod | ReturnType<typeof newNode>>) {
  const f = controllerFixture(...objects);
  const binder = new PersistentVolumeController({ client: f.client, informers: f.informers });
  const provisioner = new LocalPathProvisioner({ client: f.client, informers: f.informers });
  return { ...f, binder, provisioner };
}

describe("local-path provisioning and binding", () => {
  it("waits for the first consumer, then provisions a PV pinned to the selected node and pre-bound to the claim", async () => {
    const node = newNode("worker1");
    node.metadata!.annotations = { "kubelab.io/local-path-dir": "/var/lib/kubelab/worker1/storage" };
    const waiting = setup(localPath, node, claim("data"));
    await waiting.provisioner.sync("default/data");
    await waiting.binder.sync("claim:default/data");
    expect(waiting.client.writes()).toEqual([]);

    const f = setup(localPath, node, claim("data", { node: "worker1" }));
    await f.provisioner.sync("default/data");
    const pv = f.client.creates("persistentvolumes")[0]?.object as PersistentVolume;
    expect(pv.metadata.name).toBe("pvc-uid-data");
    expect(pv.metadata.finalizers).toEqual(["kubelab.io/local-path-cleanup"]);
    expect(pv.metadata.labels).toEqual({ "kubelab.io/local-path-node": "worker1" });
    expect(pv.spec).toMatchObject({
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "local-path",
      claimRef: { namespace: "default", name: "data", uid: "uid-data" },
      local: { path: "/var/lib/kubelab/worker1/storage/pvc-uid-data_default_data" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["worker1"] }] }] } },
    });
  });

  it("binds a claim to the PV made for it: volumeName, Bound both ways, capacity and modes in the claim's status", async () => {
    const pvc = claim("data", { node: "worker1" });
    const pv = { ...manualVolume("pvc-uid-data", "1Gi", { claimRef: pvc }), status: { phase: "Pending" } };
    pv.spec!.storageClassName = "local-path";
    const f = setup(localPath, newNode("worker1"), pvc, pv);
    await f.binder.sync("claim:default/data");
    expect(f.client.object<PersistentVolumeClaim>({ group: "", version: "v1", plural: "persistentvolumeclaims", namespaced: true }, "default", "data")).toMatchObject({
      spec: { volumeName: "pvc-uid-data" },
      status: { phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] },
    });
    expect(f.client.object<PersistentVolume>({ group: "", version: "v1", plural: "persistentvolumes", namespaced: false }, undefined, "pvc-uid-data")?.status?.phase).toBe("Bound");
  });

  it("picks the smallest matching static PV of the class, never one too small", async () => {
    const pvc = claim("db", { storageClassName: "manual" });
    pvc.spec!.resources = { requests: { storage: "2Gi" } };
    const f = setup(pvc, manualVolume("small", "1Gi"), manualVolume("big", "10Gi"), manualVolume("right", "5Gi"));
    await f.binder.sync("claim:default/db");
    const bound = f.client.updates("persistentvolumeclaims").map((a) => (a.object as PersistentVolumeClaim).spec?.volumeName);
    expect(bound).toEqual(["right"]);
  });
});

describe("reclaim and protection", () => {
  const pvRes = { group: "", version: "v1", plural: "persistentvolumes", namespaced: false };

  it("releases a volume whose claim is gone, then deletes it (Delete) or keeps it Released (Retain)", async () => {
    const gone = claim("gone");
    const del = setup(manualVolume("v1", "1Gi", { claimRef: gone, policy: "Delete" }));
    await del.binder.sync("volume:v1");
    expect(del.client.statusWrites("persistentvolumes").map((a) => (a.object as PersistentVolume).status?.phase)).toEqual(["Released"]);
    expect(del.client.deletes("persistentvolumes").map((a) => a.name)).toEqual(["v1"]);

    const keep = setup(manualVolume("v2", "1Gi", { claimRef: gone, policy: "Retain" }));
    await keep.binder.sync("volume:v2");
    expect(keep.client.object<PersistentVolume>(pvRes, undefined, "v2")?.status?.phase).toBe("Released");
    expect(keep.client.deletes()).toEqual([]);
  });

  it("keeps pvc-protection while a running pod uses the claim and drops it once the pod has finished", async () => {
    const pvc = claim("data", { volumeName: "v1", deleting: true });
    const user = newPod("db", { phase: "Running" });
    user.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "data" } }];
    const busy = setup(pvc, user);
    await busy.binder.sync("claim:default/data");
    expect(busy.client.updates("persistentvolumeclaims")).toEqual([]);

    const done = setup(pvc, { ...user, status: { phase: "Succeeded" } } as Pod);
    await done.binder.sync("claim:default/data");
    expect((done.client.updates("persistentvolumeclaims")[0]?.object as PersistentVolumeClaim).metadata.finalizers).toBeUndefined();
  });

  it("keeps pv-protection on a Bound volume being deleted, drops it once Released", async () => {
    const deleting = (phase: string) => {
      const pv = manualVolume("v1", "1Gi");
      return { ...pv, metadata: { ...pv.metadata, deletionTimestamp: rfc3339(T0) }, status: { phase } };
    };
    const bound = setup(deleting("Bound"));
    await bound.binder.sync("volume:v1");
    expect(bound.client.updates("persistentvolumes")).toEqual([]);
    const released = setup(deleting("Released"));
    await released.binder.sync("volume:v1");
    expect((released.client.updates("persistentvolumes")[0]?.object as PersistentVolume).metadata.finalizers).toBeUndefined();
  });
});
