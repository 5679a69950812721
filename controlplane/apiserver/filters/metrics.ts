// The filters' metrics, with kube-apiserver's names: requests in flight by kind, requests the
// server terminated (429 from max-inflight, 504 from the timeout), and watchers it closed.
import { Counter, Gauge, type Registry } from "prom-client";

export type RequestKind = "readOnly" | "mutating" | "longRunning";

/** Why the server ended a watch (client-side closes are not counted). */
export type WatchTerminationReason = "SlowConsumer" | "Timeout" | "Expired" | "Error";

export interface FilterMetrics {
  inflight(kind: RequestKind, delta: 1 | -1): void;
  terminated(kind: RequestKind, verb: string, resource: string, code: number): void;
  watchTerminated(resource: string, reason: WatchTerminationReason): void;
}

const byRegistry = new WeakMap<Registry, FilterMetrics>();

/** The metrics on `registry`, created once per registry (every filter and watch of a server shares them). */
export function filterMetrics(registry: Registry): FilterMetrics {
  let m = byRegistry.get(registry);
  if (!m) byRegistry.set(registry, (m = create(registry)));
  return m;
}

function create(registry: Registry): FilterMetrics {
  const registers = [registry];
  // In-flight counts are plain numbers on the request path; the gauges read them when scraped.
  const counts: Record<RequestKind, number> = { readOnly: 0, mutating: 0, longRunning: 0 };
  new Gauge({
    name: "apiserver_current_inflight_requests",
    help: "Requests in flight by kind (readOnly, mutating) as max-inflight counts them",
    labelNames: ["request_kind"],
    registers,
    collect() {
      this.labels("readOnly").set(counts.readOnly);
      this.labels("mutating").set(counts.mutating);
    },
  });
  new Gauge({
    name: "apiserver_longrunning_requests",
    help: "Long-running requests (watch, log, exec, attach, port-forward) in flight",
    registers,
    collect() {
      this.set(counts.longRunning);
    },
  });
  const dropped = new Counter({ name: "apiserver_dropped_requests_total", help: "Requests refused with 429 by max-inflight, by kind", labelNames: ["request_kind"], registers });
  const terminations = new Counter({ name: "apiserver_request_terminations_total", help: "Requests the server answered itself instead of the handler (429 over limit, 504 timeout)", labelNames: ["verb", "resource", "code"], registers });
  const watchers = new Counter({ name: "apiserver_terminated_watchers_total", help: "Watches the server closed, by reason (SlowConsumer: its send buffer overflowed)", labelNames: ["resource", "reason"], registers });
  return {
    inflight: (kind, delta) => {
      counts[kind] += delta;
    },
    terminated: (kind, verb, resource, code) => {
      if (code === 429) dropped.labels(kind).inc();
      terminations.labels(verb, resource, String(code)).inc();
    },
    watchTerminated: (resource, reason) => watchers.labels(resource, reason).inc(),
  };
}

/** For servers started without a metrics registry. */
export const NO_METRICS: FilterMetrics = { inflight: () => {}, terminated: () => {}, watchTerminated: () => {} };
