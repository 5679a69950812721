// core/v1 Volume and the volume sources kubelab understands (plus loose objects for the rest).
import { z } from "zod";
import { LabelSelector } from "../meta";
import { Quantity } from "../quantity-schema";
import { ObjectFieldSelector, ResourceFieldSelector } from "./container";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const int = () => z.number().int();
/** Volume sources kubelab does not run; accepted so real manifests validate. */
const loose = (description: string) => z.record(z.string(), z.unknown()).optional().describe(description);

export const KeyToPath = z
  .strictObject({ key: z.string().describe("key is the key to project."), path: z.string(), mode: int().optional() })
  .meta(id("KeyToPath", "Maps a string key to a path within a volume."));

export const EmptyDirVolumeSource = z
  .strictObject({
    medium: z.string().optional().describe('medium represents what type of storage medium should back this directory: "" or "Memory".'),
    sizeLimit: Quantity.optional(),
  })
  .meta(id("EmptyDirVolumeSource", "Represents an empty directory for a pod."));

export const HostPathVolumeSource = z
  .strictObject({ path: z.string().describe("path of the directory on the host."), type: z.string().optional() })
  .meta(id("HostPathVolumeSource", "Represents a host path mapped into a pod."));

export const ConfigMapVolumeSource = z
  .strictObject({
    name: z.string().optional(),
    items: z.array(KeyToPath).optional(),
    defaultMode: int().optional(),
    optional: z.boolean().optional(),
  })
  .meta(id("ConfigMapVolumeSource", "Adapts a ConfigMap into a volume."));

export const SecretVolumeSource = z
  .strictObject({
    secretName: z.string().optional(),
    items: z.array(KeyToPath).optional(),
    defaultMode: int().optional(),
    optional: z.boolean().optional(),
  })
  .meta(id("SecretVolumeSource", "Adapts a Secret into a volume."));

export const PersistentVolumeClaimVolumeSource = z
  .strictObject({ claimName: z.string(), readOnly: z.boolean().optional() })
  .meta(id("PersistentVolumeClaimVolumeSource", "References the user's PVC in the same namespace."));

export const DownwardAPIVolumeFile = z
  .strictObject({
    path: z.string(),
    fieldRef: ObjectFieldSelector.optional(),
    resourceFieldRef: ResourceFieldSelector.optional(),
    mode: int().optional(),
  })
  .meta(id("DownwardAPIVolumeFile", "DownwardAPIVolumeFile represents information to create the file containing the pod field"));

export const DownwardAPIVolumeSource = z
  .strictObject({ items: z.array(DownwardAPIVolumeFile).optional(), defaultMode: int().optional() })
  .meta(id("DownwardAPIVolumeSource", "DownwardAPIVolumeSource represents a volume containing downward API info."));

export const VolumeProjection = z
  .strictObject({
    secret: z
      .strictObject({ name: z.string().optional(), items: z.array(KeyToPath).optional(), optional: z.boolean().optional() })
      .optional(),
    configMap: z
      .strictObject({ name: z.string().optional(), items: z.array(KeyToPath).optional(), optional: z.boolean().optional() })
      .optional(),
    downwardAPI: z.strictObject({ items: z.array(DownwardAPIVolumeFile).optional() }).optional(),
    serviceAccountToken: z
      .strictObject({ audience: z.string().optional(), expirationSeconds: int().optional(), path: z.string() })
      .optional(),
    clusterTrustBundle: z
      .strictObject({
        name: z.string().optional(),
        signerName: z.string().optional(),
        labelSelector: LabelSelector.optional(),
        optional: z.boolean().optional(),
        path: z.string(),
      })
      .optional(),
  })
  .meta(id("VolumeProjection", "Projection that may be projected along with other supported volume types."));

export const ProjectedVolumeSource = z
  .strictObject({ sources: z.array(VolumeProjection).optional(), defaultMode: int().optional() })
  .meta(id("ProjectedVolumeSource", "Represents a projected volume source"));

export const Volume = z
  .strictObject({
    name: z.string().describe("name of the volume. Must be a DNS_LABEL and unique within the pod."),
    hostPath: HostPathVolumeSource.optional().describe("hostPath represents a pre-existing file or directory on the host machine."),
    emptyDir: EmptyDirVolumeSource.optional().describe("emptyDir represents a temporary directory that shares a pod's lifetime."),
    secret: SecretVolumeSource.optional().describe("secret represents a secret that should populate this volume."),
    persistentVolumeClaim: PersistentVolumeClaimVolumeSource.optional(),
    downwardAPI: DownwardAPIVolumeSource.optional(),
    configMap: ConfigMapVolumeSource.optional().describe("configMap represents a configMap that should populate this volume"),
    projected: ProjectedVolumeSource.optional(),
    image: z.strictObject({ reference: z.string().optional(), pullPolicy: z.string().optional() }).optional(),
    ephemeral: loose("ephemeral represents a volume that is handled by a cluster storage driver."),
    csi: loose("csi represents ephemeral storage that is handled by certain external CSI drivers."),
    nfs: loose("nfs represents an NFS mount on the host that shares a pod's lifetime."),
    gcePersistentDisk: loose("gcePersistentDisk represents a GCE Disk resource."),
    awsElasticBlockStore: loose("Deprecated."),
    gitRepo: loose("Deprecated: gitRepo is deprecated."),
    iscsi: loose("iscsi represents an ISCSI Disk resource."),
    glusterfs: loose("Deprecated."),
    rbd: loose("Deprecated."),
    flexVolume: loose("Deprecated."),
    cinder: loose("Deprecated."),
    cephfs: loose("Deprecated."),
    flocker: loose("Deprecated."),
    fc: loose("fc represents a Fibre Channel resource."),
    azureFile: loose("Deprecated."),
    azureDisk: loose("Deprecated."),
    vsphereVolume: loose("Deprecated."),
    quobyte: loose("Deprecated."),
    photonPersistentDisk: loose("Deprecated."),
    portworxVolume: loose("Deprecated."),
    scaleIO: loose("Deprecated."),
    storageos: loose("Deprecated."),
  })
  .meta(id("Volume", "Volume represents a named volume in a pod that may be accessed by any container in the pod."));
export type Volume = z.infer<typeof Volume>;

/** The names of a Volume's source fields (every key but name). */
export function volumeSourceKeys(v: Volume): string[] {
  return Object.keys(v).filter((k) => k !== "name");
}
