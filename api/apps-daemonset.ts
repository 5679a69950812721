// apps/v1 DaemonSet: schema, Kubernetes 1.32's defaults and validation (pkg/apis/apps), the
// served resource, and the `kubectl get ds` Table columns.
import { z } from "zod";
import { PodTemplateSpec } from "./corev1/pod";
import { defaultPodSpec } from "./corev1/defaults";
import { validatePodSpec } from "./corev1/validate-pod";
import { defineResource, deepEqual } from "./define";
import { LabelSelector, formatLabelSelector, ObjectMeta, selectorMatches, typeMeta } from "./meta";
import { age, ageCol, col, containerCells, containersCol, imagesCol, nameCol, wide, type Printer } from "./printing/columns";
import type { IntOrString } from "./quantity";
import { IntOrString as IntOrStringSchema } from "./quantity-schema";
import type { FieldCause } from "./resource";
import { fieldError, validateLabels, validateLabelSelector, validateNonnegative } from "./validation";

const apps = (name: string, description: string) => ({ id: `io.k8s.api.apps.v1.${name}`, description });
const int = () => z.number().int();

export const DaemonSetUpdateStrategy = z
  .strictObject({
    type: z.string().optional().describe('Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.'),
    rollingUpdate: z
      .strictObject({
        maxUnavailable: IntOrStringSchema.optional().describe("The maximum number of DaemonSet pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of total number of DaemonSet pods at the start of the update (ex: 10%). Default value is 1."),
        maxSurge: IntOrStringSchema.optional().describe("The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Default value is 0."),
      })
      .meta(apps("RollingUpdateDaemonSet", "Spec to control the desired behavior of daemon set rolling update."))
      .optional()
      .describe('Rolling update config params. Present only if type = "RollingUpdate".'),
  })
  .meta(apps("DaemonSetUpdateStrategy", "DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet."));

export const DaemonSetSpec = z
  .strictObject({
    selector: LabelSelector.describe("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."),
    template: PodTemplateSpec.describe("An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template's node selector (or on every node if no node selector is specified). The only allowed template.spec.restartPolicy value is \"Always\"."),
    updateStrategy: DaemonSetUpdateStrategy.optional().describe("An update strategy to replace existing DaemonSet pods with new pods."),
    minReadySeconds: int().optional().describe("The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
    revisionHistoryLimit: int().optional().describe("The number of old history to retain to allow rollback. Defaults to 10."),
  })
  .meta(apps("DaemonSetSpec", "DaemonSetSpec is the specification of a daemon set."));
export type DaemonSetSpec = z.infer<typeof DaemonSetSpec>;

export const DaemonSetStatus = z
  .strictObject({
    currentNumberScheduled: int().optional().describe("The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
    numberMisscheduled: int().optional().describe("The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod."),
    desiredNumberScheduled: int().optional().describe("The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
    numberReady: int().optional().describe("numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
    observedGeneration: int().optional().describe("The most recent generation observed by the daemon set controller."),
    updatedNumberScheduled: int().optional().describe("The total number of nodes that are running updated daemon pod"),
    numberAvailable: int().optional().describe("The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    numberUnavailable: int().optional().describe("The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    collisionCount: int().optional().describe("Count of hash collisions for the DaemonSet."),
  })
  .meta(apps("DaemonSetStatus", "DaemonSetStatus represents the current status of a daemon set."));
export type DaemonSetStatus = z.infer<typeof DaemonSetStatus>;

export const DaemonSet = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: DaemonSetSpec.describe("The desired behavior of this daemon set."),
    status: DaemonSetStatus.optional().describe("The current status of this daemon set."),
  })
  .meta(apps("DaemonSet", "DaemonSet represents the configuration of a daemon set."));
export type DaemonSet = z.infer<typeof DaemonSet>;

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, 10 revisions kept. */
export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = ds.spec;
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= "RollingUpdate";
  if (spec.updateStrategy.type === "RollingUpdate") {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  if (spec.template.spec) defaultPodSpec(spec.template.spec);
}

const isEmptySelector = (sel: LabelSelector) => Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;

function validateTemplate(selector: LabelSelector, template: DaemonSetSpec["template"]): FieldCause[] {
  const out: FieldCause[] = [];
  if (isEmptySelector(selector)) out.push(fieldError.invalid("spec.selector", selector, "empty selector is invalid for daemonset"));
  else out.push(...validateLabelSelector(selector, "spec.selector"));
  const labels = template.metadata?.labels;
  out.push(...validateLabels(labels, "spec.template.metadata.labels"));
  if (!isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    out.push(fieldError.invalid("spec.template.metadata.labels", labels ?? {}, "`selector` does not match template `labels`"));
  }
  if (!template.spec) return [...out, fieldError.required("spec.template.spec.containers")];
  out.push(...validatePodSpec(template.spec, "spec.template.spec"));
  const rp = template.spec.restartPolicy ?? "Always";
  if (rp !== "Always") out.push(fieldError.notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
  if (template.spec.activeDeadlineSeconds !== undefined) {
    out.push(fieldError.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"));
  }
  return out;
}

function validateIntOrPercent(v: IntOrString | undefined, path: string): FieldCause[] {
  if (v === undefined) return [];
  if (typeof v === "number") return validateNonnegative(v, path);
  if (!/^[0-9]+%$/.test(v)) return [fieldError.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  if (Number(v.slice(0, -1)) > 100) return [fieldError.invalid(path, v, "must not be greater than 100%")];
  return [];
}

const isZero = (v: IntOrString | undefined) => v === undefined || v === 0 || v === "0%";

/** ValidateDaemonSet: selector/template, strategy type and its rolling-update numbers, the counts. */
export function validateDaemonSet(ds: DaemonSet): FieldCause[] {
  const spec = ds.spec;
  const out = validateTemplate(spec.selector, spec.template);
  const strategy = spec.updateStrategy ?? {};
  const types = ["OnDelete", "RollingUpdate"];
  if (!strategy.type) out.push(fieldError.required("spec.updateStrategy.type"));
  else if (!types.includes(strategy.type)) out.push(fieldError.notSupported("spec.updateStrategy.type", strategy.type, types));
  if (strategy.type === "RollingUpdate") {
    const ru = strategy.rollingUpdate;
    if (!ru) out.push(fieldError.required("spec.updateStrategy.rollingUpdate"));
    else {
      out.push(...validateIntOrPercent(ru.maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable"));
      out.push(...validateIntOrPercent(ru.maxSurge, "spec.updateStrategy.rollingUpdate.maxSurge"));
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
        out.push(fieldError.invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", ru.maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
      }
    }
  }
  out.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  out.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return out;
}

/** ValidateDaemonSetUpdate: the selector is immutable in apps/v1. */
export function validateDaemonSetUpdate(n: DaemonSet, o: DaemonSet): FieldCause[] {
  return deepEqual(n.spec.selector, o.spec.selector) ? [] : [fieldError.immutable("spec.selector", n.spec.selector)];
}

export const daemonsets = defineResource<DaemonSet>({
  group: "apps",
  version: "v1",
  kind: "DaemonSet",
  plural: "daemonsets",
  namespaced: true,
  shortNames: ["ds"],
  categories: ["all"],
  subresources: ["status"],
  schema: DaemonSet,
  defaults: defaultDaemonSet,
  validateObject: validateDaemonSet,
  validateUpdate: validateDaemonSetUpdate,
});

/** "<none>" for no nodeSelector, else "k=v,..." sorted (labels.FormatLabels). */
function nodeSelectorCell(ds: DaemonSet): string {
  const sel = ds.spec.template.spec?.nodeSelector ?? {};
  const keys = Object.keys(sel).sort();
  return keys.length ? keys.map((k) => `${k}=${sel[k]}`).join(",") : "<none>";
}

/** printDaemonSet (pkg/printers/internalversion). */
export const daemonSetPrinters: Record<string, Printer> = {
  daemonsets: {
    columns: [
      nameCol,
      col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
      col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
      col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
      col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
      col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
      col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
      ageCol,
      containersCol,
      imagesCol,
      col("Selector", "string", "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", wide),
    ],
    cells(o, now) {
      const ds = o as DaemonSet;
      const s = ds.status;
      return [ds.metadata.name, s?.desiredNumberScheduled ?? 0, s?.currentNumberScheduled ?? 0, s?.numberReady ?? 0, s?.updatedNumberScheduled ?? 0, s?.numberAvailable ?? 0, nodeSelectorCell(ds), age(ds, now), ...containerCells(ds.spec.template), formatLabelSelector(ds.spec.selector)];
    },
  },
};
