// `labels:` and the deprecated `commonLabels` (kustomize's LabelTransformer). Metadata labels
// always; with selectors (commonLabels, or includeSelectors: true) also the selectors and the pod
// templates they must keep matching; includeTemplates adds templates without selectors.
import { getAt, isMap, mapAt, templatePaths, type Json, type Resource } from "./resource";

export interface LabelOptions {
  selectors: boolean;
  templates: boolean;
}

const MATCH_LABEL_SELECTORS = new Set(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"]);

export function addLabels(resources: Resource[], labels: Record<string, string>, opts: LabelOptions): void {
  if (Object.keys(labels).length === 0) return;
  for (const r of resources) {
    const o = r.object as unknown as Json;
    Object.assign(mapAt(o, ["metadata", "labels"]), labels);
    if (opts.selectors || opts.templates) {
      for (const p of templatePaths(r.object)) Object.assign(mapAt(o, [...p, "metadata", "labels"]), labels);
      if (r.object.kind === "CronJob") Object.assign(mapAt(o, ["spec", "jobTemplate", "metadata", "labels"]), labels);
      if (r.object.kind === "StatefulSet") for (const t of (getAt(o, ["spec", "volumeClaimTemplates"]) as unknown[]) ?? []) if (isMap(t)) Object.assign(mapAt(t, ["metadata", "labels"]), labels);
    }
    if (!opts.selectors) continue;
    const kind = r.object.kind;
    if (kind === "Service" || kind === "ReplicationController") Object.assign(mapAt(o, ["spec", "selector"]), labels);
    else if (MATCH_LABEL_SELECTORS.has(kind)) Object.assign(mapAt(o, ["spec", "selector", "matchLabels"]), labels);
    else if (kind === "PodDisruptionBudget" && isMap((o.spec as Json | undefined)?.selector)) Object.assign(mapAt(o, ["spec", "selector", "matchLabels"]), labels);
    else if (kind === "NetworkPolicy") Object.assign(mapAt(o, ["spec", "podSelector", "matchLabels"]), labels);
  }
}
