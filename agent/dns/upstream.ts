// Forwarding to the node's resolvers (CoreDNS's forward plugin's job): the query goes out with a
// fresh random id (so answers cannot be confused or spoofed by id), over the client's transport,
// to each upstream in turn until one answers within the timeout. The reply comes back with the
// client's id. No retry loop beyond the list: a client that got SERVFAIL asks again.
import { createSocket } from "node:dgram";
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { isIP } from "node:net";

export interface UpstreamServer {
  address: string;
  port: number;
}

export type Proto = "udp" | "tcp";

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;

/** The nameservers of a resolv.conf text (port 53), as the libc resolver reads them. */
export function nameserversOf(resolvConf: string): UpstreamServer[] {
  const out: UpstreamServer[] = [];
  for (const line of resolvConf.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === "nameserver" && value && isIP(value.split("%")[0]!)) out.push({ address: value.split("%")[0]!, port: 53 });
  }
  return out;
}

/** The node's resolvers (default upstreams): /etc/resolv.conf's nameservers. */
export function nodeNameservers(path = "/etc/resolv.conf"): UpstreamServer[] {
  try {
    return nameserversOf(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
}

export class UpstreamError extends Error {}

export interface ForwarderOptions {
  upstreams: UpstreamServer[];
  timeoutMs?: number;
  /** Told of every upstream exchange (for metrics): which server, and its rcode or "timeout"/"error". */
  onExchange?: (to: string, outcome: string) => void;
}

export class Forwarder {
  constructor(private readonly opts: ForwarderOptions) {}

  /** The upstream's reply to query (its id replaced by the query's), or UpstreamError. */
  async forward(query: Buffer, proto: Proto): Promise<Buffer> {
    if (this.opts.upstreams.length === 0) throw new UpstreamError("no upstream resolvers configured");
    const id = query.readUInt16BE(0);
    let last: unknown;
    for (const up of this.opts.upstreams) {
      const to = `${up.address}:${up.port}`;
      const ourId = randomInt(0, 0x10000);
      const out = Buffer.from(query);
      out.writeUInt16BE(ourId, 0);
      try {
        const reply = await (proto === "udp" ? exchangeUdp : exchangeTcp)(up, out, ourId, this.opts.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS);
        this.opts.onExchange?.(to, rcodeOf(reply));
        reply.writeUInt16BE(id, 0);
        return reply;
      } catch (err) {
        this.opts.onExchange?.(to, err instanceof TimeoutError ? "timeout" : "error");
        last = err;
      }
    }
    throw new UpstreamError(`no upstream answered: ${last instanceof Error ? last.message : String(last)}`);
  }
}

class TimeoutError extends Error {}

const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];
const rcodeOf = (reply: Buffer) => RCODES[reply[3]! & 0xf] ?? String(reply[3]! & 0xf);

/** A reply is ours when it is a response (QR) with our id. */
const isReplyTo = (msg: Buffer, id: number) => msg.length >= 12 && msg.readUInt16BE(0) === id && (msg[2]! & 0x80) !== 0;

function exchangeUdp(up: UpstreamServer, query: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(up.address) === 6 ? "udp6" : "udp4");
    const timer = setTimeout(() => done(new TimeoutError(`${up.address}:${up.port} did not answer in ${timeoutMs} ms`)), timeoutMs);
    let finished = false;
    const done = (err?: Error, reply?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on("error", (err) => done(err));
    socket.on("message", (msg, rinfo) => {
      if (rinfo.address === up.address && rinfo.port === up.port && isReplyTo(msg, id)) done(undefined, msg);
    });
    socket.send(query, up.port, up.address, (err) => err && done(err));
  });
}

function exchangeTcp(up: UpstreamServer, query: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: up.address, port: up.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new TimeoutError(`${up.address}:${up.port} did not answer over TCP in ${timeoutMs} ms`)), timeoutMs);
    let finished = false;
    const done = (err?: Error, reply?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on("error", (err) => done(err));
    socket.on("close", () => done(new UpstreamError(`${up.address}:${up.port} closed the connection`)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      if (isReplyTo(msg, id)) done(undefined, Buffer.from(msg));
      else done(new UpstreamError(`${up.address}:${up.port} answered another id`));
    });
    const frame = Buffer.alloc(2 + query.length);
    frame.writeUInt16BE(query.length, 0);
    query.copy(frame, 2);
    socket.write(frame);
  });
}
