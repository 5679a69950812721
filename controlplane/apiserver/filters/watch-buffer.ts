// One watch's side of the socket. write() hands a line to the socket while it takes them; once
// the socket says "enough" (res.write returned false) lines wait here until it drains. When what
// waits (here and in the socket's own buffer) passes `limit` (counted in UTF-16 units, which is bytes
// for the ASCII JSON of nearly every object), onOverflow runs once: the
// watcher is too slow, and the caller ends the watch. After end(), a connection that still has
// not taken its last bytes within CUT_AFTER_MS is destroyed, so a client that never reads holds
// no memory beyond the limit for long.
import type { ServerResponse } from "node:http";

export const CUT_AFTER_MS = 5_000;

export class WatchStream {
  private pending: string[] = [];
  private pendingBytes = 0;
  private blocked = false;
  private overflowed = false;
  private ended = false;
  private waiters: Array<(more: boolean) => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly limit: number,
    private readonly onOverflow: (bufferedBytes: number) => void,
  ) {
    res.on("drain", () => this.flush());
    res.on("close", () => this.wake(false));
  }

  /** Queue or send one line; false when the caller should wait (drained()) before the next. */
  write(line: string): boolean {
    if (this.ended || this.res.destroyed) return false;
    if (!this.blocked) {
      this.blocked = !this.res.write(line);
      return !this.blocked;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    const buffered = this.pendingBytes + this.res.writableLength;
    if (buffered > this.limit && !this.overflowed) {
      this.overflowed = true;
      this.pending = [];
      this.pendingBytes = 0;
      this.onOverflow(buffered);
    }
    return false;
  }

  /** Resolves true once the socket takes more, false when the connection is gone or the stream ended. */
  drained(): Promise<boolean> {
    if (!this.blocked || this.ended || this.res.destroyed) return Promise.resolve(!this.ended && !this.res.destroyed);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * The last line (an ERROR event) goes ahead of anything still waiting; then end, and close the
   * connection once those bytes are out (the client is not kept on a keep-alive it reads slowly).
   */
  terminate(line: string): void {
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.res.destroyed && !this.res.writableEnded) this.res.write(line);
    const socket = this.res.socket; // Node detaches it from the response on finish
    this.res.once("finish", () => socket?.end());
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake(false);
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.blocked) {
      this.res.end();
      return;
    }
    this.flush();
    this.res.end();
    const cut = setTimeout(() => this.res.destroy(), CUT_AFTER_MS);
    cut.unref();
    this.res.once("finish", () => clearTimeout(cut));
    this.res.once("close", () => clearTimeout(cut));
  }

  private flush(): void {
    this.blocked = false;
    while (this.pending.length > 0 && !this.blocked) {
      const line = this.pending.shift()!;
      this.pendingBytes -= line.length;
      this.blocked = !this.res.write(line);
    }
    if (!this.blocked) this.wake(!this.ended);
  }

  private wake(more: boolean): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(more);
  }
}
