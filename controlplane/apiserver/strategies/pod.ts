// Pods (Kubernetes' pkg/registry/core/pod/strategy.go): a created pod starts Pending with its QoS
// class, PodScheduled when it names its node (or when pods/binding gives it one); the
// DefaultTolerationSeconds admission; a bound,
// running pod is deleted gracefully (deletionTimestamp = now + grace, the agent stops it and
// removes the object).
import type { Pod, PodCondition, PodSpec, PodStatus } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import { validateServedVolumes } from "../../../api/storage-volumes";
import { rfc3339 } from "../../../api/time";
import { invalid } from "../errors";
import { planFinalizedDelete, propagationFinalizers } from "./delete";
import { admitServiceAccount, type ServiceAccountAdmission } from "./pod-serviceaccount";
import { genericStrategy, type Strategy } from "./strategy";
import { ephemeralCreateCauses, prepareEphemeralUpdate, validateEphemeralAwareUpdate } from "../subresources/ephemeral";

export interface PodStrategyOptions {
  /** tolerationSeconds of the default not-ready / unreachable tolerations added to every pod. */
  notReadyTolerationSeconds?: number;
  unreachableTolerationSeconds?: number;
  /** The ServiceAccount admission (./pod-serviceaccount.ts). */
  serviceAccounts?: ServiceAccountAdmission;
}

type PodObject = KObject & Pod;

export function podStrategy(rt: ResourceType, options: PodStrategyOptions): Strategy<PodObject> {
  const generic = genericStrategy(rt) as Strategy<PodObject>;
  return {
    ...generic,
    prepareForCreate(pod) {
      applyDefaultTolerationSeconds(pod.spec, options);
      pod.status = { phase: "Pending", qosClass: qosClass(pod.spec) };
      if (pod.spec?.nodeName) setPodScheduled(pod.status);
    },
    // pods/ephemeralcontainers writes only spec.ephemeralContainers; nothing else can (subresources/ephemeral.ts).
    // (pods/binding writes through storage alone and never comes here: subresources/binding.ts.)
    prepareForUpdate: (next, old, subresource) => prepareEphemeralUpdate(generic.prepareForUpdate(next, old, subresource), old, subresource),
    validateUpdate: (next, old) => validateEphemeralAwareUpdate(next, old, generic.validateUpdate),
    async admit(pod, old) {
      // Volume types no agent serves are refused up front (never an empty directory in their place).
      const causes = old ? [] : [...validateServedVolumes(pod.spec?.volumes), ...ephemeralCreateCauses(pod)];
      if (causes.length) throw invalid("Pod", "", pod.metadata.name ?? "", causes);
      if (!old) await admitServiceAccount(pod, options.serviceAccounts);
      await generic.admit(pod, old);
    },
    planDelete(pod, opts) {
      const copy = structuredClone(pod);
      const finalizers = propagationFinalizers(pod, opts);
      const grace = opts.gracePeriodSeconds ?? copy.spec?.terminationGracePeriodSeconds ?? 30;
      const bound = Boolean(copy.spec?.nodeName);
      const finished = copy.status?.phase === "Succeeded" || copy.status?.phase === "Failed";
      if (!bound || finished || grace <= 0) return planFinalizedDelete(copy, finalizers);
      const meta = copy.metadata;
      const current = meta.deletionGracePeriodSeconds;
      if (!meta.deletionTimestamp || current === undefined || grace < current) {
        meta.deletionTimestamp = rfc3339(Date.now() + grace * 1000);
        meta.deletionGracePeriodSeconds = grace;
      }
      meta.finalizers = finalizers.length ? finalizers : undefined;
      return { update: copy };
    },
  };
}

/**
 * PodScheduled=True, as Kubernetes' assignPod sets it in the same write as spec.nodeName: it
 * replaces a PodScheduled=False (Unschedulable) the scheduler wrote, keeping no reason or message;
 * lastProbeTime is null, as Kubernetes writes it.
 */
export function setPodScheduled(status: PodStatus, now = rfc3339()): void {
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === "PodScheduled");
  const was = i >= 0 ? conditions[i] : undefined;
  const lastTransitionTime = was?.status === "True" && was.lastTransitionTime ? was.lastTransitionTime : now;
  const scheduled = { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime } as unknown as PodCondition;
  status.conditions = i >= 0 ? conditions.map((c, j) => (j === i ? scheduled : c)) : [...conditions, scheduled];
}

/**
 * The DefaultTolerationSeconds admission: defaulting added the not-ready/unreachable NoExecute
 * tolerations with Kubernetes' 300 s; this server may be configured with other times (the lab
 * uses short ones so that pods leave a dead worker quickly).
 */
function applyDefaultTolerationSeconds(spec: PodSpec | undefined, opts: PodStrategyOptions): void {
  for (const t of spec?.tolerations ?? []) {
    if (t.effect !== "NoExecute" || t.operator !== "Exists" || t.tolerationSeconds !== 300) continue;
    if (t.key === "node.kubernetes.io/not-ready" && opts.notReadyTolerationSeconds !== undefined) t.tolerationSeconds = opts.notReadyTolerationSeconds;
    if (t.key === "node.kubernetes.io/unreachable" && opts.unreachableTolerationSeconds !== undefined) t.tolerationSeconds = opts.unreachableTolerationSeconds;
  }
}

/** Guaranteed when every container limits cpu and memory at its requests, BestEffort with no resources at all. */
export function qosClass(spec: PodSpec | undefined): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req: Record<string, unknown> = c.resources?.requests ?? {};
    const lim: Record<string, unknown> = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
