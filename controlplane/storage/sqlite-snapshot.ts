// A list of the SQLite store as it was at an older revision (what etcd's range at a revision
// gives): `objects` holds the current values and `log` every change above the compacted revision
// with the value before it, so the state at R is the current one with every key changed after R
// put back as its first change after R found it (absent when that change created it). The value
// at R keeps its own modRevision, the key's last change at or before R: when that change has been
// compacted away the snapshot cannot be told exactly, and the list is StoreCompactedError, as
// it is for any R below the compacted revision (etcd's rule).
import type Database from "better-sqlite3";
import { StoreCompactedError, type ListResult, type StoredValue } from "./store";

interface Row {
  key: string;
  value: string;
  mod_revision: number;
  create_revision: number;
}

interface Change {
  key: string;
  revision: number;
  prev_value: string | null;
  created: number;
}

const statements = new WeakMap<Database.Database, ReturnType<typeof prepare>>();

function prepare(db: Database.Database) {
  return {
    changesAfter: db.prepare<[number, string, string], Change>(
      "SELECT key, revision, prev_value, created FROM log WHERE revision > ? AND key >= ? AND key < ? ORDER BY revision",
    ),
    changesUpTo: db.prepare<[number, number, string, string], Change>(
      "SELECT key, revision, prev_value, created FROM log WHERE revision > ? AND revision <= ? AND key >= ? AND key < ? ORDER BY revision",
    ),
    objects: db.prepare<[string, string, string, number], Row>("SELECT * FROM objects WHERE key >= ? AND key < ? AND key > ? ORDER BY key LIMIT ?"),
  };
}

export interface SnapshotQuery {
  prefix: string;
  end: string;
  revision: number;
  /** Keys after this one ("" for all). */
  after: string;
  /** -1 for all. */
  limit: number;
  compacted: number;
}

export function listAtRevision(db: Database.Database, q: SnapshotQuery): ListResult {
  const { prefix, end, revision, after, compacted } = q;
  if (revision < compacted) throw new StoreCompactedError(revision, compacted);
  let st = statements.get(db);
  if (!st) statements.set(db, (st = prepare(db)));
  // What each key changed after `revision` held then (null: it did not exist).
  const then = new Map<string, StoredValue | null>();
  const unknown = new Set<string>();
  for (const c of st.changesAfter.all(revision, prefix, end)) {
    if (then.has(c.key)) continue;
    then.set(c.key, c.created || c.prev_value === null ? null : { key: c.key, value: c.prev_value, modRevision: 0, createRevision: 0 });
    if (!c.created && c.prev_value !== null) unknown.add(c.key);
  }
  if (unknown.size > 0) {
    for (const c of st.changesUpTo.all(compacted, revision, prefix, end)) {
      const v = then.get(c.key);
      if (!v || !unknown.has(c.key)) continue;
      v.modRevision = c.revision;
      if (c.created) v.createRevision = c.revision;
    }
    for (const key of unknown) {
      const v = then.get(key)!;
      if (v.modRevision === 0) throw new StoreCompactedError(revision, compacted);
    }
  }
  // The current rows, each changed one swapped for its value then, merged with the keys deleted since.
  const rows = st.objects.all(prefix, end, after, -1);
  const current = new Set<string>();
  const merged: StoredValue[] = [];
  for (const r of rows) {
    current.add(r.key);
    const was = then.get(r.key);
    if (was === undefined) merged.push({ key: r.key, value: r.value, modRevision: r.mod_revision, createRevision: r.create_revision });
    else if (was) merged.push(withCreate(was, r.create_revision));
  }
  let gone = false;
  for (const [key, was] of then) {
    if (was && key > after && !current.has(key)) {
      merged.push(was);
      gone = true;
    }
  }
  if (gone) merged.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const limit = q.limit > 0 ? q.limit : merged.length;
  const result: ListResult = { items: merged.slice(0, limit), revision };
  if (merged.length > limit) {
    result.continueKey = result.items[result.items.length - 1]!.key;
    result.remaining = merged.length - limit;
  }
  return result;
}

/** A value from the log keeps the key's createRevision when the key was not created again since. */
function withCreate(v: StoredValue, currentCreate: number): StoredValue {
  return v.createRevision ? v : { ...v, createRevision: currentCreate <= v.modRevision ? currentCreate : v.modRevision };
}
