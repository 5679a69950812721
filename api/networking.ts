// networking.k8s.io/v1 NetworkPolicy: which pods may talk to which, by labels, namespaces and
// address blocks (enforced by the agent, not the API).
import { z } from "zod";
import { LabelSelector, ObjectMeta, typeMeta } from "./meta";
import { IntOrString } from "./quantity-schema";

const id = (name: string, description: string) => ({ id: `io.k8s.api.networking.v1.${name}`, description });
const int = () => z.number().int();

export const IPBlock = z
  .strictObject({
    cidr: z.string().describe('cidr is a string representing the IPBlock Valid examples are "192.168.1.0/24" or "2001:db8::/64"'),
    except: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: 'except is a slice of CIDRs that should not be included within an IPBlock Valid examples are "192.168.1.0/24" or "2001:db8::/64" Except values will be rejected if they are outside the cidr range' }),
  })
  .meta(id("IPBlock", "IPBlock describes a particular CIDR (Ex. \"192.168.1.0/24\",\"2001:db8::/64\") that is allowed to the pods matched by a NetworkPolicySpec's podSelector. The except entry describes CIDRs that should not be included within this rule."));
export type IPBlock = z.infer<typeof IPBlock>;

export const NetworkPolicyPeer = z
  .strictObject({
    podSelector: LabelSelector.optional().describe("podSelector is a label selector which selects pods. This field follows standard label selector semantics; if present but empty, it selects all pods. If namespaceSelector is also set, then the NetworkPolicyPeer as a whole selects the pods matching podSelector in the Namespaces selected by NamespaceSelector. Otherwise it selects the pods matching podSelector in the policy's own namespace."),
    namespaceSelector: LabelSelector.optional().describe("namespaceSelector selects namespaces using cluster-scoped labels. This field follows standard label selector semantics; if present but empty, it selects all namespaces. If podSelector is also set, then the NetworkPolicyPeer as a whole selects the pods matching podSelector in the namespaces selected by namespaceSelector. Otherwise it selects all pods in the namespaces selected by namespaceSelector."),
    ipBlock: IPBlock.optional().describe("ipBlock defines policy on a particular IPBlock. If this field is set then neither of the other fields can be."),
  })
  .meta(id("NetworkPolicyPeer", "NetworkPolicyPeer describes a peer to allow traffic to/from. Only certain combinations of fields are allowed"));
export type NetworkPolicyPeer = z.infer<typeof NetworkPolicyPeer>;

export const NetworkPolicyPort = z
  .strictObject({
    protocol: z.string().optional().describe("protocol represents the protocol (TCP, UDP, or SCTP) which traffic must match. If not specified, this field defaults to TCP."),
    port: IntOrString.optional().describe("port represents the port on the given protocol. This can either be a numerical or named port on a pod. If this field is not provided, this matches all port names and numbers. If present, only traffic on the specified protocol AND port will be matched."),
    endPort: int().optional().describe("endPort indicates that the range of ports from port to endPort if set, inclusive, should be allowed by the policy. This field cannot be defined if the port field is not defined or if the port field is defined as a named (string) port. The endPort must be equal or greater than port."),
  })
  .meta(id("NetworkPolicyPort", "NetworkPolicyPort describes a port to allow traffic on"));
export type NetworkPolicyPort = z.infer<typeof NetworkPolicyPort>;

const ports = () =>
  z.array(NetworkPolicyPort).optional().meta({ "x-kubernetes-list-type": "atomic", description: "ports is a list of ports which should be made accessible on the pods selected for this rule. Each item in this list is combined using a logical OR. If this field is empty or missing, this rule matches all ports (traffic not restricted by port). If this field is present and contains at least one item, then this rule allows traffic only if the traffic matches at least one port in the list." });

export const NetworkPolicyIngressRule = z
  .strictObject({
    ports: ports(),
    from: z.array(NetworkPolicyPeer).optional().meta({ "x-kubernetes-list-type": "atomic", description: "from is a list of sources which should be able to access the pods selected for this rule. Items in this list are combined using a logical OR operation. If this field is empty or missing, this rule matches all sources (traffic not restricted by source). If this field is present and contains at least one item, this rule allows traffic only if the traffic matches at least one item in the from list." }),
  })
  .meta(id("NetworkPolicyIngressRule", "NetworkPolicyIngressRule describes a particular set of traffic that is allowed to the pods matched by a NetworkPolicySpec's podSelector. The traffic must match both ports and from."));
export type NetworkPolicyIngressRule = z.infer<typeof NetworkPolicyIngressRule>;

export const NetworkPolicyEgressRule = z
  .strictObject({
    ports: ports(),
    to: z.array(NetworkPolicyPeer).optional().meta({ "x-kubernetes-list-type": "atomic", description: "to is a list of destinations for outgoing traffic of pods selected for this rule. Items in this list are combined using a logical OR operation. If this field is empty or missing, this rule matches all destinations (traffic not restricted by destination). If this field is present and contains at least one item, this rule allows traffic only if the traffic matches at least one item in the to list." }),
  })
  .meta(id("NetworkPolicyEgressRule", "NetworkPolicyEgressRule describes a particular set of traffic that is allowed out of pods matched by a NetworkPolicySpec's podSelector. The traffic must match both ports and to. This type is beta-level in 1.8"));
export type NetworkPolicyEgressRule = z.infer<typeof NetworkPolicyEgressRule>;

export const NetworkPolicySpec = z
  .strictObject({
    podSelector: LabelSelector.describe("podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace."),
    ingress: z.array(NetworkPolicyIngressRule).optional().meta({ "x-kubernetes-list-type": "atomic", description: "ingress is a list of ingress rules to be applied to the selected pods. Traffic is allowed to a pod if there are no NetworkPolicies selecting the pod (and cluster policy otherwise allows the traffic), OR if the traffic source is the pod's local node, OR if the traffic matches at least one ingress rule across all of the NetworkPolicy objects whose podSelector matches the pod. If this field is empty then this NetworkPolicy does not allow any traffic (and serves solely to ensure that the pods it selects are isolated by default)" }),
    egress: z.array(NetworkPolicyEgressRule).optional().meta({ "x-kubernetes-list-type": "atomic", description: "egress is a list of egress rules to be applied to the selected pods. Outgoing traffic is allowed if there are no NetworkPolicies selecting the pod (and cluster policy otherwise allows the traffic), OR if the traffic matches at least one egress rule across all of the NetworkPolicy objects whose podSelector matches the pod. If this field is empty then this NetworkPolicy limits all outgoing traffic (and serves solely to ensure that the pods it selects are isolated by default). This field is beta-level in 1.8" }),
    policyTypes: z.array(z.string()).optional().meta({ "x-kubernetes-list-type": "atomic", description: 'policyTypes is a list of rule types that the NetworkPolicy relates to. Valid options are ["Ingress"], ["Egress"], or ["Ingress", "Egress"]. If this field is not specified, it will default based on the existence of ingress or egress rules; policies that contain an egress section are assumed to affect egress, and all policies (whether or not they contain an ingress section) are assumed to affect ingress.' }),
  })
  .meta(id("NetworkPolicySpec", "NetworkPolicySpec provides the specification of a NetworkPolicy"));
export type NetworkPolicySpec = z.infer<typeof NetworkPolicySpec>;

export const NetworkPolicy = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: NetworkPolicySpec.optional().describe("spec represents the specification of the desired behavior for this NetworkPolicy."),
  })
  .meta(id("NetworkPolicy", "NetworkPolicy describes what network traffic is allowed for a set of Pods"));
export type NetworkPolicy = z.infer<typeof NetworkPolicy>;
