// The Store: a revisioned key-value store with watch, the only thing the API server keeps state in.
// Keys look like "/registry/<group>/<plural>/<namespace>/<name>" (cluster-scoped: no namespace).
// Every successful write bumps the one global revision; an object's resourceVersion is the revision
// of its last write (as etcd's mod_revision, which Kubernetes uses).

export interface StoredValue {
  key: string;
  /** The object as JSON text, exactly as written. */
  value: string;
  /** Revision of the write that produced this value (becomes metadata.resourceVersion). */
  modRevision: number;
  /** Revision at which the key was created. */
  createRevision: number;
}

export type WatchEventType = "PUT" | "DELETE";

export interface WatchEvent {
  type: WatchEventType;
  key: string;
  /** The new value for PUT; for DELETE, the last value before deletion. */
  value: string;
  /** Revision of this event. */
  revision: number;
  /** The value before this change (undefined for a create). */
  prevValue?: string;
  /** true when the PUT created the key. */
  created: boolean;
}

export interface ListResult {
  items: StoredValue[];
  /** Current store revision at the time of the list (the list's resourceVersion). */
  revision: number;
  /** Key to continue from when `limit` cut the list short (exclusive). */
  continueKey?: string;
  /** How many more items remain after this page (estimate allowed). */
  remaining?: number;
}

export interface ListOptions {
  /** Return at most this many items (0 or undefined: all). */
  limit?: number;
  /** Start after this key (from a previous ListResult.continueKey). */
  continueAfter?: string;
  /**
   * List the keys as they were at this revision (only where Store.listsAtRevision): the pages of
   * one list all come from its first page's revision. StoreCompactedError once compacted.
   */
  revision?: number;
}

export interface Watcher {
  /** Stop receiving events; idempotent. */
  close(): void;
}

/** Thrown by update/delete when the expected revision does not match, and by create when the key exists. */
export class StoreConflictError extends Error {
  constructor(
    readonly key: string,
    readonly reason: "exists" | "revision" | "notfound",
    readonly current?: StoredValue,
  ) {
    super(`store conflict on ${key}: ${reason}`);
    this.name = "StoreConflictError";
  }
}

/** Thrown by watch when fromRevision has been compacted away (the API answers 410 Gone). */
export class StoreCompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`revision ${requested} has been compacted (oldest available: ${compacted + 1})`);
    this.name = "StoreCompactedError";
  }
}

/**
 * Thrown by any call when the store cannot answer at all (etcd without quorum, no member
 * reachable, a deadline passed); the API answers 503 ServiceUnavailable with Retry-After.
 */
export class StoreUnavailableError extends Error {
  constructor(readonly why: string) {
    super(`etcd is unavailable (${why}): the store has no quorum or no member answers; retry later`);
    this.name = "StoreUnavailableError";
  }
}

export interface Store {
  get(key: string): Promise<StoredValue | undefined>;
  /** All keys starting with prefix, in key order, plus the current revision. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Create key; StoreConflictError("exists") if present. Returns the stored value. */
  create(key: string, value: string): Promise<StoredValue>;
  /**
   * Replace key's value if its modRevision equals expectedRevision (or unconditionally when
   * expectedRevision is undefined). StoreConflictError("revision"|"notfound") otherwise.
   */
  update(key: string, value: string, expectedRevision?: number): Promise<StoredValue>;
  /** Delete key (if expectedRevision given, only at that revision). Returns the deleted value. */
  delete(key: string, expectedRevision?: number): Promise<StoredValue>;
  /**
   * Events for keys under prefix with revision > fromRevision, in revision order, then live ones.
   * Throws StoreCompactedError when fromRevision < the compacted revision. A backend that learns
   * of a problem later (etcd: compacted by another server, stream lost) reports it to onError,
   * after which no more events come.
   */
  watch(prefix: string, fromRevision: number, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher;
  /** Current revision. */
  currentRevision(): Promise<number>;
  /** Drop history at or below revision (watches from there get StoreCompactedError). */
  compact(revision: number): Promise<void>;
  /** Oldest revision still watchable minus one. */
  compactedRevision(): Promise<number>;
  /**
   * true when every watch event reaches the watchers before the write it reports is acknowledged
   * (SQLite: in the same step as its commit), so that a cache fed by a watch is never behind an
   * acknowledged write and may answer reads in the store's place.
   */
  readonly watchBeforeAck?: boolean;
  /** true when list() honours ListOptions.revision (etcd keeps every revision until compaction). */
  readonly listsAtRevision?: boolean;
  close(): Promise<void>;
}
