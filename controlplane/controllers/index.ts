// startControllers: the controller manager, every controller in one process sharing one set of
// informers, each of them skippable by name (`kubelab server --disable-controllers ...`). The
// scheduler is its own component (controlplane/components.ts starts it beside this, as
// kube-scheduler runs beside kube-controller-manager).
import { setMaxListeners } from "node:events";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import { daemonsets as daemonsetsRes, EventRecorder, type ApiClient, type Informer, type ObjectWithMeta, type ResourceRef } from "../../client";
import { DaemonSetController } from "./daemonset/controller";
import { StatefulSetController } from "./statefulset/controller";
import { statefulSetGcWatch } from "./statefulset/gc";
import { DeploymentController } from "./deployment/controller";
import { EndpointsController } from "./endpoints/controller";
import { EndpointSliceController, endpointSlicesResource, newEndpointSliceInformer } from "./endpointslice/controller";
import { CustomResourceInformers } from "./crd/informers";
import { GarbageCollector } from "./garbagecollector/controller";
import { newBatchControllers } from "./job/start";
import { newStorageControllers, storageGcWatch } from "./persistentvolume/start";
import { SharedInformers } from "../../client/informer-factory";
import { NamespaceController } from "./namespace/controller";
import { NodeIpamController } from "./nodeipam/controller";
import { NodeLifecycleController } from "./nodelifecycle/controller";
import { ReplicaSetController } from "./replicaset/controller";
import { PodAutoscalerController } from "./podautoscaler/controller";
import { RootCACertPublisher } from "./rootcacert/controller";
import { ServiceAccountsController } from "./serviceaccount/controller";
import { ClusterRoleAggregationController } from "./clusterroleaggregation/controller";
import { newNodeBootstrapControllers, type ClusterSigningOptions } from "./certificates/start";

import type { ControllerName } from "./names";
/** Names accepted by --disable-controllers ("all" disables every one). */
export { CONTROLLER_NAMES, type ControllerName } from "./names";

/** The controller manager's flags (not client/controller.ts's per-controller runtime options). */
export interface ControllerManagerOptions {
  /** --node-monitor-grace-period in seconds (default 40). */
  nodeMonitorGracePeriodSeconds?: number;
  /** --default-unreachable-toleration-seconds (default 300); also used for not-ready. */
  defaultUnreachableTolerationSeconds?: number;
  /** --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
  /** --allocate-node-cidrs (default true here; Kubernetes' default is false, k3s allocates too). */
  allocateNodeCIDRs?: boolean;
  /** --cluster-cidr (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (default 24). */
  nodeCIDRMaskSize?: number;
  /** --root-ca-file's PEM: published to every namespace as kube-root-ca.crt (none: not published). */
  rootCA?: string;
  /** --cluster-signing-*: the CSR signer's CA (none: the signer does not run). */
  clusterSigning?: ClusterSigningOptions;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min). */
  hpaDownscaleStabilizationMs?: number;
}

export interface StartControllersOptions {
  client: ApiClient;
  logger?: Logger;
  signal: AbortSignal;
  disabled?: string[];
  options?: ControllerManagerOptions;
  /** The process's metrics registry: reconcile and work-queue metrics of every controller go there. */
  metrics?: Registry;
  /** Informers to share with other components of the process (default: new ones on client). */
  informers?: SharedInformers;
}

export interface RunningControllers {
  informers: SharedInformers;
  /** Resolves when every controller has stopped (after signal aborts). */
  done: Promise<void>;
}

export async function startControllers(opts: StartControllersOptions): Promise<RunningControllers> {
  const logger = opts.logger ?? pino({ level: "silent" });
  // Every informer and worker listens on the one signal.
  setMaxListeners(0, opts.signal);
  const disabled = new Set(opts.disabled ?? []);
  const enabled = (name: ControllerName) => !disabled.has("all") && !disabled.has(name);
  const informers = opts.informers ?? new SharedInformers(opts.client, logger.child({ component: "informers" }));
  const recorder = (component: string) => new EventRecorder({ client: opts.client, component, logger });
  const o = opts.options ?? {};
  const runs: Array<Promise<void>> = [];
  const log = (name: string) => logger.child({ component: name });
  const runOpts = (name: string) => ({ logger: log(name), metrics: opts.metrics });
  const starters: Array<() => void> = [];
  // Not among the shared informers yet (client/ has no endpointSlices()): one here for the
  // endpointslice controller and the garbage collector, started and synced with the others.
  const sliceInformer = enabled("endpointslice") || enabled("garbagecollector") ? newEndpointSliceInformer(opts.client) : undefined;
  const batch = newBatchControllers({ client: opts.client, informers, signal: opts.signal, enabled, recorder, runOpts, starters, runs });
  newStorageControllers({ client: opts.client, informers, signal: opts.signal, enabled, recorder, runOpts, starters, runs });
  const nodeBootstrap = newNodeBootstrapControllers({ client: opts.client, signal: opts.signal, enabled, runOpts, signing: o.clusterSigning, starters, runs });

  // One controller: made only when enabled, its workers started once the caches have synced.
  const add = (name: ControllerName, make: () => { run(signal: AbortSignal, o: ReturnType<typeof runOpts>): Promise<void> }, when = true) => {
    if (!enabled(name) || !when) return;
    const c = make();
    starters.push(() => runs.push(c.run(opts.signal, runOpts(name))));
  };
  const client = opts.client;
  add("replicaset", () => new ReplicaSetController({ client, informers, recorder: recorder("replicaset-controller") }));
  add("deployment", () => new DeploymentController({ client, informers, recorder: recorder("deployment-controller") }));
  add("daemonset", () => new DaemonSetController({ client, informers, recorder: recorder("daemonset-controller") }));
  add("statefulset", () => new StatefulSetController({ client, informers, recorder: recorder("statefulset-controller") }));
  add("horizontalpodautoscaling", () => new PodAutoscalerController({ client, informers, recorder: recorder("horizontal-pod-autoscaler"), syncPeriodMs: o.hpaSyncPeriodMs, downscaleStabilizationMs: o.hpaDownscaleStabilizationMs }));
  add("nodelifecycle", () => new NodeLifecycleController({ client, informers, recorder: recorder("node-controller"), gracePeriodSeconds: o.nodeMonitorGracePeriodSeconds, defaultTolerationSeconds: o.defaultUnreachableTolerationSeconds }));
  add("endpoints", () => new EndpointsController({ client, informers }));
  add("endpointslice", () => new EndpointSliceController({ client, informers, recorder: recorder("endpoint-slice-controller"), maxEndpointsPerSlice: o.maxEndpointsPerSlice, sliceInformer }));
  add("garbagecollector", () => {
    const slices: Record<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef }> = sliceInformer ? { endpointslices: { informer: sliceInformer as unknown as Informer<ObjectWithMeta>, res: endpointSlicesResource } } : {};
    const daemonsets = { informer: informers.daemonSets() as unknown as Informer<ObjectWithMeta>, res: daemonsetsRes };
    // Custom resources are followed as their CRDs come and go.
    const customResources = new CustomResourceInformers(client, log("garbagecollector"));
    customResources.start(opts.signal);
    return new GarbageCollector({ client, informers, watch: { ...slices, ...batch.gcWatch, ...storageGcWatch(informers), ...statefulSetGcWatch(informers), daemonsets }, customResources });
  });
  add("namespace", () => new NamespaceController({ client, informers }));
  add("nodeipam", () => new NodeIpamController({ client, informers, recorder: recorder("node-ipam-controller"), clusterCIDR: o.clusterCIDR, nodeCIDRMaskSize: o.nodeCIDRMaskSize }), o.allocateNodeCIDRs !== false);
  add("serviceaccount", () => new ServiceAccountsController({ client, informers }));
  add("root-ca-cert-publisher", () => new RootCACertPublisher({ client, informers, rootCA: o.rootCA! }), o.rootCA !== undefined);
  add("clusterrole-aggregation", () => new ClusterRoleAggregationController({ client }));
  informers.start(opts.signal);
  sliceInformer?.start(opts.signal);
  batch.start(opts.signal);
  nodeBootstrap.start(opts.signal);
  // Workers start once the caches hold the first lists (as Kubernetes' WaitForCacheSync).
  await informers.waitForSync(opts.signal);
  await sliceInformer?.waitForSync(opts.signal);
  await batch.waitForSync(opts.signal);
  await nodeBootstrap.waitForSync(opts.signal);
  for (const start of starters) start();
  return { informers, done: Promise.all(runs).then(() => undefined) };
}
