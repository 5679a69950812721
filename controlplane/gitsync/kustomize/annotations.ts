// commonAnnotations (kustomize's AnnotationsTransformer): on every object and on its pod
// templates, so a change of annotation reaches the pods as kustomize's does.
import { mapAt, templatePaths, type Resource } from "./resource";

export function addAnnotations(resources: Resource[], annotations: Record<string, string>): void {
  if (Object.keys(annotations).length === 0) return;
  for (const r of resources) {
    const o = r.object;
    Object.assign(mapAt(o as never, ["metadata", "annotations"]), annotations);
    for (const p of templatePaths(o)) Object.assign(mapAt(o as never, [...p, "metadata", "annotations"]), annotations);
    if (o.kind === "CronJob") Object.assign(mapAt(o as never, ["spec", "jobTemplate", "metadata", "annotations"]), annotations);
  }
}
