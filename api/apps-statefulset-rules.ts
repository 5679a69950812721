// StatefulSet defaults (SetDefaults_StatefulSet, apps/v1) and validation (ValidateStatefulSet*,
// pkg/apis/apps/validation) as Kubernetes 1.32 has them, with their field paths and messages.
import type { StatefulSet } from "./apps-statefulset";
import type { PodSpec } from "./core";
import type { PersistentVolumeClaim } from "./corev1/persistentvolume";
import { defaultPodSpec } from "./corev1/defaults";
import { validatePodSpec } from "./corev1/validate-pod";
import { deepEqual } from "./define";
import { selectorMatches, type LabelSelector } from "./meta";
import type { IntOrString } from "./quantity";
import type { FieldCause } from "./resource";
import { defaultPersistentVolumeClaim, validatePersistentVolumeClaim } from "./storage-rules";
import { fieldError, isDNS1123Label, validateLabels, validateLabelSelector, validateNonnegative } from "./validation";

const RETENTION = ["Delete", "Retain"];

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate at partition 0, PVCs retained, 1 replica,
 * 10 revisions kept; the template's pod spec and the claim templates get their own defaults.
 */
export function defaultStatefulSet(sts: StatefulSet): void {
  const spec = sts.spec;
  spec.podManagementPolicy ||= "OrderedReady";
  spec.updateStrategy ??= {};
  if (!spec.updateStrategy.type) {
    spec.updateStrategy.type = "RollingUpdate";
    spec.updateStrategy.rollingUpdate ??= {};
  }
  if (spec.updateStrategy.type === "RollingUpdate" && spec.updateStrategy.rollingUpdate) spec.updateStrategy.rollingUpdate.partition ??= 0;
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  retention.whenDeleted ||= "Retain";
  retention.whenScaled ||= "Retain";
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  if (spec.template.spec) defaultPodSpec(spec.template.spec);
  for (const claim of spec.volumeClaimTemplates ?? []) {
    defaultPersistentVolumeClaim(claim as PersistentVolumeClaim);
    claim.status ??= {};
    claim.status.phase ||= "Pending";
  }
}

const isEmptySelector = (sel: LabelSelector) => Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;

function validateStrategy(strategy: NonNullable<StatefulSet["spec"]["updateStrategy"]>): FieldCause[] {
  const path = "spec.updateStrategy";
  switch (strategy.type) {
    case undefined:
    case "":
      return [fieldError.required(path)];
    case "OnDelete":
      return strategy.rollingUpdate ? [fieldError.invalid(`${path}.rollingUpdate`, strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case "RollingUpdate": {
      const ru = strategy.rollingUpdate;
      if (!ru) return [];
      return [...validateNonnegative(ru.partition, `${path}.rollingUpdate.partition`), ...validateMaxUnavailable(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`)];
    }
    default:
      return [fieldError.invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

/** ValidatePositiveIntOrPercent, "cannot be 0", IsNotMoreThan100Percent. */
function validateMaxUnavailable(v: IntOrString | undefined, path: string): FieldCause[] {
  if (v === undefined) return [];
  if (typeof v === "number") return v < 0 ? validateNonnegative(v, path) : v === 0 ? [fieldError.invalid(path, v, "cannot be 0")] : [];
  if (!/^[0-9]+%$/.test(v)) return [fieldError.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  const pct = Number(v.slice(0, -1));
  if (pct === 0) return [fieldError.invalid(path, v, "cannot be 0")];
  return pct > 100 ? [fieldError.invalid(path, v, "must not be greater than 100%")] : [];
}

function validateRetention(policy: StatefulSet["spec"]["persistentVolumeClaimRetentionPolicy"]): FieldCause[] {
  const path = "spec.persistentVolumeClaimRetentionPolicy";
  const out: FieldCause[] = [];
  for (const key of ["whenDeleted", "whenScaled"] as const) {
    const v = policy?.[key];
    if (v !== undefined && !RETENTION.includes(v)) out.push(fieldError.notSupported(`${path}.${key}`, v, RETENTION));
  }
  return out;
}

/**
 * The claim templates: a name that makes valid claim names (`<tmpl>-<sts>-<ordinal>`), and a spec
 * that would pass as a claim. Kubernetes checks these only when it creates the claims; refusing
 * them at the StatefulSet tells the user at once.
 */
function validateClaimTemplates(sts: StatefulSet): FieldCause[] {
  const out: FieldCause[] = [];
  const seen = new Set<string>();
  (sts.spec.volumeClaimTemplates ?? []).forEach((claim, i) => {
    const path = `spec.volumeClaimTemplates[${i}]`;
    const name = claim.metadata?.name;
    if (!name) out.push(fieldError.required(`${path}.metadata.name`, "name or generateName is required"));
    else {
      out.push(...isDNS1123Label(name).map((m) => fieldError.invalid(`${path}.metadata.name`, name, m)));
      if (seen.has(name)) out.push(fieldError.duplicate(`${path}.metadata.name`, name));
      seen.add(name);
    }
    for (const cause of validatePersistentVolumeClaim(claim as PersistentVolumeClaim)) out.push({ ...cause, field: `${path}.${cause.field}` });
  });
  return out;
}

/**
 * The template's pod spec as its pods will have it: each claim template is a volume of the same
 * name (the controller adds them), so mounts of claim templates are valid.
 */
function podSpecWithClaims(sts: StatefulSet, spec: PodSpec): PodSpec {
  const names = new Set((spec.volumes ?? []).map((v) => v.name));
  const claims = (sts.spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name).filter((n): n is string => !!n && !names.has(n));
  return { ...spec, volumes: [...(spec.volumes ?? []), ...claims.map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } }))] };
}

function validateTemplate(sts: StatefulSet): FieldCause[] {
  const { selector, template } = sts.spec;
  const out: FieldCause[] = [];
  if (isEmptySelector(selector)) out.push(fieldError.invalid("spec.selector", selector, "empty selector is invalid for statefulset"));
  else out.push(...validateLabelSelector(selector, "spec.selector"));
  const labels = template.metadata?.labels;
  if (!isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    out.push(fieldError.invalid("spec.template.metadata.labels", labels ?? {}, "`selector` does not match template `labels`"));
  }
  out.push(...validateLabels(labels, "spec.template.labels"));
  if (!template.spec) return [...out, fieldError.required("spec.template.spec.containers")];
  out.push(...validatePodSpec(podSpecWithClaims(sts, template.spec), "spec.template.spec"));
  const rp = template.spec.restartPolicy ?? "Always";
  if (rp !== "Always") out.push(fieldError.notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
  if (template.spec.activeDeadlineSeconds !== undefined) {
    out.push(fieldError.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
  }
  return out;
}

/** ValidateStatefulSetSpec, in Kubernetes' order. */
export function validateStatefulSet(sts: StatefulSet): FieldCause[] {
  const spec = sts.spec;
  const out: FieldCause[] = [];
  const policy = spec.podManagementPolicy;
  if (!policy) out.push(fieldError.required("spec.podManagementPolicy"));
  else if (policy !== "OrderedReady" && policy !== "Parallel") out.push(fieldError.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
  out.push(...validateStrategy(spec.updateStrategy ?? {}));
  out.push(...validateRetention(spec.persistentVolumeClaimRetentionPolicy));
  out.push(...validateNonnegative(spec.replicas, "spec.replicas"));
  out.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  out.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (spec.ordinals) out.push(...validateNonnegative(spec.ordinals.start, "spec.ordinals.start"));
  if (spec.serviceName) out.push(...isDNS1123Label(spec.serviceName).map((m) => fieldError.invalid("spec.serviceName", spec.serviceName, m)));
  out.push(...validateTemplate(sts));
  out.push(...validateClaimTemplates(sts));
  return out;
}

/** The spec fields an update may change (ValidateStatefulSetUpdate); everything else is fixed. */
const MUTABLE = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"] as const;

export function validateStatefulSetUpdate(next: StatefulSet, old: StatefulSet): FieldCause[] {
  const a: Record<string, unknown> = { ...next.spec };
  const b: Record<string, unknown> = { ...old.spec };
  for (const k of MUTABLE) {
    delete a[k];
    delete b[k];
  }
  if (deepEqual(a, b)) return [];
  return [fieldError.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}
