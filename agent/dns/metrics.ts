// The DNS server's metrics under CoreDNS's names (plugin/metrics and plugin/forward), so the
// dashboards and alerts written for CoreDNS read ours: requests by proto/family/type, responses by
// rcode, request duration, and forwarded requests by upstream and outcome.
import { Counter, Histogram, type Registry } from "prom-client";

/** CoreDNS keeps the type label to common types ("other" for the rest) to bound its cardinality. */
const TYPES = new Set(["A", "AAAA", "CNAME", "PTR", "SRV", "TXT", "SOA", "NS", "MX", "ANY", "HTTPS", "SVCB"]);
export const typeLabel = (qtype: string) => (TYPES.has(qtype) ? qtype : "other");

export class DnsMetrics {
  readonly requests: Counter<"server" | "zone" | "proto" | "family" | "type">;
  readonly responses: Counter<"server" | "zone" | "rcode">;
  readonly duration: Histogram<"server" | "zone" | "type">;
  readonly forwardRequests: Counter<"to">;
  readonly forwardResponses: Counter<"to" | "rcode">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: "coredns_dns_requests_total", help: "Counter of DNS requests made per zone, protocol and family.", labelNames: ["server", "zone", "proto", "family", "type"], registers });
    this.responses = new Counter({ name: "coredns_dns_responses_total", help: "Counter of response status codes.", labelNames: ["server", "zone", "rcode"], registers });
    this.duration = new Histogram({
      name: "coredns_dns_request_duration_seconds",
      help: "Histogram of the time (in seconds) each request took.",
      labelNames: ["server", "zone", "type"],
      // CoreDNS's buckets: 0.25 ms doubling to about 8 s.
      buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192],
      registers,
    });
    this.forwardRequests = new Counter({ name: "coredns_forward_requests_total", help: "Counter of requests made per upstream.", labelNames: ["to"], registers });
    this.forwardResponses = new Counter({ name: "coredns_forward_responses_total", help: "Counter of responses received per upstream (rcode, or timeout/error).", labelNames: ["to", "rcode"], registers });
  }

  observe(r: { server: string; zone: string; proto: string; family: string; qtype: string; rcode: string; seconds: number }): void {
    const type = typeLabel(r.qtype);
    this.requests.inc({ server: r.server, zone: r.zone, proto: r.proto, family: r.family, type });
    this.responses.inc({ server: r.server, zone: r.zone, rcode: r.rcode });
    this.duration.observe({ server: r.server, zone: r.zone, type }, r.seconds);
  }

  forwarded(to: string, outcome: string): void {
    this.forwardRequests.inc({ to });
    this.forwardResponses.inc({ to, rcode: outcome });
  }
}
