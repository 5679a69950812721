// The embedded default store (what k3s does with SQLite through kine): one file, WAL mode.
// `objects` holds the current value of every key; `log` holds every change with its revision,
// so watches can resume from any revision above the compacted one. Concurrent writes commit
// together (./group-commit.ts), each acknowledged only after its transaction has committed: a
// crash leaves either the whole transaction or nothing, and loses nothing acknowledged.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
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
import { GroupCommit, type QueuedWrite } from "./group-commit";
import { listAtRevision } from "./sqlite-snapshot";
import { checkpointInWorker, type Checkpointer } from "./sqlite-checkpoint";

interface ObjectRow {
  key: string;
  value: string;
  mod_revision: number;
  create_revision: number;
}

interface LogRow {
  revision: number;
  key: string;
  type: "PUT" | "DELETE";
  value: string;
  prev_value: string | null;
  created: number;
}

interface Listener {
  prefix: string;
  onEvent: (ev: WatchEvent) => void;
  closed: boolean;
}

export interface SqliteStoreOptions {
  /** "full" fsyncs every commit (survives power loss); "normal" survives process crashes. */
  synchronous?: "normal" | "full";
}

export class SqliteStore implements Store {
  /** Events are sent in the commit's own step, before any write of the batch is acknowledged. */
  readonly watchBeforeAck = true;
  /** Lists at an older revision come from the log (./sqlite-snapshot.ts). */
  readonly listsAtRevision = true;
  private readonly db: Database.Database;
  private readonly listeners = new Set<Listener>();
  /** The newest revision given out (queued writes included). */
  private revision: number;
  /** The newest committed revision: what reads, lists and watches stand on. */
  private committedRevision: number;
  private compacted: number;
  private readonly batches: GroupCommit;
  private readonly stmts;
  private readonly txs;
  /** Checkpoints the WAL off the main thread (./sqlite-checkpoint.ts); none for ":memory:". */
  private readonly checkpointer: Checkpointer | undefined;

  constructor(file: string, opts: SqliteStoreOptions = {}) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    const synchronous = opts.synchronous === "full" ? "FULL" : "NORMAL";
    this.db.pragma(`synchronous = ${synchronous}`);
    this.db.pragma("busy_timeout = 5000");
    // SQLite's own default page cache (2 MB), not better-sqlite3's build default of 16 MB: reads
    // are served by the API's watch cache, and a write's B-tree pages that miss it are in the OS's
    // page cache. At 11,000 pods the 16 MB filled up and stayed in the server's RSS; with 2 MB
    // the server held 15-20 MB less, at the same CPU per create (npm run bench -- memory, api).
    this.db.pragma("cache_size = -2000");
    if (file !== ":memory:") this.checkpointer = checkpointInWorker(this.db, file, synchronous);
    objectsAsRowidTable(this.db);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS objects (${OBJECTS_COLUMNS});
      CREATE TABLE IF NOT EXISTS log (
        revision INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        prev_value TEXT,
        created INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (name, value) VALUES ('compacted', 0);
    `);
    this.stmts = {
      get: this.db.prepare<[string], ObjectRow>("SELECT * FROM objects WHERE key = ?"),
      list: this.db.prepare<[string, string, string, number], ObjectRow>(
        "SELECT * FROM objects WHERE key >= ? AND key < ? AND key > ? ORDER BY key LIMIT ?",
      ),
      count: this.db.prepare<[string, string, string], { n: number }>(
        "SELECT count(*) AS n FROM objects WHERE key >= ? AND key < ? AND key > ?",
      ),
      upsert: this.db.prepare(
        "INSERT INTO objects (key, value, mod_revision, create_revision) VALUES (?, ?, ?, ?) " +
          "ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_revision = excluded.mod_revision",
      ),
      remove: this.db.prepare("DELETE FROM objects WHERE key = ?"),
      log: this.db.prepare(
        "INSERT INTO log (revision, key, type, value, prev_value, created) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      setMeta: this.db.prepare("UPDATE meta SET value = ? WHERE name = ?"),
      getMeta: this.db.prepare<[string], { value: number }>("SELECT value FROM meta WHERE name = ?"),
      history: this.db.prepare<[number, string, string], LogRow>(
        "SELECT * FROM log WHERE revision > ? AND key >= ? AND key < ? ORDER BY revision",
      ),
      compact: this.db.prepare("DELETE FROM log WHERE revision <= ?"),
    };
    // A batch of queued writes is one transaction; the transaction function is made once.
    const { log, upsert, remove } = this.stmts;
    this.txs = {
      batch: this.db.transaction((batch: readonly QueuedWrite[]) => {
        for (const { event: ev, after } of batch) {
          log.run(ev.revision, ev.key, ev.type, ev.value, ev.prevValue ?? null, ev.created ? 1 : 0);
          if (after) upsert.run(ev.key, ev.value, ev.revision, after.createRevision);
          else remove.run(ev.key);
        }
      }),
    };
    this.batches = new GroupCommit({
      commit: (batch) => this.txs.batch(batch),
      committed: (batch) => {
        this.committedRevision = batch[batch.length - 1]!.event.revision;
        for (const w of batch) this.emit(w.event);
      },
      failed: () => {
        this.revision = this.committedRevision;
      },
    });
    // The current revision is the newest one written: in the log, or (if the log was compacted
    // to the end) in the objects, and never below the compacted revision.
    this.compacted = this.stmts.getMeta.get("compacted")!.value;
    const newest = this.db.prepare<[], { r: number | null }>(
      "SELECT max(coalesce((SELECT max(revision) FROM log), 0), coalesce((SELECT max(mod_revision) FROM objects), 0)) AS r",
    ).get()!.r;
    this.revision = Math.max(this.compacted, newest ?? 0);
    this.committedRevision = this.revision;
  }

  async get(key: string): Promise<StoredValue | undefined> {
    return this.getSync(key);
  }

  private getSync(key: string): StoredValue | undefined {
    const row = this.stmts.get.get(key);
    return row && toStored(row);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const end = prefixEnd(prefix);
    const after = opts.continueAfter ?? "";
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    if (opts.revision !== undefined && opts.revision < this.committedRevision) {
      return listAtRevision(this.db, { prefix, end, revision: opts.revision, after, limit, compacted: this.compacted });
    }
    const rows = this.stmts.list.all(prefix, end, after, limit);
    const result: ListResult = { items: rows.map(toStored), revision: this.committedRevision };
    if (limit > 0 && rows.length === limit) {
      const last = rows[rows.length - 1].key;
      const remaining = this.stmts.count.get(prefix, end, last)!.n;
      if (remaining > 0) {
        result.continueKey = last;
        result.remaining = remaining;
      }
    }
    return result;
  }

  create(key: string, value: string): Promise<StoredValue> {
    return this.write(key, (current) => {
      if (current) throw new StoreConflictError(key, "exists", current);
      return value;
    });
  }

  update(key: string, value: string, expectedRevision?: number): Promise<StoredValue> {
    return this.write(key, (current) => {
      if (!current) throw new StoreConflictError(key, "notfound");
      if (expectedRevision !== undefined && current.modRevision !== expectedRevision) {
        throw new StoreConflictError(key, "revision", current);
      }
      return value;
    });
  }

  delete(key: string, expectedRevision?: number): Promise<StoredValue> {
    return this.batches.run(key, () => this.queueDelete(key, expectedRevision));
  }

  private queueDelete(key: string, expectedRevision?: number): Promise<StoredValue> {
    const current = this.getSync(key);
    if (!current) throw new StoreConflictError(key, "notfound");
    if (expectedRevision !== undefined && current.modRevision !== expectedRevision) {
      throw new StoreConflictError(key, "revision", current);
    }
    const revision = ++this.revision;
    const event: WatchEvent = { type: "DELETE", key, value: current.value, revision, prevValue: current.value, created: false };
    return this.batches.enqueue(event, undefined, { ...current, modRevision: revision });
  }

  /** Read-check-decide in one synchronous step on committed state, no write to the key queued. */
  private write(key: string, decide: (current: StoredValue | undefined) => string): Promise<StoredValue> {
    return this.batches.run(key, () => this.queuePut(key, decide));
  }

  private queuePut(key: string, decide: (current: StoredValue | undefined) => string): Promise<StoredValue> {
    const current = this.getSync(key);
    const value = decide(current);
    const revision = ++this.revision;
    const stored: StoredValue = { key, value, modRevision: revision, createRevision: current ? current.createRevision : revision };
    const event: WatchEvent = { type: "PUT", key, value, revision, prevValue: current?.value, created: !current };
    return this.batches.enqueue(event, stored, stored);
  }

  private emit(ev: WatchEvent): void {
    for (const l of this.listeners) {
      if (!l.closed && ev.key.startsWith(l.prefix)) l.onEvent(ev);
    }
  }

  watch(prefix: string, fromRevision: number, onEvent: (ev: WatchEvent) => void): Watcher {
    if (fromRevision < this.compacted) throw new StoreCompactedError(fromRevision, this.compacted);
    // Replay and subscribe in the same synchronous step, so no event falls between the two.
    const history = this.stmts.history.all(fromRevision, prefix, prefixEnd(prefix));
    const listener: Listener = { prefix, onEvent, closed: false };
    this.listeners.add(listener);
    const replay = history.map(fromLog);
    if (replay.length > 0) {
      // Deliver asynchronously (callers set up their state after watch() returns), but before
      // any live event: hold live events until the replay is done.
      const pending: WatchEvent[] = [];
      listener.onEvent = (ev) => pending.push(ev);
      queueMicrotask(() => {
        for (const ev of replay) if (!listener.closed) onEvent(ev);
        for (const ev of pending) if (!listener.closed) onEvent(ev);
        listener.onEvent = onEvent;
      });
    }
    return {
      close: () => {
        listener.closed = true;
        this.listeners.delete(listener);
      },
    };
  }

  async currentRevision(): Promise<number> {
    return this.committedRevision;
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, this.committedRevision);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      this.stmts.compact.run(target);
      this.stmts.setMeta.run(target, "compacted");
    })();
    this.compacted = target;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async close(): Promise<void> {
    this.batches.flush();
    for (const l of this.listeners) l.closed = true;
    this.listeners.clear();
    // The worker's connection goes first, so this last one checkpoints the WAL as it closes.
    await this.checkpointer?.close();
    this.db.close();
  }
}

/**
 * The objects table is an ordinary (rowid) table with an index on key, not WITHOUT ROWID: a
 * WITHOUT ROWID row keeps only about 1 KB inline (a 4 KB page's b-tree cell limit) and an object's
 * JSON (a pod is 1.5 KB) spills into an overflow page of its own, so every create wrote and every
 * read visited one page more. A rowid table keeps rows up to about 4 KB inline.
 */
const OBJECTS_COLUMNS = "key TEXT PRIMARY KEY, value TEXT NOT NULL, mod_revision INTEGER NOT NULL, create_revision INTEGER NOT NULL";

/** A store written before that (objects WITHOUT ROWID) gets the rowid table, in one transaction. */
function objectsAsRowidTable(db: Database.Database): void {
  const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'objects'").get();
  if (!table || !/WITHOUT\s+ROWID/i.test(table.sql)) return;
  db.transaction(() => {
    db.exec(`
      CREATE TABLE objects_rowid (${OBJECTS_COLUMNS});
      INSERT INTO objects_rowid (key, value, mod_revision, create_revision) SELECT key, value, mod_revision, create_revision FROM objects ORDER BY key;
      DROP TABLE objects;
      ALTER TABLE objects_rowid RENAME TO objects;
    `);
  })();
}

function toStored(row: ObjectRow): StoredValue {
  return { key: row.key, value: row.value, modRevision: row.mod_revision, createRevision: row.create_revision };
}

function fromLog(row: LogRow): WatchEvent {
  return {
    type: row.type,
    key: row.key,
    value: row.value,
    revision: row.revision,
    prevValue: row.prev_value ?? undefined,
    created: row.created === 1,
  };
}

/** The smallest string greater than every string that starts with prefix. */
export function prefixEnd(prefix: string): string {
  if (prefix === "") return "\uffff";
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
