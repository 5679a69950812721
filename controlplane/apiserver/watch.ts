// Watch: a chunked HTTP stream of {"type","object"} lines. Resumes from a resourceVersion
// (410 Gone as an ERROR event once compacted), sends initial ADDED events when asked from "0" or
// nothing, BOOKMARKs when allowed, and ends after timeoutSeconds.
import type { ServerResponse } from "node:http";
import type { KObject, ResourceType } from "../../api/resource";
import { StoreCompactedError, type Store, type WatchEvent } from "../storage/store";
import { ApiError } from "./errors";
import { apiVersionOf, storagePrefix } from "./keys";
import type { ListQuery, Registry } from "./registry";
import { TABLE_CONTENT_TYPE, toTable, type IncludeObject } from "./table";

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

export async function serveWatch(
  registry: Registry,
  store: Store,
  req: WatchRequest,
  res: ServerResponse,
  bookmarkIntervalMs = 30_000,
): Promise<void> {
  const { rt, query } = req;
  res.writeHead(200, {
    "Content-Type": req.table ? TABLE_CONTENT_TYPE : "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  let first = true;
  let lastRevision = 0;
  const send = (type: string, obj: unknown) => {
    if (req.table && (type === "ADDED" || type === "MODIFIED" || type === "DELETED")) {
      const payload = toTable(rt, [obj as KObject], { include: req.table.include, withColumns: first });
      first = false;
      res.write(JSON.stringify({ type, object: payload }) + "\n");
      return;
    }
    res.write(typeof obj === "object" && obj !== null ? eventLine(type, obj) : JSON.stringify({ type, object: obj }) + "\n");
  };

  const rvParam = req.resourceVersion;
  let fromRevision: number;
  if (!rvParam || rvParam === "0") {
    const listed = await registry.list(rt, req.namespace, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector });
    for (const obj of listed.items) send("ADDED", obj);
    fromRevision = Number(listed.resourceVersion);
  } else {
    fromRevision = Number(rvParam);
    if (!Number.isFinite(fromRevision) || fromRevision < 0) {
      send("ERROR", new ApiError(400, "BadRequest", `invalid resource version: ${rvParam}`).toStatus());
      res.end();
      return;
    }
  }
  lastRevision = fromRevision;

  let closed = false;
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      if (closed) return;
      closed = true;
      watcher?.close();
      clearInterval(bookmarks);
      clearTimeout(timeout);
      if (!res.writableEnded) res.end();
      resolve();
    };
    let watcher: { close(): void } | undefined;
    try {
      watcher = store.watch(storagePrefix(rt, req.namespace), fromRevision, (ev) => {
        if (closed) return;
        lastRevision = ev.revision;
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
        if (closed) return;
        send("ERROR", err instanceof StoreCompactedError
          ? new ApiError(410, "Expired", `too old resource version: ${fromRevision} (${err.compacted + 1})`).toStatus()
          : new ApiError(500, "InternalError", `watch failed: ${err.message}`).toStatus());
        finish();
      });
    } catch (e) {
      if (e instanceof StoreCompactedError) {
        send(
          "ERROR",
          new ApiError(410, "Expired", `too old resource version: ${fromRevision} (${e.compacted + 1})`).toStatus(),
        );
        finish();
        return;
      }
      throw e;
    }
    const bookmarks = setInterval(() => {
      if (!req.allowBookmarks) return;
      send("BOOKMARK", { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(lastRevision) } });
    }, bookmarkIntervalMs);
    const timeout = setTimeout(finish, req.timeoutSeconds * 1000);
    res.on("close", finish);
  });
  if (req.allowBookmarks) {
    // An initial bookmark tells an informer where the stream stands right away.
    send("BOOKMARK", { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(lastRevision) } });
  }
  await done;
}
