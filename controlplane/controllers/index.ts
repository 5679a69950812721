// startControllers: the controller manager, every controller in one process sharing one set of
// informers, each of them skippable by name (`kubelab server --disable-controllers ...`). The
// scheduler is its own component (controlplane/components.ts starts it beside this, as
// kube-scheduler runs beside kube-controller-manager).
import { setMaxListeners } from "node:events";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import { daemonsets as daemonsetsRes, EventRecorder, type ApiClient, type Informer, type ObjectWithMeta } from "../../client";
import { DaemonSetController } from "./daemonset/controller";
import { DeploymentController } from "./deployment/controller";
import { EndpointsController } from "./endpoints/controller";
import { EndpointSliceController, endpointSlicesResource, newEndpointSliceInformer } from "./endpointslice/controller";
import { GarbageCollector } from "./garbagecollector/controller";
import { newBatchControllers } from "./job/start";
import { newStorageControllers, storageGcWatch } from "./persistentvolume/start";
import { SharedInformers } from "../../client/informer-factory";
import { NamespaceController } from "./namespace/controller";
import { NodeIpamController } from "./nodeipam/controller";
import { NodeLifecycleController } from "./nodelifecycle/controller";
import { ReplicaSetController } from "./replicaset/controller";
import { RootCACertPublisher } from "./rootcacert/controller";
import { ServiceAccountsController } from "./serviceaccount/controller";
import { ClusterRoleAggregationController } from "./clusterroleaggregation/controller";

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

  if (enabled("replicaset")) {
    const c = new ReplicaSetController({ client: opts.client, informers, recorder: recorder("replicaset-controller") });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("replicaset"))));
  }
  if (enabled("deployment")) {
    const c = new DeploymentController({ client: opts.client, informers, recorder: recorder("deployment-controller") });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("deployment"))));
  }
  if (enabled("daemonset")) {
    const c = new DaemonSetController({ client: opts.client, informers, recorder: recorder("daemonset-controller") });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("daemonset"))));
  }
  if (enabled("nodelifecycle")) {
    const c = new NodeLifecycleController({
      client: opts.client,
      informers,
      recorder: recorder("node-controller"),
      gracePeriodSeconds: o.nodeMonitorGracePeriodSeconds,
      defaultTolerationSeconds: o.defaultUnreachableTolerationSeconds,
    });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("nodelifecycle"))));
  }
  if (enabled("endpoints")) {
    const c = new EndpointsController({ client: opts.client, informers });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("endpoints"))));
  }
  if (enabled("endpointslice")) {
    const c = new EndpointSliceController({ client: opts.client, informers, recorder: recorder("endpoint-slice-controller"), maxEndpointsPerSlice: o.maxEndpointsPerSlice, sliceInformer });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("endpointslice"))));
  }
  if (enabled("garbagecollector")) {
    const watch = { ...(sliceInformer ? { endpointslices: { informer: sliceInformer as unknown as Informer<ObjectWithMeta>, res: endpointSlicesResource } } : {}), ...batch.gcWatch, ...storageGcWatch(informers), daemonsets: { informer: informers.daemonSets() as unknown as Informer<ObjectWithMeta>, res: daemonsetsRes } };
    const c = new GarbageCollector({ client: opts.client, informers, watch });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("garbagecollector"))));
  }
  if (enabled("namespace")) {
    const c = new NamespaceController({ client: opts.client, informers });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("namespace"))));
  }
  if (enabled("nodeipam") && o.allocateNodeCIDRs !== false) {
    const c = new NodeIpamController({ client: opts.client, informers, recorder: recorder("node-ipam-controller"), clusterCIDR: o.clusterCIDR, nodeCIDRMaskSize: o.nodeCIDRMaskSize });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("nodeipam"))));
  }
  if (enabled("serviceaccount")) {
    const c = new ServiceAccountsController({ client: opts.client, informers });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("serviceaccount"))));
  }
  if (enabled("root-ca-cert-publisher") && o.rootCA) {
    const c = new RootCACertPublisher({ client: opts.client, informers, rootCA: o.rootCA });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("root-ca-cert-publisher"))));
  }
  if (enabled("clusterrole-aggregation")) {
    const c = new ClusterRoleAggregationController({ client: opts.client });
    starters.push(() => runs.push(c.run(opts.signal, runOpts("clusterrole-aggregation"))));
  }
  informers.start(opts.signal);
  sliceInformer?.start(opts.signal);
  batch.start(opts.signal);
  // Workers start once the caches hold the first lists (as Kubernetes' WaitForCacheSync).
  await informers.waitForSync(opts.signal);
  await sliceInformer?.waitForSync(opts.signal);
  await batch.waitForSync(opts.signal);
  for (const start of starters) start();
  return { informers, done: Promise.all(runs).then(() => undefined) };
}
