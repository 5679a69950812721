// Docker's framing of a stream without a TTY: each piece of output is an 8-byte header (stream
// type 1 stdout or 2 stderr, three zero bytes, the payload's length big-endian) and the payload.
// Chunks from the socket do not follow frame boundaries, so the parser keeps what is unfinished.
// agent/runtime/streams.ts's demuxBuffer reads a whole buffer at once; this one is incremental.

export class DockerDemuxer {
  private pending = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: 1 | 2, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const type = buf[0] === 2 ? 2 : 1; // 0 (stdin echo) and 1 are output
      if (size > 0) this.onFrame(type, buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.pending = Buffer.from(buf);
  }
}
