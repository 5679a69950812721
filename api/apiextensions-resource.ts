// The served apiextensions.k8s.io/v1 resource: customresourcedefinitions (cluster-scoped, with a
// status subresource the API server's CRD controller writes; short name "crd", "crds").
import { CustomResourceDefinition } from "./apiextensions";
import { defaultCustomResourceDefinition, validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from "./apiextensions-rules";
import { defineResource } from "./define";

export const customresourcedefinitions = defineResource<CustomResourceDefinition>({
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  subresources: ["status"],
  schema: CustomResourceDefinition,
  defaults: defaultCustomResourceDefinition,
  validateObject: validateCustomResourceDefinition,
  validateUpdate: validateCustomResourceDefinitionUpdate,
});
