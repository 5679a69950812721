// The kubelet's port-forward stream handler (pkg/kubelet/cri/streaming/portforward/httpstream.go,
// by behaviour): the client opens two streams per connection it forwards, an error stream and a
// data stream, both with headers streamType, port and requestID. Once both are there the data
// stream is joined to a TCP connection to the pod's IP at that port (pods have real IPs here, so
// no network namespace has to be entered); a dial failure is written to the error stream, as the
// kubelet's "error forwarding port ..." message, and both streams end. The connection lives on.
import { connect } from "node:net";
import type { SpdySession, SpdyStream } from "./spdy-session";

/** How long the first stream of a pair waits for its partner (the kubelet's streamCreationTimeout). */
const PAIR_TIMEOUT_MS = 30_000;

export interface ForwardTarget {
  /** "namespace/name" for messages. */
  pod: string;
  uid: string;
  /** The address the pod's ports listen on (its IP, or the node's for hostNetwork). */
  ip: string;
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Handles every stream of one port-forward connection; returns the handler the session calls. */
export function portForwardStreams(target: ForwardTarget, dial = dialPod): (stream: SpdyStream) => void {
  const pairs = new Map<string, StreamPair>();
  return (stream) => {
    const type = stream.headers.get("streamtype");
    if (type !== "data" && type !== "error") {
      stream.reply();
      return void stream.destroy();
    }
    stream.reply();
    // Old clients sent no requestID: the data stream's partner is the error stream just before it.
    const requestID = stream.headers.get("requestid") ?? String(type === "error" ? stream.id : stream.id - 2);
    let pair = pairs.get(requestID);
    if (!pair) {
      pair = { timer: setTimeout(() => expire(requestID), PAIR_TIMEOUT_MS) };
      pairs.set(requestID, pair);
    }
    if (pair[type]) {
      // A second stream of the same type for one request: a client bug; refuse this one.
      return void stream.destroy();
    }
    pair[type] = stream;
    stream.on("error", () => stream.destroy());
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestID);
      dial(target, pair.data.headers.get("port"), pair.data, pair.error);
    }
  };

  function expire(requestID: string): void {
    const pair = pairs.get(requestID);
    pairs.delete(requestID);
    if (!pair) return;
    if (pair.error) pair.error.end(`timed out waiting for the data stream of request ${requestID}`);
    pair.data?.destroy();
  }
}

/** The port header as the kubelet checks it: a number from 1 to 65535. */
export function parsePort(raw: string | undefined): number | string {
  if (raw === undefined || raw === "") return "port header is required";
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 65535)) return `invalid port: ${JSON.stringify(raw)}`;
  return n;
}

/** Joins the data stream to the pod's port; a failure goes to the error stream. */
export function dialPod(target: ForwardTarget, portHeader: string | undefined, data: SpdyStream, error: SpdyStream): void {
  const port = parsePort(portHeader);
  const fail = (why: string) => {
    error.end(`error forwarding port ${portHeader ?? ""} to pod ${target.pod}, uid ${target.uid}: ${why}`);
    data.end();
  };
  if (typeof port === "string") return fail(port);
  const conn = connect({ host: target.ip, port });
  conn.setNoDelay(true);
  let connected = false;
  conn.once("connect", () => {
    connected = true;
    data.pipe(conn);
    conn.pipe(data);
  });
  conn.on("error", (e: NodeJS.ErrnoException) => {
    if (!connected) return fail(`dial tcp ${target.ip}:${port}: ${e.code === "ECONNREFUSED" ? "connect: connection refused" : e.message}`);
    data.destroy();
  });
  conn.on("close", () => {
    if (!connected) return;
    error.end();
    if (!data.writableEnded) data.end();
  });
  // The client closed or reset its side: the pod's connection goes too.
  data.on("close", () => conn.destroy());
  error.on("data", () => {
    // kubectl never writes on the error stream; read it so that it can end.
  });
}

export type { SpdySession };
