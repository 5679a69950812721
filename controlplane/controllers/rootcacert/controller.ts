// The root CA publisher (Kubernetes' pkg/controller/certificates/rootcacertpublisher): every
// active namespace has the ConfigMap kube-root-ca.crt whose ca.crt is the CA that signs the API
// server's certificate, so that a pod can verify the server it talks to (the ServiceAccount token
// volume projects it as ca.crt). Put back as it was when it is changed or deleted.
import type { ConfigMap, Namespace } from "../../../api/core";
import { configmaps, isAlreadyExists, isNotFound, runController, WorkQueue, type ApiClient, type Informer } from "../../../client";
import type { SharedInformers } from "../../../client/informer-factory";
import type { ControllerRunOptions } from "../run-options";
import { isActive } from "../serviceaccount/controller";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

export class RootCACertPublisher {
  readonly queue = new WorkQueue({ name: "root-ca-cert-publisher" });
  private readonly client: ApiClient;
  private readonly namespaces: Informer<Namespace>;
  private readonly configMaps: Informer<ConfigMap>;

  constructor(private readonly opts: { client: ApiClient; informers: SharedInformers; rootCA: string }) {
    this.client = opts.client;
    this.namespaces = opts.informers.namespaces();
    this.configMaps = opts.informers.configMaps();
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata.name!),
      onUpdate: (_old, ns) => this.queue.add(ns.metadata.name!),
    });
    const ours = (cm: ConfigMap) => cm.metadata.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace && this.queue.add(cm.metadata.namespace);
    this.configMaps.addEventHandler({ onUpdate: (_old, cm) => ours(cm), onDelete: ours });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "root-ca-cert-publisher", queue: this.queue, workers: opts.workers ?? 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (!ns || !isActive(ns)) return;
    const live = this.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    const want = rootCAConfigMap(namespace, this.opts.rootCA);
    try {
      if (!live) await this.client.create(configmaps, namespace, want);
      else if (live.data?.["ca.crt"] !== this.opts.rootCA || Object.keys(live.data ?? {}).length !== 1) {
        const copy = structuredClone(live);
        copy.data = want.data;
        copy.metadata.annotations = { ...copy.metadata.annotations, ...want.metadata.annotations };
        await this.client.update(configmaps, namespace, copy);
      }
    } catch (e) {
      // Created meanwhile (the cache was behind) or gone meanwhile: the watch brings the next step.
      if (!isAlreadyExists(e) && !isNotFound(e)) throw e;
    }
  }
}

/** The ConfigMap as the publisher writes it. */
export function rootCAConfigMap(namespace: string, rootCA: string): ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { "kubernetes.io/description": DESCRIPTION } },
    data: { "ca.crt": rootCA },
  };
}
