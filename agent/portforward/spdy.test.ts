import { Duplex, PassThrough } from "node:stream";
import { constants, createDeflate, createInflate } from "node:zlib";
import { describe, expect, it } from "vitest";
import { eventually } from "../../test/fixtures/wait";
import { parsePort } from "./forward";
import { dataFrameHead, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, readFrames, spdyDictionary } from "./spdy-frames";
import { SpdySession, type SpdyStream } from "./spdy-session";

/** A connected pair of in-memory duplex streams: what one side writes, the other reads. */
function socketPair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const a = Duplex.from({ readable: bToA, writable: aToB });
  const b = Duplex.from({ readable: aToB, writable: bToA });
  // One side destroyed aborts the other's halves (a socket would just see the close).
  for (const s of [a, b, aToB, bToA]) s.on("error", () => {});
  return [a, b];
}

/** A client's SYN_STREAM, its header block through the client's own zlib stream. */
async function synStream(deflate: ReturnType<typeof createDeflate>, id: number, headers: Record<string, string>, flags = 0): Promise<Buffer> {
  const block = await new Promise<Buffer>((resolve) => {
    const out: Buffer[] = [];
    const onData = (c: Buffer) => out.push(c);
    deflate.on("data", onData);
    deflate.write(encodeHeaderBlock(headers));
    deflate.flush(constants.Z_SYNC_FLUSH, () => {
      deflate.off("data", onData);
      resolve(Buffer.concat(out));
    });
  });
  const body = Buffer.alloc(10);
  body.writeUInt32BE(id, 0);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(1, 2);
  head[4] = flags;
  head.writeUIntBE(body.length + block.length, 5, 3);
  return Buffer.concat([head, body, block]);
}

describe("SPDY/3.1 framing for port-forward", () => {
  it("round-trips a name/value block and lower-cases names", () => {
    const block = encodeHeaderBlock({ streamType: "data", port: "80", requestID: "0" });
    expect([...decodeHeaderBlock(block)]).toEqual([["streamtype", "data"], ["port", "80"], ["requestid", "0"]]);
  });

  it("splits frames, keeps an incomplete one for later, and refuses a wrong version", () => {
    const frame = Buffer.concat([dataFrameHead(1, FLAG_FIN, 3), Buffer.from("abc")]);
    const { frames, rest } = readFrames(Buffer.concat([frame, frame.subarray(0, 5)]));
    expect(frames).toEqual([{ kind: "data", streamId: 1, flags: FLAG_FIN, data: Buffer.from("abc") }]);
    expect(rest.length).toBe(5);
    const v2 = Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 0]);
    expect(() => readFrames(v2)).toThrow(/unsupported SPDY version 2/);
  });

  it("refuses a truncated header block with an error, not a crash", () => {
    expect(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 5, 0, 0]))).toThrow(/truncated/);
  });

  it("checks the port header as the kubelet does", () => {
    expect(parsePort("8080")).toBe(8080);
    expect(parsePort(undefined)).toBe("port header is required");
    expect(parsePort("0")).toBe('invalid port: "0"');
    expect(parsePort("http")).toBe('invalid port: "http"');
  });

  it("opens a client's stream with its headers, replies, and carries data both ways until FIN", async () => {
    const [server, client] = socketPair();
    const streams: SpdyStream[] = [];
    new SpdySession(server, (s) => {
      s.reply();
      streams.push(s);
      s.on("data", (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
      s.on("end", () => s.end());
    });
    const deflate = createDeflate({ dictionary: spdyDictionary() });
    const received: Buffer[] = [];
    client.on("data", (c: Buffer) => received.push(c));
    client.write(await synStream(deflate, 1, { streamType: "data", port: "80", requestID: "7" }));
    client.write(Buffer.concat([dataFrameHead(1, FLAG_FIN, 5), Buffer.from("hello")]));
    await eventually(() => streams.length === 1 && readFrames(Buffer.concat(received)).frames.length >= 3, 5000, "reply, data and FIN");
    expect(streams[0]!.headers.get("requestid")).toBe("7");
    const frames = readFrames(Buffer.concat(received)).frames;
    expect(frames[0]).toMatchObject({ kind: "control", type: 2 }); // SYN_REPLY first
    // The reply's header block decompresses with the dictionary (the client's zlib stream can read it).
    const inflate = createInflate({ dictionary: spdyDictionary() });
    const replyBlock = (frames[0] as { body: Buffer }).body.subarray(4);
    const replyHeaders = await new Promise<Buffer>((resolve) => {
      const out: Buffer[] = [];
      inflate.on("data", (c: Buffer) => out.push(c));
      inflate.write(replyBlock);
      inflate.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out)));
    });
    expect(decodeHeaderBlock(replyHeaders).size).toBe(0);
    const data = frames.filter((f) => f.kind === "data");
    expect(Buffer.concat(data.map((f) => (f as { data: Buffer }).data)).toString()).toBe("HELLO");
    expect(data.at(-1)!.flags & FLAG_FIN).toBe(FLAG_FIN);
    deflate.close();
    inflate.close();
  });

  it("ends the connection on garbage instead of throwing", async () => {
    const [server, client] = socketPair();
    new SpdySession(server, () => {});
    let closed = false;
    server.on("close", () => (closed = true));
    client.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    await eventually(() => closed, 5000, "the connection closed");
  });
});
