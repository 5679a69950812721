// A RESTMapper from discovery: apiVersion + kind -> the resource to call (plural, scope). The
// API server's /api/v1 and /apis/<group>/<version> lists are cached; an unknown kind triggers
// one refresh (at most every few seconds) before it is reported as unknown.
import type { ApiClient } from "../../client";
import type { ResourceRef } from "../../client/resources";

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
}

export class RestMapper {
  private readonly byGvk = new Map<string, ResourceRef>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly client: ApiClient,
    private readonly refreshMinMs = 5_000,
  ) {}

  /** The resource for apiVersion/kind, or undefined when the server does not serve it. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceRef | undefined> {
    const key = `${apiVersion}/${kind}`;
    if (this.loadedAt === 0) await this.refresh();
    let ref = this.byGvk.get(key);
    if (!ref && Date.now() - this.loadedAt > this.refreshMinMs) {
      await this.refresh();
      ref = this.byGvk.get(key);
    }
    return ref;
  }

  /** Adds resources as if discovery had served them (unit tests on a FakeClient, which has no discovery). */
  seed(resources: ResourceRef[]): this {
    for (const r of resources) this.byGvk.set(`${r.group ? `${r.group}/${r.version}` : r.version}/${r.kind}`, r);
    this.loadedAt = Date.now();
    return this;
  }

  /** Synchronous lookup in what discovery returned so far. */
  cached(apiVersion: string, kind: string): ResourceRef | undefined {
    return this.byGvk.get(`${apiVersion}/${kind}`);
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const groupVersions = ["v1"];
    const groups = await this.client.raw<{ groups?: Array<{ versions: Array<{ groupVersion: string }> }> }>("GET", "/apis");
    for (const g of groups.groups ?? []) for (const v of g.versions) groupVersions.push(v.groupVersion);
    const lists = await Promise.all(
      groupVersions.map((gv) =>
        this.client
          .raw<{ resources?: ApiResource[] }>("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`)
          .then((l) => ({ gv, resources: l.resources ?? [] }))
          .catch(() => ({ gv, resources: [] as ApiResource[] })),
      ),
    );
    for (const { gv, resources } of lists) {
      const [group, version] = gv.includes("/") ? gv.split("/") : ["", gv];
      for (const r of resources) {
        if (r.name.includes("/")) continue;
        this.byGvk.set(`${gv}/${r.kind}`, { group: group!, version: version!, plural: r.name, namespaced: r.namespaced, kind: r.kind });
      }
    }
    this.loadedAt = Date.now();
  }
}
