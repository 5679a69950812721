// The EndpointSlice controller: for every Service with a selector, EndpointSlices (named
// <service>-<random> by generateName, owned by the Service, so the garbage collector removes them
// with it) listing its pods as endpoints with ready/serving/terminating conditions, at most
// maxEndpointsPerSlice each, updated in place as pods come, change and go. Services without a
// selector get nothing from it (their slices are written by whoever manages them; mirroring
// Endpoints into slices is not done), ExternalName Services neither.
import type { Node, Pod, Service } from "../../../api/core";
import { ENDPOINTSLICE_CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type EndpointSlice } from "../../../api/discovery";
import {
  ignoreNotFound,
  indexByNamespace,
  Informer,
  keyOf,
  runController,
  stripManagedFields,
  WorkQueue,
  type ApiClient,
  type EventRecorder,
  type IndexFunc,
  type Result,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import { controllerRef, controllerRefTo } from "../owner";
import { endpointslices } from "../../../client/resources";
import type { ControllerRunOptions } from "../run-options";
import { addressTypesOf, desiredGroups, sliceLabels } from "./endpoints";
import { planSlices, type SlicePlan } from "./reconcile";
import { SliceTracker } from "./tracker";

export const endpointSlicesResource = endpointslices;

/** kube-controller-manager's --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

/** A cache of every EndpointSlice, indexed by namespace. */
export function newEndpointSliceInformer(client: ApiClient): Informer<EndpointSlice> {
  return new Informer<EndpointSlice>({ client, resource: endpointSlicesResource, indexers: { namespace: indexByNamespace as IndexFunc<EndpointSlice> }, pageSize: 1000, transform: stripManagedFields });
}

export interface EndpointSliceControllerOptions {
  client: ApiClient;
  informers: SharedInformers;
  /** The slice cache; by default one of the controller's own, which run() starts and waits for. */
  sliceInformer?: Informer<EndpointSlice>;
  /** --max-endpoints-per-slice (1 to 1000, default 100). */
  maxEndpointsPerSlice?: number;
  recorder?: EventRecorder;
}

const hasSelector = (svc: Service) => Object.keys(svc.spec?.selector ?? {}).length > 0 && svc.spec?.type !== "ExternalName";
const selects = (svc: Service, pod: Pod) => Object.entries(svc.spec!.selector!).every(([k, v]) => pod.metadata.labels?.[k] === v);

export class EndpointSliceController {
  readonly queue = new WorkQueue({ name: "endpointslice" });
  private readonly client: ApiClient;
  private readonly svcInformer: Informer<Service>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly sliceInformer: Informer<EndpointSlice>;
  private readonly ownsSliceInformer: boolean;
  private readonly maxPerSlice: number;
  private readonly tracker = new SliceTracker();

  constructor(private readonly opts: EndpointSliceControllerOptions) {
    this.client = opts.client;
    this.maxPerSlice = Math.min(1000, Math.max(1, opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE));
    this.svcInformer = opts.informers.services();
    this.podInformer = opts.informers.pods();
    this.nodeInformer = opts.informers.nodes();
    this.ownsSliceInformer = !opts.sliceInformer;
    this.sliceInformer = opts.sliceInformer ?? newEndpointSliceInformer(opts.client);
    this.svcInformer.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podChanged(p),
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.podChanged(p);
        this.podChanged(o);
      },
      onDelete: (p) => this.podChanged(p),
    });
    this.sliceInformer.addEventHandler({
      onAdd: (s) => this.sliceChanged(s),
      onUpdate: (_o, s) => this.sliceChanged(s),
      onDelete: (s) => this.sliceChanged(s),
    });
  }

  /** Runs the workers (2 unless opts.workers says otherwise) until signal aborts. */
  async run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    if (this.ownsSliceInformer) {
      this.sliceInformer.start(signal);
      if (!(await this.sliceInformer.waitForSync(signal))) return;
    }
    return runController({ name: "endpointslice", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<Result | void> {
    const svc = this.svcInformer.get(key);
    if (!svc) {
      // Its slices are owned by it: the garbage collector deletes them.
      this.tracker.forget(key);
      return;
    }
    if (!hasSelector(svc)) return;
    const current = this.slicesOf(svc);
    // Our last writes are not in the cache yet: their watch events will queue this key again.
    if (!this.tracker.caughtUp(key, current)) return { requeueAfter: 1000 };
    const plan = this.plan(svc, current);
    try {
      await this.apply(key, svc, plan);
    } catch (err) {
      this.opts.recorder?.event(svc, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
      throw err;
    }
  }

  /** The whole change for one Service: every address type it has, foreign or stray slices removed. */
  private plan(svc: Service, current: EndpointSlice[]): SlicePlan {
    const types = addressTypesOf(svc);
    const plan: SlicePlan = { create: [], update: [], delete: [] };
    const owned = (s: EndpointSlice) => controllerRef(s)?.uid === svc.metadata.uid;
    plan.delete.push(...current.filter((s) => !owned(s) || !(types as string[]).includes(s.addressType)));
    const pods = this.podInformer.byIndex("namespace", svc.metadata.namespace ?? "").filter((p) => selects(svc, p));
    pods.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const type of types) {
      const part = planSlices({
        namespace: svc.metadata.namespace!,
        serviceName: svc.metadata.name!,
        owner: controllerRefTo({ apiVersion: "v1", kind: "Service", metadata: svc.metadata }),
        labels: sliceLabels(svc),
        addressType: type,
        existing: current.filter((s) => owned(s) && s.addressType === type),
        desired: desiredGroups(svc, pods, type, (name) => this.nodeInformer.get(name)),
        maxEndpointsPerSlice: this.maxPerSlice,
      });
      plan.create.push(...part.create);
      plan.update.push(...part.update);
      plan.delete.push(...part.delete);
    }
    return plan;
  }

  /** Creates, then updates, then deletes (new endpoints appear before old ones go), each recorded. */
  private async apply(key: string, svc: Service, plan: SlicePlan): Promise<void> {
    const ns = svc.metadata.namespace;
    const run = async <T>(items: T[], fn: (item: T) => Promise<void>) => {
      const results = await Promise.allSettled(items.map(fn));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    };
    await run(plan.create, async (s) => this.tracker.wrote(key, await this.client.create<EndpointSlice>(endpointSlicesResource, ns, s)));
    await run(plan.update, async (s) => this.tracker.wrote(key, await this.client.update<EndpointSlice>(endpointSlicesResource, ns, s)));
    await run(plan.delete, async (s) => {
      await this.client.delete(endpointSlicesResource, ns, s.metadata.name!, { preconditions: { uid: s.metadata.uid } }).catch(ignoreNotFound);
      this.tracker.deleted(key, s);
    });
  }

  private slicesOf(svc: Service): EndpointSlice[] {
    return this.sliceInformer
      .byIndex("namespace", svc.metadata.namespace ?? "")
      .filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name && s.metadata.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME);
  }

  private podChanged(pod: Pod): void {
    for (const svc of this.svcInformer.byIndex("namespace", pod.metadata.namespace ?? "")) {
      if (hasSelector(svc) && selects(svc, pod)) this.queue.add(keyOf(svc));
    }
  }

  private sliceChanged(slice: EndpointSlice): void {
    const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (name && slice.metadata.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME) this.queue.add(`${slice.metadata.namespace}/${name}`);
  }
}
