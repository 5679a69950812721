// The object store behind FakeClient (client-go's ObjectTracker): objects per resource in memory,
// with the API server's rules that controllers rely on: one global resourceVersion that every
// write bumps (a no-op write bumps nothing), a stale resourceVersion is a Conflict, uid,
// creationTimestamp and generateName are filled on create, generation moves when spec changes,
// a main-resource update keeps the status and a status update keeps everything else, an object
// with finalizers is only marked for deletion, and watchers see every change in order.
import { randomUUID } from "node:crypto";
import { rfc3339 } from "../api/time";
import { newAlreadyExists, newConflict, newNotFound, type ApiStatus } from "./errors";
import { keyOf } from "./keys";
import type { ResourceRef } from "./resources";
import type { DeleteOptions, ObjectWithMeta } from "./types";
import type { WatchEventType } from "./watch";

/** What the tracker stores: an object with (possibly) spec, status and finalizers. */
export interface StoredObject extends ObjectWithMeta {
  metadata: NonNullable<ObjectWithMeta["metadata"]> & {
    generateName?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface TrackerEvent {
  /** The global revision this change produced. */
  revision: number;
  resource: string;
  type: Exclude<WatchEventType, "BOOKMARK">;
  object: StoredObject;
}

const CONFLICT_WHY = "the object has been modified; please apply your changes to the latest version and try again";
// Kubernetes' generateName alphabet (no vowels, no look-alikes).
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** "pods", "replicasets.apps": the resource key, as Kubernetes names a resource in messages. */
export const resourceName = (res: ResourceRef): string => (res.group ? `${res.plural}.${res.group}` : res.plural);

export class ObjectTracker {
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private readonly history: TrackerEvent[] = [];
  private readonly watchers = new Set<(ev: TrackerEvent) => void>();
  private rev = 0;
  private names = 0;

  /** The current global resourceVersion. */
  revision(): number {
    return this.rev;
  }

  get(res: ResourceRef, ns: string | undefined, name: string): StoredObject {
    const obj = this.bucket(res).get(objectKey(res, ns, name));
    if (!obj) throw newNotFound(res, name);
    return structuredClone(obj);
  }

  list(res: ResourceRef, ns?: string): StoredObject[] {
    const all = [...this.bucket(res).values()];
    return structuredClone(res.namespaced && ns ? all.filter((o) => o.metadata.namespace === ns) : all);
  }

  /** Stores obj as the server would on create (AlreadyExists when the name is taken). */
  create(res: ResourceRef, ns: string | undefined, body: ObjectWithMeta): StoredObject {
    return this.insert(res, ns, body, false);
  }

  /**
   * Stores a test's fixture as given (deletionTimestamp, generation and all): only a missing uid
   * and creationTimestamp are filled, and the resourceVersion is the tracker's.
   */
  seed(res: ResourceRef, ns: string | undefined, body: ObjectWithMeta): StoredObject {
    return this.insert(res, ns, body, true);
  }

  private insert(res: ResourceRef, ns: string | undefined, body: ObjectWithMeta, asGiven: boolean): StoredObject {
    const obj = structuredClone(body) as StoredObject;
    obj.metadata = { ...obj.metadata };
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + this.nameSuffix();
    const name = obj.metadata.name;
    if (!name) throw new Error(`fake: ${resourceName(res)} create needs metadata.name or metadata.generateName`);
    if (res.namespaced) obj.metadata.namespace = ns ?? obj.metadata.namespace ?? "default";
    else delete obj.metadata.namespace;
    const key = objectKey(res, obj.metadata.namespace, name);
    if (this.bucket(res).has(key)) throw newAlreadyExists(res, name);
    obj.metadata.uid ??= randomUUID();
    obj.metadata.creationTimestamp ??= rfc3339();
    if (!asGiven) {
      obj.metadata.generation = 1;
      delete obj.metadata.deletionTimestamp;
    } else obj.metadata.generation ??= 1;
    return this.commit(res, key, obj, "ADDED");
  }

  /**
   * Replaces the object; subresource "status" takes only the status from body, the main resource
   * everything but the status. A resourceVersion in body must be the current one.
   */
  update(res: ResourceRef, ns: string | undefined, body: ObjectWithMeta | StoredObject, subresource?: "status"): StoredObject {
    const name = body.metadata?.name ?? "";
    const key = objectKey(res, ns ?? body.metadata?.namespace, name);
    const old = this.bucket(res).get(key);
    if (!old) throw newNotFound(res, name);
    const rv = body.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw newConflict(res, name, CONFLICT_WHY);
    const given = structuredClone(body) as StoredObject;
    const next: StoredObject = subresource === "status" ? { ...structuredClone(old), status: given.status } : { ...given, status: structuredClone(old.status) };
    if (next.status === undefined) delete next.status;
    next.metadata = {
      ...next.metadata,
      name: old.metadata.name,
      namespace: old.metadata.namespace,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      deletionTimestamp: old.metadata.deletionTimestamp,
      resourceVersion: old.metadata.resourceVersion,
      generation: (old.metadata.generation ?? 1) + (JSON.stringify(next.spec) === JSON.stringify(old.spec) ? 0 : 1),
    };
    if (next.metadata.deletionTimestamp === undefined) delete next.metadata.deletionTimestamp;
    if (JSON.stringify(next) === JSON.stringify(old)) return structuredClone(old);
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) return this.remove(res, key, next);
    return this.commit(res, key, next, "MODIFIED");
  }

  /** Deletes, or only sets deletionTimestamp while finalizers remain (Foreground adds one). */
  delete(res: ResourceRef, ns: string | undefined, name: string, opts: DeleteOptions = {}): StoredObject | ApiStatus {
    const key = objectKey(res, ns, name);
    const old = this.bucket(res).get(key);
    if (!old) throw newNotFound(res, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw newConflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw newConflict(res, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (opts.propagationPolicy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    if (finalizers.length === 0) {
      this.remove(res, key, old);
      return successStatus(res, old);
    }
    if (old.metadata.deletionTimestamp && finalizers.length === old.metadata.finalizers?.length) return structuredClone(old);
    const next = structuredClone(old);
    next.metadata.finalizers = finalizers;
    next.metadata.deletionTimestamp ??= rfc3339();
    return this.commit(res, key, next, "MODIFIED");
  }

  /** Every change after `revision`, then each new one as it happens, until the returned stop. */
  subscribe(afterRevision: number, fn: (ev: TrackerEvent) => void): () => void {
    for (const ev of this.history) if (ev.revision > afterRevision) fn(ev);
    this.watchers.add(fn);
    return () => void this.watchers.delete(fn);
  }

  private commit(res: ResourceRef, key: string, obj: StoredObject, type: "ADDED" | "MODIFIED"): StoredObject {
    obj.metadata.resourceVersion = String(++this.rev);
    obj.apiVersion ??= res.group ? `${res.group}/${res.version}` : res.version;
    if (res.kind) obj.kind ??= res.kind;
    this.bucket(res).set(key, obj);
    this.publish({ revision: this.rev, resource: resourceName(res), type, object: obj });
    return structuredClone(obj);
  }

  private remove(res: ResourceRef, key: string, last: StoredObject): StoredObject {
    this.bucket(res).delete(key);
    const gone = structuredClone(last);
    gone.metadata.resourceVersion = String(++this.rev);
    this.publish({ revision: this.rev, resource: resourceName(res), type: "DELETED", object: gone });
    return structuredClone(gone);
  }

  private publish(ev: TrackerEvent): void {
    this.history.push(ev);
    for (const w of this.watchers) w(ev);
  }

  private bucket(res: ResourceRef): Map<string, StoredObject> {
    const name = resourceName(res);
    let b = this.objects.get(name);
    if (!b) this.objects.set(name, (b = new Map()));
    return b;
  }

  private nameSuffix(): string {
    let n = this.names++;
    let s = "";
    for (let i = 0; i < 5; i++, n = Math.floor(n / NAME_ALPHABET.length)) s = NAME_ALPHABET[n % NAME_ALPHABET.length] + s;
    return s;
  }
}

function objectKey(res: ResourceRef, ns: string | undefined, name: string): string {
  return keyOf({ metadata: { name, namespace: res.namespaced ? (ns ?? "default") : undefined } });
}

function successStatus(res: ResourceRef, obj: StoredObject): ApiStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name: obj.metadata.name, group: res.group, kind: res.plural, uid: obj.metadata.uid },
    code: 200,
  };
}
