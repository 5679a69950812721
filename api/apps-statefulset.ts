// apps/v1 StatefulSet as Kubernetes 1.32 serves it (k8s.io/api/apps/v1): the schema and the
// `kubectl get sts` Table columns. Defaults and validation are in ./apps-statefulset-rules, the
// served resource in ./apps-statefulset-resource.
import { z } from "zod";
import { PodTemplateSpec } from "./corev1/pod";
import { PersistentVolumeClaim } from "./corev1/persistentvolume";
import { LabelSelector, mergeBy, ObjectMeta, Time, typeMeta } from "./meta";
import { age, ageCol, col, containerCells, containersCol, imagesCol, nameCol, type Printer } from "./printing/columns";
import { IntOrString } from "./quantity-schema";

const apps = (name: string, description: string) => ({ id: `io.k8s.api.apps.v1.${name}`, description });
const int = () => z.number().int();

/** A claim template: a PersistentVolumeClaim whose apiVersion and kind may be left out. */
const ClaimTemplate = PersistentVolumeClaim.extend({ apiVersion: z.string().optional(), kind: z.string().optional() }).meta({
  id: "io.k8s.api.core.v1.PersistentVolumeClaim",
  description: "PersistentVolumeClaim is a user's request for and claim to a persistent volume",
});

export const StatefulSetUpdateStrategy = z
  .strictObject({
    type: z.string().optional().describe("Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate."),
    rollingUpdate: z
      .strictObject({
        partition: int().optional().describe("Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. During a rolling update, all pods from ordinal Replicas-1 to Partition are updated. All pods from ordinal Partition-1 to 0 remain untouched. This is helpful in being able to do a canary based deployment. The default value is 0."),
        maxUnavailable: IntOrString.optional().describe("The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding up. This can not be 0. Defaults to 1."),
      })
      .meta(apps("RollingUpdateStatefulSetStrategy", "RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType."))
      .optional()
      .describe("RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType."),
  })
  .meta(apps("StatefulSetUpdateStrategy", "StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates. It includes any additional parameters necessary to perform the update for the indicated strategy."));
export type StatefulSetUpdateStrategy = z.infer<typeof StatefulSetUpdateStrategy>;

export const StatefulSetPersistentVolumeClaimRetentionPolicy = z
  .strictObject({
    whenDeleted: z.string().optional().describe("WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted. The default policy of `Retain` causes PVCs to not be affected by StatefulSet deletion. The `Delete` policy causes those PVCs to be deleted."),
    whenScaled: z.string().optional().describe("WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down. The default policy of `Retain` causes PVCs to not be affected by a scaledown. The `Delete` policy causes the associated PVCs for any excess pods above the replica count to be deleted."),
  })
  .meta(apps("StatefulSetPersistentVolumeClaimRetentionPolicy", "StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates."));
export type StatefulSetPersistentVolumeClaimRetentionPolicy = z.infer<typeof StatefulSetPersistentVolumeClaimRetentionPolicy>;

export const StatefulSetSpec = z
  .strictObject({
    replicas: int().optional().describe("replicas is the desired number of replicas of the given Template. These are replicas in the sense that they are instantiations of the same Template, but individual replicas also have a consistent identity. If unspecified, defaults to 1."),
    selector: LabelSelector.describe("selector is a label query over pods that should match the replica count. It must match the pod template's labels."),
    template: PodTemplateSpec.describe("template is the object that describes the pod that will be created if insufficient replicas are detected. Each pod stamped out by the StatefulSet will fulfill this Template, but have a unique identity from the rest of the StatefulSet. Each pod will be named with the format <statefulsetname>-<podindex>. For example, a pod in a StatefulSet named \"web\" with index number \"3\" would be named \"web-3\". The only allowed template.spec.restartPolicy value is \"Always\"."),
    volumeClaimTemplates: z.array(ClaimTemplate).optional().meta({
      "x-kubernetes-list-type": "atomic",
      description: "volumeClaimTemplates is a list of claims that pods are allowed to reference. The StatefulSet controller is responsible for mapping network identities to claims in a way that maintains the identity of a pod. Every claim in this list must have at least one matching (by name) volumeMount in one container in the template.",
    }),
    serviceName: z.string().optional().describe("serviceName is the name of the service that governs this StatefulSet. This service must exist before the StatefulSet, and is responsible for the network identity of the set. Pods get DNS/hostnames that follow the pattern: pod-specific-string.serviceName.default.svc.cluster.local where \"pod-specific-string\" is managed by the StatefulSet controller."),
    podManagementPolicy: z.string().optional().describe("podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. The default policy is `OrderedReady`, where pods are created in increasing order (pod-0, then pod-1, etc) and the controller will wait until each pod is ready before continuing. When scaling down, the pods are removed in the opposite order. The alternative policy is `Parallel` which will create pods in parallel to match the desired scale without waiting, and on scale down will delete all pods at once."),
    updateStrategy: StatefulSetUpdateStrategy.optional().describe("updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template."),
    revisionHistoryLimit: int().optional().describe("revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet's revision history. The revision history consists of all revisions not represented by a currently applied StatefulSetSpec version. The default value is 10."),
    minReadySeconds: int().optional().describe("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)"),
    persistentVolumeClaimRetentionPolicy: StatefulSetPersistentVolumeClaimRetentionPolicy.optional().describe("persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates. By default, all persistent volume claims are created as needed and retained until manually deleted."),
    ordinals: z
      .strictObject({ start: int().optional().describe("start is the number representing the first replica's index. It may be used to number replicas from an alternate index (eg: 1-indexed) over the default 0-indexed names, or to orchestrate progressive movement of replicas from one StatefulSet to another.") })
      .meta(apps("StatefulSetOrdinals", "StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet."))
      .optional()
      .describe("ordinals controls the numbering of replica indices in a StatefulSet. The default ordinals behavior assigns a \"0\" index to the first replica and increments the index by one for each additional replica requested."),
  })
  .meta(apps("StatefulSetSpec", "A StatefulSetSpec is the specification of a StatefulSet."));
export type StatefulSetSpec = z.infer<typeof StatefulSetSpec>;

export const StatefulSetCondition = z
  .strictObject({
    type: z.string().describe("Type of statefulset condition."),
    status: z.string().describe("Status of the condition, one of True, False, Unknown."),
    lastTransitionTime: Time.optional().describe("Last time the condition transitioned from one status to another."),
    reason: z.string().optional().describe("The reason for the condition's last transition."),
    message: z.string().optional().describe("A human readable message indicating details about the transition."),
  })
  .meta(apps("StatefulSetCondition", "StatefulSetCondition describes the state of a statefulset at a certain point."));

export const StatefulSetStatus = z
  .strictObject({
    observedGeneration: int().optional().describe("observedGeneration is the most recent generation observed for this StatefulSet. It corresponds to the StatefulSet's generation, which is updated on mutation by the API Server."),
    // Go always writes it (no omitempty); optional here so a status without it (a merge, an apply) still decodes.
    replicas: int().optional().describe("replicas is the number of Pods created by the StatefulSet controller."),
    readyReplicas: int().optional().describe("readyReplicas is the number of pods created for this StatefulSet with a Ready Condition."),
    currentReplicas: int().optional().describe("currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision."),
    updatedReplicas: int().optional().describe("updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision."),
    currentRevision: z.string().optional().describe("currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas)."),
    updateRevision: z.string().optional().describe("updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)"),
    collisionCount: int().optional().describe("collisionCount is the count of hash collisions for the StatefulSet. The StatefulSet controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ControllerRevision."),
    conditions: z.array(StatefulSetCondition).optional().meta({
      ...mergeBy("type"),
      "x-kubernetes-list-map-keys": ["type"],
      "x-kubernetes-list-type": "map",
      description: "Represents the latest available observations of a statefulset's current state.",
    }),
    availableReplicas: int().optional().describe("Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset."),
  })
  .meta(apps("StatefulSetStatus", "StatefulSetStatus represents the current state of a StatefulSet."));
export type StatefulSetStatus = z.infer<typeof StatefulSetStatus>;

export const StatefulSet = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: StatefulSetSpec.describe("Spec defines the desired identities of pods in this set."),
    status: StatefulSetStatus.optional().describe("Status is the current status of Pods in this StatefulSet. This data may be out of date by some window of time."),
  })
  .meta(apps("StatefulSet", "StatefulSet represents a set of pods with consistent identities. Identities are defined as:\n  - Network: A single stable DNS and hostname.\n  - Storage: As many VolumeClaims as requested.\n\nThe StatefulSet guarantees that a given network identity will always map to the same storage identity."));
export type StatefulSet = z.infer<typeof StatefulSet>;

/** printStatefulSet (pkg/printers/internalversion): READY is readyReplicas/spec.replicas. */
export const statefulSetPrinters: Record<string, Printer> = {
  statefulsets: {
    columns: [nameCol, col("Ready", "string", "Number of the pod with ready state"), ageCol, containersCol, imagesCol],
    cells(o, now) {
      const sts = o as StatefulSet;
      return [sts.metadata.name, `${sts.status?.readyReplicas ?? 0}/${sts.spec.replicas ?? 0}`, age(sts, now), ...containerCells(sts.spec.template)];
    },
  },
};
