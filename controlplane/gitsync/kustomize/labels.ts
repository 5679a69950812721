// `labels:` and the deprecated `commonLabels` (kustomize's LabelTransformer). Metadata labels
// always; with selectors (commonLabels, or includeSelectors: true) also the selectors and the pod
// templates they must keep matching (kustomize's commonLabels field specs: some selectors are
// created, the others only extended where present); includeTemplates adds templates alone.
import { getAt, isMap, mapAt, templatePaths, type Json, type Resource } from "./resource";

export interface LabelOptions {
  selectors: boolean;
  templates: boolean;
}

const MATCH_LABEL_SELECTORS = new Set(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"]);

/** Adds labels to the map at path if it is there (kustomize's `create: false` field specs). */
function extend(obj: unknown, path: string[], labels: Record<string, string>): void {
  const m = getAt(obj, path);
  if (isMap(m)) Object.assign(m, labels);
}

const each = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Affinity terms and topology spread constraints of a pod spec select pods of the workload. */
function podSpecSelectors(spec: unknown, labels: Record<string, string>): void {
  for (const kind of ["podAffinity", "podAntiAffinity"]) {
    const a = getAt(spec, ["affinity", kind]);
    for (const t of each(getAt(a, ["requiredDuringSchedulingIgnoredDuringExecution"]))) extend(t, ["labelSelector", "matchLabels"], labels);
    for (const t of each(getAt(a, ["preferredDuringSchedulingIgnoredDuringExecution"]))) extend(t, ["podAffinityTerm", "labelSelector", "matchLabels"], labels);
  }
  for (const c of each(getAt(spec, ["topologySpreadConstraints"]))) extend(c, ["labelSelector", "matchLabels"], labels);
}

function selectors(o: Json, kind: string, labels: Record<string, string>): void {
  if (kind === "Service" || kind === "ReplicationController") Object.assign(mapAt(o, ["spec", "selector"]), labels);
  else if (MATCH_LABEL_SELECTORS.has(kind)) {
    Object.assign(mapAt(o, ["spec", "selector", "matchLabels"]), labels);
    podSpecSelectors(getAt(o, ["spec", "template", "spec"]), labels);
  } else if (kind === "Job") extend(o, ["spec", "selector", "matchLabels"], labels);
  else if (kind === "CronJob") extend(o, ["spec", "jobTemplate", "spec", "selector", "matchLabels"], labels);
  else if (kind === "PodDisruptionBudget") extend(o, ["spec", "selector", "matchLabels"], labels);
  else if (kind === "NetworkPolicy") {
    extend(o, ["spec", "podSelector", "matchLabels"], labels);
    for (const r of each(getAt(o, ["spec", "ingress"]))) for (const f of each(getAt(r, ["from"]))) extend(f, ["podSelector", "matchLabels"], labels);
    for (const r of each(getAt(o, ["spec", "egress"]))) for (const t of each(getAt(r, ["to"]))) extend(t, ["podSelector", "matchLabels"], labels);
  }
}

export function addLabels(resources: Resource[], labels: Record<string, string>, opts: LabelOptions): void {
  if (Object.keys(labels).length === 0) return;
  for (const r of resources) {
    const o = r.object as unknown as Json;
    Object.assign(mapAt(o, ["metadata", "labels"]), labels);
    if (opts.selectors || opts.templates) {
      for (const p of templatePaths(r.object)) Object.assign(mapAt(o, [...p, "metadata", "labels"]), labels);
      if (r.object.kind === "CronJob") Object.assign(mapAt(o, ["spec", "jobTemplate", "metadata", "labels"]), labels);
      if (r.object.kind === "StatefulSet") for (const t of each(getAt(o, ["spec", "volumeClaimTemplates"]))) if (isMap(t)) Object.assign(mapAt(t, ["metadata", "labels"]), labels);
    }
    if (opts.selectors) selectors(o, r.object.kind, labels);
  }
}
