// One exec or attach session: a client's WebSocket (protocol.ts) joined to Docker's hijacked
// stream of the process. The contract:
// - stdin messages go to the process as they come (the socket is paused while Docker is slow);
//   v5's close of stdin half-closes Docker's stream, so `cat` sees end of input;
// - output goes out on stdout and stderr apart (Docker's framing undone, demux.ts), or as it is
//   with a TTY; Docker is paused while the client is slow;
// - resize messages reach the TTY;
// - when the process's stream ends, what was sent is flushed, the outcome goes on the error
//   channel and the WebSocket closes normally (kubectl reads the exit code from there);
// - when the client goes away first, Docker's stream is closed; nothing throws.
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { DockerDemuxer } from "./demux";
import { CLOSE, ERROR, frame, outcomeMessage, parseResize, RESIZE, STDERR, STDIN, STDOUT, type Outcome, type Protocol, type TerminalSize } from "./protocol";

/** The process side of a session (a docker exec or attach). */
export interface SessionTarget {
  stream: Duplex;
  tty: boolean;
  stdin: boolean;
  resize(size: TerminalSize): Promise<void>;
  /** How it ended, once its stream has ended. */
  outcome(): Promise<Outcome>;
}

/** Docker is paused while this much output waits to go out to the client. */
const HIGH_WATER = 1 << 20;

export function runSession(ws: WebSocket, protocol: Protocol, t: SessionTarget, log?: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    let pending = 0;
    let finished = false;
    const sent = (n: number) => () => {
      pending -= n;
      if (pending < HIGH_WATER && t.stream.isPaused()) t.stream.resume();
    };
    const send = (channel: number, data: Buffer) => {
      if (ws.readyState !== ws.OPEN || data.length === 0) return;
      const msg = frame(channel, data);
      pending += msg.length;
      ws.send(msg, { binary: true }, sent(msg.length));
      if (pending >= HIGH_WATER) t.stream.pause();
    };
    const demux = new DockerDemuxer((type, payload) => send(type === 2 ? STDERR : STDOUT, payload));
    t.stream.on("data", (chunk: Buffer) => (t.tty ? send(STDOUT, chunk) : demux.push(chunk)));

    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === STDIN && t.stdin) {
        if (!t.stream.write(body)) {
          ws.pause();
          t.stream.once("drain", () => ws.resume());
        }
      } else if (channel === RESIZE && t.tty) {
        const size = parseResize(body);
        if (size) t.resize(size).catch((err: Error) => log?.debug({ err: err.message }, "resize failed"));
      } else if (channel === CLOSE && body[0] === STDIN && t.stdin) {
        t.stream.end();
      }
    });

    const finish = async () => {
      if (finished) return;
      finished = true;
      let outcome: Outcome;
      try {
        outcome = await t.outcome();
      } catch (err) {
        outcome = { error: (err as Error).message };
      }
      const msg = outcomeMessage(protocol, outcome);
      if (msg) send(ERROR, msg);
      if (ws.readyState === ws.OPEN) ws.close(1000);
      resolve();
    };
    t.stream.once("end", () => void finish());
    t.stream.once("close", () => void finish());
    t.stream.on("error", (err: Error) => {
      log?.debug({ err: err.message }, "docker stream error");
      void finish();
    });
    ws.on("error", () => t.stream.destroy());
    ws.once("close", () => {
      if (!finished) t.stream.destroy();
      resolve();
    });
  });
}
