// core/v1 PersistentVolume and PersistentVolumeClaim, as Kubernetes 1.32 serves them. The volume
// sources kubelab's agents mount are typed (hostPath, local); the rest are accepted as loose
// objects so real manifests validate (a pod using such a PV then waits with a clear event).
import { z } from "zod";
import { LabelSelector, ObjectMeta, Time, typeMeta } from "../meta";
import { Quantity, ResourceList } from "../quantity-schema";
import { NodeSelector } from "./scheduling";
import { ObjectReference } from "./service";
import { HostPathVolumeSource } from "./volume";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const loose = (description: string) => z.record(z.string(), z.unknown()).optional().describe(description);
const accessModes = () =>
  z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "accessModes contains all ways the volume can be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod." });

export const LocalVolumeSource = z
  .strictObject({
    path: z.string().describe("path of the full path to the volume on the node. It can be either a directory or block device (disk, partition, ...)."),
    fsType: z.string().optional().describe("fsType is the filesystem type to mount. It applies only when the Path is a block device."),
  })
  .meta(id("LocalVolumeSource", "Local represents directly-attached storage with node affinity"));

export const VolumeNodeAffinity = z
  .strictObject({ required: NodeSelector.optional().describe("required specifies hard node constraints that must be met.") })
  .meta(id("VolumeNodeAffinity", "VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from."));
export type VolumeNodeAffinity = z.infer<typeof VolumeNodeAffinity>;

export const PersistentVolumeSpec = z
  .strictObject({
    capacity: ResourceList.optional().describe("capacity is the description of the persistent volume's resources and capacity."),
    accessModes: accessModes(),
    claimRef: ObjectReference.optional().describe("claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
    persistentVolumeReclaimPolicy: z.string().optional().describe("persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated)."),
    storageClassName: z.string().optional().describe("storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass."),
    mountOptions: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "mountOptions is the list of mount options." }),
    volumeMode: z.string().optional().describe("volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec."),
    nodeAffinity: VolumeNodeAffinity.optional().describe("nodeAffinity defines constraints that limit what nodes this volume can be accessed from."),
    volumeAttributesClassName: z.string().optional().describe("Name of VolumeAttributesClass to which this persistent volume belongs."),
    hostPath: HostPathVolumeSource.optional().describe("hostPath represents a directory on the host."),
    local: LocalVolumeSource.optional().describe("local represents directly-attached storage with node affinity"),
    csi: loose("csi represents storage that is handled by an external CSI driver."),
    nfs: loose("nfs represents an NFS mount on the host."),
    iscsi: loose("iscsi represents an ISCSI Disk resource."),
    fc: loose("fc represents a Fibre Channel resource."),
    gcePersistentDisk: loose("Deprecated: gcePersistentDisk."),
    awsElasticBlockStore: loose("Deprecated: awsElasticBlockStore."),
    azureDisk: loose("Deprecated: azureDisk."),
    azureFile: loose("Deprecated: azureFile."),
    cephfs: loose("Deprecated: cephfs."),
    cinder: loose("Deprecated: cinder."),
    flexVolume: loose("Deprecated: flexVolume."),
    flocker: loose("Deprecated: flocker."),
    glusterfs: loose("Deprecated: glusterfs."),
    photonPersistentDisk: loose("Deprecated: photonPersistentDisk."),
    portworxVolume: loose("Deprecated: portworxVolume."),
    quobyte: loose("Deprecated: quobyte."),
    rbd: loose("Deprecated: rbd."),
    scaleIO: loose("Deprecated: scaleIO."),
    storageos: loose("Deprecated: storageOS."),
    vsphereVolume: loose("Deprecated: vsphereVolume."),
  })
  .meta(id("PersistentVolumeSpec", "PersistentVolumeSpec is the specification of a persistent volume."));
export type PersistentVolumeSpec = z.infer<typeof PersistentVolumeSpec>;

export const PersistentVolumeStatus = z
  .strictObject({
    phase: z.string().optional().describe("phase indicates if a volume is available, bound to a claim, or released by a claim."),
    message: z.string().optional().describe("message is a human-readable message indicating details about why the volume is in this state."),
    reason: z.string().optional().describe("reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    lastPhaseTransitionTime: Time.optional().describe("lastPhaseTransitionTime is the time the phase transitioned from one to another."),
  })
  .meta(id("PersistentVolumeStatus", "PersistentVolumeStatus is the current status of a persistent volume."));

export const PersistentVolume = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: PersistentVolumeSpec.optional().describe("spec defines a specification of a persistent volume owned by the cluster."),
    status: PersistentVolumeStatus.optional().describe("status represents the current information/status for the persistent volume."),
  })
  .meta(id("PersistentVolume", "PersistentVolume (PV) is a storage resource provisioned by an administrator."));
export type PersistentVolume = z.infer<typeof PersistentVolume>;

const TypedLocalObjectReference = z
  .strictObject({ apiGroup: z.string().optional(), kind: z.string(), name: z.string() })
  .meta({ ...id("TypedLocalObjectReference", "TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace."), "x-kubernetes-map-type": "atomic" });

export const PersistentVolumeClaimSpec = z
  .strictObject({
    accessModes: accessModes(),
    selector: LabelSelector.optional().describe("selector is a label query over volumes to consider for binding."),
    resources: z
      .strictObject({ limits: ResourceList.optional(), requests: ResourceList.optional() })
      .meta(id("VolumeResourceRequirements", "VolumeResourceRequirements describes the storage resource requirements for a volume."))
      .optional()
      .describe("resources represents the minimum resources the volume should have."),
    volumeName: z.string().optional().describe("volumeName is the binding reference to the PersistentVolume backing this claim."),
    storageClassName: z.string().optional().describe("storageClassName is the name of the StorageClass required by the claim."),
    volumeMode: z.string().optional().describe("volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec."),
    dataSource: TypedLocalObjectReference.optional(),
    dataSourceRef: z.strictObject({ apiGroup: z.string().optional(), kind: z.string(), name: z.string(), namespace: z.string().optional() }).optional(),
    volumeAttributesClassName: z.string().optional(),
  })
  .meta(id("PersistentVolumeClaimSpec", "PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes"));
export type PersistentVolumeClaimSpec = z.infer<typeof PersistentVolumeClaimSpec>;

export const PersistentVolumeClaimCondition = z
  .strictObject({
    type: z.string(),
    status: z.string(),
    lastProbeTime: Time.optional(),
    lastTransitionTime: Time.optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
  })
  .meta(id("PersistentVolumeClaimCondition", "PersistentVolumeClaimCondition contains details about state of pvc"));

export const PersistentVolumeClaimStatus = z
  .strictObject({
    phase: z.string().optional().describe("phase represents the current phase of PersistentVolumeClaim."),
    accessModes: accessModes(),
    capacity: z.record(z.string(), Quantity).optional().describe("capacity represents the actual resources of the underlying volume."),
    conditions: z.array(PersistentVolumeClaimCondition).optional(),
    allocatedResources: ResourceList.optional(),
    allocatedResourceStatuses: z.record(z.string(), z.string()).optional(),
    currentVolumeAttributesClassName: z.string().optional(),
    modifyVolumeStatus: z.record(z.string(), z.unknown()).optional(),
  })
  .meta(id("PersistentVolumeClaimStatus", "PersistentVolumeClaimStatus is the current status of a persistent volume claim."));

export const PersistentVolumeClaim = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: PersistentVolumeClaimSpec.optional().describe("spec defines the desired characteristics of a volume requested by a pod author."),
    status: PersistentVolumeClaimStatus.optional().describe("status represents the current information/status of a persistent volume claim."),
  })
  .meta(id("PersistentVolumeClaim", "PersistentVolumeClaim is a user's request for and claim to a persistent volume"));
export type PersistentVolumeClaim = z.infer<typeof PersistentVolumeClaim>;
