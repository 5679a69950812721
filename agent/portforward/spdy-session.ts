// The server side of one SPDY/3.1 connection, as the kubelet's (spdystream) is: the client opens
// streams (SYN_STREAM with its headers), the server replies to each and both send data until FIN
// or RST. Like spdystream there is no SPDY flow control: TCP's is the only one (a stream whose
// reader lags pauses the whole connection). Each stream is a Node Duplex.
import { Duplex } from "node:stream";
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from "node:zlib";
import {
  dataFrameHead,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameType,
  pingFrame,
  readFrames,
  RST_CANCEL,
  RST_PROTOCOL_ERROR,
  rstStreamFrame,
  spdyDictionary,
  synReplyFrame,
  type Frame,
} from "./spdy-frames";

/** Data frames go out in pieces of at most this size (Go's io.Copy reads 32 KiB at a time). */
const MAX_DATA_FRAME = 64 * 1024;

export class SpdyStream extends Duplex {
  /** Set once both sides have sent FIN (or the stream was reset): nothing more to send or receive. */
  private remoteDone = false;
  private localDone = false;

  constructor(
    readonly id: number,
    readonly headers: ReadonlyMap<string, string>,
    private readonly session: SpdySession,
  ) {
    super({ allowHalfOpen: true });
  }

  /** SYN_REPLY: the client's CreateStream waits for it. */
  reply(): void {
    this.session.reply(this.id);
  }

  /** Data from the client (session only). */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteDone) return;
    if (data.length && !this.push(data)) this.session.pauseReading(this);
    if (fin) {
      this.remoteDone = true;
      this.push(null);
      this.forgetIfDone();
    }
  }

  /** The client reset the stream (or the connection went): no RST goes back. */
  remoteReset(): void {
    this.remoteDone = true;
    this.localDone = true;
    this.destroy();
  }

  override _read(): void {
    this.session.resumeReading(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.session.sendData(this.id, Buffer.alloc(0), true, (err) => {
      this.localDone = true;
      this.forgetIfDone();
      cb(err);
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!(this.remoteDone && this.localDone)) this.session.reset(this.id, RST_CANCEL);
    this.remoteDone = this.localDone = true;
    this.session.forget(this.id);
    cb(err);
  }

  private forgetIfDone(): void {
    if (this.remoteDone && this.localDone) this.session.forget(this.id);
  }
}

export class SpdySession {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly paused = new Set<SpdyStream>();
  private readonly inflate: Inflate;
  private readonly deflate: Deflate;
  private pending: Buffer = Buffer.alloc(0);
  private readonly readState = { maxStreamId: 0 };
  /** Frames are handled in order; header blocks decompress asynchronously, so in a chain. */
  private incoming: Promise<void> = Promise.resolve();
  private outgoing: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  /** SYN_REPLYs still being compressed: data waits behind them. */
  private replying = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly onStream: (stream: SpdyStream) => void,
  ) {
    const dictionary = spdyDictionary();
    this.inflate = createInflate({ dictionary });
    this.deflate = createDeflate({ dictionary });
    this.inflate.on("error", (e) => this.fail(e));
    this.deflate.on("error", (e) => this.fail(e));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      for (const s of [...this.streams.values()]) s.remoteReset();
      this.inflate.close();
      this.deflate.close();
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      ({ frames, rest: this.pending } = readFrames(this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk, this.readState));
    } catch (e) {
      return this.fail(e as Error);
    }
    if (frames.length) this.incoming = this.incoming.then(() => this.handleAll(frames)).catch((e: Error) => this.fail(e));
  }

  private async handleAll(frames: Frame[]): Promise<void> {
    for (const f of frames) {
      if (f.kind === "data") this.streams.get(f.streamId)?.receive(f.data, (f.flags & FLAG_FIN) !== 0);
      else await this.handleControl(f.type, f.flags, f.body);
    }
  }

  private async handleControl(type: number, flags: number, body: Buffer): Promise<void> {
    switch (type) {
      case FrameType.SynStream: {
        if (body.length < 10) throw new Error("SYN_STREAM too short");
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflateBlock(body.subarray(10)));
        if (id % 2 === 0 || id <= this.lastStreamId) return this.reset(id, RST_PROTOCOL_ERROR);
        this.lastStreamId = id;
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        this.onStream(stream);
        if (flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
        return;
      }
      case FrameType.Headers:
        // Decompressed only to keep the header zlib stream in step; port-forward sends none.
        if (body.length > 4) await this.inflateBlock(body.subarray(4));
        return;
      case FrameType.RstStream:
        if (body.length >= 4) this.streams.get(body.readUInt32BE(0) & 0x7fffffff)?.remoteReset();
        return;
      case FrameType.Ping:
        // The client's pings have odd ids; answer them (kubectl pings to keep the connection alive).
        if (body.length >= 4 && body.readUInt32BE(0) % 2 === 1) this.socket.write(pingFrame(body.readUInt32BE(0)));
        return;
      case FrameType.GoAway:
        // No new streams will come; the client closes the connection when its streams are done.
        return;
      default:
        // SETTINGS, WINDOW_UPDATE (no flow control here), SYN_REPLY to streams we never open.
        return;
    }
  }

  private inflateBlock(block: Buffer): Promise<Buffer> {
    return zlibBlock(this.inflate, block);
  }

  reply(id: number): void {
    this.replying++;
    this.outgoing = this.outgoing
      .then(async () => {
        const headers = await zlibBlock(this.deflate, encodeHeaderBlock({}));
        if (!this.socket.destroyed) this.socket.write(synReplyFrame(id, headers));
      })
      .catch((e: Error) => this.fail(e))
      .finally(() => this.replying--);
  }

  /** Data on a stream, in frames; cb once the socket has taken it (TCP's back-pressure). */
  sendData(id: number, data: Buffer, fin: boolean, cb: (err?: Error | null) => void): void {
    // A reply still being compressed goes first: the client drops data for a stream it has no reply for.
    if (this.replying > 0) return void this.outgoing.then(() => this.writeData(id, data, fin, cb));
    this.writeData(id, data, fin, cb);
  }

  private writeData(id: number, data: Buffer, fin: boolean, cb: (err?: Error | null) => void): void {
    if (this.socket.destroyed) return cb(new Error("connection closed"));
    let ok = true;
    for (let off = 0; ; off += MAX_DATA_FRAME) {
      const piece = data.subarray(off, off + MAX_DATA_FRAME);
      const last = off + MAX_DATA_FRAME >= data.length;
      // Head and data in one write: one syscall per frame.
      ok = this.socket.write(Buffer.concat([dataFrameHead(id, fin && last ? FLAG_FIN : 0, piece.length), piece]));
      if (last) break;
    }
    if (ok) cb();
    else this.socket.once("drain", () => cb());
  }

  reset(id: number, status: number): void {
    if (!this.socket.destroyed) this.socket.write(rstStreamFrame(id, status));
  }

  forget(id: number): void {
    const s = this.streams.get(id);
    if (s) this.paused.delete(s);
    this.streams.delete(id);
  }

  pauseReading(stream: SpdyStream): void {
    this.paused.add(stream);
    this.socket.pause();
  }

  resumeReading(stream: SpdyStream): void {
    if (!this.paused.delete(stream)) return;
    if (this.paused.size === 0) this.socket.resume();
  }

  /** A protocol error: the connection ends (kubectl reports the lost connection). */
  private fail(_err: Error): void {
    this.socket.destroy();
  }
}

/** One header block through a connection's zlib stream, flushed so that it stands alone. */
function zlibBlock(z: Inflate | Deflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    const onError = (e: Error) => {
      z.off("data", onData);
      reject(e);
    };
    z.on("data", onData);
    z.once("error", onError);
    z.write(block);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off("data", onData);
      z.off("error", onError);
      resolve(Buffer.concat(chunks));
    });
  });
}
