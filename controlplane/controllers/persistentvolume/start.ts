// The storage controllers' wiring for the controller manager: the PersistentVolume binder (with
// the pvc/pv protection) and the local-path provisioner, on the shared informers.
import { persistentvolumeclaims, type ApiClient, type EventRecorder, type Informer, type ObjectWithMeta, type ResourceRef } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { LocalPathProvisioner } from "../localpath/controller";
import type { ControllerRunOptions } from "../run-options";
import { PersistentVolumeController } from "./controller";

export interface StorageWiring {
  client: ApiClient;
  informers: SharedInformers;
  signal: AbortSignal;
  enabled(name: "persistentvolume-binder" | "local-path-provisioner"): boolean;
  recorder(component: string): EventRecorder;
  runOpts(name: string): ControllerRunOptions;
  starters: Array<() => void>;
  runs: Array<Promise<void>>;
}

export function newStorageControllers(w: StorageWiring): void {
  const run = (name: string, c: { run(signal: AbortSignal, o: ControllerRunOptions): Promise<void> }) => w.starters.push(() => w.runs.push(c.run(w.signal, w.runOpts(name))));
  if (w.enabled("persistentvolume-binder")) run("persistentvolume-binder", new PersistentVolumeController({ client: w.client, informers: w.informers, recorder: w.recorder("persistentvolume-controller") }));
  if (w.enabled("local-path-provisioner")) run("local-path-provisioner", new LocalPathProvisioner({ client: w.client, informers: w.informers, recorder: w.recorder("kubelab.io/local-path") }));
}

/** Claims for the garbage collector (a claim owned by a pod or, later, a StatefulSet goes with it). */
export function storageGcWatch(informers: SharedInformers): Record<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef }> {
  return { persistentvolumeclaims: { informer: informers.persistentVolumeClaims() as unknown as Informer<ObjectWithMeta>, res: persistentvolumeclaims } };
}
