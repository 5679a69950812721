// EventRecorder: writes core/v1 Events about an object ("Scheduled", "FailedScheduling", ...),
// through client-go's EventCorrelator (tools/record/events_cache.go):
// - the same event again (source, object, type, reason, message) bumps count and lastTimestamp
//   on the Event already written instead of creating another;
// - more than 10 events that differ only by message (same source, object, type and reason)
//   within 10 minutes become one "(combined from similar events): ..." Event with a count;
// - a spam filter allows a source a burst of 25 events per object, then 1 every 5 minutes; what it
//   holds back is still counted, and the next write carries the count.
// Writes happen off the caller's path: event() only updates memory; a few writers send the pending
// Events in the background, and repeats that arrive while one waits are coalesced into that write.
// Best effort, as Kubernetes' events are: failures are logged, never thrown; with too many distinct
// Events waiting, new ones are dropped (and counted) rather than held without bound.
import { pino, type Logger } from "pino";
import { rfc3339 } from "../api/time";
import { realClock, type Clock } from "./clock";
import { isAlreadyExists, isNotFound } from "./errors";
import type { ApiClient, ObjectWithMeta } from "./rest";
import { events } from "./resources";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  client: ApiClient;
  /** source.component and reportingComponent: "default-scheduler", "kubelet", "replicaset-controller". */
  component: string;
  /** source.host and reportingInstance (the node name for an agent). */
  host?: string;
  logger?: Logger;
  clock?: Clock;
  /** How many distinct events, aggregates and objects the correlator remembers (default 4096, client-go's). */
  maxCacheEntries?: number;
  /** Event writes in flight at once (default 4): few, so that a burst of events does not crowd out the writes it reports on. */
  maxInFlight?: number;
  /** Distinct Events waiting to be written before new ones are dropped (default 16384: a 10,000-pod scheduling burst keeps every Scheduled event). */
  maxQueued?: number;
}

/** client-go's correlator defaults. */
export const AGGREGATE_MAX_EVENTS = 10;
export const AGGREGATE_INTERVAL_MS = 600_000;
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
const AGGREGATE_PREFIX = "(combined from similar events): ";
const MAX_MESSAGE = 1024;

/** One Event as the recorder knows it: what the server has (name) and what is still to send. */
interface EventLog {
  namespace: string;
  /** Set once the Event exists on the server. */
  name?: string;
  body: EventBody;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  message: string;
  /** Waiting in the write queue, or being written. */
  queued: boolean;
  writing: boolean;
  /** Observed again while being written: write once more afterwards. */
  dirty: boolean;
}

type EventBody = Record<string, unknown>;

/** A Map kept in least-recently-used order, holding at most max entries. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  /** Sets key; evicts the oldest entries beyond max, stopping at one keep() holds (an Event still to be written). */
  set(key: string, v: V, keep?: (v: V) => boolean): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.max) {
      const [k, old] = this.map.entries().next().value!;
      if (keep?.(old)) break;
      this.map.delete(k);
    }
  }
}

/** A token bucket per source and object (client-go's EventSourceObjectSpamFilter). */
interface Bucket {
  tokens: number;
  at: number;
}

export class EventRecorder {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly logs: Lru<EventLog>;
  private readonly aggregates: Lru<{ messages: Set<string>; last: number }>;
  private readonly spam: Lru<Bucket>;
  private readonly queue: string[] = [];
  private inFlight = 0;
  private drainScheduled = false;
  private idle: Array<() => void> = [];
  /** Events dropped because too many were waiting. */
  dropped = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    const max = opts.maxCacheEntries ?? 4096;
    this.logs = new Lru(max);
    this.aggregates = new Lru(max);
    this.spam = new Lru(max);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.maxQueued = Math.max(1, opts.maxQueued ?? 16_384);
    this.logger = (opts.logger ?? pino({ level: "silent" })).child({ component: opts.component });
  }

  /** Records an event about obj (which needs apiVersion, kind and metadata.name). Never throws, never waits. */
  event(obj: ObjectWithMeta, type: EventType, reason: string, message: string): void {
    try {
      this.correlate(obj, type, reason, message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 3) + "..." : message);
    } catch (err) {
      this.logger.warn({ err, reason }, "could not record event");
    }
  }

  /** Waits for the events recorded so far to be written (or to have failed). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.drainScheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private correlate(obj: ObjectWithMeta, type: EventType, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const at = this.clock.now();
    const now = rfc3339(at);
    const objectKey = [this.opts.component, this.opts.host ?? "", obj.kind ?? "", meta.namespace ?? "", meta.name ?? "", meta.uid ?? "", obj.apiVersion ?? ""].join("\u0000");
    // Aggregation: the 10th distinct message of one reason in 10 minutes starts the combined Event.
    const aggregateKey = `${objectKey}\u0000${type}\u0000${reason}`;
    let record = this.aggregates.get(aggregateKey);
    if (!record || at - record.last > AGGREGATE_INTERVAL_MS) record = { messages: new Set(), last: at };
    record.messages.add(message);
    record.last = at;
    this.aggregates.set(aggregateKey, record);
    let key = `${aggregateKey}\u0000${message}`;
    if (record.messages.size >= AGGREGATE_MAX_EVENTS) {
      record.messages.delete(record.messages.values().next().value!);
      key = aggregateKey;
      message = AGGREGATE_PREFIX + message;
    }
    // Observation: a known Event counts once more.
    let log = this.logs.get(key);
    if (log) {
      log.count++;
      log.lastTimestamp = now;
      log.message = message;
    } else {
      log = this.newLog(obj, type, reason, message, now);
    }
    this.logs.set(key, log, (l) => l.queued || l.writing);
    // Spam filter: held back, the observation still counts and the next write carries it.
    if (!this.allow(objectKey, at)) return;
    this.enqueue(key, log);
  }

  private newLog(obj: ObjectWithMeta, type: EventType, reason: string, message: string, now: string): EventLog {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || "default";
    const body: EventBody = {
      apiVersion: "v1",
      kind: "Event",
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        ...(meta.uid ? { uid: meta.uid } : {}),
        ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
      },
      reason,
      type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? "",
    };
    return { namespace, body, count: 1, firstTimestamp: now, lastTimestamp: now, message, queued: false, writing: false, dirty: false };
  }

  /** Token bucket per source and object: burst SPAM_BURST, refilled at SPAM_QPS. */
  private allow(objectKey: string, at: number): boolean {
    const b = this.spam.get(objectKey) ?? { tokens: SPAM_BURST, at };
    b.tokens = Math.min(SPAM_BURST, b.tokens + ((at - b.at) / 1000) * SPAM_QPS);
    b.at = at;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.spam.set(objectKey, b);
    return ok;
  }

  private enqueue(key: string, log: EventLog): void {
    if (log.writing) {
      log.dirty = true;
      return;
    }
    if (log.queued) return;
    if (this.queue.length >= this.maxQueued) {
      if (this.dropped++ % 1000 === 0) this.logger.warn({ dropped: this.dropped }, "too many events waiting to be written: dropping");
      return;
    }
    log.queued = true;
    this.queue.push(key);
    this.pump();
  }

  /** Starts writes on a later turn, so that repeats recorded meanwhile go into the same write. */
  private pump(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const key = this.queue.shift()!;
      const log = this.logs.get(key);
      if (!log) continue;
      log.queued = false;
      log.writing = true;
      this.inFlight++;
      void this.write(log)
        .catch((err) => this.logger.warn({ err, reason: log.body.reason }, "could not write event"))
        .finally(() => {
          log.writing = false;
          this.inFlight--;
          if (log.dirty) {
            log.dirty = false;
            this.enqueue(key, log);
          }
          this.pump();
          if (this.queue.length === 0 && this.inFlight === 0) for (const w of this.idle.splice(0)) w();
        });
    }
  }

  /** Sends what the log holds now: a patch of the count when the Event exists, else a create. */
  private async write(log: EventLog): Promise<void> {
    const { count, lastTimestamp, message } = log;
    if (log.name) {
      try {
        await this.client.patch(events, log.namespace, log.name, { count, lastTimestamp, message }, "merge");
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // Deleted meanwhile: start a new Event, counting from here (as client-go does).
        log.name = undefined;
        log.count = 1;
        log.firstTimestamp = lastTimestamp;
      }
    }
    const meta = log.body.involvedObject as { name?: string };
    for (let attempt = 1; ; attempt++) {
      const name = `${meta.name ?? "unknown"}.${this.uniqueSuffix()}`;
      try {
        await this.client.create(events, log.namespace, {
          ...log.body,
          metadata: { name, namespace: log.namespace },
          message,
          firstTimestamp: log.firstTimestamp,
          lastTimestamp,
          count: log.count,
        });
        log.name = name;
        return;
      } catch (err) {
        // Another recorder (another process) took the name in the same instant: take another.
        if (!isAlreadyExists(err) || attempt >= 3) throw err;
      }
    }
  }

  /**
   * Unix nanoseconds in hex, as Kubernetes names events ("<object>.<hex>"): milliseconds from the
   * clock, the rest from a counter that every recorder of the process shares (the controllers of
   * one process write about the same objects in the same millisecond), started at random.
   */
  private uniqueSuffix(): string {
    const nanos = BigInt(this.clock.now()) * 1_000_000n + BigInt(nextEventSequence() % 1_000_000);
    return nanos.toString(16);
  }
}

let eventSequence = Math.floor(Math.random() * 1_000_000);
function nextEventSequence(): number {
  eventSequence = (eventSequence + 1) % 1_000_000;
  return eventSequence;
}
