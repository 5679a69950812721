// The endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing its pods' addresses and ports; kept in step as pods and services change.
import type { Endpoints, Pod, Service } from "../../../api/core";
import {
  endpoints as epRes,
  ignoreNotFound,
  isAlreadyExists,
  isConflict,
  keyOf,
  runController,
  splitKey,
  WorkQueue,
  type ApiClient,
  type Informer,
} from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { canonicalJson } from "../deployment/hash";
import { computeSubsets } from "./subsets";

export class EndpointsController {
  readonly queue = new WorkQueue({ name: "endpoints" });
  private readonly client: ApiClient;
  private readonly svcInformer: Informer<Service>;
  private readonly podInformer: Informer<Pod>;
  private readonly epInformer: Informer<Endpoints>;

  constructor(opts: { client: ApiClient; informers: SharedInformers }) {
    this.client = opts.client;
    this.svcInformer = opts.informers.services();
    this.podInformer = opts.informers.pods();
    this.epInformer = opts.informers.endpoints();
    this.svcInformer.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podChanged(p),
      onUpdate: (o, p) => {
        if (o.metadata?.resourceVersion === p.metadata?.resourceVersion) return;
        this.podChanged(p);
        if (JSON.stringify(o.metadata?.labels) !== JSON.stringify(p.metadata?.labels)) this.podChanged(o);
      },
      onDelete: (p) => this.podChanged(p),
    });
  }

  /** Runs the workers (2 unless opts.workers says otherwise) until signal aborts. */
  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "endpoints", queue: this.queue, workers: opts.workers ?? 2, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.svcInformer.get(key);
    if (!svc) {
      if (this.epInformer.get(key)) await this.client.delete(epRes, namespace, name).catch(ignoreNotFound);
      return;
    }
    const selector = svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return;
    const pods = this.podInformer
      .byIndex("namespace", namespace ?? "")
      .filter((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
    const subsets = computeSubsets(svc, pods);
    const current = this.epInformer.get(key);
    const labels = svc.metadata?.labels;
    if (current && canonicalJson(current.subsets ?? []) === canonicalJson(subsets) && canonicalJson(current.metadata?.labels ?? {}) === canonicalJson(labels ?? {})) return;
    const body: Endpoints = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { ...(current?.metadata ?? { name, namespace }), ...(labels ? { labels } : {}) },
      ...(subsets.length ? { subsets } : {}),
    } as Endpoints;
    try {
      if (current) await this.client.update(epRes, namespace, body);
      else await this.client.create(epRes, namespace, body);
    } catch (err) {
      if (isAlreadyExists(err) || isConflict(err)) throw new Error(`endpoints ${key} changed meanwhile; retrying`, { cause: err });
      throw err;
    }
  }

  private podChanged(pod: Pod): void {
    for (const svc of this.svcInformer.byIndex("namespace", pod.metadata?.namespace ?? "")) {
      const selector = svc.spec?.selector;
      if (selector && Object.keys(selector).length && Object.entries(selector).every(([k, v]) => pod.metadata?.labels?.[k] === v)) this.queue.add(keyOf(svc));
    }
  }
}
