// apiextensions.k8s.io/v1 CustomResourceDefinition: the kind that makes the API server serve new
// kinds. The schema of each version (openAPIV3Schema) is free-form here and checked by the
// structural-schema rules of ./apiextensions-schema.ts; the server side is controlplane/apiserver/crd/.
import { z } from "zod";
import { ObjectMeta, Time, typeMeta } from "./meta";

const ext = (name: string, description: string) => ({ id: `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.${name}`, description });
const int = () => z.number().int();

export const CustomResourceDefinitionNames = z
  .strictObject({
    plural: z.string().describe("plural is the plural name of the resource to serve. Must be all lowercase."),
    singular: z.string().optional().describe("singular is the singular name of the resource. Defaults to the lowercased kind."),
    shortNames: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "shortNames are short names for the resource, exposed in API discovery documents." }),
    kind: z.string().describe("kind is the serialized kind of the resource. It is normally CamelCase and singular."),
    listKind: z.string().optional().describe('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
    categories: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "categories is a list of grouped resources this custom resource belongs to (e.g. 'all')." }),
  })
  .meta(ext("CustomResourceDefinitionNames", "CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition"));
export type CustomResourceDefinitionNames = z.infer<typeof CustomResourceDefinitionNames>;

export const CustomResourceColumnDefinition = z
  .strictObject({
    name: z.string().describe("name is a human readable name for the column."),
    type: z.string().describe("type is an OpenAPI type definition for this column: integer, number, string, boolean or date."),
    format: z.string().optional().describe("format is an optional OpenAPI type definition for this column."),
    description: z.string().optional().describe("description is a human readable description of this column."),
    priority: int().optional().describe("priority is an integer defining the relative importance of this column compared to others. 0 is shown in the standard view, greater numbers only in the wide view."),
    jsonPath: z.string().describe("jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column."),
  })
  .meta(ext("CustomResourceColumnDefinition", "CustomResourceColumnDefinition specifies a column for server side printing."));
export type CustomResourceColumnDefinition = z.infer<typeof CustomResourceColumnDefinition>;

export const CustomResourceSubresourceScale = z
  .strictObject({
    specReplicasPath: z.string().describe("specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.spec`."),
    statusReplicasPath: z.string().describe("statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`. Must be a JSON Path under `.status`."),
    labelSelectorPath: z.string().optional().describe("labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`. Must be a JSON Path under `.status` or `.spec`."),
  })
  .meta(ext("CustomResourceSubresourceScale", "CustomResourceSubresourceScale defines how to serve the scale subresource for CustomResources."));
export type CustomResourceSubresourceScale = z.infer<typeof CustomResourceSubresourceScale>;

export const CustomResourceSubresources = z
  .strictObject({
    status: z.record(z.string(), z.unknown()).optional().describe("status indicates the custom resource should serve a `/status` subresource."),
    scale: CustomResourceSubresourceScale.optional().describe("scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object."),
  })
  .meta(ext("CustomResourceSubresources", "CustomResourceSubresources defines the status and scale subresources for CustomResources."));

/** A JSON schema node (JSONSchemaProps): free-form here, checked by apiextensions-schema.ts. */
export type JSONSchemaProps = Record<string, unknown>;

export const CustomResourceDefinitionVersion = z
  .strictObject({
    name: z.string().describe("name is the version name, e.g. “v1”, “v2beta1”, etc."),
    served: z.boolean().describe("served is a flag enabling/disabling this version from being served via REST APIs"),
    storage: z.boolean().describe("storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true."),
    deprecated: z.boolean().optional().describe("deprecated indicates this version of the custom resource API is deprecated."),
    deprecationWarning: z.string().optional().describe("deprecationWarning overrides the default warning returned to API clients."),
    schema: z
      .strictObject({
        openAPIV3Schema: z.record(z.string(), z.unknown()).optional().describe("openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning."),
      })
      .optional()
      .describe("schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource."),
    subresources: CustomResourceSubresources.optional().describe("subresources specify what subresources this version of the defined custom resource have."),
    additionalPrinterColumns: z.array(CustomResourceColumnDefinition).optional().meta({ "x-kubernetes-list-type": "atomic", description: "additionalPrinterColumns specifies additional columns returned in Table output." }),
    selectableFields: z.array(z.strictObject({ jsonPath: z.string() })).optional().meta({ "x-kubernetes-list-type": "atomic", description: "selectableFields specifies paths to fields that may be used as field selectors." }),
  })
  .meta(ext("CustomResourceDefinitionVersion", "CustomResourceDefinitionVersion describes a version for CRD."));
export type CustomResourceDefinitionVersion = z.infer<typeof CustomResourceDefinitionVersion>;

export const CustomResourceConversion = z
  .strictObject({
    strategy: z.string().optional().describe('strategy specifies how custom resources are converted between versions. Allowed values are: "None" and "Webhook". Defaults to None.'),
    webhook: z.record(z.string(), z.unknown()).optional().describe("webhook describes how to call the conversion webhook. Required when strategy is set to \"Webhook\"."),
  })
  .meta(ext("CustomResourceConversion", "CustomResourceConversion describes how to convert different versions of a CR."));

export const CustomResourceDefinitionSpec = z
  .strictObject({
    group: z.string().describe("group is the API group of the defined custom resource. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`)."),
    names: CustomResourceDefinitionNames.describe("names specify the resource and kind names for the custom resource."),
    scope: z.string().describe("scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`."),
    versions: z.array(CustomResourceDefinitionVersion).meta({ "x-kubernetes-list-type": "atomic", description: "versions is the list of all API versions of the defined custom resource." }),
    conversion: CustomResourceConversion.optional().describe("conversion defines conversion settings for the CRD."),
    preserveUnknownFields: z.boolean().optional().describe("preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage."),
  })
  .meta(ext("CustomResourceDefinitionSpec", "CustomResourceDefinitionSpec describes how a user wants their resource to appear"));
export type CustomResourceDefinitionSpec = z.infer<typeof CustomResourceDefinitionSpec>;

export const CustomResourceDefinitionCondition = z
  .strictObject({
    type: z.string().describe("type is the type of the condition. Types include Established, NamesAccepted and Terminating."),
    status: z.string().describe("status is the status of the condition. Can be True, False, Unknown."),
    lastTransitionTime: Time.optional().describe("lastTransitionTime last time the condition transitioned from one status to another."),
    reason: z.string().optional().describe("reason is a unique, one-word, CamelCase reason for the condition's last transition."),
    message: z.string().optional().describe("message is a human-readable message indicating details about last transition."),
  })
  .meta(ext("CustomResourceDefinitionCondition", "CustomResourceDefinitionCondition contains details for the current condition of this pod."));
export type CustomResourceDefinitionCondition = z.infer<typeof CustomResourceDefinitionCondition>;

export const CustomResourceDefinitionStatus = z
  .strictObject({
    conditions: z.array(CustomResourceDefinitionCondition).optional().meta({
      "x-kubernetes-list-map-keys": ["type"],
      "x-kubernetes-list-type": "map",
      description: "conditions indicate state for particular aspects of a CustomResourceDefinition",
    }),
    acceptedNames: CustomResourceDefinitionNames.optional().describe("acceptedNames are the names that are actually being used to serve discovery."),
    storedVersions: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "storedVersions lists all versions of CustomResources that were ever persisted." }),
  })
  .meta(ext("CustomResourceDefinitionStatus", "CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition"));
export type CustomResourceDefinitionStatus = z.infer<typeof CustomResourceDefinitionStatus>;

export const CustomResourceDefinition = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: CustomResourceDefinitionSpec.describe("spec describes how the user wants the resources to appear"),
    status: CustomResourceDefinitionStatus.optional().describe("status indicates the actual state of the CustomResourceDefinition"),
  })
  .meta(ext("CustomResourceDefinition", "CustomResourceDefinition represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>."));
export type CustomResourceDefinition = z.infer<typeof CustomResourceDefinition>;

/** The finalizer the API server puts on a CRD being deleted; its custom resources go first. */
export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

/** The version custom resources are stored in (validation makes it exactly one). */
export function storageVersionOf(crd: CustomResourceDefinition): CustomResourceDefinitionVersion | undefined {
  return crd.spec.versions.find((v) => v.storage);
}

/** A condition of the CRD's status by type. */
export function crdCondition(crd: CustomResourceDefinition, type: string): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}
