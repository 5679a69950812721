// The served custom resources: every CRD in the store, followed by a store watch (so a CRD is
// served the moment it is written, by every API server on the same store), turned into one
// ResourceType per served version of each CRD whose names are accepted. The resource handlers,
// discovery and OpenAPI ask it for what the built-in list does not have.
import type { Logger } from "pino";
import type { CustomResourceDefinition } from "../../../api/apiextensions";
import type { ResourceType } from "../../../api/resource";
import type { Store, WatchEvent, Watcher } from "../../storage/store";
import { customTypeFor } from "./custom-type";
import { byAge, judgeNames, type NamesVerdict } from "./names";
import { compareStrings } from "../../../api/order";

export const CRD_PREFIX = "/registry/apiextensions.k8s.io/customresourcedefinitions/";

interface Entry {
  crd: CustomResourceDefinition;
  verdict: NamesVerdict;
  /** Served versions, highest priority first; empty when the names are not accepted. */
  types: ResourceType[];
}

export class CustomResourceCatalog {
  private entries = new Map<string, Entry>();
  private byPath = new Map<string, ResourceType>();
  private listeners: ((name: string) => void)[] = [];
  /** Bumped on every change (the OpenAPI documents are cached per generation). */
  generation = 0;

  constructor(
    private readonly store: Store,
    private readonly builtin: readonly ResourceType[],
    private readonly logger?: Logger,
  ) {}

  /** Lists the CRDs and follows them; resolves once the first list is in. Returns stop. */
  async start(): Promise<() => void> {
    let watcher: Watcher | undefined;
    let stopped = false;
    const follow = async (): Promise<void> => {
      const page = await this.store.list(CRD_PREFIX);
      this.replaceAll(page.items.map((sv) => JSON.parse(sv.value) as CustomResourceDefinition));
      watcher = this.store.watch(CRD_PREFIX, page.revision, (ev) => this.onEvent(ev), (err) => {
        this.logger?.warn({ err }, "CRD watch ended; listing again");
        if (!stopped) setTimeout(() => void follow().catch((e: unknown) => this.logger?.error({ err: e }, "CRD list failed")), 1000).unref();
      });
    };
    await follow();
    return () => {
      stopped = true;
      watcher?.close();
    };
  }

  /** Called with a CRD's name whenever it (or its serving) changed. */
  onChange(fn: (name: string) => void): void {
    this.listeners.push(fn);
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** Every served custom resource type, in discovery order. */
  types(): ResourceType[] {
    return [...this.entries.values()].flatMap((e) => e.types);
  }

  /** The names of every CRD in the store. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  get(name: string): { crd: CustomResourceDefinition; verdict: NamesVerdict; types: ResourceType[] } | undefined {
    return this.entries.get(name);
  }

  /** The served versions' types; none (and a log line) for a stored CRD they cannot be made of. */
  private servedTypes(crd: CustomResourceDefinition, current: () => CustomResourceDefinition | undefined): ResourceType[] {
    try {
      return crd.spec.versions
        .filter((v) => v.served)
        .sort((a, b) => compareVersions(a.name, b.name))
        .map((v) => customTypeFor(crd, v, current));
    } catch (e) {
      this.logger?.error({ err: e, crd: crd.metadata.name }, "CRD cannot be served");
      return [];
    }
  }

  private onEvent(ev: WatchEvent): void {
    const name = ev.key.slice(CRD_PREFIX.length);
    const next = new Map([...this.entries].map(([k, e]) => [k, e.crd]));
    if (ev.type === "DELETE") next.delete(name);
    else next.set(name, JSON.parse(ev.value) as CustomResourceDefinition);
    this.replaceAll([...next.values()], name);
  }

  /** Rebuilds the served types from the CRDs; types of unchanged CRDs are kept as they were. */
  private replaceAll(crds: CustomResourceDefinition[], changed?: string): void {
    const entries = new Map<string, Entry>();
    const accepted: CustomResourceDefinition[] = [];
    for (const crd of [...crds].sort(byAge)) {
      const name = crd.metadata.name!;
      const verdict = judgeNames(crd, accepted, this.builtin);
      if (verdict.accepted) accepted.push(crd);
      const old = this.entries.get(name);
      const same = old && old.crd.metadata.uid === crd.metadata.uid && old.crd.metadata.generation === crd.metadata.generation && old.verdict.accepted === verdict.accepted;
      entries.set(name, { crd, verdict, types: same ? old.types : verdict.accepted ? this.servedTypes(crd, () => this.entries.get(name)?.crd) : [] });
    }
    const notify = [...new Set([...entries.keys(), ...this.entries.keys()])].filter((n) => n === changed || !changed || this.entries.get(n)?.verdict.accepted !== entries.get(n)?.verdict.accepted);
    this.entries = entries;
    this.byPath = new Map(this.types().map((t) => [`${t.group}/${t.version}/${t.plural}`, t]));
    this.generation++;
    for (const n of notify) for (const fn of this.listeners) fn(n);
  }
}



/** Kubernetes' version priority: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else (by name). */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return undefined;
    return [m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra && rb) return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
  if (ra) return -1;
  if (rb) return 1;
  return compareStrings(a, b);
}
