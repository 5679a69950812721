// The local-path provisioner (what k3s's local-path-provisioner does, as a controller of the
// controller manager): for an unbound claim of a class with provisioner kubelab.io/local-path,
// once the scheduler has picked the node of its first pod (volume.kubernetes.io/selected-node),
// create a PV pvc-<claim uid> on a directory of that node, pinned to it by nodeAffinity and
// pre-bound to the claim (claimRef with uid) for the binder. The directory itself is made by
// the node's agent on first mount and removed by it when the PV is deleted (the PV holds
// kubelab.io/local-path-cleanup until then).
import { posix } from "node:path";
import type { Node } from "../../../api/core";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import { LOCAL_PATH_CLEANUP_FINALIZER, LOCAL_PATH_DIR_ANNOTATION, LOCAL_PATH_NODE_LABEL, LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION, SELECTED_NODE_ANNOTATION, type StorageClass } from "../../../api/storage";
import { claimClass, pinnedToNode } from "../../../api/storage-binding";
import { isAlreadyExists, keyOf, persistentvolumes, runController, WorkQueue, type ApiClient, type EventRecorder, type Informer, type Result } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";

/** Where a node keeps local-path volumes when its agent has not said (hollow nodes). */
export const DEFAULT_LOCAL_PATH_DIR = "/var/lib/kubelab/storage";

export interface LocalPathProvisionerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
}

/** The volume's name, after the claim's uid, as external provisioners name theirs. */
export const volumeNameFor = (pvc: PersistentVolumeClaim) => `pvc-${pvc.metadata.uid}`;

/** The PV that serves the claim on the node (pure). */
export function provisionedVolume(pvc: PersistentVolumeClaim, cls: StorageClass, node: Node): PersistentVolume {
  const nodeName = node.metadata?.name ?? "";
  const dir = node.metadata?.annotations?.[LOCAL_PATH_DIR_ANNOTATION] || DEFAULT_LOCAL_PATH_DIR;
  const name = volumeNameFor(pvc);
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, labels: { [LOCAL_PATH_NODE_LABEL]: nodeName }, annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER }, finalizers: [LOCAL_PATH_CLEANUP_FINALIZER] },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? 0 },
      accessModes: pvc.spec?.accessModes,
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? "Delete",
      storageClassName: cls.metadata.name,
      volumeMode: pvc.spec?.volumeMode ?? "Filesystem",
      mountOptions: cls.mountOptions,
      claimRef: { kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion },
      local: { path: posix.join(dir, `${name}_${pvc.metadata.namespace}_${pvc.metadata.name}`) },
      nodeAffinity: pinnedToNode(nodeName),
    },
  };
}

export class LocalPathProvisioner {
  readonly queue = new WorkQueue({ name: "local-path-provisioner" });
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly nodes: Informer<Node>;

  constructor(private readonly opts: LocalPathProvisionerOptions) {
    this.claims = opts.informers.persistentVolumeClaims();
    this.volumes = opts.informers.persistentVolumes();
    this.classes = opts.informers.storageClasses();
    this.nodes = opts.informers.nodes();
    const add = (pvc: PersistentVolumeClaim) => this.queue.add(keyOf(pvc));
    this.claims.addEventHandler({ onAdd: add, onUpdate: (_o, c) => add(c) });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "local-path-provisioner", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const pvc = this.claims.get(key);
    if (!pvc || pvc.metadata.deletionTimestamp || pvc.spec?.volumeName) return;
    const cls = this.classes.get(claimClass(pvc));
    if (cls?.provisioner !== LOCAL_PATH_PROVISIONER) return;
    if (this.volumes.get(volumeNameFor(pvc))) return;
    const selected = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (!selected) {
      if (cls.volumeBindingMode !== "WaitForFirstConsumer") {
        this.opts.recorder?.event(pvc, "Warning", "ProvisioningFailed", `failed to provision volume with StorageClass "${cls.metadata.name}": configuration error, no node was specified (local-path volumes need volumeBindingMode WaitForFirstConsumer)`);
      }
      return;
    }
    const node = this.nodes.get(selected);
    if (!node) return { requeueAfter: 5000 };
    const source = `${pvc.metadata.namespace}/${pvc.metadata.name}`;
    this.opts.recorder?.event(pvc, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${source}"`);
    const pv = provisionedVolume(pvc, cls, node);
    try {
      await this.opts.client.create(persistentvolumes, undefined, pv);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    this.opts.recorder?.event(pvc, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${pv.metadata.name}`);
  }
}
