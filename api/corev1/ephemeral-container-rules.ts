// Ephemeral containers' validation (Kubernetes 1.32's validateEphemeralContainers and
// ValidatePodEphemeralContainersUpdate, with their messages).
import type { FieldCause } from "../resource";
import { deepEqual } from "../define";
import { fieldError, isDNS1123Label } from "../validation";
import type { Pod } from "./pod";

/** The fields an ephemeral container may not have (Kubernetes keeps an allow list; these are the rest). */
const FORBIDDEN_FIELDS = ["ports", "resources", "resizePolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "restartPolicy"] as const;

/** A zero value in Go's sense: absent, empty list or empty object (`resources: {}` is the default). */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as Record<string, unknown>).every(isZero);
  return false;
}

/** validateEphemeralContainers: names unique across all containers, a real target, no forbidden fields. */
export function validateEphemeralContainers(pod: Pod): FieldCause[] {
  const out: FieldCause[] = [];
  const others = new Set([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.name));
  const all = new Set(others);
  const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
  (pod.spec.ephemeralContainers ?? []).forEach((ec, i) => {
    const p = `spec.ephemeralContainers[${i}]`;
    if (!ec.name) out.push(fieldError.required(`${p}.name`));
    else for (const e of isDNS1123Label(ec.name)) out.push(fieldError.invalid(`${p}.name`, ec.name, e));
    if (!ec.image || ec.image.trim() === "") out.push(fieldError.required(`${p}.image`));
    if (ec.name && all.has(ec.name)) out.push(fieldError.duplicate(`${p}.name`, ec.name));
    else all.add(ec.name);
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) {
      out.push({ reason: "FieldValueNotFound", field: `${p}.targetContainerName`, message: `Not found: ${JSON.stringify(ec.targetContainerName)}` });
    }
    for (const f of FORBIDDEN_FIELDS) {
      if (!isZero(ec[f])) out.push(fieldError.forbidden(`${p}.${f}`, "cannot be set for an Ephemeral Container"));
    }
    (ec.volumeMounts ?? []).forEach((m, j) => {
      const mp = `${p}.volumeMounts[${j}]`;
      if (!volumes.has(m.name)) out.push({ reason: "FieldValueNotFound", field: `${mp}.name`, message: `Not found: ${JSON.stringify(m.name)}` });
      if (m.subPath) out.push(fieldError.forbidden(`${mp}.subPath`, "cannot be set for an Ephemeral Container"));
      if (m.subPathExpr) out.push(fieldError.forbidden(`${mp}.subPathExpr`, "cannot be set for an Ephemeral Container"));
    });
  });
  return out;
}

/**
 * ValidatePodEphemeralContainersUpdate: the new list is valid, and every existing ephemeral
 * container is still there, unchanged (patches do not keep order, so each is found by name).
 * Static (mirror) pods have none.
 */
export function validateEphemeralContainersUpdate(next: Pod, old: Pod): FieldCause[] {
  if (old.metadata.annotations?.["kubernetes.io/config.mirror"] !== undefined) {
    return [fieldError.forbidden("", "static pods do not support ephemeral containers")];
  }
  const out = validateEphemeralContainers(next);
  const byName = new Map((next.spec.ephemeralContainers ?? []).map((c) => [c.name, c]));
  for (const o of old.spec.ephemeralContainers ?? []) {
    const n = byName.get(o.name);
    if (!n) out.push(fieldError.forbidden("spec.ephemeralContainers", `existing ephemeral containers ${JSON.stringify(o.name)} may not be removed\n`));
    else if (!deepEqual(o, n)) out.push(fieldError.forbidden("spec.ephemeralContainers", `existing ephemeral containers ${JSON.stringify(o.name)} may not be changed\n`));
  }
  return out;
}

/** ValidatePodCreate: ephemeral containers come only through the subresource. */
export function validateNoEphemeralOnCreate(pod: Pod): FieldCause[] {
  return pod.spec.ephemeralContainers?.length ? [fieldError.forbidden("spec.ephemeralContainers", "cannot be set on create")] : [];
}
