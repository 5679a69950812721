// The PersistentVolume controller (Kubernetes' pkg/controller/volume/persistentvolume, with the
// pvc-protection and pv-protection controllers folded in): claims and volumes in one queue,
// keys "claim:<ns>/<name>" and "volume:<name>". A claim is bound to the volume meant for it or
// the smallest that matches (class, access modes, capacity, selector; with WaitForFirstConsumer
// only once the scheduler named a node, and only to a volume that node can reach); a claim
// left without one waits for its class's provisioner. A volume whose claim is gone is Released
// and then deleted (Delete) or kept (Retain). Finalizers go once nothing uses the object.
import type { Node, Pod } from "../../../api/core";
import type { PersistentVolume, PersistentVolumeClaim } from "../../../api/corev1/persistentvolume";
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, SELECTED_NODE_ANNOTATION, STORAGE_PROVISIONER_ANNOTATION, type StorageClass } from "../../../api/storage";
import { BOUND_BY_CONTROLLER_ANNOTATION } from "../../../api/storage-names";
import { claimClass, claimRefIs, findMatchingVolume, podClaimNames, volumeMatchesClaim } from "../../../api/storage-binding";
import { isNotFound, persistentvolumeclaims, persistentvolumes, pods as podsRes, runController, WorkQueue, type ApiClient, type EventRecorder, type Informer, type Result } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { ignoreNotFoundOrConflict } from "../errors";
import type { ControllerRunOptions } from "../run-options";
import { bind, claimKey, setClaimPhase, setVolumePhase, unbindVolume } from "./bind";
import { claimProtected, podsUsingClaim, volumeProtected, withoutFinalizer } from "./protection";

export interface PersistentVolumeControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
}

const NO_PROVISIONER = "kubernetes.io/no-provisioner";

export class PersistentVolumeController {
  readonly queue = new WorkQueue({ name: "persistentvolume-binder" });
  private readonly client: ApiClient;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly opts: PersistentVolumeControllerOptions) {
    this.client = opts.client;
    this.claims = opts.informers.persistentVolumeClaims();
    this.volumes = opts.informers.persistentVolumes();
    this.classes = opts.informers.storageClasses();
    this.nodes = opts.informers.nodes();
    this.pods = opts.informers.pods();
    const claim = (pvc: PersistentVolumeClaim) => {
      this.queue.add(`claim:${claimKey(pvc)}`);
      if (pvc.spec?.volumeName) this.queue.add(`volume:${pvc.spec.volumeName}`);
    };
    const volume = (pv: PersistentVolume) => {
      this.queue.add(`volume:${pv.metadata.name}`);
      const ref = pv.spec?.claimRef;
      if (ref?.name) this.queue.add(`claim:${ref.namespace ?? ""}/${ref.name}`);
    };
    this.claims.addEventHandler({ onAdd: claim, onUpdate: (_o, c) => claim(c), onDelete: claim });
    this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_o, v) => volume(v), onDelete: volume });
    // A pod that finishes or goes may free a claim being deleted.
    const pod = (p: Pod) => {
      for (const name of podClaimNames(p)) this.queue.add(`claim:${p.metadata?.namespace ?? ""}/${name}`);
    };
    this.pods.addEventHandler({ onAdd: pod, onUpdate: (_o, p) => pod(p), onDelete: pod });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "persistentvolume-binder", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    if (key.startsWith("claim:")) return this.syncClaim(key.slice("claim:".length));
    if (key.startsWith("volume:")) return this.syncVolume(key.slice("volume:".length));
  }

  private async syncClaim(key: string): Promise<Result | void> {
    const pvc = this.claims.get(key);
    if (!pvc) return;
    if (pvc.metadata.deletionTimestamp) return this.releaseClaim(pvc);
    if (!pvc.spec?.volumeName) return this.bindUnbound(pvc);
    const pv = this.volumes.get(pvc.spec.volumeName);
    if (!pv) {
      if (pvc.status?.phase === "Lost") return;
      await setClaimPhase(this.client, pvc, "Lost").catch(ignoreNotFoundOrConflict);
      this.opts.recorder?.event(pvc, "Warning", "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
      return;
    }
    if (claimRefIs(pv, pvc)) return bind(this.client, pv, pvc);
    if (!pv.spec?.claimRef && volumeMatchesClaim(pv, pvc)) return bind(this.client, pv, pvc);
    const message = pv.spec?.claimRef ? `volume "${pv.metadata.name}" already bound to a different claim.` : `Cannot bind to requested volume "${pv.metadata.name}": it does not match the claim`;
    this.opts.recorder?.event(pvc, "Warning", "FailedBinding", message);
  }

  /** An unbound claim: bind it to a volume that serves it, or leave it to its class's provisioner. */
  private async bindUnbound(pvc: PersistentVolumeClaim): Promise<Result | void> {
    const cls = this.classes.get(claimClass(pvc));
    const selected = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (cls?.volumeBindingMode === "WaitForFirstConsumer" && !selected) {
      this.opts.recorder?.event(pvc, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
      return;
    }
    const node = selected ? this.nodes.get(selected) : undefined;
    if (selected && !node) return { requeueAfter: 5000 };
    const pv = findMatchingVolume(pvc, this.volumes.list(), node);
    if (pv) return bind(this.client, pv, pvc);
    if (!cls || !cls.provisioner || cls.provisioner === NO_PROVISIONER) {
      const why = claimClass(pvc) && !cls ? `storageclass.storage.k8s.io "${claimClass(pvc)}" not found` : "no persistent volumes available for this claim and no storage class is set";
      this.opts.recorder?.event(pvc, "Warning", claimClass(pvc) && !cls ? "ProvisioningFailed" : "FailedBinding", why);
      return;
    }
    if (pvc.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION] !== cls.provisioner) {
      const next = structuredClone(pvc);
      next.metadata.annotations = { ...next.metadata.annotations, [STORAGE_PROVISIONER_ANNOTATION]: cls.provisioner, "volume.beta.kubernetes.io/storage-provisioner": cls.provisioner };
      await this.client.update(persistentvolumeclaims, pvc.metadata.namespace, next).catch(ignoreNotFoundOrConflict);
    }
    this.opts.recorder?.event(pvc, "Normal", "ExternalProvisioning", `Waiting for a volume to be created either by the external provisioner '${cls.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  }

  /** A claim being deleted loses pvc-protection once no unfinished pod uses it (checked live too). */
  private async releaseClaim(pvc: PersistentVolumeClaim): Promise<void> {
    if (!claimProtected(pvc)) return;
    if (podsUsingClaim(pvc, this.pods.byIndex("namespace", pvc.metadata.namespace ?? "")).length > 0) return;
    // The cache may lag behind a pod just created: ask the API server, as Kubernetes does.
    const live = await this.client.list<Pod>(podsRes, pvc.metadata.namespace);
    if (podsUsingClaim(pvc, live.items).length > 0) return;
    await this.client.update(persistentvolumeclaims, pvc.metadata.namespace, withoutFinalizer(pvc, PVC_PROTECTION_FINALIZER)).catch(ignoreNotFoundOrConflict);
  }

  private async syncVolume(name: string): Promise<Result | void> {
    const pv = this.volumes.get(name);
    if (!pv) return;
    if (pv.metadata.deletionTimestamp) {
      if (volumeProtected(pv) && pv.status?.phase !== "Bound") await this.client.update(persistentvolumes, undefined, withoutFinalizer(pv, PV_PROTECTION_FINALIZER)).catch(ignoreNotFoundOrConflict);
      return;
    }
    const ref = pv.spec?.claimRef;
    if (!ref) return void (await setVolumePhase(this.client, pv, "Available").catch(ignoreNotFoundOrConflict));
    if (!ref.uid) return; // pre-bound by a user: the claim's sync binds it
    const pvc = await this.currentClaim(`${ref.namespace ?? ""}/${ref.name ?? ""}`);
    if (pvc && pvc.metadata.uid === ref.uid) {
      if (pvc.spec?.volumeName === pv.metadata.name || !pvc.spec?.volumeName) return;
      // The claim went to another volume: a volume the controller bound is free again.
      if (pv.metadata.annotations?.[BOUND_BY_CONTROLLER_ANNOTATION]) return unbindVolume(this.client, pv);
    }
    return this.reclaim(pv);
  }

  /** The claim from the cache, else from the API server (the cache may not have it yet). */
  private async currentClaim(key: string): Promise<PersistentVolumeClaim | undefined> {
    const cached = this.claims.get(key);
    if (cached) return cached;
    const [ns, name] = key.split("/") as [string, string];
    return this.client.get<PersistentVolumeClaim>(persistentvolumeclaims, ns, name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  }

  /** Its claim is gone: Released, then deleted (Delete) or kept (Retain). */
  private async reclaim(pv: PersistentVolume): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? "Retain";
    if (policy === "Recycle") {
      await setVolumePhase(this.client, pv, "Failed", "Recycle is not supported; use Delete or Retain").catch(ignoreNotFoundOrConflict);
      this.opts.recorder?.event(pv, "Warning", "VolumeFailedRecycle", "Recycle is not supported; use Delete or Retain");
      return;
    }
    const released = await setVolumePhase(this.client, pv, "Released").catch(ignoreNotFoundOrConflict);
    if (!released || policy !== "Delete") return;
    await this.client.delete(persistentvolumes, undefined, pv.metadata.name!, { preconditions: { uid: pv.metadata.uid } }).catch(ignoreNotFoundOrConflict);
    this.opts.recorder?.event(pv, "Normal", "VolumeDelete", `Deleted volume ${pv.metadata.name} (reclaim policy Delete)`);
  }
}
