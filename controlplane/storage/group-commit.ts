// Group commit for the SQLite store: the writes of concurrent requests go into one transaction.
// A write is decided at once against the committed state and queued (the order of revisions is
// the order of the decisions); the queue commits as one transaction when the event loop has run
// the rest of its current turn, and only then are the writes acknowledged and their watch events
// sent. Nothing is acknowledged before it is committed, exactly as with one transaction per write;
// a commit of 16 writes costs about what 3 cost alone. A write to a key that already has a queued
// write waits for that commit and decides then, so every decision (and every conflict a client
// sees) rests on committed state. Reads see committed state only: a queued write is invisible
// until its commit (it is not acknowledged either, so no client can tell).
import type { StoredValue, WatchEvent } from "./store";

/** One decided write waiting for its commit. */
export interface QueuedWrite {
  event: WatchEvent;
  /** The key's value after this write (undefined: deleted). */
  after: StoredValue | undefined;
  /** What the caller gets once committed. */
  result: StoredValue;
  resolve(v: StoredValue): void;
  reject(e: unknown): void;
}

export interface GroupCommitHooks {
  /** Writes the queued writes in one transaction; throws to refuse all of them. */
  commit(batch: readonly QueuedWrite[]): void;
  /** After a successful commit, in revision order. */
  committed(batch: readonly QueuedWrite[]): void;
  /** After a failed commit: nothing of the batch was written. */
  failed(batch: readonly QueuedWrite[]): void;
}

export class GroupCommit {
  private queue: QueuedWrite[] = [];
  /** Keys with a queued write. */
  private readonly keys = new Set<string>();
  /** Writes waiting for the queue's commit before they decide. */
  private waiting: (() => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly hooks: GroupCommitHooks) {}

  /**
   * Runs `write` (which decides and enqueues synchronously, or throws its refusal) now, or after
   * the queued write to the same key has committed or failed.
   */
  run<T>(key: string, write: () => Promise<T>): Promise<T> {
    if (this.keys.has(key)) return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.run(key, write));
    try {
      return write();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Queue a decided write; the promise settles once its batch has committed (or failed). */
  enqueue(event: WatchEvent, after: StoredValue | undefined, result: StoredValue): Promise<StoredValue> {
    return new Promise<StoredValue>((resolve, reject) => {
      this.queue.push({ event, after, result, resolve, reject });
      this.keys.add(event.key);
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /**
   * Commit everything queued now, in one transaction. When the commit fails every write of the
   * batch is refused with its error: later writes may rest on earlier ones, so none of them stands.
   */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    const waiting = this.waiting;
    this.queue = [];
    this.waiting = [];
    this.keys.clear();
    try {
      this.hooks.commit(batch);
      this.hooks.committed(batch);
      for (const w of batch) w.resolve(w.result);
    } catch (e) {
      this.hooks.failed(batch);
      for (const w of batch) w.reject(e);
    }
    for (const wake of waiting) wake();
  }
}
