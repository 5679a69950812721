// The DNS transports: UDP and TCP (RFC 1035 4.2: two-byte length prefix, several queries per
// connection) on each listen address, the same port for both so a client that gets a truncated
// UDP answer retries over TCP where it asked. Bytes in, Responder, bytes out; a socket error or
// a bad packet never stops the server.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIP, type Server as TcpServer, type Socket } from "node:net";
import type { Logger } from "pino";
import type { DnsMetrics } from "./metrics";
import type { DnsReply, Responder } from "./responder";
import type { Proto } from "./upstream";

export interface ListenAddress {
  address: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
}

export interface DnsServerOptions {
  listen: ListenAddress[];
  responder: Responder;
  logger?: Logger;
  metrics?: DnsMetrics;
  /** A TCP connection idle this long is closed (RFC 7766 suggests seconds; CoreDNS uses 10 s). */
  tcpIdleMs?: number;
}

interface Listener {
  address: ListenAddress;
  udp: UdpSocket;
  tcp: TcpServer;
}

export class DnsServer {
  private readonly connections = new Set<Socket>();

  private constructor(
    private readonly opts: DnsServerOptions,
    private readonly listeners: Listener[],
  ) {}

  static async start(opts: DnsServerOptions): Promise<DnsServer> {
    const server = new DnsServer(opts, []);
    try {
      for (const a of opts.listen) server.listeners.push(await server.bind(a));
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** The addresses served, with the ports actually bound. */
  addresses(): ListenAddress[] {
    return this.listeners.map((l) => l.address);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await Promise.all(
      this.listeners.map(
        (l) =>
          new Promise<void>((done) => {
            l.udp.close(() => l.tcp.close(() => done()));
          }),
      ),
    );
  }

  private async bind(a: ListenAddress): Promise<Listener> {
    // With port 0, UDP picks the port and TCP must get the same one: retry if TCP's is taken.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(a);
      const port = udp.address().port;
      try {
        const tcp = await this.bindTcp({ address: a.address, port });
        return { address: { address: a.address, port }, udp, tcp };
      } catch (err) {
        udp.close();
        if (a.port !== 0 || attempt >= 10 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      }
    }
  }

  private bindUdp(a: ListenAddress): Promise<UdpSocket> {
    const udp = createSocket({ type: isIP(a.address) === 6 ? "udp6" : "udp4" });
    return new Promise((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(a.port, a.address, () => {
        udp.off("error", reject);
        udp.on("error", (err) => this.opts.logger?.warn({ err }, "dns udp socket error"));
        udp.on("message", (msg, rinfo) => {
          const started = process.hrtime.bigint();
          void this.opts.responder.answer(msg, "udp").then((reply) => {
            if (!reply) return;
            udp.send(reply.response, rinfo.port, rinfo.address, (err) => err && this.opts.logger?.debug({ err }, "dns udp send failed"));
            this.observe(reply, "udp", rinfo.family, started);
          });
        });
        resolve(udp);
      });
    });
  }

  private bindTcp(a: ListenAddress): Promise<TcpServer> {
    const tcp = createServer((conn) => this.serveConnection(conn));
    return new Promise((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen({ host: a.address, port: a.port }, () => {
        tcp.off("error", reject);
        tcp.on("error", (err) => this.opts.logger?.warn({ err }, "dns tcp server error"));
        resolve(tcp);
      });
    });
  }

  private serveConnection(conn: Socket): void {
    this.connections.add(conn);
    conn.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => conn.destroy());
    conn.on("close", () => this.connections.delete(conn));
    conn.on("error", () => conn.destroy());
    let buf: Buffer = Buffer.alloc(0);
    conn.on("data", (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const started = process.hrtime.bigint();
        void this.opts.responder.answer(Buffer.from(msg), "tcp").then((reply) => {
          if (!reply || conn.destroyed) return;
          const frame = Buffer.alloc(2 + reply.response.length);
          frame.writeUInt16BE(reply.response.length, 0);
          reply.response.copy(frame, 2);
          conn.write(frame);
          this.observe(reply, "tcp", conn.remoteFamily ?? "IPv4", started);
        });
      }
    });
  }

  private observe(reply: DnsReply, proto: Proto, family: string, started: bigint): void {
    if (!this.opts.metrics) return;
    const server = `dns://:${this.listeners[0]?.address.port ?? 53}`;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.opts.metrics.observe({ server, zone: reply.zone, proto, family: family === "IPv6" ? "2" : "1", qtype: reply.qtype, rcode: reply.rcode, seconds });
  }
}
