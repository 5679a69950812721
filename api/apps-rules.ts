// apps/v1 defaults and validation for Deployment and ReplicaSet (after pkg/apis/apps).
import type { Deployment, ReplicaSet } from "./apps";
import type { PodTemplateSpec } from "./corev1/pod";
import { defaultPodSpec } from "./corev1/defaults";
import { validatePodSpec } from "./corev1/validate-pod";
import { deepEqual } from "./define";
import { selectorMatches, type LabelSelector } from "./meta";
import type { IntOrString } from "./quantity";
import type { FieldCause } from "./resource";
import { fieldError, validateLabels, validateLabelSelector, validateNonnegative } from "./validation";

export function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= "RollingUpdate";
  if (spec.strategy.type === "RollingUpdate") {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
    spec.strategy.rollingUpdate.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  if (spec.template.spec) defaultPodSpec(spec.template.spec);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec.replicas ??= 1;
  if (rs.spec.template?.spec) defaultPodSpec(rs.spec.template.spec);
}

function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** Selector and template of a Deployment or ReplicaSet, at "spec". */
function validateSelectorAndTemplate(
  selector: LabelSelector,
  template: PodTemplateSpec | undefined,
  kindWord: string,
  templateRequired: boolean,
): FieldCause[] {
  const out: FieldCause[] = [];
  if (isEmptySelector(selector)) {
    out.push(fieldError.invalid("spec.selector", selector, `empty selector is invalid for ${kindWord}`));
  } else {
    out.push(...validateLabelSelector(selector, "spec.selector"));
  }
  if (!template) {
    if (templateRequired) out.push(fieldError.required("spec.template"));
    return out;
  }
  const labels = template.metadata?.labels;
  out.push(...validateLabels(labels, "spec.template.metadata.labels"));
  if (!isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    out.push(fieldError.invalid("spec.template.metadata.labels", labels ?? {}, "`selector` does not match template `labels`"));
  }
  if (!template.spec) {
    out.push(fieldError.required("spec.template.spec.containers"));
    return out;
  }
  out.push(...validatePodSpec(template.spec, "spec.template.spec"));
  const rp = template.spec.restartPolicy ?? "Always";
  if (rp !== "Always") out.push(fieldError.notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
  if (template.spec.activeDeadlineSeconds !== undefined) {
    out.push(fieldError.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported"));
  }
  return out;
}

function isPercent(v: IntOrString): boolean {
  return typeof v === "string" && /^[0-9]+%$/.test(v);
}

function validateIntOrPercent(v: IntOrString | undefined, path: string): FieldCause[] {
  if (v === undefined) return [];
  if (typeof v === "number") return validateNonnegative(v, path);
  if (!isPercent(v)) return [fieldError.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  if (Number(v.slice(0, -1)) > 100 && path.endsWith("maxUnavailable")) return [fieldError.invalid(path, v, "must not be greater than 100%")];
  return [];
}

const isZero = (v: IntOrString | undefined) => v === 0 || v === "0%";

export function validateDeployment(d: Deployment): FieldCause[] {
  const spec = d.spec;
  const out = validateNonnegative(spec.replicas, "spec.replicas");
  out.push(...validateSelectorAndTemplate(spec.selector, spec.template, "deployment", true));
  const strategy = spec.strategy ?? {};
  const types = ["Recreate", "RollingUpdate"];
  if (strategy.type && !types.includes(strategy.type)) out.push(fieldError.notSupported("spec.strategy.type", strategy.type, types));
  if (strategy.type === "Recreate" && strategy.rollingUpdate) {
    out.push(fieldError.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
  }
  const ru = strategy.rollingUpdate;
  if (ru) {
    out.push(...validateIntOrPercent(ru.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable"));
    out.push(...validateIntOrPercent(ru.maxSurge, "spec.strategy.rollingUpdate.maxSurge"));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
      out.push(fieldError.invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
    }
  }
  out.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  out.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (spec.progressDeadlineSeconds !== undefined) {
    out.push(...validateNonnegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      out.push(fieldError.invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
    }
  }
  return out;
}

export function validateReplicaSet(rs: ReplicaSet): FieldCause[] {
  const out = validateNonnegative(rs.spec.replicas, "spec.replicas");
  out.push(...validateNonnegative(rs.spec.minReadySeconds, "spec.minReadySeconds"));
  out.push(...validateSelectorAndTemplate(rs.spec.selector, rs.spec.template, "replicaset", (rs.spec.replicas ?? 1) > 0));
  return out;
}

/** spec.selector may not change (apps/v1). */
export function validateSelectorUpdate(n: { spec: { selector: LabelSelector } }, o: { spec: { selector: LabelSelector } }): FieldCause[] {
  if (deepEqual(n.spec.selector, o.spec.selector)) return [];
  return [fieldError.immutable("spec.selector", n.spec.selector)];
}
