// Informers of custom resources that come and go with their CRDs: one informer per established
// CRD's kind, started when the CRD appears and stopped when it goes, with listeners told of
// both. For controllers that follow every kind (the garbage collector) and cannot know the kinds
// when they start.
import type { Logger } from "pino";
import type { CustomResourceDefinition } from "../../../api/apiextensions";
import { Informer, stripManagedFields, type ApiClient, type ObjectWithMeta, type ResourceRef } from "../../../client";
import { customresourcedefinitions } from "../../../client/resources";
import { customResourceRef, isEstablished } from "./resources";

type Crd = CustomResourceDefinition & ObjectWithMeta;

export interface CustomKindListener {
  added(key: string, informer: Informer<ObjectWithMeta>, res: ResourceRef): void;
  removed(key: string): void;
}

/** "widgets.example.com": how a custom kind is named (its CRD's name). */
const keyOfRef = (r: ResourceRef) => `${r.plural}.${r.group}`;

export class CustomResourceInformers {
  readonly crds: Informer<Crd>;
  private readonly running = new Map<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef; stop: AbortController }>();
  private readonly listeners: CustomKindListener[] = [];
  /** "example.com/v1/Widget" -> its ResourceRef, for every served version of each established CRD. */
  private readonly byKind = new Map<string, ResourceRef>();
  private readonly kindsOf = new Map<string, string[]>();
  private signal?: AbortSignal;

  constructor(private readonly client: ApiClient, private readonly logger?: Logger) {
    this.crds = new Informer<Crd>({ client, resource: customresourcedefinitions, pageSize: 500, logger, transform: stripManagedFields });
    const update = (crd: Crd) => this.reconcile(crd);
    this.crds.addEventHandler({ onAdd: update, onUpdate: (_o, crd) => update(crd), onDelete: (crd) => this.drop(crd.metadata.name!) });
  }

  listen(l: CustomKindListener): void {
    this.listeners.push(l);
    for (const [key, r] of this.running) l.added(key, r.informer, r.res);
  }

  start(signal: AbortSignal): void {
    this.signal = signal;
    this.crds.start(signal);
    signal.addEventListener("abort", () => {
      for (const key of [...this.running.keys()]) this.drop(key);
    }, { once: true });
  }

  /** The resource of an object's apiVersion and kind (an ownerReference's), if a CRD defines it. */
  refForKind(apiVersion: string, kind: string): ResourceRef | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** The informers running now, by CRD name. */
  kinds(): Map<string, { informer: Informer<ObjectWithMeta>; res: ResourceRef }> {
    return new Map([...this.running].map(([k, v]) => [k, { informer: v.informer, res: v.res }]));
  }

  private reconcile(crd: Crd): void {
    // A terminating CRD's resources are still served while the API server deletes them: the
    // informer stays to see those deletes, and stops when the CRD itself is gone.
    const res = isEstablished(crd) ? customResourceRef(crd) : undefined;
    const name = crd.metadata.name!;
    const current = this.running.get(name);
    if (current && (!res || res.version !== current.res.version)) this.drop(name);
    if (!res || this.running.has(name) || !this.signal || this.signal.aborted) return;
    const kinds = crd.spec.versions.filter((v) => v.served).map((v) => `${crd.spec.group}/${v.name}/${res.kind}`);
    for (const [i, k] of kinds.entries()) this.byKind.set(k, { ...res, version: crd.spec.versions.filter((v) => v.served)[i]!.name });
    this.kindsOf.set(name, kinds);
    const stop = new AbortController();
    this.signal.addEventListener("abort", () => stop.abort(), { once: true });
    const informer = new Informer<ObjectWithMeta>({ client: this.client, resource: res, pageSize: 500, logger: this.logger, transform: stripManagedFields });
    informer.start(stop.signal);
    this.running.set(keyOfRef(res), { informer, res, stop });
    for (const l of this.listeners) l.added(keyOfRef(res), informer, res);
  }

  private drop(name: string): void {
    const r = this.running.get(name);
    if (!r) return;
    r.stop.abort();
    this.running.delete(name);
    for (const k of this.kindsOf.get(name) ?? []) this.byKind.delete(k);
    this.kindsOf.delete(name);
    for (const l of this.listeners) l.removed(name);
  }
}
