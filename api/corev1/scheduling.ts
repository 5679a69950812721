// core/v1 scheduling-related parts of a PodSpec: affinity, tolerations, topology spread, taints.
import { z } from "zod";
import { LabelSelector, Time } from "../meta";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });
const int = () => z.number().int();
const loose = () => z.record(z.string(), z.unknown());

export const NodeSelectorRequirement = z
  .strictObject({
    key: z.string().describe("The label key that the selector applies to."),
    operator: z.string().describe("Represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. Gt, and Lt."),
    values: z.array(z.string()).optional(),
  })
  .meta(id("NodeSelectorRequirement", "A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values."));

export const NodeSelectorTerm = z
  .strictObject({
    matchExpressions: z.array(NodeSelectorRequirement).optional().describe("A list of node selector requirements by node's labels."),
    matchFields: z.array(NodeSelectorRequirement).optional().describe("A list of node selector requirements by node's fields."),
  })
  .meta({ ...id("NodeSelectorTerm", "A null or empty node selector term matches no objects. The requirements of them are ANDed."), "x-kubernetes-map-type": "atomic" });
export type NodeSelectorTerm = z.infer<typeof NodeSelectorTerm>;

export const NodeSelector = z
  .strictObject({ nodeSelectorTerms: z.array(NodeSelectorTerm).describe("Required. A list of node selector terms. The terms are ORed.") })
  .meta({ ...id("NodeSelector", "A node selector represents the union of the results of one or more label queries over a set of nodes."), "x-kubernetes-map-type": "atomic" });

export const PreferredSchedulingTerm = z
  .strictObject({ weight: int(), preference: NodeSelectorTerm })
  .meta(id("PreferredSchedulingTerm", "An empty preferred scheduling term matches all objects with implicit weight 0."));

export const NodeAffinity = z
  .strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector.optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z.array(PreferredSchedulingTerm).optional(),
  })
  .meta(id("NodeAffinity", "Node affinity is a group of node affinity scheduling rules."));
export type NodeAffinity = z.infer<typeof NodeAffinity>;

export const Affinity = z
  .strictObject({
    nodeAffinity: NodeAffinity.optional().describe("Describes node affinity scheduling rules for the pod."),
    podAffinity: loose().optional().describe("Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s))."),
    podAntiAffinity: loose().optional().describe("Describes pod anti-affinity scheduling rules."),
  })
  .meta(id("Affinity", "Affinity is a group of affinity scheduling rules."));
export type Affinity = z.infer<typeof Affinity>;

export const Toleration = z
  .strictObject({
    key: z.string().optional().describe("Key is the taint key that the toleration applies to. Empty means match all taint keys."),
    operator: z.string().optional().describe("Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal."),
    value: z.string().optional(),
    effect: z.string().optional().describe("Effect indicates the taint effect to match. Empty means match all taint effects."),
    tolerationSeconds: int().optional(),
  })
  .meta(id("Toleration", "The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect>."));
export type Toleration = z.infer<typeof Toleration>;

export const Taint = z
  .strictObject({
    key: z.string().describe("Required. The taint key to be applied to a node."),
    value: z.string().optional(),
    effect: z.string().describe("Required. The effect of the taint on pods that do not tolerate the taint: NoSchedule, PreferNoSchedule and NoExecute."),
    timeAdded: Time.optional(),
  })
  .meta(id("Taint", "The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint."));
export type Taint = z.infer<typeof Taint>;

export const TopologySpreadConstraint = z
  .strictObject({
    maxSkew: int().describe("MaxSkew describes the degree to which pods may be unevenly distributed."),
    topologyKey: z.string().describe("TopologyKey is the key of node labels."),
    whenUnsatisfiable: z.string().describe("WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy the spread constraint: DoNotSchedule or ScheduleAnyway."),
    labelSelector: LabelSelector.optional(),
    minDomains: int().optional(),
    nodeAffinityPolicy: z.string().optional(),
    nodeTaintsPolicy: z.string().optional(),
    matchLabelKeys: z.array(z.string()).optional(),
  })
  .meta(id("TopologySpreadConstraint", "TopologySpreadConstraint specifies how to spread matching pods among the given topology."));
export type TopologySpreadConstraint = z.infer<typeof TopologySpreadConstraint>;

export const HostAlias = z
  .strictObject({ ip: z.string(), hostnames: z.array(z.string()).optional() })
  .meta(id("HostAlias", "HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file."));

export const PodDNSConfig = z
  .strictObject({
    nameservers: z.array(z.string()).optional(),
    searches: z.array(z.string()).optional(),
    options: z.array(z.strictObject({ name: z.string().optional(), value: z.string().optional() })).optional(),
  })
  .meta(id("PodDNSConfig", "PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy."));

export const PodReadinessGate = z
  .strictObject({ conditionType: z.string() })
  .meta(id("PodReadinessGate", "PodReadinessGate contains the reference to a pod condition"));

export const PodSchedulingGate = z
  .strictObject({ name: z.string() })
  .meta(id("PodSchedulingGate", "PodSchedulingGate is associated to a Pod to guard its scheduling."));

export const PodResourceClaim = z
  .strictObject({
    name: z.string(),
    resourceClaimName: z.string().optional(),
    resourceClaimTemplateName: z.string().optional(),
  })
  .meta(id("PodResourceClaim", "PodResourceClaim references exactly one ResourceClaim."));

export const LocalObjectReference = z
  .strictObject({ name: z.string().optional().describe("Name of the referent.") })
  .meta({ ...id("LocalObjectReference", "LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace."), "x-kubernetes-map-type": "atomic" });

export const PodSecurityContext = z
  .strictObject({
    seLinuxOptions: z.strictObject({ user: z.string().optional(), role: z.string().optional(), type: z.string().optional(), level: z.string().optional() }).optional(),
    windowsOptions: loose().optional(),
    runAsUser: int().optional(),
    runAsGroup: int().optional(),
    runAsNonRoot: z.boolean().optional(),
    supplementalGroups: z.array(int()).optional(),
    supplementalGroupsPolicy: z.string().optional(),
    fsGroup: int().optional(),
    sysctls: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
    fsGroupChangePolicy: z.string().optional(),
    seccompProfile: z.strictObject({ type: z.string(), localhostProfile: z.string().optional() }).optional(),
    appArmorProfile: z.strictObject({ type: z.string(), localhostProfile: z.string().optional() }).optional(),
    seLinuxChangePolicy: z.string().optional(),
  })
  .meta(id("PodSecurityContext", "PodSecurityContext holds pod-level security attributes and common container settings."));

/**
 * Does toleration t tolerate taint? As k8s.io/api/core/v1's Toleration.ToleratesTaint: an empty
 * effect matches every effect, an empty key every key, an empty operator means Equal (values
 * compared, absent = ""), Exists matches any value, any other operator nothing.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "") {
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

/** Is the taint tolerated by at least one of the tolerations? (TolerationsTolerateTaint) */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}
