// The strategy of each kind: its own module where it has rules, the generic one otherwise.
import type { ResourceType } from "../../../api/resource";
import type { ServiceAllocator } from "../allocators/service-addresses";
import { namespaceStrategy } from "./namespace";
import { nodeStrategy } from "./node";
import { podStrategy, type PodStrategyOptions } from "./pod";
import { pvStrategy } from "./pv";
import { pvcStrategy, type StorageStrategyOptions } from "./pvc";
import { serviceStrategy } from "./service";
import { genericStrategy, type Strategy } from "./strategy";
import { crdStrategy, customStrategy } from "../crd/strategy";
import { withPodSecurity } from "../admission/podsecurity/strategy";
import { withNodeRestriction } from "../admission/noderestriction";
import { withCertificateAdmission } from "../admission/certificates";
import type { PodSecurityAdmission } from "../admission/podsecurity/admission";
import type { EscalationCheck } from "../authz/escalation";
import { rbacStrategy } from "./rbac";
import { certificateSigningRequestStrategy } from "./certificates";

export type { DeleteOptions, DeletePlan, FinishWrite, Strategy, WriteHooks } from "./strategy";

export type StrategyOptions = PodStrategyOptions & StorageStrategyOptions & {
  /** Pod Security admission for Pods, Namespaces and pod templates (admission/podsecurity). */
  podSecurity?: PodSecurityAdmission;
  /** What RBAC writes are checked against (privilege escalation prevention, strategies/rbac.ts). */
  rbacEscalation?: EscalationCheck;
};

export interface Strategies {
  /** The strategy for objects of `rt`. */
  of(rt: ResourceType): Strategy;
  /** The Namespace type (a namespaced create checks its namespace exists and is not terminating). */
  namespaces: ResourceType;
}

export function createStrategies(types: ResourceType[], allocator: ServiceAllocator, options: StrategyOptions = {}): Strategies {
  const byType = new Map<ResourceType, Strategy>();
  // Admission in Kubernetes' order: the kind's own, NodeRestriction, CertificateApproval/Signing, then PodSecurity.
  for (const rt of types) byType.set(rt, withPodSecurity(rt, withCertificateAdmission(rt, withNodeRestriction(rt, strategyFor(rt, allocator, options)), options.rbacEscalation ?? {}), options.podSecurity));
  const namespaces = types.find((t) => t.kind === "Namespace" && t.group === "");
  if (!namespaces) throw new Error("resource type Namespace missing");
  return {
    of: (rt) => byType.get(rt) ?? customStrategy(rt) ?? genericStrategy(rt),
    namespaces,
  };
}

interface StrategyDeps {
  allocator: ServiceAllocator;
  options: StrategyOptions;
}

/** The core kinds with rules of their own. */
const CORE_STRATEGIES = new Map<string, (rt: ResourceType, deps: StrategyDeps) => Strategy>([
  ["Pod", (rt, { options }) => podStrategy(rt, options) as Strategy],
  ["Namespace", (rt) => namespaceStrategy(rt) as Strategy],
  ["Service", (rt, { allocator }) => serviceStrategy(rt, allocator) as Strategy],
  ["Node", (rt) => nodeStrategy(rt)],
  ["PersistentVolumeClaim", (rt, { options }) => pvcStrategy(rt, options) as Strategy],
  ["PersistentVolume", (rt) => pvStrategy(rt) as Strategy],
]);

function strategyFor(rt: ResourceType, allocator: ServiceAllocator, options: StrategyOptions): Strategy {
  if (rt.group === "apiextensions.k8s.io" && rt.kind === "CustomResourceDefinition") return crdStrategy(rt) as Strategy;
  if (rt.group === "rbac.authorization.k8s.io" && options.rbacEscalation) return rbacStrategy(rt, options.rbacEscalation);
  if (rt.group === "certificates.k8s.io" && rt.kind === "CertificateSigningRequest") return certificateSigningRequestStrategy(rt);
  const make = rt.group === "" ? CORE_STRATEGIES.get(rt.kind) : undefined;
  return make ? make(rt, { allocator, options }) : genericStrategy(rt);
}
