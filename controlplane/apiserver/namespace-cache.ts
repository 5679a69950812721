// The namespaces as the store last committed them, kept by a list and a watch, as Kubernetes'
// admission plugins read namespaces from an informer instead of etcd: every namespaced create
// looks its namespace up (is it there, is it terminating; Pod Security reads its labels), and a
// store read per create was the largest read on the write path.
//
// Only for a store whose watch events reach watchers before the write they report is
// acknowledged (Store.watchBeforeAck, SQLite): the cache is then never behind anything a client
// was told, so a lookup here means exactly what a store read means. Until the cache is synced, and
// after its watch failed, every lookup reads the store.
import type { Store, StoredValue, Watcher } from "../storage/store";

export class NamespaceCache {
  private readonly byKey = new Map<string, StoredValue>();
  private synced = false;
  private starting: Promise<void> | undefined;
  private watcher: Watcher | undefined;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
  ) {}

  /** The namespace stored under key (committed state), from memory once synced. */
  get(key: string): Promise<StoredValue | undefined> {
    if (this.synced) return Promise.resolve(this.byKey.get(key));
    // A failed start (the store unreachable, history compacted) leaves lookups on the store; the next one tries again.
    this.starting ??= this.start().catch(() => undefined).finally(() => (this.starting = undefined));
    return this.store.get(key);
  }

  private async start(): Promise<void> {
    this.watcher?.close();
    this.byKey.clear();
    const page = await this.store.list(this.prefix);
    for (const sv of page.items) this.byKey.set(sv.key, sv);
    const watcher = this.store.watch(this.prefix, page.revision, (ev) => {
      if (ev.type === "DELETE") this.byKey.delete(ev.key);
      else this.byKey.set(ev.key, { key: ev.key, value: ev.value, modRevision: ev.revision, createRevision: ev.created ? ev.revision : (this.byKey.get(ev.key)?.createRevision ?? ev.revision) });
    }, () => {
      this.synced = false;
    });
    this.watcher = watcher;
    // Synced only when nothing committed between the list and the watch (the watch would still
    // be replaying it); otherwise the next lookup tries again.
    if ((await this.store.currentRevision()) === page.revision && this.watcher === watcher) this.synced = true;
  }

  close(): void {
    this.synced = false;
    this.watcher?.close();
  }
}
