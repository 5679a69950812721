// apps/v1 Deployment and ReplicaSet; autoscaling/v1 Scale (the scale subresource).
import { z } from "zod";
import { PodTemplateSpec } from "./corev1/pod";
import { LabelSelector, mergeBy, ObjectMeta, Time, typeMeta } from "./meta";
import { IntOrString } from "./quantity-schema";

const apps = (name: string, description: string) => ({ id: `io.k8s.api.apps.v1.${name}`, description });
const int = () => z.number().int();

const workloadCondition = (name: string) =>
  z
    .strictObject({
      type: z.string().describe(`Type of ${name.replace("Condition", "")} condition.`),
      status: z.string().describe("Status of the condition, one of True, False, Unknown."),
      lastUpdateTime: Time.optional().describe("The last time this condition was updated."),
      lastTransitionTime: Time.optional().describe("Last time the condition transitioned from one status to another."),
      reason: z.string().optional().describe("The reason for the condition's last transition."),
      message: z.string().optional().describe("A human readable message indicating details about the transition."),
    })
    .meta(apps(name, `${name} describes the state of a ${name.replace("Condition", "")} at a certain point.`));

export const DeploymentCondition = workloadCondition("DeploymentCondition");
export type DeploymentCondition = z.infer<typeof DeploymentCondition>;
export const ReplicaSetCondition = workloadCondition("ReplicaSetCondition");
export type ReplicaSetCondition = z.infer<typeof ReplicaSetCondition>;

const conditionsList = <T extends z.ZodType>(c: T, what: string) =>
  z
    .array(c)
    .optional()
    .meta({
      ...mergeBy("type"),
      "x-kubernetes-list-map-keys": ["type"],
      "x-kubernetes-list-type": "map",
      description: `Represents the latest available observations of a ${what}'s current state.`,
    });

export const DeploymentStrategy = z
  .strictObject({
    type: z.string().optional().describe('Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.'),
    rollingUpdate: z
      .strictObject({
        maxUnavailable: IntOrString.optional().describe("The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
        maxSurge: IntOrString.optional().describe("The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
      })
      .meta(apps("RollingUpdateDeployment", "Spec to control the desired behavior of rolling update."))
      .optional()
      .describe("Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate."),
  })
  .meta(apps("DeploymentStrategy", "DeploymentStrategy describes how to replace existing pods with new ones."));
export type DeploymentStrategy = z.infer<typeof DeploymentStrategy>;

export const DeploymentSpec = z
  .strictObject({
    replicas: int().optional().describe("Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1."),
    selector: LabelSelector.describe("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
    template: PodTemplateSpec.describe("Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is \"Always\"."),
    strategy: DeploymentStrategy.optional().meta({
      "x-kubernetes-patch-strategy": "retainKeys",
      description: "The deployment strategy to use to replace existing pods with new ones.",
    }),
    minReadySeconds: int().optional().describe("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
    revisionHistoryLimit: int().optional().describe("The number of old ReplicaSets to retain to allow rollback. Defaults to 10."),
    paused: z.boolean().optional().describe("Indicates that the deployment is paused."),
    progressDeadlineSeconds: int().optional().describe("The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s."),
  })
  .meta(apps("DeploymentSpec", "DeploymentSpec is the specification of the desired behavior of the Deployment."));
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

export const DeploymentStatus = z
  .strictObject({
    observedGeneration: int().optional().describe("The generation observed by the deployment controller."),
    replicas: int().optional().describe("Total number of non-terminating pods targeted by this deployment (their labels match the selector)."),
    updatedReplicas: int().optional().describe("Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
    readyReplicas: int().optional().describe("Total number of non-terminating pods targeted by this Deployment with a Ready Condition."),
    availableReplicas: int().optional().describe("Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
    unavailableReplicas: int().optional().describe("Total number of unavailable pods targeted by this deployment."),
    terminatingReplicas: int().optional(),
    conditions: conditionsList(DeploymentCondition, "deployment"),
    collisionCount: int().optional().describe("Count of hash collisions for the Deployment. Used as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet."),
  })
  .meta(apps("DeploymentStatus", "DeploymentStatus is the most recently observed status of the Deployment."));
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const Deployment = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: DeploymentSpec.describe("Specification of the desired behavior of the Deployment."),
    status: DeploymentStatus.optional().describe("Most recently observed status of the Deployment."),
  })
  .meta(apps("Deployment", "Deployment enables declarative updates for Pods and ReplicaSets."));
export type Deployment = z.infer<typeof Deployment>;

export const ReplicaSetSpec = z
  .strictObject({
    replicas: int().optional().describe("Replicas is the number of desired pods. Defaults to 1."),
    minReadySeconds: int().optional(),
    selector: LabelSelector.describe("Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels."),
    template: PodTemplateSpec.optional().describe("Template is the object that describes the pod that will be created if insufficient replicas are detected."),
  })
  .meta(apps("ReplicaSetSpec", "ReplicaSetSpec is the specification of a ReplicaSet."));
export type ReplicaSetSpec = z.infer<typeof ReplicaSetSpec>;

export const ReplicaSetStatus = z
  .strictObject({
    replicas: int().optional().describe("Replicas is the most recently observed number of non-terminating pods."),
    fullyLabeledReplicas: int().optional(),
    readyReplicas: int().optional().describe("The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
    availableReplicas: int().optional().describe("The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set."),
    terminatingReplicas: int().optional(),
    observedGeneration: int().optional().describe("ObservedGeneration reflects the generation of the most recently observed ReplicaSet."),
    conditions: conditionsList(ReplicaSetCondition, "replica set"),
  })
  .meta(apps("ReplicaSetStatus", "ReplicaSetStatus represents the current status of a ReplicaSet."));
export type ReplicaSetStatus = z.infer<typeof ReplicaSetStatus>;

export const ReplicaSet = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: ReplicaSetSpec.describe("Spec defines the specification of the desired behavior of the ReplicaSet."),
    status: ReplicaSetStatus.optional().describe("Status is the most recently observed status of the ReplicaSet."),
  })
  .meta(apps("ReplicaSet", "ReplicaSet ensures that a specified number of pod replicas are running at any given time."));
export type ReplicaSet = z.infer<typeof ReplicaSet>;

/** autoscaling/v1 Scale: what the scale subresource reads and writes. */
export const Scale = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object metadata."),
    spec: z
      .strictObject({ replicas: int().optional().describe("replicas is the desired number of instances for the scaled object.") })
      .meta({ id: "io.k8s.api.autoscaling.v1.ScaleSpec", description: "ScaleSpec describes the attributes of a scale subresource." })
      .optional(),
    status: z
      .strictObject({
        replicas: int().optional().describe("replicas is the actual number of observed instances of the scaled object."),
        selector: z.string().optional().describe("selector is the label query over pods that should match the replicas count, in the serialized form of a label selector."),
      })
      .meta({ id: "io.k8s.api.autoscaling.v1.ScaleStatus", description: "ScaleStatus represents the current status of a scale subresource." })
      .optional(),
  })
  .meta({ id: "io.k8s.api.autoscaling.v1.Scale", description: "Scale represents a scaling request for a resource." });
export type Scale = z.infer<typeof Scale>;
