// For the DNS tests: object builders (Services, Endpoints, Pods as the API server stores them),
// an upstream resolver of our own on loopback, and an in-memory Watched.
import * as dnsPacket from "dns-packet";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import type { EventHandlers } from "../../client";
import type { Watched } from "./index";
import type { Endpoints, Pod, Service, ServicePort } from "../../api/core";

export function service(ns: string, name: string, spec: Partial<Service["spec"]> & { ports?: ServicePort[] }, annotations?: Record<string, string>): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name, ...(annotations ? { annotations } : {}) }, spec: { type: "ClusterIP", ...spec } };
}

export interface Addr {
  ip: string;
  hostname?: string;
  pod?: string;
}

export function endpoints(ns: string, name: string, ready: Addr[], notReady: Addr[] = [], ports: Array<{ name?: string; port: number; protocol?: string }> = []): Endpoints {
  const addr = (a: Addr) => ({
    ip: a.ip,
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.pod ? { targetRef: { kind: "Pod", namespace: ns, name: a.pod } } : {}),
  });
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { namespace: ns, name },
    subsets: [{ ...(ready.length ? { addresses: ready.map(addr) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map(addr) } : {}), ...(ports.length ? { ports } : {}) }],
  };
}

export function pod(ns: string, name: string, spec: { hostname?: string; subdomain?: string; ip?: string } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: ns, name },
    spec: { containers: [{ name: "c", image: "kubelab/busybox" }], ...(spec.hostname ? { hostname: spec.hostname } : {}), ...(spec.subdomain ? { subdomain: spec.subdomain } : {}) },
    ...(spec.ip ? { status: { podIP: spec.ip } } : {}),
  } as Pod;
}

// An upstream resolver of our own on loopback (the tests never query anything else): answers the
// names it is given, stays silent for "silent." names (to test the timeout), NXDOMAIN otherwise.
export interface FakeUpstream {
  port: number;
  queries: string[];
  close(): Promise<void>;
}

export async function startFakeUpstream(a: Record<string, string[]>): Promise<FakeUpstream> {
  const queries: string[] = [];
  const reply = (msg: Buffer): Buffer | undefined => {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = q.questions![0]!;
    queries.push(`${question.name} ${question.type}`);
    if (question.name.startsWith("silent.")) return undefined;
    const ips = question.type === "A" ? a[question.name.toLowerCase()] : undefined;
    const known = a[question.name.toLowerCase()] !== undefined;
    return dnsPacket.encode({
      id: q.id,
      type: "response",
      flags: dnsPacket.RECURSION_AVAILABLE | (q.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | (known ? 0 : 3),
      questions: q.questions,
      answers: (ips ?? []).map((ip) => ({ type: "A" as const, name: question.name, ttl: 60, data: ip })),
    });
  };
  // UDP picks the port, TCP must get the same one: another process may hold it for TCP, so retry.
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket("udp4");
    udp.on("message", (msg, rinfo) => {
      const r = reply(msg);
      if (r) udp.send(r, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const port = udp.address().port;
    const tcp = createServer((c) =>
      c.on("data", (d) => {
        const r = reply(d.subarray(2));
        if (!r) return;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(r.length);
        c.write(Buffer.concat([len, r]));
      }),
    );
    const listening = await new Promise<boolean>((r) => {
      tcp.once("error", () => r(false));
      tcp.listen(port, "127.0.0.1", () => r(true));
    });
    if (!listening) {
      udp.close();
      if (attempt < 20) continue;
      throw new Error("no port free for both UDP and TCP");
    }
    return { port, queries, close: () => new Promise<void>((r) => udp.close(() => tcp.close(() => r()))) };
  }
}

/** An in-memory Watched (what an Informer offers) for tests of the server without an API server. */
export class MemoryWatched<T extends { metadata: { namespace?: string; name?: string } }> implements Watched<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers = new Set<EventHandlers<T>>();
  synced = true;

  constructor(items: T[] = []) {
    for (const i of items) this.items.set(this.key(i), i);
  }
  private key(i: T): string {
    return `${i.metadata.namespace}/${i.metadata.name}`;
  }
  set(i: T): void {
    const old = this.items.get(this.key(i));
    this.items.set(this.key(i), i);
    for (const h of this.handlers) (old ? h.onUpdate?.(old, i) : h.onAdd?.(i));
  }
  list(): T[] {
    return [...this.items.values()];
  }
  get(key: string): T | undefined {
    return this.items.get(key);
  }
  addEventHandler(h: EventHandlers<T>): () => void {
    this.handlers.add(h);
    return () => void this.handlers.delete(h);
  }
  hasSynced(): boolean {
    return this.synced;
  }
}
