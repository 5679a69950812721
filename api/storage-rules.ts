// Defaults and validation of PersistentVolume, PersistentVolumeClaim and StorageClass, after
// Kubernetes 1.32's pkg/apis/core (SetDefaults_PersistentVolume*, ValidatePersistentVolume*)
// and pkg/apis/storage (ValidateStorageClass*), with their field paths and messages.
import type { PersistentVolume, PersistentVolumeClaim } from "./corev1/persistentvolume";
import { deepEqual } from "./define";
import { parseQuantity } from "./quantity";
import type { FieldCause } from "./resource";
import type { StorageClass } from "./storage";
import { fieldError, isDNS1123Subdomain, validateLabelSelector } from "./validation";

export const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES = ["Block", "Filesystem"];
const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"];
/** PV spec fields that are not its volume source. */
const PV_NON_SOURCE = new Set(["capacity", "accessModes", "claimRef", "persistentVolumeReclaimPolicy", "storageClassName", "mountOptions", "volumeMode", "nodeAffinity", "volumeAttributesClassName"]);

export function persistentVolumeSources(pv: PersistentVolume): string[] {
  return Object.keys(pv.spec ?? {}).filter((k) => !PV_NON_SOURCE.has(k));
}

export function defaultPersistentVolume(pv: PersistentVolume): void {
  const spec = (pv.spec ??= {});
  spec.persistentVolumeReclaimPolicy ??= "Retain";
  spec.volumeMode ??= "Filesystem";
}

export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  const spec = (pvc.spec ??= {});
  spec.volumeMode ??= "Filesystem";
}

export function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ??= "Delete";
  sc.volumeBindingMode ??= "Immediate";
}

const supported = (path: string, value: string | undefined, values: string[]) => (value !== undefined && !values.includes(value) ? [fieldError.notSupported(path, value, values)] : []);

function validateAccessModes(modes: string[] | undefined, path: string): FieldCause[] {
  if (!modes?.length) return [fieldError.required(path, "at least 1 access mode is required")];
  const out = modes.flatMap((m) => supported(path, m, ACCESS_MODES));
  if (modes.includes("ReadWriteOncePod") && modes.length > 1) out.push(fieldError.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return out;
}

function validateStorageQuantity(value: string | number | undefined, path: string): FieldCause[] {
  if (value === undefined) return [fieldError.required(path)];
  return parseQuantity(value) > 0 ? [] : [fieldError.invalid(path, value, "must be greater than zero")];
}

const className = (name: string | undefined, path: string) => (name ? isDNS1123Subdomain(name).map((m) => fieldError.invalid(path, name, m)) : []);

export function validatePersistentVolume(pv: PersistentVolume): FieldCause[] {
  const spec = pv.spec ?? {};
  const out = validateAccessModes(spec.accessModes, "spec.accessModes");
  if (!spec.capacity || Object.keys(spec.capacity).length === 0) out.push(fieldError.required("spec.capacity"));
  else {
    for (const key of Object.keys(spec.capacity)) if (key !== "storage") out.push(fieldError.notSupported(`spec.capacity`, key, ["storage"]));
    out.push(...validateStorageQuantity(spec.capacity.storage, "spec.capacity[storage]"));
  }
  out.push(...supported("spec.persistentVolumeReclaimPolicy", spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  out.push(...supported("spec.volumeMode", spec.volumeMode, VOLUME_MODES));
  out.push(...className(spec.storageClassName, "spec.storageClassName"));
  const sources = persistentVolumeSources(pv);
  if (sources.length === 0) out.push(fieldError.required("spec", "must specify a volume type"));
  if (sources.length > 1) out.push(fieldError.forbidden(`spec.${sources[1]}`, "may not specify more than 1 volume type"));
  if (spec.hostPath && !spec.hostPath.path) out.push(fieldError.required("spec.hostPath.path"));
  if (spec.local) {
    if (!spec.local.path) out.push(fieldError.required("spec.local.path"));
    if (!spec.nodeAffinity?.required) out.push(fieldError.required("spec.nodeAffinity", "Local volume requires node affinity"));
  }
  for (const p of [spec.hostPath?.path, spec.local?.path]) {
    if (p && !p.startsWith("/")) out.push(fieldError.invalid(spec.local ? "spec.local.path" : "spec.hostPath.path", p, "must be an absolute path"));
    if (p?.split("/").includes("..")) out.push(fieldError.invalid(spec.local ? "spec.local.path" : "spec.hostPath.path", p, "must not contain '..'"));
  }
  const terms = spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (spec.nodeAffinity?.required && !terms?.length) out.push(fieldError.required("spec.nodeAffinity.required.nodeSelectorTerms", "must have at least one node selector term"));
  return out;
}

export function validatePersistentVolumeUpdate(next: PersistentVolume, old: PersistentVolume): FieldCause[] {
  const out: FieldCause[] = [];
  const sourceOf = (pv: PersistentVolume) => Object.fromEntries(persistentVolumeSources(pv).map((k) => [k, (pv.spec as Record<string, unknown>)[k]]));
  if (!deepEqual(sourceOf(next), sourceOf(old))) out.push(fieldError.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
  if (next.spec?.volumeMode !== old.spec?.volumeMode) out.push(fieldError.immutable("spec.volumeMode", next.spec?.volumeMode));
  if (old.spec?.nodeAffinity && !deepEqual(next.spec?.nodeAffinity, old.spec.nodeAffinity)) out.push(fieldError.invalid("spec.nodeAffinity", next.spec?.nodeAffinity, "field is immutable"));
  return out;
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldCause[] {
  const spec = pvc.spec ?? {};
  const out = validateAccessModes(spec.accessModes, "spec.accessModes");
  out.push(...validateStorageQuantity(spec.resources?.requests?.storage, "spec.resources[storage]"));
  out.push(...supported("spec.volumeMode", spec.volumeMode, VOLUME_MODES));
  out.push(...className(spec.storageClassName, "spec.storageClassName"));
  if (spec.selector) out.push(...validateLabelSelector(spec.selector, "spec.selector"));
  return out;
}

/**
 * A claim's spec is immutable except that an unbound claim may get its volumeName (binding) and
 * a class (the DefaultStorageClass admission, the retroactive default); resizing is not served.
 */
export function validatePersistentVolumeClaimUpdate(next: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldCause[] {
  const a = structuredClone(next.spec ?? {});
  const b = old.spec ?? {};
  if (!b.volumeName) delete a.volumeName;
  if (b.storageClassName === undefined) delete a.storageClassName;
  const out: FieldCause[] = [];
  const grow = !deepEqual(a.resources?.requests, b.resources?.requests);
  if (grow) {
    out.push(fieldError.forbidden("spec.resources.requests.storage", "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"));
    a.resources = b.resources;
  }
  const { volumeName: nv, storageClassName: nc, ...rest } = a;
  const { volumeName: ov, storageClassName: oc, ...oldRest } = b;
  const changed = !deepEqual(rest, oldRest) || (b.volumeName && nv !== ov) || (b.storageClassName !== undefined && nc !== oc);
  if (changed) out.push(fieldError.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
  return out;
}

export function validateStorageClass(sc: StorageClass): FieldCause[] {
  const out: FieldCause[] = [];
  if (!sc.provisioner) out.push(fieldError.required("provisioner"));
  else if (sc.provisioner.length > 63) out.push(fieldError.tooLong("provisioner", sc.provisioner, 63));
  out.push(...supported("reclaimPolicy", sc.reclaimPolicy, ["Delete", "Retain"]));
  out.push(...supported("volumeBindingMode", sc.volumeBindingMode, BINDING_MODES));
  return out;
}

export function validateStorageClassUpdate(next: StorageClass, old: StorageClass): FieldCause[] {
  const out: FieldCause[] = [];
  if (!deepEqual(next.parameters ?? {}, old.parameters ?? {})) out.push(fieldError.forbidden("parameters", "updates to parameters are forbidden."));
  if (next.provisioner !== old.provisioner) out.push(fieldError.forbidden("provisioner", "updates to provisioner are forbidden."));
  if (next.reclaimPolicy !== old.reclaimPolicy) out.push(fieldError.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  if (next.volumeBindingMode !== old.volumeBindingMode) out.push(fieldError.immutable("volumeBindingMode", next.volumeBindingMode));
  return out;
}
