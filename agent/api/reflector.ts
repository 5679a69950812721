// List + watch of one collection, kept going for the agent's whole life: list, hand the full set
// over, watch from the list's resourceVersion, re-watch after a clean close, relist after 410 Gone
// or an error (with back-off 1 s doubling to 30 s while the API server is away).
import type { Logger } from "pino";
import type { ApiClient, ObjectWithMeta } from "../../controlplane/client/rest";
import type { ResourceRef } from "../../controlplane/client/resources";

export interface ReflectorHandlers<T> {
  replace(items: T[]): void;
  upsert(item: T): void;
  remove(item: T): void;
}

export interface ReflectorOptions {
  fieldSelector?: string;
  labelSelector?: string;
  signal: AbortSignal;
  log: Logger;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export async function runReflector<T extends ObjectWithMeta>(
  client: ApiClient,
  res: ResourceRef,
  handlers: ReflectorHandlers<T>,
  opts: ReflectorOptions,
): Promise<void> {
  let delay = 1000;
  while (!opts.signal.aborted) {
    try {
      const list = await client.listAll<T>(res, undefined, {
        fieldSelector: opts.fieldSelector,
        labelSelector: opts.labelSelector,
        signal: opts.signal,
      });
      handlers.replace(list.items);
      let rv = list.metadata.resourceVersion;
      delay = 1000;
      for (;;) {
        const result = await client.watch<T>(
          res,
          undefined,
          {
            resourceVersion: rv,
            fieldSelector: opts.fieldSelector,
            labelSelector: opts.labelSelector,
            allowWatchBookmarks: true,
            timeoutSeconds: 300,
            signal: opts.signal,
          },
          (ev) => {
            if (ev.type === "ADDED" || ev.type === "MODIFIED") handlers.upsert(ev.object);
            else if (ev.type === "DELETED") handlers.remove(ev.object);
          },
        );
        if (result.resourceVersion) rv = result.resourceVersion;
        if (result.end !== "closed") break; // gone -> relist; aborted -> loop ends
      }
    } catch (err) {
      if (opts.signal.aborted) return;
      opts.log.warn({ resource: res.plural, err: (err as Error).message, retryInMs: delay }, "list/watch failed");
      await sleep(delay, opts.signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
