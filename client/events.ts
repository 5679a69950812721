// EventRecorder: writes core/v1 Events about an object ("Scheduled", "FailedScheduling", ...).
// Repeats of the same type+reason+message on the same object bump count and lastTimestamp on the
// existing Event instead of creating a new one. Best effort: failures are logged, never thrown.
import { pino, type Logger } from "pino";
import { rfc3339 } from "../api/time";
import { realClock, type Clock } from "./clock";
import { isNotFound } from "./errors";
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
  /** How many distinct events to remember for aggregation (default 4096). */
  maxCacheEntries?: number;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

const MAX_MESSAGE = 1024;

export class EventRecorder {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly maxEntries: number;
  private readonly seen = new Map<string, Seen>();
  private readonly pending = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.maxEntries = opts.maxCacheEntries ?? 4096;
    this.logger = (opts.logger ?? pino({ level: "silent" })).child({ component: opts.component });
  }

  /** Records an event about obj (which needs apiVersion, kind and metadata.name). Never throws. */
  event(obj: ObjectWithMeta, type: EventType, reason: string, message: string): void {
    try {
      const meta = obj.metadata ?? {};
      const key = [meta.uid ?? "", obj.kind ?? "", meta.namespace ?? "", meta.name ?? "", type, reason, message].join("\u0000");
      const at = this.clock.now();
      const previous = this.pending.get(key) ?? Promise.resolve();
      const next = previous
        .then(() => this.write(key, at, obj, type, reason, message))
        .catch((err) => this.logger.warn({ err, reason, object: meta.name }, "could not write event"))
        .finally(() => {
          if (this.pending.get(key) === next) this.pending.delete(key);
        });
      this.pending.set(key, next);
    } catch (err) {
      this.logger.warn({ err, reason }, "could not record event");
    }
  }

  /** Waits for the events recorded so far to be written (or to have failed). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending.values()]);
  }

  private async write(key: string, at: number, obj: ObjectWithMeta, type: EventType, reason: string, message: string): Promise<void> {
    const now = rfc3339(at);
    const seen = this.seen.get(key);
    if (seen) {
      try {
        await this.client.patch(events, seen.namespace, seen.name, { count: seen.count + 1, lastTimestamp: now }, "merge");
        seen.count++;
        // refresh LRU position
        this.seen.delete(key);
        this.seen.set(key, seen);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.seen.delete(key);
      }
    }
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || "default";
    const name = `${meta.name ?? "unknown"}.${this.uniqueSuffix(at)}`;
    await this.client.create(events, namespace, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        ...(meta.uid ? { uid: meta.uid } : {}),
        ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
      },
      reason,
      message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 3) + "..." : message,
      type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? "",
    });
    this.seen.set(key, { namespace, name, count: 1 });
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  /** Unix nanoseconds in hex, as Kubernetes names events ("<object>.<hex>"). */
  private uniqueSuffix(at: number): string {
    const nanos = BigInt(at) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return nanos.toString(16);
  }
}
