// The served apps/v1 statefulsets: status and scale subresources, short name sts, category all.
import { StatefulSet } from "./apps-statefulset";
import { defaultStatefulSet, validateStatefulSet, validateStatefulSetUpdate } from "./apps-statefulset-rules";
import { defineResource } from "./define";

export const statefulsets = defineResource<StatefulSet>({
  group: "apps",
  version: "v1",
  kind: "StatefulSet",
  plural: "statefulsets",
  namespaced: true,
  shortNames: ["sts"],
  categories: ["all"],
  subresources: ["status", "scale"],
  schema: StatefulSet,
  defaults: defaultStatefulSet,
  validateObject: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
});
