// Reading a Kubernetes watch: newline-delimited JSON events over one long HTTP response.
// ADDED/MODIFIED/DELETED/BOOKMARK go to the caller in order; an ERROR event with a 410 Status (the
// resourceVersion was compacted) ends the watch as "gone", so the caller relists.
import { ApiStatusError, ConnectionError, isGone, isStatus, type ApiStatus } from "./errors";
import type { HttpRequest, Transport } from "./transport";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T> {
  type: WatchEventType;
  /** The object; for BOOKMARK only metadata.resourceVersion is meaningful. */
  object: T;
}

export interface WatchOptions {
  /** Start after this resourceVersion (usually a list's). Omitted: "from now", with synthetic ADDED for existing objects. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (the caller then re-watches from the last resourceVersion). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Bound on waiting for the response headers (default: the client's timeout). */
  timeoutMs?: number;
}

export type WatchEnd = "closed" | "gone" | "aborted";

export interface WatchResult {
  end: WatchEnd;
  /** The last resourceVersion seen in an event (resume from here after "closed"). */
  resourceVersion?: string;
  /** How many events were delivered. */
  events: number;
  /** The 410 Status for "gone". */
  status?: ApiStatus;
}

interface RawEvent {
  type?: string;
  object?: unknown;
}

export async function readWatchStream<T>(
  transport: Transport,
  req: HttpRequest,
  onEvent: (ev: WatchEvent<T>) => void | Promise<void>,
): Promise<WatchResult> {
  const { signal } = req;
  let resourceVersion: string | undefined;
  let events = 0;
  const result = (end: WatchEnd, status?: ApiStatus): WatchResult => ({ end, resourceVersion, events, status });

  let open;
  try {
    open = await transport.stream(req);
  } catch (err) {
    if (isGone(err)) return result("gone", (err as ApiStatusError).status);
    if (signal?.aborted) return result("aborted");
    throw err;
  }
  const decoder = new TextDecoder();
  let buffer = "";

  // Returns a result when the event ends the watch.
  const handleLine = async (line: string): Promise<WatchResult | undefined> => {
    const ev = decodeEvent<T>(line, req.path);
    if ("gone" in ev) return result("gone", ev.gone);
    if (!ev.event) return undefined;
    const rv = (ev.event.object as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
    if (rv) resourceVersion = rv;
    events++;
    await onEvent(ev.event);
    return undefined;
  };

  try {
    const chunks = open.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      if (signal?.aborted) return result("aborted");
      let chunk: IteratorResult<Buffer>;
      try {
        chunk = await chunks.next();
      } catch (err) {
        if (signal?.aborted) return result("aborted");
        throw new ConnectionError(`watch ${req.path}: stream broke`, "network", { cause: err });
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      // Every complete line of the buffer, then what is left of it (one slice per chunk).
      let start = 0;
      let nl: number;
      while ((nl = buffer.indexOf("\n", start)) >= 0) {
        const line = buffer.slice(start, nl).trim();
        start = nl + 1;
        if (!line) continue;
        const end = await handleLine(line);
        if (end) return end;
        if (signal?.aborted) return result("aborted");
      }
      if (start > 0) buffer = buffer.slice(start);
    }
    const rest = (buffer + decoder.decode()).trim();
    if (rest) {
      const end = await handleLine(rest);
      if (end) return end;
    }
    return result("closed");
  } finally {
    open.close();
  }
}

/**
 * One line of a watch stream: an event to deliver, nothing (a type we do not know), or the 410
 * Status that ends the watch as "gone". Other ERROR events throw ApiStatusError.
 */
function decodeEvent<T>(line: string, path: string): { event?: WatchEvent<T> } | { gone: ApiStatus } {
  let ev: RawEvent;
  try {
    ev = JSON.parse(line) as RawEvent;
  } catch {
    throw new ConnectionError(`watch ${path}: undecodable event: ${line.slice(0, 200)}`, "network");
  }
  if (ev.type === "ERROR") {
    const status: ApiStatus = isStatus(ev.object)
      ? ev.object
      : { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: JSON.stringify(ev.object), code: 500 };
    if (status.code === 410) return { gone: status };
    throw new ApiStatusError(status);
  }
  if (ev.type !== "ADDED" && ev.type !== "MODIFIED" && ev.type !== "DELETED" && ev.type !== "BOOKMARK") return {};
  return { event: { type: ev.type, object: ev.object as T } };
}
