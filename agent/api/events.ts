// Events about pods, as the kubelet records them (Pulling, Started, Killing, BackOff,
// Unhealthy, Failed...), so `kubectl describe pod` tells the story. Fire and forget, bounded.
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { ApiClient } from "../../client/rest";
import { events } from "../../client/resources";
import type { Pod } from "../types";
import { rfc3339 } from "../../api/time";

const MAX_IN_FLIGHT = 20;
/** At most this many events a second on average, bursts up to EVENT_BURST (the kubelet's
 *  --event-qps/--event-burst idea): a burst of 100 pod starts must not flood the API server. */
const EVENT_QPS = 20;
const EVENT_BURST = 50;

export class EventRecorder {
  private inFlight = 0;
  private readonly recent = new Map<string, number>();
  private tokens = EVENT_BURST;
  private refilledAt = Date.now();

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly log: Logger,
  ) {}

  record(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void {
    // The same event for the same pod at most once per 10 s (the kubelet aggregates similarly).
    const dedupe = `${pod.metadata.uid}/${reason}/${message}`;
    const now = Date.now();
    if ((this.recent.get(dedupe) ?? 0) > now - 10_000) return;
    this.recent.set(dedupe, now);
    if (this.recent.size > 5000) this.recent.clear();
    this.tokens = Math.min(EVENT_BURST, this.tokens + ((now - this.refilledAt) / 1000) * EVENT_QPS);
    this.refilledAt = now;
    if (this.tokens < 1 || this.inFlight >= MAX_IN_FLIGHT) return;
    this.tokens--;
    this.inFlight++;
    const time = rfc3339();
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString("hex")}`, namespace: pod.metadata.namespace },
      involvedObject: {
        kind: "Pod",
        apiVersion: "v1",
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      },
      reason,
      message,
      type,
      source: { component: "kubelet", host: this.nodeName },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      reportingComponent: "kubelet",
      reportingInstance: this.nodeName,
    };
    this.client
      .create(events, pod.metadata.namespace, body)
      .catch((err: Error) => this.log.debug({ err: err.message }, "event not recorded"))
      .finally(() => this.inFlight--);
  }
}
