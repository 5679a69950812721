// core/v1 Node: spec (podCIDR, taints, unschedulable) and status (capacity, conditions, addresses).
import { z } from "zod";
import { mergeBy, ObjectMeta, Time, typeMeta } from "../meta";
import { ResourceList } from "../quantity-schema";
import { Taint } from "./scheduling";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const int = () => z.number().int();

export const NodeSpec = z
  .strictObject({
    podCIDR: z.string().optional().describe("PodCIDR represents the pod IP range assigned to the node."),
    podCIDRs: z
      .array(z.string())
      .optional()
      .meta({ "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set", description: "podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node." }),
    providerID: z.string().optional().describe("ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>"),
    unschedulable: z.boolean().optional().describe("Unschedulable controls node schedulability of new pods. By default, node is schedulable."),
    taints: z.array(Taint).optional().describe("If specified, the node's taints."),
    configSource: z.record(z.string(), z.unknown()).optional(),
    externalID: z.string().optional(),
  })
  .meta(id("NodeSpec", "NodeSpec describes the attributes that a node is created with."));
export type NodeSpec = z.infer<typeof NodeSpec>;

export const NodeCondition = z
  .strictObject({
    type: z.string().describe("Type of node condition."),
    status: z.string().describe("Status of the condition, one of True, False, Unknown."),
    lastHeartbeatTime: Time.optional(),
    lastTransitionTime: Time.optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
  })
  .meta(id("NodeCondition", "NodeCondition contains condition information for a node."));
export type NodeCondition = z.infer<typeof NodeCondition>;

export const NodeAddress = z
  .strictObject({
    type: z.string().describe("Node address type, one of Hostname, ExternalIP or InternalIP."),
    address: z.string().describe("The node address."),
  })
  .meta(id("NodeAddress", "NodeAddress contains information for the node's address."));
export type NodeAddress = z.infer<typeof NodeAddress>;

export const NodeSystemInfo = z
  .strictObject({
    machineID: z.string().optional(),
    systemUUID: z.string().optional(),
    bootID: z.string().optional(),
    kernelVersion: z.string().optional(),
    osImage: z.string().optional(),
    containerRuntimeVersion: z.string().optional(),
    kubeletVersion: z.string().optional(),
    kubeProxyVersion: z.string().optional(),
    operatingSystem: z.string().optional(),
    architecture: z.string().optional(),
    swap: z.record(z.string(), z.unknown()).optional(),
  })
  .meta(id("NodeSystemInfo", "NodeSystemInfo is a set of ids/uuids to uniquely identify the node."));
export type NodeSystemInfo = z.infer<typeof NodeSystemInfo>;

export const NodeStatus = z
  .strictObject({
    capacity: ResourceList.optional().describe("Capacity represents the total resources of a node."),
    allocatable: ResourceList.optional().describe("Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity."),
    phase: z.string().optional(),
    conditions: z
      .array(NodeCondition)
      .optional()
      .meta({ ...mergeBy("type"), "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map", description: "Conditions is an array of current observed node conditions." }),
    addresses: z
      .array(NodeAddress)
      .optional()
      .meta({ ...mergeBy("type"), "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map", description: "List of addresses reachable to the node." }),
    daemonEndpoints: z
      .strictObject({
        kubeletEndpoint: z.strictObject({ Port: int().describe("Port number of the given endpoint.") }).optional(),
      })
      .optional()
      .describe("Endpoints of daemons running on the Node."),
    nodeInfo: NodeSystemInfo.optional().describe("Set of ids/uuids to uniquely identify the node."),
    images: z
      .array(z.strictObject({ names: z.array(z.string()).optional(), sizeBytes: int().optional() }))
      .optional()
      .describe("List of container images on this node"),
    volumesInUse: z.array(z.string()).optional(),
    volumesAttached: z.array(z.record(z.string(), z.unknown())).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    runtimeHandlers: z.array(z.record(z.string(), z.unknown())).optional(),
    features: z.record(z.string(), z.unknown()).optional(),
  })
  .meta(id("NodeStatus", "NodeStatus is information about the current status of a node."));
export type NodeStatus = z.infer<typeof NodeStatus>;

export const Node = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: NodeSpec.optional().describe("Spec defines the behavior of a node."),
    status: NodeStatus.optional().describe("Most recently observed status of the node."),
  })
  .meta(id("Node", "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd)."));
export type Node = z.infer<typeof Node>;
