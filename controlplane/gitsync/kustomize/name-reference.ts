// Name references (kustomize's NameReferenceTransformer, its default config in part): after a
// level's transformers renamed objects (prefix, suffix, hash), every field that names another
// object by its old name is rewritten to the new one. `before` holds each resource's name and
// namespace when the level started; a referrer prefers a referee of its own former namespace.
import { getAt, isMap, podSpecs, type Json, type Resource } from "./resource";

type Setter = (kind: string, value: unknown, set: (v: string) => void, setNamespace?: (ns: string) => void) => void;

function podSpecRefs(spec: Json, ref: Setter): void {
  const at = (o: unknown, k: string) => (isMap(o) ? o[k] : undefined);
  for (const v of (spec.volumes as unknown[]) ?? []) {
    if (!isMap(v)) continue;
    const cm = at(v, "configMap"), sec = at(v, "secret"), pvc = at(v, "persistentVolumeClaim");
    if (isMap(cm)) ref("ConfigMap", cm.name, (n) => (cm.name = n));
    if (isMap(sec)) ref("Secret", sec.secretName, (n) => (sec.secretName = n));
    if (isMap(pvc)) ref("PersistentVolumeClaim", pvc.claimName, (n) => (pvc.claimName = n));
    for (const s of (at(at(v, "projected"), "sources") as unknown[]) ?? []) {
      const pcm = at(s, "configMap"), psec = at(s, "secret");
      if (isMap(pcm)) ref("ConfigMap", pcm.name, (n) => (pcm.name = n));
      if (isMap(psec)) ref("Secret", psec.name, (n) => (psec.name = n));
    }
  }
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    for (const c of (spec[field] as unknown[]) ?? []) {
      for (const e of (at(c, "env") as unknown[]) ?? []) {
        const cmk = at(at(e, "valueFrom"), "configMapKeyRef"), sk = at(at(e, "valueFrom"), "secretKeyRef");
        if (isMap(cmk)) ref("ConfigMap", cmk.name, (n) => (cmk.name = n));
        if (isMap(sk)) ref("Secret", sk.name, (n) => (sk.name = n));
      }
      for (const e of (at(c, "envFrom") as unknown[]) ?? []) {
        const cm = at(e, "configMapRef"), sec = at(e, "secretRef");
        if (isMap(cm)) ref("ConfigMap", cm.name, (n) => (cm.name = n));
        if (isMap(sec)) ref("Secret", sec.name, (n) => (sec.name = n));
      }
    }
  }
  for (const s of (spec.imagePullSecrets as unknown[]) ?? []) if (isMap(s)) ref("Secret", s.name, (n) => (s.name = n));
  ref("ServiceAccount", spec.serviceAccountName, (n) => (spec.serviceAccountName = n));
  ref("PriorityClass", spec.priorityClassName, (n) => (spec.priorityClassName = n));
}

/** References outside pod specs: webhooks' and APIServices' Services, a PVC's StorageClass. */
function otherRefs(r: Resource, o: Json, ref: Setter): void {
  const kind = r.object.kind;
  const service = (svc: unknown) => {
    if (isMap(svc)) ref("Service", svc.name, (n) => (svc.name = n), (ns) => (svc.namespace = ns));
  };
  if (kind === "ValidatingWebhookConfiguration" || kind === "MutatingWebhookConfiguration") for (const w of (o.webhooks as unknown[]) ?? []) service(getAt(w, ["clientConfig", "service"]));
  if (kind === "APIService") service(getAt(o, ["spec", "service"]));
  const spec = o.spec;
  if (kind === "PersistentVolumeClaim" && isMap(spec)) ref("StorageClass", spec.storageClassName, (n) => (spec.storageClassName = n));
}

/** Every reference an object holds, by the kind it refers to. */
export function forEachReference(r: Resource, ref: Setter): void {
  const o = r.object as unknown as Json;
  for (const spec of podSpecs(r.object)) podSpecRefs(spec, ref);
  const spec = o.spec as Json | undefined;
  otherRefs(r, o, ref);
  if (r.object.kind === "StatefulSet" && spec) ref("Service", spec.serviceName, (n) => (spec.serviceName = n));
  if (r.object.kind === "Ingress" && spec) {
    const backend = (b: unknown) => {
      const svc = getAt(b, ["service"]);
      if (isMap(svc)) ref("Service", svc.name, (n) => (svc.name = n));
    };
    backend(spec.defaultBackend);
    for (const rule of (spec.rules as unknown[]) ?? []) for (const p of (getAt(rule, ["http", "paths"]) as unknown[]) ?? []) backend(getAt(p, ["backend"]));
    for (const t of (spec.tls as unknown[]) ?? []) if (isMap(t)) ref("Secret", t.secretName, (n) => (t.secretName = n));
  }
  if (r.object.kind === "HorizontalPodAutoscaler" && spec && isMap(spec.scaleTargetRef)) {
    const t = spec.scaleTargetRef;
    if (typeof t.kind === "string") ref(t.kind, t.name, (n) => (t.name = n));
  }
  // kustomize follows a ServiceAccount's imagePullSecrets, not its (legacy) secrets list.
  if (r.object.kind === "ServiceAccount") for (const s of (o.imagePullSecrets as unknown[]) ?? []) if (isMap(s)) ref("Secret", s.name, (n) => (s.name = n));
  if (r.object.kind === "RoleBinding" || r.object.kind === "ClusterRoleBinding") {
    const roleRef = o.roleRef;
    if (isMap(roleRef) && typeof roleRef.kind === "string") ref(roleRef.kind, roleRef.name, (n) => (roleRef.name = n));
    for (const s of (o.subjects as unknown[]) ?? []) {
      if (isMap(s) && s.kind === "ServiceAccount") ref("ServiceAccount", s.name, (n) => (s.name = n), (ns) => (s.namespace = ns));
    }
  }
}

export interface NameBefore {
  name: string;
  namespace?: string;
}

/**
 * Rewrites references from the names in `before` (or any earlier name: kustomize keeps a
 * resource's name history) to the resources' current names, then records the renames.
 */
export function fixReferences(resources: Resource[], before: Map<Resource, NameBefore>): void {
  for (const referrer of resources) {
    const from = before.get(referrer);
    forEachReference(referrer, (kind, value, set, setNamespace) => {
      if (typeof value !== "string") return;
      const ofKind = resources.filter((c) => c.object.kind === kind);
      let candidates = ofKind.filter((c) => before.get(c)?.name === value);
      if (candidates.length === 0) candidates = ofKind.filter((c) => c.formerNames?.includes(value));
      if (candidates.length === 0) return;
      const same = candidates.filter((c) => before.get(c)?.namespace === from?.namespace);
      const target = (same.length > 0 ? same : candidates)[0]!;
      if (target.object.metadata.name !== value) set(target.object.metadata.name);
      if (setNamespace && target.object.metadata.namespace) setNamespace(target.object.metadata.namespace);
    });
  }
  for (const r of resources) {
    const was = before.get(r)?.name;
    if (was !== undefined && was !== r.object.metadata.name) r.formerNames = [...(r.formerNames ?? []), was];
  }
}

export function namesOf(resources: Resource[]): Map<Resource, NameBefore> {
  return new Map(resources.map((r) => [r, { name: r.object.metadata.name, namespace: r.object.metadata.namespace }]));
}
