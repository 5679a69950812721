// A resource while a kustomization is built: the object, where it was read (file and line, kept
// through every transformer so errors and status still point at git), and what kustomize keeps in
// its build annotations: the names it had, and for generated objects whether a hash is appended.
import { findByKind } from "../../../api/index";
import type { ManifestObject } from "../manifests";

export interface Resource {
  object: ManifestObject;
  file: string;
  line: number;
  document: number;
  /** Name and namespace when the resource entered the build (a generator's name for generated ones). */
  origName: string;
  origNamespace?: string;
  /** Names it had before earlier levels renamed it (references to them are rewritten too). */
  formerNames?: string[];
  /** Set for ConfigMaps/Secrets from a generator. */
  generated?: { hash: boolean };
}

export const clone = <T>(v: T): T => structuredClone(v);

export type Json = Record<string, unknown>;

export const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Cluster-scoped kinds kustomize knows without a cluster (its built-in OpenAPI), beyond our api/. */
const CLUSTER_SCOPED = new Set([
  "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
  "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
  "APIService", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
  "PodSecurityPolicy", "CertificateSigningRequest", "ComponentStatus", "FlowSchema", "PriorityLevelConfiguration",
  "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
]);

export function isClusterScoped(o: { apiVersion: string; kind: string }): boolean {
  const r = findByKind(o.apiVersion, o.kind);
  return r ? !r.namespaced : CLUSTER_SCOPED.has(o.kind);
}

export const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "");
export const versionOf = (apiVersion: string) => apiVersion.slice(apiVersion.indexOf("/") + 1);

/** A map field of an object, created when missing. */
export function mapAt(obj: Json, path: string[]): Json {
  let cur = obj;
  for (const k of path) {
    if (!isMap(cur[k])) cur[k] = {};
    cur = cur[k] as Json;
  }
  return cur;
}

/** A field of an object by path, undefined when any step is missing. */
export function getAt(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isMap(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Pod templates (spec.template / jobTemplate) of workload kinds, as [path to template]. */
export function templatePaths(o: ManifestObject): string[][] {
  switch (o.kind) {
    case "Deployment": case "ReplicaSet": case "StatefulSet": case "DaemonSet": case "Job": case "ReplicationController":
      return [["spec", "template"]];
    case "CronJob":
      return [["spec", "jobTemplate", "spec", "template"]];
    default:
      return [];
  }
}

/** The pod specs inside an object (a Pod's own spec, or its templates'). */
export function podSpecs(o: ManifestObject): Json[] {
  if (o.kind === "Pod" || o.kind === "PodTemplate") {
    const s = o.kind === "Pod" ? getAt(o, ["spec"]) : getAt(o, ["template", "spec"]);
    return isMap(s) ? [s] : [];
  }
  return templatePaths(o).map((p) => getAt(o, [...p, "spec"])).filter(isMap);
}
