// The load balancer in front of the lab's API servers: Debian's HAProxy (scripts/ensure-haproxy.sh)
// with the configuration of Kubernetes' HA guide (kubeadm's ha-considerations: TCP mode, TLS
// passed through to the API servers, an HTTPS check of each server), checking /readyz every
// second so a dead server leaves the rotation within about two seconds, and a connection refused
// by one server retried on another (redispatch) so a client rarely notices a server's death.
// /readyz fails on a server whose etcd does not answer, which takes it out while others can serve;
// when none passes (etcd has lost its quorum) every server that accepts connections is used anyway,
// so clients get the servers' own 503 Status instead of a closed connection (as a GCE network
// load balancer spreads over all backends when none is healthy).
import { writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { startDetached, type LabProcess } from "../processes";

export const HAPROXY_BINARY = "/usr/sbin/haproxy";

export interface HaproxyOptions {
  /** Where kubectl connects: 127.0.0.1:<port>. */
  listen: string;
  /** Each API server: name and host:port. */
  servers: Array<{ name: string; address: string }>;
  /** The admin socket `lab status` reads each server's state from. */
  statsSocket: string;
}

/** The backend of every server that accepts connections, used only while none passes /readyz. */
const REACHABLE = "kube-apiservers-reachable";

export function haproxyConfig(o: HaproxyOptions): string {
  return [
    "# Written by kubelab lab up (infra/local/ha/haproxy.ts); rewritten at every start.",
    "global",
    "  log stdout format raw local0 notice",
    `  stats socket ${o.statsSocket} mode 600 level user`,
    "",
    "defaults",
    "  log global",
    "  mode tcp",
    "  option tcplog",
    "  option dontlognull",
    "  option redispatch",
    "  retries 2",
    "  timeout connect 2s",
    // Watches stay open: inactivity, not a request, ends a connection.
    "  timeout client 10m",
    "  timeout server 10m",
    "",
    "frontend kube-apiserver",
    `  bind ${o.listen}`,
    `  use_backend kube-apiservers if { nbsrv(kube-apiservers) gt 0 }`,
    `  default_backend ${REACHABLE}`,
    "",
    "backend kube-apiservers",
    "  balance roundrobin",
    "  option httpchk",
    "  http-check send meth GET uri /readyz",
    "  http-check expect status 200",
    "  default-server check check-ssl verify none inter 1s fall 2 rise 1",
    ...o.servers.map((s) => `  server ${s.name} ${s.address}`),
    "",
    `backend ${REACHABLE}`,
    "  balance roundrobin",
    // A plain TCP connect check: a server that is gone leaves this one too.
    "  default-server check inter 1s fall 2 rise 1",
    ...o.servers.map((s) => `  server ${s.name} ${s.address}`),
    "",
  ].join("\n");
}

/** Writes the configuration into dir and starts haproxy in the foreground (-db) as a lab process. */
export function startHaproxy(dir: string, logs: string, o: HaproxyOptions): LabProcess {
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig(o), { mode: 0o600 });
  return startDetached("haproxy", HAPROXY_BINARY, ["-db", "-f", cfg], join(logs, "haproxy.log"));
}

/** Each server's state as HAProxy sees it ("UP", "DOWN", ...), from the stats socket. */
export function haproxyServerStates(statsSocket: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(statsSocket);
    let text = "";
    sock.setTimeout(2000, () => sock.destroy(new Error("HAProxy's stats socket did not answer")));
    sock.on("connect", () => sock.write("show stat\n"));
    sock.on("data", (c: Buffer) => (text += c.toString()));
    sock.on("error", reject);
    sock.on("close", () => {
      const [header, ...rows] = text.split("\n").filter(Boolean);
      const cols = (header ?? "").replace(/^# /, "").split(",");
      const [px, sv, st] = ["pxname", "svname", "status"].map((n) => cols.indexOf(n));
      const out: Record<string, string> = {};
      for (const r of rows.map((l) => l.split(","))) {
        if (r[px!] === "kube-apiservers" && r[sv!] !== "BACKEND") out[r[sv!]!] = r[st!]!;
      }
      resolve(out);
    });
  });
}
