// History compaction: the store keeps the last `historyRevisions` revisions for watches to resume
// from; older ones are compacted away on a timer (a watch from before then gets 410 Gone).
import type { Logger } from "pino";
import type { Store } from "../storage/store";

export interface CompactionOptions {
  historyRevisions?: number;
  intervalMs?: number;
}

/** Starts the timer; returns the function that stops it. */
export function startCompaction(store: Store, opts: CompactionOptions, logger: Logger): () => void {
  const historyRevisions = opts.historyRevisions ?? 20_000;
  const timer = setInterval(async () => {
    try {
      const rev = await store.currentRevision();
      if (rev > historyRevisions) await store.compact(rev - historyRevisions);
    } catch (e) {
      logger.warn({ err: e }, "compaction failed");
    }
  }, opts.intervalMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
