// Paths inside volumes, as pkg/apis/core/validation checks them (behaviour, not code): the file
// paths a configMap, secret, downwardAPI or projected volume writes (items[].path) and a mount's
// subPath/subPathExpr must stay below the volume's directory. The agent resolves them under that
// directory; these checks are what keeps `../x` from reaching a sibling volume or the host.
import type { FieldCause } from "../resource";
import { fieldError } from "../validation";
import type { VolumeMount } from "./container";
import type { Volume } from "./volume";

/** validateLocalDescendingPath: not absolute, no ".." element. */
export function validateLocalDescendingPath(target: string, field: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (target.startsWith("/")) out.push(fieldError.invalid(field, target, "must be a relative path"));
  // One error is enough even for "../../..".
  if (target.split("/").includes("..")) out.push(fieldError.invalid(field, target, "must not contain '..'"));
  return out;
}

/** ValidateLocalNonReservedPath: a descending path that does not start with ".." either. */
export function validateLocalNonReservedPath(target: string, field: string): FieldCause[] {
  const out = validateLocalDescendingPath(target, field);
  // "..data" is what the atomic writer links the files through: reserved. "../x" is reported above.
  if (target.startsWith("..") && !target.startsWith("../")) out.push(fieldError.invalid(field, target, "must not start with '..'"));
  return out;
}

/** A file path of a volume item: required, then non-reserved. */
function itemPath(target: string, field: string): FieldCause[] {
  if (target === "") return [fieldError.required(field)];
  return validateLocalNonReservedPath(target, field);
}

interface KeyToPathLike {
  key: string;
  path: string;
}

function keyToPaths(items: readonly KeyToPathLike[] | undefined, field: string): FieldCause[] {
  return (items ?? []).flatMap((kp, i) => [
    ...(kp.key === "" ? [fieldError.required(`${field}[${i}].key`)] : []),
    ...itemPath(kp.path, `${field}[${i}].path`),
  ]);
}

function fileItems(items: readonly { path: string }[] | undefined, field: string): FieldCause[] {
  return (items ?? []).flatMap((f, i) => itemPath(f.path, `${field}[${i}].path`));
}

/** Every file path a volume source writes, at field = "spec.volumes[i]". */
export function validateVolumeItemPaths(v: Volume, field: string): FieldCause[] {
  const out = [
    ...keyToPaths(v.configMap?.items, `${field}.configMap.items`),
    ...keyToPaths(v.secret?.items, `${field}.secret.items`),
    ...fileItems(v.downwardAPI?.items, `${field}.downwardAPI.items`),
  ];
  (v.projected?.sources ?? []).forEach((s, i) => {
    const p = `${field}.projected.sources[${i}]`;
    out.push(...keyToPaths(s.configMap?.items, `${p}.configMap.items`));
    out.push(...keyToPaths(s.secret?.items, `${p}.secret.items`));
    out.push(...fileItems(s.downwardAPI?.items, `${p}.downwardAPI.items`));
    if (s.serviceAccountToken) out.push(...itemPath(s.serviceAccountToken.path, `${p}.serviceAccountToken.path`));
    if (s.clusterTrustBundle) out.push(...itemPath(s.clusterTrustBundle.path, `${p}.clusterTrustBundle.path`));
  });
  return out;
}

/**
 * subPath and subPathExpr of a volume mount at field = "spec.containers[i].volumeMounts[j]".
 * Kubernetes reports these on the list's path without the index (a known quirk); the index says
 * which mount is wrong, so it is kept here.
 */
export function validateVolumeMountSubPaths(m: VolumeMount, field: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (m.subPath) out.push(...validateLocalDescendingPath(m.subPath, `${field}.subPath`));
  if (m.subPathExpr) {
    if (m.subPath) out.push(fieldError.invalid(`${field}.subPathExpr`, m.subPathExpr, "subPathExpr and subPath are mutually exclusive"));
    out.push(...validateLocalDescendingPath(m.subPathExpr, `${field}.subPathExpr`));
  }
  return out;
}
