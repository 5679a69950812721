// What the garbage collector follows for StatefulSets: the sets (owners of pods, claims and
// revisions) and their ControllerRevisions (dependents), from the shared informers.
import { controllerrevisions, statefulsets, type Informer, type ObjectWithMeta, type ResourceRef } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";

export function statefulSetGcWatch(informers: SharedInformers): Record<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef }> {
  return {
    statefulsets: { informer: informers.statefulSets() as unknown as Informer<ObjectWithMeta>, res: statefulsets },
    controllerrevisions: { informer: informers.controllerRevisions() as unknown as Informer<ObjectWithMeta>, res: controllerrevisions },
  };
}
