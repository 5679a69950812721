// The userspace NodePort proxy (kube-proxy's old userspace mode), the fallback of the kernel
// proxy (agent/netfilter): for every NodePort or LoadBalancer Service port it listens on
// <node address>:<nodePort> and forwards each TCP connection to a ready endpoint (pod IP + target
// port), round robin. Listeners follow the Services: opened when a port appears, closed when it
// goes. While the kernel serves a node address's NodePorts (setKernelServesNodePorts), the
// proxies of that address keep no listeners; when the kernel rules cannot be written they reopen.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import type { Endpoints, Service, ServicePort } from "../api/core";

interface Listener {
  nodePort: number;
  serviceKey: string;
  port: ServicePort;
  server?: Server;
  next: number;
  connections: Set<Socket>;
}

function key(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;
}

/** Node addresses whose NodePorts nftables serves now, and the userspace proxies per address. */
const kernelServed = new Set<string>();
const proxies = new Set<ServiceProxy>();

/** The kernel proxy of `address` is (or is no longer) in place: its userspace listeners close (reopen). */
export function setKernelServesNodePorts(address: string, on: boolean): void {
  if (kernelServed.has(address) === on) return;
  if (on) kernelServed.add(address);
  else kernelServed.delete(address);
  for (const p of proxies) p.kernelChanged(address);
}

export class ServiceProxy {
  private readonly services = new Map<string, Service>();
  private readonly endpoints = new Map<string, Endpoints>();
  private readonly listeners = new Map<number, Listener>();
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly address: string,
    private readonly log: Logger,
  ) {
    proxies.add(this);
  }

  /** The kernel took over (or gave back) this address's NodePorts. */
  kernelChanged(address: string): void {
    if (address === this.address) this.sync();
  }

  replaceServices(items: Service[]): void {
    this.services.clear();
    for (const s of items) this.services.set(key(s), s);
    this.sync();
  }
  upsertService(s: Service): void {
    this.services.set(key(s), s);
    this.sync();
  }
  removeService(s: Service): void {
    this.services.delete(key(s));
    this.sync();
  }
  replaceEndpoints(items: Endpoints[]): void {
    this.endpoints.clear();
    for (const e of items) this.endpoints.set(key(e), e);
  }
  upsertEndpoints(e: Endpoints): void {
    this.endpoints.set(key(e), e);
  }
  removeEndpoints(e: Endpoints): void {
    this.endpoints.delete(key(e));
  }

  /** The ready backends of one service port: "ip:port". */
  backends(serviceKey: string, port: ServicePort): string[] {
    const ep = this.endpoints.get(serviceKey);
    const result: string[] = [];
    for (const subset of ep?.subsets ?? []) {
      const match = (subset.ports ?? []).find((p) => (p.name ?? "") === (port.name ?? "")) ?? (subset.ports?.length === 1 ? subset.ports[0] : undefined);
      if (!match) continue;
      for (const addr of subset.addresses ?? []) result.push(`${addr.ip}:${match.port}`);
    }
    return result;
  }

  listening(): number[] {
    return [...this.listeners.values()].filter((l) => l.server?.listening).map((l) => l.nodePort);
  }

  private sync(): void {
    if (this.stopped) return;
    const wanted = new Map<number, { serviceKey: string; port: ServicePort }>();
    for (const [k, svc] of kernelServed.has(this.address) ? [] : this.services) {
      const type = svc.spec?.type ?? "ClusterIP";
      if (type !== "NodePort" && type !== "LoadBalancer") continue;
      for (const port of svc.spec?.ports ?? []) {
        if (!port.nodePort || (port.protocol ?? "TCP") !== "TCP") continue;
        wanted.set(port.nodePort, { serviceKey: k, port });
      }
    }
    for (const [nodePort, listener] of this.listeners) {
      const want = wanted.get(nodePort);
      if (want && want.serviceKey === listener.serviceKey) {
        listener.port = want.port;
        continue;
      }
      this.close(listener);
      this.listeners.delete(nodePort);
    }
    for (const [nodePort, want] of wanted) {
      if (this.listeners.has(nodePort)) continue;
      const listener: Listener = { nodePort, ...want, next: 0, connections: new Set() };
      this.listeners.set(nodePort, listener);
      this.open(listener);
    }
  }

  private open(listener: Listener): void {
    const server = createServer((client) => this.forward(listener, client));
    listener.server = server;
    server.on("error", (err) => {
      this.log.warn({ nodePort: listener.nodePort, service: listener.serviceKey, err: err.message }, "cannot listen on node port; retrying");
      listener.server = undefined;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        for (const l of this.listeners.values()) if (!l.server) this.open(l);
      }, 5000);
      this.retryTimer.unref?.();
    });
    try {
      server.listen(listener.nodePort, this.address, () => {
        this.log.info({ nodePort: listener.nodePort, service: listener.serviceKey, address: this.address }, "node port open");
      });
    } catch (err) {
      // A port Node refuses outright (out of range): log it; the Service stays without a listener.
      listener.server = undefined;
      this.log.warn({ nodePort: listener.nodePort, service: listener.serviceKey, err: (err as Error).message }, "cannot listen on node port");
    }
  }

  private close(listener: Listener): void {
    listener.server?.close();
    for (const c of listener.connections) c.destroy();
    this.log.info({ nodePort: listener.nodePort, service: listener.serviceKey }, "node port closed");
  }

  /** One client connection to one backend. Whatever either side does (reset, garbage, a dead or
   *  nonsensical backend) ends only this connection, never the proxy. */
  private forward(listener: Listener, client: Socket): void {
    client.on("error", () => client.destroy());
    const backends = this.backends(listener.serviceKey, listener.port);
    if (backends.length === 0) {
      client.destroy();
      return;
    }
    const target = backends[listener.next++ % backends.length]!;
    const host = target.slice(0, target.lastIndexOf(":"));
    const port = Number(target.slice(target.lastIndexOf(":") + 1));
    let upstream: Socket;
    try {
      upstream = connect({ host, port });
    } catch (err) {
      // connect() throws at once for a port out of range.
      this.log.warn({ nodePort: listener.nodePort, service: listener.serviceKey, backend: target, err: (err as Error).message }, "bad backend");
      client.destroy();
      return;
    }
    listener.connections.add(client);
    const done = (): void => {
      listener.connections.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", done);
    upstream.on("error", done);
    client.on("close", done);
    upstream.on("close", done);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  stop(): void {
    this.stopped = true;
    proxies.delete(this);
    clearTimeout(this.retryTimer);
    for (const l of this.listeners.values()) this.close(l);
    this.listeners.clear();
  }
}
