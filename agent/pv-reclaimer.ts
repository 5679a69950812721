// The node's side of local-path storage (k3s runs a helper pod on the node for it): the agent
// tells the control plane where its volumes live (the kubelab.io/local-path-dir annotation on
// its Node, read by the provisioner), reads claims and volumes for pvc mounts, and removes the
// directory of a local-path PV of this node once the PV is being deleted, then lets the PV go
// (the kubelab.io/local-path-cleanup finalizer). Only directories under the node's own
// local-path dir are ever removed, whatever a PV says.
import { rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { ignoreNotFound, isConflict, isNotFound } from "../client/errors";
import { Informer } from "../client/informer";
import { nodes, persistentvolumeclaims, persistentvolumes } from "../client/resources";
import type { ApiClient } from "../client/rest";
import type { PersistentVolume, PersistentVolumeClaim } from "../api/corev1/persistentvolume";
import { LOCAL_PATH_CLEANUP_FINALIZER, LOCAL_PATH_DIR_ANNOTATION, LOCAL_PATH_NODE_LABEL } from "../api/storage-names";
import type { ClaimSource } from "./pv-volume";
import { persistentVolumeDir } from "./pv-volume";
import { assertRealPathWithin, isWithin } from "./volume-paths";

/** Where this node keeps local-path volumes. */
export const localPathDir = (rootDir: string) => join(rootDir, "storage");

export function claimSource(client: ApiClient): ClaimSource {
  return {
    getPersistentVolumeClaim: (ns, name) => client.get<PersistentVolumeClaim>(persistentvolumeclaims, ns, name).catch(ignoreNotFound),
    getPersistentVolume: (name) => client.get<PersistentVolume>(persistentvolumes, undefined, name).catch(ignoreNotFound),
  };
}

/** The node a PV is pinned to by the hostname label (as the provisioner pins it), if any. */
export function pinnedNode(pv: PersistentVolume): string | undefined {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const expr = terms.length === 1 ? terms[0]!.matchExpressions?.find((e) => e.key === "kubernetes.io/hostname" && e.operator === "In") : undefined;
  return expr?.values?.length === 1 ? expr.values[0] : undefined;
}

/** Should this node remove the PV's directory now? Pure. */
export function needsCleanup(pv: PersistentVolume, nodeName: string, dir: string): string | undefined {
  if (!pv.metadata.deletionTimestamp || !(pv.metadata.finalizers ?? []).includes(LOCAL_PATH_CLEANUP_FINALIZER)) return undefined;
  if (pinnedNode(pv) !== nodeName) return undefined;
  const path = persistentVolumeDir(pv);
  return path && isWithin(dir, path) && path !== dir ? path : undefined;
}

export interface PvReclaimerOptions {
  client: ApiClient;
  nodeName: string;
  rootDir: string;
  log: Logger;
  signal: AbortSignal;
}

/** Watches the PVs and cleans up those of this node; annotates the Node with its local-path dir. */
export function startPvReclaimer(o: PvReclaimerOptions): void {
  const dir = localPathDir(o.rootDir);
  // Only this node's volumes (a selector a Node authorizer can grant, as spec.nodeName for pods).
  const labelSelector = `${LOCAL_PATH_NODE_LABEL}=${o.nodeName}`;
  const informer = new Informer<PersistentVolume>({ client: o.client, resource: persistentvolumes, labelSelector, logger: o.log });
  const inFlight = new Set<string>();
  const consider = (pv: PersistentVolume) => {
    const path = needsCleanup(pv, o.nodeName, dir);
    const name = pv.metadata.name ?? "";
    if (!path || inFlight.has(name)) return;
    inFlight.add(name);
    void cleanup(o, pv, path).then((outcome) => {
      inFlight.delete(name);
      if (o.signal.aborted) return;
      // A conflict (the binder dropped pv-protection meanwhile): again from the newest copy now;
      // a failure (the API server away?): a little later.
      const again = () => {
        const latest = informer.get(name);
        if (latest) consider(latest);
      };
      if (outcome === "conflict") again();
      else if (outcome === "failed") setTimeout(again, 5000).unref();
    });
  };
  informer.addEventHandler({ onAdd: consider, onUpdate: (_old, pv) => consider(pv) });
  informer.start(o.signal);
  void annotateNode(o, dir);
}

async function cleanup(o: PvReclaimerOptions, pv: PersistentVolume, path: string): Promise<"done" | "conflict" | "failed" | "refused"> {
  const name = pv.metadata.name!;
  try {
    // A symlink on the way (planted through a pod's mount) must not lead the removal elsewhere.
    if (await stat(path).catch(() => undefined)) await assertRealPathWithin(localPathDir(o.rootDir), dirname(path), `path of local-path volume ${name}`);
  } catch (err) {
    o.log.error({ pv: name, path, err }, "local-path volume not removed: its path leaves the node's storage dir");
    return "refused";
  }
  try {
    await rm(path, { recursive: true, force: true });
    const finalizers = (pv.metadata.finalizers ?? []).filter((f) => f !== LOCAL_PATH_CLEANUP_FINALIZER);
    await o.client.update(persistentvolumes, undefined, { ...pv, metadata: { ...pv.metadata, finalizers: finalizers.length ? finalizers : undefined } });
    o.log.info({ pv: name, path }, "local-path volume removed");
    return "done";
  } catch (err) {
    if (isNotFound(err)) return "done";
    if (isConflict(err)) return "conflict";
    o.log.warn({ pv: name, err }, "local-path volume cleanup failed");
    return "failed";
  }
}

/** Sets the annotation once the Node exists (node registration runs beside this). */
async function annotateNode(o: PvReclaimerOptions, dir: string): Promise<void> {
  for (let delay = 200; !o.signal.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      await o.client.patch(nodes, undefined, o.nodeName, { metadata: { annotations: { [LOCAL_PATH_DIR_ANNOTATION]: dir } } }, "merge");
      return;
    } catch (err) {
      o.log.debug({ err }, "local-path dir annotation not set yet");
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
