// batch/v1 defaults and validation for Job and CronJob (after pkg/apis/batch and the Job
// strategy's generated selector).
import { randomUUID } from "node:crypto";
import type { CronJob, Job, JobSpec, PodFailurePolicy } from "./batch";
import { parseSchedule, validTimeZone } from "./batch-schedule";
import { defaultPodSpec } from "./corev1/defaults";
import { validatePodSpec } from "./corev1/validate-pod";
import { deepEqual } from "./define";
import { selectorMatches } from "./meta";
import type { FieldCause } from "./resource";
import { fieldError, validateLabels, validateNonnegative } from "./validation";

export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
export const LEGACY_JOB_NAME_LABEL = "job-name";
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
/** Kubernetes' MaxInt32, the backoffLimit when backoffLimitPerIndex is set. */
const MAX_INT32 = 2147483647;

/** SetDefaults_Job's spec part, shared with a CronJob's jobTemplate pod defaults. */
function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const p of rule.onPodConditions ?? []) p.status ??= "True";
  if (spec.template.spec) defaultPodSpec(spec.template.spec);
}

/**
 * SetDefaults_Job, then what the Job strategy's PrepareForCreate does unless manualSelector: the
 * job-name and controller-uid labels on the template and a selector on the controller uid.
 */
export function defaultJob(job: Job): void {
  const templateLabels = job.spec.template.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  defaultJobSpec(job.spec);
  if (job.spec.manualSelector) return;
  if (job.spec.selector?.matchLabels?.[CONTROLLER_UID_LABEL]) return;
  // The uid the selector names: the object's own when it has one (the server sets it on create).
  const uid = (job.metadata.uid ??= randomUUID());
  const template = (job.spec.template.metadata ??= {});
  const labels = (template.labels ??= {});
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= job.metadata.name ?? "";
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  const selector = (job.spec.selector ??= {});
  selector.matchLabels = { ...selector.matchLabels, [CONTROLLER_UID_LABEL]: uid };
}

export function defaultCronJob(cj: CronJob): void {
  const spec = cj.spec;
  spec.concurrencyPolicy ??= "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const podSpec = spec.jobTemplate.spec?.template.spec;
  if (podSpec) defaultPodSpec(podSpec);
}

const supported = (path: string, value: string | undefined, values: string[]) => (value !== undefined && !values.includes(value) ? [fieldError.notSupported(path, value, values)] : []);

function validatePodFailurePolicy(policy: PodFailurePolicy, restartPolicy: string | undefined, path: string, restartPolicyPath: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (restartPolicy !== "Never") out.push(fieldError.invalid(restartPolicyPath, restartPolicy ?? "", 'only "Never" is supported when podFailurePolicy is specified'));
  if (policy.rules.length > 20) out.push(fieldError.invalid(`${path}.rules`, policy.rules.length, "must have at most 20 rules"));
  policy.rules.forEach((rule, i) => {
    const p = `${path}.rules[${i}]`;
    out.push(...supported(`${p}.action`, rule.action, ["Count", "FailIndex", "FailJob", "Ignore"]));
    if (Boolean(rule.onExitCodes) === Boolean(rule.onPodConditions)) out.push(fieldError.invalid(p, rule, "specifying one of OnExitCodes and OnPodConditions is required"));
    const codes = rule.onExitCodes;
    if (codes) {
      out.push(...supported(`${p}.onExitCodes.operator`, codes.operator, ["In", "NotIn"]));
      if (codes.values.length === 0) out.push(fieldError.invalid(`${p}.onExitCodes.values`, codes.values, "at least one value is required"));
      if (codes.values.length > 255) out.push(fieldError.invalid(`${p}.onExitCodes.values`, codes.values.length, "must have at most 255 values"));
      codes.values.forEach((v, j) => {
        if (codes.operator === "In" && v === 0) out.push(fieldError.invalid(`${p}.onExitCodes.values[${j}]`, v, "must not be 0 for the In operator"));
        if (j > 0 && v <= codes.values[j - 1]!) out.push(fieldError.invalid(`${p}.onExitCodes.values[${j}]`, v, "must be ordered and unique"));
      });
    }
    (rule.onPodConditions ?? []).forEach((c, j) => {
      out.push(...supported(`${p}.onPodConditions[${j}].status`, c.status, ["False", "True", "Unknown"]));
      if (!c.type) out.push(fieldError.required(`${p}.onPodConditions[${j}].type`));
    });
  });
  return out;
}

/** ValidateJobSpec's checks of what a Job and a CronJob's jobTemplate share, at `path`. */
function validateJobSpec(spec: JobSpec, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  for (const f of ["parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"] as const) {
    out.push(...validateNonnegative(spec[f], `${path}.${f}`));
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    out.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be greater than 0"));
  }
  out.push(...supported(`${path}.completionMode`, spec.completionMode, ["NonIndexed", "Indexed"]));
  if (spec.completionMode === "Indexed" && spec.completions === undefined) out.push(fieldError.required(`${path}.completions`, "when completion mode is Indexed"));
  out.push(...supported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ["Failed", "TerminatingOrFailed"]));
  if (spec.podFailurePolicy && spec.podReplacementPolicy && spec.podReplacementPolicy !== "Failed") {
    out.push(fieldError.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ["Failed"]));
  }
  const podSpec = spec.template.spec;
  if (!podSpec) return [...out, fieldError.required(`${path}.template.spec.containers`)];
  out.push(...validateLabels(spec.template.metadata?.labels, `${path}.template.metadata.labels`));
  out.push(...validatePodSpec(podSpec, `${path}.template.spec`));
  const rp = podSpec.restartPolicy;
  if (rp === "Always" || !rp) out.push(fieldError.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  else out.push(...supported(`${path}.template.spec.restartPolicy`, rp, ["OnFailure", "Never"]));
  if (spec.podFailurePolicy) out.push(...validatePodFailurePolicy(spec.podFailurePolicy, rp, `${path}.podFailurePolicy`, `${path}.template.spec.restartPolicy`));
  return out;
}

export function validateJob(job: Job): FieldCause[] {
  const out = validateJobSpec(job.spec, "spec");
  const selector = job.spec.selector;
  if (!selector) return [...out, fieldError.required("spec.selector")];
  out.push(...validateLabels(selector.matchLabels, "spec.selector.matchLabels"));
  const labels = job.spec.template.metadata?.labels;
  if (!selectorMatches(selector, labels)) out.push(fieldError.invalid("spec.template.metadata.labels", labels ?? {}, "`selector` does not match template `labels`"));
  return out;
}

/** What a Job may not change once created (ValidateJobUpdate without the suspended-job exceptions). */
export function validateJobUpdate(next: Job, old: Job): FieldCause[] {
  const out: FieldCause[] = [];
  for (const f of ["selector", "completionMode", "podFailurePolicy", "backoffLimitPerIndex", "completions"] as const) {
    if (!deepEqual(next.spec[f], old.spec[f])) out.push(fieldError.immutable(`spec.${f}`, next.spec[f]));
  }
  if (!deepEqual(next.spec.template, old.spec.template)) out.push(fieldError.immutable("spec.template", next.spec.template));
  return out;
}

export function validateCronJob(cj: CronJob): FieldCause[] {
  const spec = cj.spec;
  const out: FieldCause[] = [];
  if ((cj.metadata.name ?? "").length > 52) out.push(fieldError.invalid("metadata.name", cj.metadata.name, "must be no more than 52 characters"));
  if (!spec.schedule) out.push(fieldError.required("spec.schedule"));
  else {
    const parsed = parseSchedule(spec.schedule, spec.timeZone !== undefined && validTimeZone(spec.timeZone) ? spec.timeZone : undefined);
    if (typeof parsed === "string") out.push(fieldError.invalid("spec.schedule", spec.schedule, parsed));
  }
  if (spec.timeZone !== undefined && !validTimeZone(spec.timeZone)) out.push(fieldError.invalid("spec.timeZone", spec.timeZone, `unknown time zone ${spec.timeZone}`));
  if (!spec.concurrencyPolicy) out.push(fieldError.required("spec.concurrencyPolicy"));
  else out.push(...supported("spec.concurrencyPolicy", spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"]));
  for (const f of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] as const) out.push(...validateNonnegative(spec[f], `spec.${f}`));
  const jobSpec = spec.jobTemplate.spec;
  if (!jobSpec) out.push(fieldError.required("spec.jobTemplate.spec"));
  else out.push(...validateJobSpec(jobSpec, "spec.jobTemplate.spec"));
  return out;
}
