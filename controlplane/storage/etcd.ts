// The HA store: etcd v3 through the `etcd3` client. Revisions are etcd's own (mod_revision becomes
// metadata.resourceVersion, as in Kubernetes). Writes are transactions guarded by create_revision
// (create) or mod_revision (update, delete); watches are raw etcd watch streams from
// fromRevision+1 with prev_kv, resumed after a dropped connection from the last revision seen.
import type { Etcd3, IKeyValue, IResponseHeader, IWatchResponse } from "etcd3";
import type { CallCredentials } from "@grpc/grpc-js";
import { etcdClient, requireLeaderOptions, type EtcdTLSFiles } from "./etcd-client";
import { storeUnavailable } from "./etcd-errors";
import {
  StoreCompactedError,
  StoreConflictError,
  type ListOptions,
  type ListResult,
  type Store,
  type StoredValue,
  type WatchEvent,
  type Watcher,
} from "./store";

export interface EtcdStoreOptions {
  /** etcd client URLs, e.g. ["http://127.0.0.1:2379"]; calls fail over between them. */
  endpoints: string[];
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile (for https:// endpoints). */
  tls?: EtcdTLSFiles;
  /** Per-call deadline (default 5 s: past it, with no quorum, the request gets a 503). */
  callTimeoutMs?: number;
  /** How often to re-read etcd's compacted revision (other API servers may compact); default 30 s. */
  compactionProbeMs?: number;
}

/** What etcd says when a revision is older than its last compaction. */
const COMPACTED_MESSAGE = "required revision has been compacted";
const WATCH_RETRY_MS = [100, 200, 400, 800, 1600, 3200];

type Stream = Awaited<ReturnType<Etcd3["watchClient"]["watch"]>>;

export class EtcdStore implements Store {
  readonly listsAtRevision = true;
  private readonly client: Etcd3;
  private readonly callTimeoutMs: number;
  private compacted = 0;
  private readonly watchers = new Set<{ close(): void }>();
  private readonly probeTimer: NodeJS.Timeout;
  private closed = false;
  private readonly requireLeader: { credentials?: CallCredentials };

  constructor(opts: EtcdStoreOptions) {
    this.client = etcdClient({ endpoints: opts.endpoints, tls: opts.tls });
    this.callTimeoutMs = opts.callTimeoutMs ?? 5_000;
    this.requireLeader = requireLeaderOptions(opts.endpoints);
    const probe = () => {
      this.compactedRevision().catch(() => undefined);
    };
    probe();
    this.probeTimer = setInterval(probe, opts.compactionProbeMs ?? 30_000);
    this.probeTimer.unref();
  }

  private callOptions() {
    return { deadline: Date.now() + this.callTimeoutMs, ...this.requireLeader };
  }

  /** One etcd call: etcd being unreachable becomes a StoreUnavailableError (etcd-errors.ts), a 503 at the API. */
  private call<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      throw storeUnavailable(e);
    });
  }

  async get(key: string): Promise<StoredValue | undefined> {
    const res = await this.call(this.client.kv.range({ key: Buffer.from(key) }, this.callOptions()));
    return res.kvs[0] ? toStored(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const start = opts.continueAfter !== undefined ? Buffer.concat([Buffer.from(opts.continueAfter), Buffer.from([0])]) : Buffer.from(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const at = opts.revision;
    const res = await this.client.kv.range({ key: start, range_end: prefixEnd(prefix), limit, ...(at ? { revision: String(at) } : {}) }, this.callOptions()).catch((e: unknown) => {
      if (at && isCompactedError(e)) throw new StoreCompactedError(at, this.compacted);
      throw storeUnavailable(e);
    });
    const items = res.kvs.map(toStored);
    const result: ListResult = { items, revision: at ?? revisionOf(res.header) };
    if (limit > 0 && res.more && items.length > 0) {
      result.continueKey = items[items.length - 1]!.key;
      result.remaining = Number(res.count) - items.length;
    }
    return result;
  }

  async create(key: string, value: string): Promise<StoredValue> {
    const k = Buffer.from(key);
    const res = await this.call(this.client.kv.txn(
      {
        compare: [{ key: k, target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
        failure: [{ request_range: { key: k } }],
      },
      this.callOptions(),
    ));
    if (!res.succeeded) {
      const current = res.responses[0]?.response_range.kvs[0];
      throw new StoreConflictError(key, "exists", current && toStored(current));
    }
    const revision = revisionOf(res.header);
    return { key, value, modRevision: revision, createRevision: revision };
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<StoredValue> {
    const k = Buffer.from(key);
    const res = await this.call(this.client.kv.txn(
      {
        compare: [guard(k, expectedRevision)],
        success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      },
      this.callOptions(),
    ));
    if (!res.succeeded) throw conflict(key, res.responses[0]?.response_range.kvs[0]);
    const prev = res.responses[0]!.response_put.prev_kv;
    return { key, value, modRevision: revisionOf(res.header), createRevision: Number(prev.create_revision) };
  }

  async delete(key: string, expectedRevision?: number): Promise<StoredValue> {
    const k = Buffer.from(key);
    const res = await this.call(this.client.kv.txn(
      {
        compare: [guard(k, expectedRevision)],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      },
      this.callOptions(),
    ));
    if (!res.succeeded) throw conflict(key, res.responses[0]?.response_range.kvs[0]);
    const prev = res.responses[0]!.response_delete_range.prev_kvs[0];
    if (!prev) throw new StoreConflictError(key, "notfound");
    return { ...toStored(prev), modRevision: revisionOf(res.header) };
  }

  /**
   * Events with revision > fromRevision, then live ones. Throws StoreCompactedError at once when
   * fromRevision is below the compaction this store knows of; when etcd reports a compaction
   * later (another server compacted), onError gets the StoreCompactedError and the watch ends.
   */
  watch(prefix: string, fromRevision: number, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher {
    if (fromRevision < this.compacted) throw new StoreCompactedError(fromRevision, this.compacted);
    let next = fromRevision + 1;
    let stream: Stream | undefined;
    let closed = false;
    let attempt = 0;
    let retryTimer: NodeJS.Timeout | undefined;
    const watcher = {
      close: () => {
        if (closed) return;
        closed = true;
        this.watchers.delete(watcher);
        if (retryTimer) clearTimeout(retryTimer);
        stream?.cancel();
      },
    };
    const fail = (err: Error) => {
      watcher.close();
      onError?.(err);
    };
    const open = () => {
      if (closed) return;
      this.client.watchClient
        .watch()
        .then((s) => {
          if (closed) return s.cancel();
          stream = s;
          let ended = false;
          const retry = () => {
            if (ended || closed) return;
            ended = true;
            s.cancel();
            const delay = WATCH_RETRY_MS[Math.min(attempt++, WATCH_RETRY_MS.length - 1)]!;
            retryTimer = setTimeout(open, delay);
          };
          s.on("data", (res: IWatchResponse) => {
            if (closed) return;
            if (res.compact_revision && res.compact_revision !== "0") {
              const compacted = Number(res.compact_revision);
              this.compacted = Math.max(this.compacted, compacted);
              ended = true;
              return fail(new StoreCompactedError(next - 1, compacted));
            }
            if (res.canceled) {
              ended = true;
              return fail(new Error(`etcd cancelled the watch on ${prefix}: ${res.cancel_reason || "no reason given"}`));
            }
            if (res.created) attempt = 0;
            for (const ev of res.events ?? []) {
              const revision = Number(ev.kv.mod_revision);
              next = revision + 1;
              onEvent(toEvent(ev.type, ev.kv, ev.prev_kv, revision));
            }
          });
          s.on("error", retry);
          s.on("end", retry);
          s.write({ create_request: { key: Buffer.from(prefix), range_end: prefixEnd(prefix), start_revision: next, prev_kv: true } });
        })
        .catch(() => {
          if (closed) return;
          const delay = WATCH_RETRY_MS[Math.min(attempt++, WATCH_RETRY_MS.length - 1)]!;
          retryTimer = setTimeout(open, delay);
        });
    };
    this.watchers.add(watcher);
    open();
    return watcher;
  }

  async currentRevision(): Promise<number> {
    const res = await this.call(this.client.kv.range({ key: Buffer.from([0]), count_only: true }, this.callOptions()));
    return revisionOf(res.header);
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, await this.currentRevision());
    if (target <= this.compacted) return;
    try {
      await this.call(this.client.kv.compact({ revision: target, physical: true }, this.callOptions()));
    } catch (err) {
      // Someone compacted further already: fine, learn how far.
      if (!isCompactedError(err)) throw err;
      await this.compactedRevision();
      return;
    }
    this.compacted = Math.max(this.compacted, target);
  }

  /** etcd has no call for this: a watch from revision 1 tells the compaction revision (or starts: none). */
  async compactedRevision(): Promise<number> {
    const stream = await this.client.watchClient.watch();
    try {
      const compacted = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("etcd did not answer the compaction probe")), this.callTimeoutMs);
        stream.on("data", (res: IWatchResponse) => {
          clearTimeout(timer);
          resolve(res.compact_revision && res.compact_revision !== "0" ? Number(res.compact_revision) : 0);
        });
        stream.on("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
        stream.write({ create_request: { key: Buffer.from("/kubelab/compaction-probe"), start_revision: 1 } });
      });
      this.compacted = Math.max(this.compacted, compacted);
      return this.compacted;
    } finally {
      stream.cancel();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probeTimer);
    for (const w of [...this.watchers]) w.close();
    this.client.close();
  }
}

function guard(key: Buffer, expectedRevision: number | undefined) {
  return expectedRevision === undefined
    ? { key, target: "Create" as const, result: "Greater" as const, create_revision: 0 }
    : { key, target: "Mod" as const, result: "Equal" as const, mod_revision: expectedRevision };
}

function conflict(key: string, current: IKeyValue | undefined): StoreConflictError {
  return current ? new StoreConflictError(key, "revision", toStored(current)) : new StoreConflictError(key, "notfound");
}

function toStored(kv: IKeyValue): StoredValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

function toEvent(type: string, kv: IKeyValue, prev: IKeyValue | undefined, revision: number): WatchEvent {
  const key = kv.key.toString();
  const prevValue = prev ? prev.value.toString() : undefined;
  if (type === "Delete" || type === "DELETE" || type === "1") {
    return { type: "DELETE", key, value: prevValue ?? "", revision, prevValue, created: false };
  }
  return {
    type: "PUT",
    key,
    value: kv.value.toString(),
    revision,
    prevValue,
    created: kv.create_revision === kv.mod_revision,
  };
}

function revisionOf(header: IResponseHeader): number {
  return Number(header.revision);
}

function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED_MESSAGE);
}

/** etcd's range end for a prefix: the prefix with its last byte incremented (bytewise). */
export function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]!++;
      return end;
    }
  }
  return Buffer.from([0]); // every key
}
