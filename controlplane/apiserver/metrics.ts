// The API server's own metrics, Kubernetes' names: apiserver_request_total{verb,resource,code}
// and apiserver_request_duration_seconds{verb,resource} (watches are counted, not timed).
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface RequestMetrics {
  record(verb: string, resource: string, code: number, seconds: number): void;
}

/** Registers the request metrics on `registry`. */
/**
 * apiserver_request_total and _duration_seconds. `served` says whether a resource name is one the
 * server serves: any other name (a typo, a fuzzer) is counted under resource "unknown", so the
 * URL cannot grow the number of series without bound.
 */
export function requestMetrics(registry: Registry, served: (resource: string) => boolean = () => true): RequestMetrics {
  const requests = new Counter({ name: "apiserver_request_total", help: "API requests by verb, resource and code", labelNames: ["verb", "resource", "code"], registers: [registry] });
  const latency = new Histogram({ name: "apiserver_request_duration_seconds", help: "API request latency (watches excluded)", labelNames: ["verb", "resource"], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [registry] });
  // Label children are looked up once per label combination, not hashed on every request.
  const counters = new Map<string, { inc(): void }>();
  const observers = new Map<string, { observe(v: number): void }>();
  return {
    record(verb, given, code, seconds) {
      const resource = given === "" || served(given) ? given : "unknown";
      const ck = `${verb} ${resource} ${code}`;
      let counter = counters.get(ck);
      if (!counter) counters.set(ck, (counter = requests.labels(verb, resource, String(code))));
      counter.inc();
      if (verb === "WATCH") return;
      const lk = `${verb} ${resource}`;
      let observer = observers.get(lk);
      if (!observer) observers.set(lk, (observer = latency.labels(verb, resource)));
      observer.observe(seconds);
    },
  };
}

/** A registry of the API server's own, with Node's default process metrics in it. */
export function ownMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
