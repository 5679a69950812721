// core/v1 Pod: PodSpec, PodStatus, PodTemplateSpec.
import { z } from "zod";
import { mergeBy, ObjectMeta, StringMap, Time, typeMeta } from "../meta";
import { ResourceList } from "../quantity-schema";
import { Container, ResourceRequirements } from "./container";
import { EphemeralContainer } from "./ephemeral-container";
import {
  Affinity,
  HostAlias,
  LocalObjectReference,
  PodDNSConfig,
  PodReadinessGate,
  PodResourceClaim,
  PodSchedulingGate,
  PodSecurityContext,
  Toleration,
  TopologySpreadConstraint,
} from "./scheduling";
import { Volume } from "./volume";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const int = () => z.number().int();

export const PodSpec = z
  .strictObject({
    volumes: z
      .array(Volume)
      .optional()
      .meta({ ...mergeBy("name", "merge,retainKeys"), description: "List of volumes that can be mounted by containers belonging to the pod." }),
    initContainers: z
      .array(Container)
      .optional()
      .meta({ ...mergeBy("name"), description: "List of initialization containers belonging to the pod, run in order before the app containers start." }),
    containers: z
      .array(Container)
      .meta({ ...mergeBy("name"), description: "List of containers belonging to the pod. There must be at least one container in a Pod. Cannot be updated." }),
    ephemeralContainers: z
      .array(EphemeralContainer)
      .optional()
      .meta({ ...mergeBy("name"), description: "List of ephemeral containers run in this pod, added through the pods/ephemeralcontainers subresource." }),
    restartPolicy: z
      .string()
      .optional()
      .describe("Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always."),
    terminationGracePeriodSeconds: int()
      .optional()
      .describe("Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds."),
    activeDeadlineSeconds: int()
      .optional()
      .describe("Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers."),
    dnsPolicy: z
      .string()
      .optional()
      .describe("Set DNS policy for the pod. Defaults to \"ClusterFirst\". Valid values are 'ClusterFirstWithHostNet', 'ClusterFirst', 'Default' or 'None'."),
    nodeSelector: StringMap.optional().describe("NodeSelector is a selector which must be true for the pod to fit on a node."),
    serviceAccountName: z.string().optional().describe("ServiceAccountName is the name of the ServiceAccount to use to run this pod."),
    serviceAccount: z.string().optional().describe("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName."),
    automountServiceAccountToken: z.boolean().optional(),
    nodeName: z
      .string()
      .optional()
      .describe("NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName."),
    hostNetwork: z.boolean().optional().describe("Host networking requested for this pod. Default to false."),
    hostPID: z.boolean().optional(),
    hostIPC: z.boolean().optional(),
    shareProcessNamespace: z.boolean().optional(),
    securityContext: PodSecurityContext.optional().describe("SecurityContext holds pod-level security attributes and common container settings."),
    imagePullSecrets: z
      .array(LocalObjectReference)
      .optional()
      .meta({ ...mergeBy("name"), description: "ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec." }),
    hostname: z.string().optional(),
    subdomain: z.string().optional(),
    affinity: Affinity.optional().describe("If specified, the pod's scheduling constraints"),
    schedulerName: z.string().optional().describe("If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler."),
    tolerations: z.array(Toleration).optional().describe("If specified, the pod's tolerations."),
    hostAliases: z
      .array(HostAlias)
      .optional()
      .meta({ ...mergeBy("ip"), description: "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified." }),
    priorityClassName: z.string().optional(),
    priority: int().optional(),
    dnsConfig: PodDNSConfig.optional(),
    readinessGates: z.array(PodReadinessGate).optional(),
    runtimeClassName: z.string().optional(),
    enableServiceLinks: z.boolean().optional().describe("EnableServiceLinks indicates whether information about services should be injected into pod's environment variables. Optional: Defaults to true."),
    preemptionPolicy: z.string().optional(),
    overhead: ResourceList.optional(),
    topologySpreadConstraints: z
      .array(TopologySpreadConstraint)
      .optional()
      .meta({
        ...mergeBy("topologyKey"),
        "x-kubernetes-list-map-keys": ["topologyKey", "whenUnsatisfiable"],
        "x-kubernetes-list-type": "map",
        description: "TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.",
      }),
    setHostnameAsFQDN: z.boolean().optional(),
    os: z.strictObject({ name: z.string() }).optional(),
    hostUsers: z.boolean().optional(),
    schedulingGates: z
      .array(PodSchedulingGate)
      .optional()
      .meta({ ...mergeBy("name"), "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" }),
    resourceClaims: z
      .array(PodResourceClaim)
      .optional()
      .meta({ ...mergeBy("name", "merge,retainKeys"), "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" }),
    resources: ResourceRequirements.optional(),
  })
  .meta(id("PodSpec", "PodSpec is a description of a pod."));
export type PodSpec = z.infer<typeof PodSpec>;

export const ContainerStateWaiting = z
  .strictObject({
    reason: z.string().optional().describe("(brief) reason the container is not yet running."),
    message: z.string().optional(),
  })
  .meta(id("ContainerStateWaiting", "ContainerStateWaiting is a waiting state of a container."));

export const ContainerStateRunning = z
  .strictObject({ startedAt: Time.optional().describe("Time at which the container was last (re-)started") })
  .meta(id("ContainerStateRunning", "ContainerStateRunning is a running state of a container."));

export const ContainerStateTerminated = z
  .strictObject({
    exitCode: int().describe("Exit status from the last termination of the container"),
    signal: int().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    startedAt: Time.optional(),
    finishedAt: Time.optional(),
    containerID: z.string().optional(),
  })
  .meta(id("ContainerStateTerminated", "ContainerStateTerminated is a terminated state of a container."));

export const ContainerState = z
  .strictObject({
    waiting: ContainerStateWaiting.optional(),
    running: ContainerStateRunning.optional(),
    terminated: ContainerStateTerminated.optional(),
  })
  .meta(id("ContainerState", "ContainerState holds a possible state of container. Only one of its members may be specified."));
export type ContainerState = z.infer<typeof ContainerState>;

export const ContainerStatus = z
  .strictObject({
    name: z.string(),
    state: ContainerState.optional(),
    lastState: ContainerState.optional(),
    ready: z.boolean().optional().describe("Ready specifies whether the container is currently passing its readiness check."),
    restartCount: int().optional().describe("RestartCount holds the number of times the container has been restarted."),
    image: z.string().optional().describe("Image is the name of container image that the container is running."),
    imageID: z.string().optional().describe("ImageID is the image ID of the container's image."),
    containerID: z.string().optional(),
    started: z.boolean().optional(),
    allocatedResources: ResourceList.optional(),
    resources: ResourceRequirements.optional(),
    volumeMounts: z.array(z.record(z.string(), z.unknown())).optional(),
    user: z.record(z.string(), z.unknown()).optional(),
    allocatedResourcesStatus: z.array(z.record(z.string(), z.unknown())).optional(),
    stopSignal: z.string().optional(),
  })
  .meta(id("ContainerStatus", "ContainerStatus contains details for the current status of this container."));
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const PodCondition = z
  .strictObject({
    type: z.string().describe("Type is the type of the condition."),
    observedGeneration: int().optional(),
    status: z.string().describe("Status is the status of the condition. Can be True, False, Unknown."),
    lastProbeTime: Time.optional(),
    lastTransitionTime: Time.optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
  })
  .meta(id("PodCondition", "PodCondition contains details for the current condition of this pod."));
export type PodCondition = z.infer<typeof PodCondition>;

const IPEntry = (name: string) => z.strictObject({ ip: z.string() }).meta(id(name, `${name} represents a single IP address.`));

export const PodStatus = z
  .strictObject({
    observedGeneration: int().optional(),
    phase: z
      .string()
      .optional()
      .describe("The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, Succeeded, Failed, Unknown."),
    conditions: z
      .array(PodCondition)
      .optional()
      .meta({ ...mergeBy("type"), "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map", description: "Current service state of pod." }),
    message: z.string().optional().describe("A human readable message indicating details about why the pod is in this condition."),
    reason: z.string().optional().describe("A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'"),
    nominatedNodeName: z.string().optional(),
    hostIP: z.string().optional().describe("hostIP holds the IP address of the host to which the pod is assigned."),
    hostIPs: z.array(IPEntry("HostIP")).optional().meta({ ...mergeBy("ip"), "x-kubernetes-list-type": "atomic" }),
    podIP: z.string().optional().describe("podIP address allocated to the pod. Routable at least within the cluster."),
    podIPs: z.array(IPEntry("PodIP")).optional().meta({ ...mergeBy("ip"), "x-kubernetes-list-map-keys": ["ip"], "x-kubernetes-list-type": "map" }),
    startTime: Time.optional(),
    initContainerStatuses: z.array(ContainerStatus).optional(),
    containerStatuses: z.array(ContainerStatus).optional().describe("Statuses of containers in this pod."),
    qosClass: z.string().optional().describe("The Quality of Service (QOS) classification assigned to the pod based on resource requirements."),
    ephemeralContainerStatuses: z.array(ContainerStatus).optional(),
    resize: z.string().optional(),
    resourceClaimStatuses: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .meta(id("PodStatus", "PodStatus represents information about the status of a pod."));
export type PodStatus = z.infer<typeof PodStatus>;

export const Pod = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: PodSpec.describe("Specification of the desired behavior of the pod."),
    status: PodStatus.optional().describe("Most recently observed status of the pod."),
  })
  .meta(id("Pod", "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts."));
export type Pod = z.infer<typeof Pod>;

export const PodTemplateSpec = z
  .strictObject({
    metadata: ObjectMeta.optional().describe("Standard object's metadata."),
    spec: PodSpec.optional().describe("Specification of the desired behavior of the pod."),
  })
  .meta(id("PodTemplateSpec", "PodTemplateSpec describes the data a pod should have when created from a template"));
export type PodTemplateSpec = z.infer<typeof PodTemplateSpec>;
