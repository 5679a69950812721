// storage.k8s.io/v1 StorageClass, as Kubernetes 1.32 serves it (k8s.io/api/storage/v1), and the
// storage annotations, finalizers and names the API server, the controllers and the agent share.
import { z } from "zod";
import { ObjectMeta, typeMeta } from "./meta";

export * from "./storage-names";

export const TopologySelectorTerm = z
  .strictObject({
    matchLabelExpressions: z
      .array(
        z
          .strictObject({ key: z.string().describe("The label key that the selector applies to."), values: z.array(z.string()).meta({ "x-kubernetes-list-type": "atomic" }) })
          .meta({ id: "io.k8s.api.core.v1.TopologySelectorLabelRequirement", description: "A topology selector requirement is a selector that matches given label." }),
      )
      .optional()
      .meta({ "x-kubernetes-list-type": "atomic", description: "A list of topology selector requirements by labels." }),
  })
  .meta({ id: "io.k8s.api.core.v1.TopologySelectorTerm", description: "A topology selector term represents the result of label queries.", "x-kubernetes-map-type": "atomic" });

export const StorageClass = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    provisioner: z.string().describe("provisioner indicates the type of the provisioner."),
    parameters: z.record(z.string(), z.string()).optional().describe("parameters holds the parameters for the provisioner that should create volumes of this storage class."),
    reclaimPolicy: z.string().optional().describe("reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
    mountOptions: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class." }),
    allowVolumeExpansion: z.boolean().optional().describe("allowVolumeExpansion shows whether the storage class allow volume expand."),
    volumeBindingMode: z.string().optional().describe("volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used."),
    allowedTopologies: z.array(TopologySelectorTerm).optional().meta({ "x-kubernetes-list-type": "atomic", description: "allowedTopologies restrict the node topologies where volumes can be dynamically provisioned." }),
  })
  .meta({ id: "io.k8s.api.storage.v1.StorageClass", description: "StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned." });
export type StorageClass = z.infer<typeof StorageClass>;

