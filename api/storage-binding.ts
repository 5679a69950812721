// Which PersistentVolume may serve which claim, on which node: the one definition the binder
// (controllers/persistentvolume), the provisioner (controllers/localpath) and the scheduler's
// volume-binding plugin share (after Kubernetes' pkg/controller/volume/persistentvolume/util:
// FindMatchingVolume, CheckVolumeModeMismatches, CheckNodeAffinity). Pure; no zod.
import type { Node, NodeSelectorTerm, Pod } from "./core";
import type { PersistentVolume, PersistentVolumeClaim } from "./corev1/persistentvolume";
import { selectorMatches } from "./meta";
import { parseQuantity } from "./quantity";
import { compareStrings } from "./order";

type Requirement = NonNullable<NodeSelectorTerm["matchExpressions"]>[number];

function requirementMatches(req: Requirement, values: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, req.key);
  const list = req.values ?? [];
  switch (req.operator) {
    case "In":
      return has && list.includes(values[req.key]!);
    case "NotIn":
      return !has || !list.includes(values[req.key]!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}

/** Does a PV's required node affinity admit this node (no affinity: every node)? */
export function volumeFitsNode(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  const labels = node.metadata?.labels ?? {};
  const fields = { "metadata.name": node.metadata?.name ?? "" };
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const f = t.matchFields ?? [];
    return exprs.length + f.length > 0 && exprs.every((r) => requirementMatches(r, labels)) && f.every((r) => requirementMatches(r, fields));
  });
}

/** The node affinity that pins a volume to one node (by its hostname label, as local-path does). */
export function pinnedToNode(nodeName: string): NonNullable<PersistentVolume["spec"]>["nodeAffinity"] {
  return { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [nodeName] }] }] } };
}

/** The class a claim asks for ("" = none). */
export const claimClass = (pvc: PersistentVolumeClaim): string => pvc.spec?.storageClassName ?? pvc.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"] ?? "";
export const volumeClass = (pv: PersistentVolume): string => pv.spec?.storageClassName ?? pv.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"] ?? "";

const requested = (pvc: PersistentVolumeClaim) => parseQuantity(pvc.spec?.resources?.requests?.storage ?? 0);
const capacity = (pv: PersistentVolume) => parseQuantity(pv.spec?.capacity?.storage ?? 0);

/** Is the PV's claimRef this claim (by uid when it has one, else by namespace/name)? */
export function claimRefIs(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== pvc.metadata.name || (ref.namespace ?? "") !== (pvc.metadata.namespace ?? "")) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** Could this volume serve this claim (ignoring nodes)? Class, modes, size, selector, volume mode, not taken. */
export function volumeMatchesClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if (pv.metadata.deletionTimestamp) return false;
  if (pv.spec?.claimRef && !claimRefIs(pv, pvc)) return false;
  if (!pv.spec?.claimRef && pv.status?.phase !== undefined && pv.status.phase !== "Available" && pv.status.phase !== "Pending") return false;
  if (volumeClass(pv) !== claimClass(pvc)) return false;
  if ((pv.spec?.volumeMode ?? "Filesystem") !== (pvc.spec?.volumeMode ?? "Filesystem")) return false;
  const modes = pv.spec?.accessModes ?? [];
  if (!(pvc.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  if (capacity(pv) < requested(pvc)) return false;
  return !pvc.spec?.selector || selectorMatches(pvc.spec.selector, pv.metadata.labels);
}

/**
 * The volume to bind the claim to: one already meant for it (claimRef), else the smallest that
 * matches (and fits the node, when one is given). A claim with a selector never gets a PV that
 * was not made for it by a provisioner's claimRef unless the labels match.
 */
export function findMatchingVolume(pvc: PersistentVolumeClaim, pvs: readonly PersistentVolume[], node?: Node): PersistentVolume | undefined {
  const fits = pvs.filter((pv) => volumeMatchesClaim(pv, pvc) && (!node || volumeFitsNode(pv, node)));
  const meant = fits.find((pv) => claimRefIs(pv, pvc));
  if (meant) return meant;
  return fits.filter((pv) => !pv.spec?.claimRef).sort((a, b) => capacity(a) - capacity(b) || compareStrings(a.metadata.name ?? "", b.metadata.name ?? ""))[0];
}

/** The claim names a pod's volumes use. */
export function podClaimNames(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
}

/** A pod that still holds its claims: not finished (the pvc-protection controller's podUsesPVC). */
export function podHoldsClaims(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}
