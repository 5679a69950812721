// The HorizontalPodAutoscaler controller (Kubernetes' pkg/controller/podautoscaler): every
// --horizontal-pod-autoscaler-sync-period (15 s) each HPA reads its target's scale subresource,
// computes a replica count from the pods' metrics (compute.ts, replicas.ts), bounds it by the
// stabilization window and the scaling policies (normalize.ts), writes the new count through the
// scale subresource, and reports status, conditions and events as Kubernetes does.
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus } from "../../../api/autoscaling";
import type { Pod } from "../../../api/core";
import type { PodMetrics } from "../../../api/metrics";
import { rfc3339 } from "../../../api/time";
import {
  deployments,
  horizontalpodautoscalers as hpaRes,
  ignoreNotFound,
  isConflict,
  keyOf,
  podmetrics,
  realClock,
  replicasets,
  runController,
  statefulsets,
  WorkQueue,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type Informer,
  type ResourceRef,
  type Result,
} from "../../../client";
import { LabelSelectorSyntaxError, matchesLabels, parseLabelSelector, type LabelSelector } from "../../../api/label-selector";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { DEFAULT_DOWNSCALE_STABILIZATION_MS, effectiveRules } from "./behavior";
import { computeMetrics } from "./compute";
import { setCondition } from "./conditions";
import { applyRateLimits, newMemory, recordScaleEvent, stabilize, type AutoscalerMemory } from "./normalize";

export const DEFAULT_SYNC_PERIOD_MS = 15_000;

export interface PodAutoscalerOptions {
  client: ApiClient;
  informers: SharedInformers;
  recorder?: EventRecorder;
  clock?: Clock;
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  downscaleStabilizationMs?: number;
}

interface Scale {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** The kinds whose scale subresource kubelab serves. */
const SCALABLE: Record<string, ResourceRef> = { "apps/Deployment": deployments, "apps/ReplicaSet": replicasets, "apps/StatefulSet": statefulsets };

function targetResource(ref: HorizontalPodAutoscaler["spec"]["scaleTargetRef"]): ResourceRef | undefined {
  const group = (ref.apiVersion ?? "").includes("/") ? ref.apiVersion!.split("/")[0] : "";
  return SCALABLE[`${group}/${ref.kind}`];
}

export class PodAutoscalerController {
  readonly queue: WorkQueue;
  private readonly hpas: Informer<HorizontalPodAutoscaler>;
  private readonly pods: Informer<Pod>;
  private readonly clock: Clock;
  private readonly memory = new Map<string, AutoscalerMemory>();
  private readonly syncPeriodMs: number;

  constructor(private readonly opts: PodAutoscalerOptions) {
    this.clock = opts.clock ?? realClock;
    this.syncPeriodMs = Math.max(100, opts.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS);
    this.queue = new WorkQueue({ name: "horizontalpodautoscaling", clock: this.clock });
    this.hpas = opts.informers.horizontalPodAutoscalers();
    this.pods = opts.informers.pods();
    this.hpas.addEventHandler({
      onAdd: (h) => this.queue.add(keyOf(h)),
      // Status writes come back as updates: only a changed spec is looked at before the period.
      onUpdate: (o, h) => o.metadata.generation !== h.metadata.generation && this.queue.add(keyOf(h)),
      onDelete: (h) => this.queue.add(keyOf(h)),
    });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "horizontalpodautoscaling", queue: this.queue, workers: opts.workers ?? 5, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const hpa = this.hpas.get(key);
    if (!hpa) {
      this.memory.delete(key);
      return;
    }
    await this.reconcile(key, hpa);
    // Level-triggered on a timer as well: metrics change without any object changing.
    return { requeueAfter: this.syncPeriodMs };
  }

  private async reconcile(key: string, hpa: HorizontalPodAutoscaler): Promise<void> {
    const now = this.clock.now();
    const ns = hpa.metadata.namespace!;
    const status: HorizontalPodAutoscalerStatus = structuredClone(hpa.status ?? { desiredReplicas: 0 });
    const conditions = (status.conditions ??= []);
    const ref = hpa.spec.scaleTargetRef;
    const res = targetResource(ref);
    let scale: Scale;
    try {
      if (!res) throw new Error(`no matches for kind "${ref.kind}" in group "${(ref.apiVersion ?? "").split("/")[0]}"`);
      scale = await this.opts.client.getSubresource<Scale>(res, ns, ref.name, "scale");
    } catch (err) {
      const message = `the HPA controller was unable to get the target's current scale: ${(err as Error).message}`;
      setCondition(conditions, "AbleToScale", "False", "FailedGetScale", message, now);
      this.opts.recorder?.event(hpa, "Warning", "FailedGetScale", (err as Error).message);
      await this.writeStatus(hpa, status);
      return;
    }
    setCondition(conditions, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", now);
    const current = scale.spec?.replicas ?? 0;
    if (!this.memory.has(key)) this.memory.set(key, newMemory(current, now));
    const decision = await this.decide(key, hpa, scale, status, now);
    let rescaled = false;
    if (decision.replicas !== current) {
      try {
        await this.opts.client.putSubresource(res!, ns, ref.name, "scale", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: scale.metadata, spec: { replicas: decision.replicas } });
      } catch (err) {
        this.opts.recorder?.event(hpa, "Warning", "FailedRescale", `New size: ${decision.replicas}; reason: ${decision.reason}; error: ${(err as Error).message}`);
        setCondition(conditions, "AbleToScale", "False", "FailedUpdateScale", `the HPA controller was unable to update the target scale: ${(err as Error).message}`, now);
        await this.writeStatus(hpa, { ...status, currentReplicas: current });
        throw err;
      }
      setCondition(conditions, "AbleToScale", "True", "SucceededRescale", `the HPA controller was able to update the target scale to ${decision.replicas}`, now);
      this.opts.recorder?.event(hpa, "Normal", "SuccessfulRescale", `New size: ${decision.replicas}; reason: ${decision.reason}`);
      recordScaleEvent(this.memory.get(key)!, effectiveRules(hpa.spec.behavior, this.downscaleMs()), current, decision.replicas, now);
      rescaled = true;
    }
    status.currentReplicas = current;
    status.desiredReplicas = rescaled ? decision.replicas : current;
    if (rescaled) status.lastScaleTime = rfc3339(now);
    status.observedGeneration = hpa.metadata.generation;
    await this.writeStatus(hpa, status);
  }

  private downscaleMs(): number {
    return this.opts.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS;
  }

  /** The replica count to set and why (the rescale reason of the event), conditions set on the way. */
  private async decide(key: string, hpa: HorizontalPodAutoscaler, scale: Scale, status: HorizontalPodAutoscalerStatus, now: number): Promise<{ replicas: number; reason: string }> {
    const conditions = status.conditions!;
    const current = scale.spec?.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    if (current === 0 && min !== 0) {
      setCondition(conditions, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now);
      return { replicas: 0, reason: "" };
    }
    if (current > max) return { replicas: max, reason: "Current number of replicas above Spec.MaxReplicas" };
    if (current < min) return { replicas: min, reason: "Current number of replicas below Spec.MinReplicas" };
    const selector = scale.status?.selector;
    if (!selector) {
      this.opts.recorder?.event(hpa, "Warning", "SelectorRequired", "selector is required");
      setCondition(conditions, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector", now);
      return { replicas: current, reason: "" };
    }
    let requirements: LabelSelector;
    try {
      requirements = parseLabelSelector(selector);
    } catch (e) {
      if (!(e instanceof LabelSelectorSyntaxError)) throw e;
      // Kubernetes' words for it (horizontal.go): the event and the condition say the same.
      const message = `couldn't convert selector into a corresponding internal selector object: ${e.message}`;
      this.opts.recorder?.event(hpa, "Warning", "InvalidSelector", message);
      setCondition(conditions, "ScalingActive", "False", "InvalidSelector", message, now);
      return { replicas: current, reason: "" };
    }
    const ns = hpa.metadata.namespace!;
    const outcome = await computeMetrics(hpa.spec.metrics ?? [], {
      pods: () => this.pods.byIndex("namespace", ns).filter((p) => matchesLabels(requirements, p.metadata?.labels)),
      podMetrics: async () => (await this.opts.client.list<PodMetrics & { metadata: { name?: string } }>(podmetrics, ns, { labelSelector: selector })).items,
    }, current, now);
    status.currentMetrics = outcome.statuses;
    for (const f of outcome.failures) {
      this.opts.recorder?.event(hpa, "Warning", f.reason, f.message);
      setCondition(conditions, "ScalingActive", "False", f.reason, `the HPA was unable to compute the replica count: ${f.message}`, now);
    }
    if (outcome.proposals.length === 0) {
      const n = outcome.failures.length;
      const first = outcome.failures[0]?.wrapped ?? "no metrics";
      this.opts.recorder?.event(hpa, "Warning", "FailedComputeMetricsReplicas", `invalid metrics (${n} invalid out of ${n}), first error is: ${first}`);
      return { replicas: current, reason: "" };
    }
    const best = outcome.proposals.reduce((a, b) => (b.replicas > a.replicas ? b : a));
    if (outcome.failures.length === 0) setCondition(conditions, "ScalingActive", "True", "ValidMetricFound", `the HPA was able to successfully calculate a replica count from ${best.name}`, now);
    const reason = best.replicas > current ? `${best.name} above target` : best.replicas < current ? "All metrics below target" : "";
    const rules = effectiveRules(hpa.spec.behavior, this.downscaleMs());
    const mem = this.memory.get(key)!;
    const stable = stabilize(mem, rules, current, best.replicas, now);
    if (stable.replicas !== best.replicas) setCondition(conditions, "AbleToScale", "True", stable.reason, stable.message, now);
    else setCondition(conditions, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now);
    const limited = applyRateLimits(mem, rules, current, stable.replicas, min, max, now);
    setCondition(conditions, "ScalingLimited", limited.replicas === stable.replicas ? "False" : "True", limited.reason, limited.message, now);
    return { replicas: limited.replicas, reason };
  }

  /** The one place that writes status; an unchanged status is not written. */
  private async writeStatus(hpa: HorizontalPodAutoscaler, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (JSON.stringify(hpa.status ?? {}) === JSON.stringify(status)) return;
    try {
      await this.opts.client.updateStatus(hpaRes, hpa.metadata.namespace, { ...hpa, status });
    } catch (err) {
      if (!isConflict(err)) return ignoreNotFound(err);
      const fresh = await this.opts.client.get<HorizontalPodAutoscaler>(hpaRes, hpa.metadata.namespace, hpa.metadata.name!);
      await this.opts.client.updateStatus(hpaRes, hpa.metadata.namespace, { ...fresh, status });
    }
  }
}
