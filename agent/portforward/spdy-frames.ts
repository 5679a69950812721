// SPDY/3.1 frames as kubectl's port-forward (Go's moby/spdystream) sends and reads them: control
// frames (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE) and
// data frames, with name/value header blocks compressed by one zlib stream per direction primed
// with SPDY/3's dictionary. Pure encoding and decoding; the session (spdy-session.ts) runs them.
//
// Why not spdy-transport's connection (installed for this): its parser refuses every SYN_STREAM
// without ":method" and ":path" (port-forward streams carry only streamType, port and requestID),
// and it enforces SPDY/3.1 flow control, while spdystream never sends WINDOW_UPDATE: the server's
// sends would stall after the first 64 KiB. Its SPDY/3 dictionary is used from it as it is.
import dictionaries from "spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js";

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

export const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** RST_STREAM status codes (SPDY/3 2.6.3). */
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;

export type Frame =
  | { kind: "control"; type: number; flags: number; body: Buffer }
  | { kind: "data"; streamId: number; flags: number; data: Buffer };

/** The longest frame body accepted (SPDY's 24-bit length allows 16 MiB; spdystream sends far less). */
const MAX_FRAME_BODY = 0xffffff;

/** What the reader has seen so far: the highest stream id a SYN_STREAM opened. */
export interface ReadState {
  maxStreamId: number;
}

/**
 * Splits buf into whole frames; `rest` is the start of an incomplete one. A length over the
 * limit, or data for a stream no SYN_STREAM opened (an HTTP request sent by mistake looks like
 * that), is a protocol error (thrown) as soon as the frame's head is there, never a wait for
 * megabytes that will not come.
 */
export function readFrames(buf: Buffer, state: ReadState = { maxStreamId: Infinity }): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUIntBE(off + 5, 3);
    if (len > MAX_FRAME_BODY) throw new Error(`frame too long: ${len} bytes`);
    if (!(buf[off]! & 0x80)) {
      const streamId = buf.readUInt32BE(off) & 0x7fffffff;
      if (streamId === 0 || streamId > state.maxStreamId) throw new Error(`data for stream ${streamId}, which was never opened`);
    }
    if (buf.length - off < 8 + len) break;
    const flags = buf[off + 4]!;
    const body = buf.subarray(off + 8, off + 8 + len);
    if (buf[off]! & 0x80) {
      const version = buf.readUInt16BE(off) & 0x7fff;
      if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
      const type = buf.readUInt16BE(off + 2);
      if (type === FrameType.SynStream && body.length >= 4) state.maxStreamId = Math.max(state.maxStreamId, body.readUInt32BE(0) & 0x7fffffff);
      frames.push({ kind: "control", type, flags, body });
    } else {
      frames.push({ kind: "data", streamId: buf.readUInt32BE(off) & 0x7fffffff, flags, data: body });
    }
    off += 8 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

function controlFrame(type: FrameType, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([head, body]);
}

export function dataFrameHead(streamId: number, flags: number, length: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(length, 5, 3);
  return head;
}

export function synReplyFrame(streamId: number, compressedHeaders: Buffer, flags = 0): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff);
  return controlFrame(FrameType.SynReply, flags, Buffer.concat([id, compressedHeaders]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(streamId & 0x7fffffff, 0);
  body.writeUInt32BE(status, 4);
  return controlFrame(FrameType.RstStream, 0, body);
}

export function pingFrame(id: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(id >>> 0);
  return controlFrame(FrameType.Ping, 0, body);
}

export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  body.writeUInt32BE(status, 4);
  return controlFrame(FrameType.GoAway, 0, body);
}

/** A name/value block (SPDY/3 2.6.10), before compression: lower-case names, values joined by NUL. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const s of [name.toLowerCase(), value]) {
      const b = Buffer.from(s, "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

/** The decompressed name/value block as a map (several values of one name joined by ","). */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const need = (off: number, n: number) => {
    if (off + n > block.length) throw new Error("header block truncated");
  };
  need(0, 4);
  const count = block.readUInt32BE(0);
  let off = 4;
  const str = () => {
    need(off, 4);
    const len = block.readUInt32BE(off);
    off += 4;
    need(off, len);
    const s = block.toString("utf8", off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = str().toLowerCase();
    out.set(name, str().split("\0").join(","));
  }
  return out;
}

/** SPDY/3's zlib dictionary, as spdy-transport ships it. */
export function spdyDictionary(): Buffer {
  return dictionaries["3"]!;
}
