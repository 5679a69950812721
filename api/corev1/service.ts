// core/v1 Service and Endpoints.
import { z } from "zod";
import { Condition, mergeBy, ObjectMeta, StringMap, typeMeta } from "../meta";
import { IntOrString } from "../quantity-schema";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const int = () => z.number().int();

export const ServicePort = z
  .strictObject({
    name: z.string().optional().describe("The name of this port within the service. This must be a DNS_LABEL."),
    protocol: z.string().optional().describe('The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.'),
    appProtocol: z.string().optional(),
    port: int().describe("The port that will be exposed by this service."),
    targetPort: IntOrString.optional().describe("Number or name of the port to access on the pods targeted by the service. Defaults to the value of the 'port' field."),
    nodePort: int().optional().describe("The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system."),
  })
  .meta(id("ServicePort", "ServicePort contains information on service's port."));
export type ServicePort = z.infer<typeof ServicePort>;

export const ServiceSpec = z
  .strictObject({
    ports: z
      .array(ServicePort)
      .optional()
      .meta({
        ...mergeBy("port"),
        "x-kubernetes-list-map-keys": ["port", "protocol"],
        "x-kubernetes-list-type": "map",
        description: "The list of ports that are exposed by this service.",
      }),
    selector: StringMap.optional().describe("Route service traffic to pods with label keys and values matching this selector."),
    clusterIP: z.string().optional().describe("clusterIP is the IP address of the service and is usually assigned randomly."),
    clusterIPs: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: "ClusterIPs is a list of IP addresses assigned to this service." }),
    type: z
      .string()
      .optional()
      .describe('type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
    externalIPs: z.array(z.string()).optional(),
    sessionAffinity: z.string().optional().describe('Supports "ClientIP" and "None". Defaults to None.'),
    loadBalancerIP: z.string().optional(),
    loadBalancerSourceRanges: z.array(z.string()).optional(),
    externalName: z.string().optional(),
    externalTrafficPolicy: z.string().optional().describe('describes how nodes distribute service traffic they receive: "Local" or "Cluster".'),
    healthCheckNodePort: int().optional(),
    publishNotReadyAddresses: z.boolean().optional(),
    sessionAffinityConfig: z
      .strictObject({ clientIP: z.strictObject({ timeoutSeconds: int().optional() }).optional() })
      .optional(),
    ipFamilies: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic" }),
    ipFamilyPolicy: z.string().optional(),
    allocateLoadBalancerNodePorts: z.boolean().optional(),
    loadBalancerClass: z.string().optional(),
    internalTrafficPolicy: z.string().optional(),
    trafficDistribution: z.string().optional(),
  })
  .meta(id("ServiceSpec", "ServiceSpec describes the attributes that a user creates on a service."));
export type ServiceSpec = z.infer<typeof ServiceSpec>;

export const LoadBalancerIngress = z
  .strictObject({
    ip: z.string().optional(),
    hostname: z.string().optional(),
    ipMode: z.string().optional(),
    ports: z.array(z.strictObject({ port: int(), protocol: z.string(), error: z.string().optional() })).optional(),
  })
  .meta(id("LoadBalancerIngress", "LoadBalancerIngress represents the status of a load-balancer ingress point."));

export const ServiceStatus = z
  .strictObject({
    loadBalancer: z
      .strictObject({ ingress: z.array(LoadBalancerIngress).optional() })
      .optional()
      .describe("LoadBalancer contains the current status of the load-balancer, if one is present."),
    conditions: z.array(Condition).optional().meta({ ...mergeBy("type"), "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map" }),
  })
  .meta(id("ServiceStatus", "ServiceStatus represents the current status of a service."));

export const Service = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: ServiceSpec.describe("Spec defines the behavior of a service."),
    status: ServiceStatus.optional().describe("Most recently observed status of the service."),
  })
  .meta(id("Service", "Service is a named abstraction of software service (for example, mysql) consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy."));
export type Service = z.infer<typeof Service>;

export const ObjectReference = z
  .strictObject({
    kind: z.string().optional().describe("Kind of the referent."),
    namespace: z.string().optional().describe("Namespace of the referent."),
    name: z.string().optional().describe("Name of the referent."),
    uid: z.string().optional().describe("UID of the referent."),
    apiVersion: z.string().optional().describe("API version of the referent."),
    resourceVersion: z.string().optional(),
    fieldPath: z.string().optional().describe('If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
  })
  .meta({ ...id("ObjectReference", "ObjectReference contains enough information to let you inspect or modify the referred object."), "x-kubernetes-map-type": "atomic" });
export type ObjectReference = z.infer<typeof ObjectReference>;

export const EndpointAddress = z
  .strictObject({
    ip: z.string().describe("The IP of this endpoint."),
    hostname: z.string().optional(),
    nodeName: z.string().optional(),
    targetRef: ObjectReference.optional().describe("Reference to object providing the endpoint."),
  })
  .meta(id("EndpointAddress", "EndpointAddress is a tuple that describes single IP address."));

export const EndpointPort = z
  .strictObject({
    name: z.string().optional(),
    port: int(),
    protocol: z.string().optional(),
    appProtocol: z.string().optional(),
  })
  .meta(id("EndpointPort", "EndpointPort is a tuple that describes a single port."));

export const EndpointSubset = z
  .strictObject({
    addresses: z.array(EndpointAddress).optional().describe("IP addresses which offer the related ports that are marked as ready."),
    notReadyAddresses: z.array(EndpointAddress).optional(),
    ports: z.array(EndpointPort).optional(),
  })
  .meta(id("EndpointSubset", "EndpointSubset is a group of addresses with a common set of ports."));
export type EndpointSubset = z.infer<typeof EndpointSubset>;

export const Endpoints = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    subsets: z.array(EndpointSubset).optional().describe("The set of all endpoints is the union of all subsets."),
  })
  .meta(id("Endpoints", "Endpoints is a collection of endpoints that implement the actual service."));
export type Endpoints = z.infer<typeof Endpoints>;
