// Watch: a chunked HTTP stream of {"type","object"} lines. Resumes from a resourceVersion
// (410 Gone as an ERROR event once compacted), sends initial ADDED events when asked from "0" or
// nothing, BOOKMARKs when allowed, and ends after timeoutSeconds. It honours the socket's
// backpressure (WatchStream): a watcher that falls more than its send buffer behind is closed
// with an ERROR event (410 Expired, so its client re-lists) and its connection cut soon after,
// as kube-apiserver terminates an unresponsive watcher; the server's memory stays bounded.
import type { ServerResponse } from "node:http";
import type { KObject, ResourceType } from "../../api/resource";
import { StoreCompactedError, type Store, type WatchEvent } from "../storage/store";
import { jsonAtRevision } from "./codec";
import { ApiError } from "./errors";
import { apiVersionOf, storagePrefix } from "./keys";
import type { ListQuery, Registry } from "./registry";
import { TABLE_CONTENT_TYPE, toTable, type IncludeObject } from "./table";
import { watchLimitsFor } from "./filters/watch-limits";
import type { WatchTerminationReason } from "./filters/metrics";
import { WatchStream } from "./filters/watch-buffer";

export interface WatchRequest {
  rt: ResourceType;
  namespace?: string;
  /** Only this object (metadata.name field selector or a named watch). */
  query: ListQuery;
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  table?: { include: IncludeObject };
}

const decoded = new WeakMap<WatchEvent, KObject>();

function eventObject(ev: WatchEvent): KObject {
  let obj = decoded.get(ev);
  if (!obj) {
    obj = JSON.parse(ev.value) as KObject;
    obj.metadata.resourceVersion = String(ev.revision);
    decoded.set(ev, obj);
  }
  return obj;
}

const decodedPrev = new WeakMap<WatchEvent, KObject>();

function prevObject(ev: WatchEvent): KObject | undefined {
  if (!ev.prevValue) return undefined;
  let obj = decodedPrev.get(ev);
  if (!obj) decodedPrev.set(ev, (obj = JSON.parse(ev.prevValue) as KObject));
  return obj;
}

/** The JSON line of a non-Table event, made once per (object, type) for all watchers of it. */
const encodedLines = new WeakMap<object, Map<string, string>>();

function eventLine(type: string, obj: object): string {
  let byType = encodedLines.get(obj);
  if (!byType) encodedLines.set(obj, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = JSON.stringify({ type, object: obj }) + "\n"));
  return line;
}

/**
 * The JSON line of a store event for watchers without selectors or Tables, made from the stored
 * text once for all of them: the text goes out as it was written (resourceVersion spliced in),
 * never decoded and encoded again.
 */
const storedLines = new WeakMap<WatchEvent, string>();

function storedEventLine(type: string, ev: WatchEvent): string {
  let object = storedLines.get(ev);
  if (object === undefined) storedLines.set(ev, (object = jsonAtRevision(ev.value, ev.revision)));
  return `{"type":"${type}","object":${object}}\n`;
}

export async function serveWatch(
  registry: Registry,
  store: Store,
  req: WatchRequest,
  res: ServerResponse,
  bookmarkIntervalMs = 30_000,
): Promise<void> {
  const { rt } = req;
  const limits = watchLimitsFor(res.req);
  res.writeHead(200, {
    "Content-Type": req.table ? TABLE_CONTENT_TYPE : "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  let closed = false;
  let stopWatcher = () => {};
  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const finish = (reason?: WatchTerminationReason) => {
    if (closed) return;
    closed = true;
    if (reason) limits.metrics.watchTerminated(rt.plural, reason);
    stopWatcher();
    clearTimeout(timeout);
    stream.end();
    resolveDone();
  };
  const stream = new WatchStream(res, limits.sendBufferBytes, (buffered) => {
    // Too far behind: say why, then stop (the client re-lists from a fresh resourceVersion).
    stream.terminate(eventLine("ERROR", new ApiError(410, "Expired", `watch closed: the client fell ${buffered} bytes behind (limit ${limits.sendBufferBytes}); list again and watch from the new resourceVersion`).toStatus()));
    finish("SlowConsumer");
  });
  const send = eventSender(req, stream);
  const timeout = setTimeout(() => finish("Timeout"), req.timeoutSeconds * 1000);
  res.on("close", () => finish());

  const rvParam = req.resourceVersion;
  let fromRevision: number;
  if (!rvParam || rvParam === "0") {
    // From "0" the initial state may come from the cache as it stands; from nothing it is the current one.
    const listed = await registry.list(rt, req.namespace, { labelSelector: req.query.labelSelector, fieldSelector: req.query.fieldSelector, resourceVersion: rvParam || undefined });
    // The initial list waits for the socket instead of queueing: it may be far larger than the buffer.
    for (const obj of listed.items) if (!send("ADDED", obj) && !(await stream.drained())) break;
    fromRevision = Number(listed.resourceVersion);
  } else {
    fromRevision = Number(rvParam);
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) {
      send("ERROR", new ApiError(400, "BadRequest", `invalid resource version: ${rvParam}`).toStatus());
      finish();
      return;
    }
  }
  if (closed) return;
  stopWatcher = watchFrom(registry, store, req, fromRevision, bookmarkIntervalMs, { send, sendLine: (line) => stream.write(line), finish, closed: () => closed });
  if (closed) stopWatcher(); // ended while the store replayed history
  await done;
}

type Send = (type: string, obj: unknown) => boolean;

/** Encodes events (as one-row Tables when asked) onto the stream. */
function eventSender(req: WatchRequest, stream: WatchStream): Send {
  let first = true;
  return (type, obj) => {
    if (req.table && (type === "ADDED" || type === "MODIFIED" || type === "DELETED")) {
      const payload = toTable(req.rt, [obj as KObject], { include: req.table.include, withColumns: first });
      first = false;
      return stream.write(JSON.stringify({ type, object: payload }) + "\n");
    }
    return stream.write(typeof obj === "object" && obj !== null ? eventLine(type, obj) : JSON.stringify({ type, object: obj }) + "\n");
  };
}

/** The store watch from `fromRevision` with bookmarks; returns what stops it. */
function watchFrom(
  registry: Registry,
  store: Store,
  req: WatchRequest,
  fromRevision: number,
  bookmarkIntervalMs: number,
  out: { send: Send; sendLine: (line: string) => boolean; finish: (reason?: WatchTerminationReason) => void; closed: () => boolean },
): () => void {
  const { rt, query } = req;
  const { send, finish } = out;
  // Without selectors every event goes to this watcher, and without a Table as the stored text.
  const plain = !req.table && !query.labelSelector?.length && !query.fieldSelector?.length;
  let lastRevision = fromRevision;
  const expired = (compacted: number) => new ApiError(410, "Expired", `too old resource version: ${fromRevision} (${compacted + 1})`).toStatus();
  const bookmark = () => send("BOOKMARK", { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(lastRevision) } });
  let watcher: { close(): void } | undefined;
  try {
    watcher = store.watch(storagePrefix(rt, req.namespace), fromRevision, (ev) => {
      if (out.closed()) return;
      lastRevision = ev.revision;
      if (plain) {
        out.sendLine(storedEventLine(ev.type === "DELETE" ? "DELETED" : ev.created || !ev.prevValue ? "ADDED" : "MODIFIED", ev));
        return;
      }
      const obj = eventObject(ev);
      const matchesNow = ev.type === "PUT" && registry.matches(rt, obj, query);
      const prev = prevObject(ev);
      const matchedBefore = prev ? registry.matches(rt, prev, query) : false;
      if (ev.type === "DELETE") {
        if (registry.matches(rt, obj, query)) send("DELETED", obj);
      } else if (matchesNow) {
        send(ev.created || !matchedBefore ? "ADDED" : "MODIFIED", obj);
      } else if (matchedBefore) {
        // It no longer matches the selector: to this watcher it is gone.
        send("DELETED", obj);
      }
    }, (err) => {
      if (out.closed()) return;
      const compacted = err instanceof StoreCompactedError;
      send("ERROR", compacted ? expired(err.compacted) : new ApiError(500, "InternalError", `watch failed: ${err.message}`).toStatus());
      finish(compacted ? "Expired" : "Error");
    });
  } catch (e) {
    if (!(e instanceof StoreCompactedError)) throw e;
    send("ERROR", expired(e.compacted));
    finish("Expired");
    return () => {};
  }
  const bookmarks = setInterval(() => req.allowBookmarks && bookmark(), bookmarkIntervalMs);
  // An initial bookmark tells an informer where the stream stands right away.
  if (req.allowBookmarks) bookmark();
  return () => {
    watcher?.close();
    clearInterval(bookmarks);
  };
}
