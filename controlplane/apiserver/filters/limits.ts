// The API server's limits, with kube-apiserver's flag names and defaults where it has them.
// `kubelab server` sets them from its flags (controlplane/cmd.ts) before the server starts; an
// embedding (tests, benchmarks) may pass its own to startApiServer instead.

export interface ServerLimits {
  /** --max-requests-inflight: read-only requests at once, long-running ones not counted (kube: 400). */
  maxRequestsInflight: number;
  /** --max-mutating-requests-inflight: writes at once (kube: 200). */
  maxMutatingRequestsInflight: number;
  /**
   * --max-long-running-requests: watches, logs and (later) exec/attach/port-forward at once.
   * kube-apiserver has no such cap (its long-running requests skip max-inflight); kubelab's
   * watches each hold a store watcher, a socket and up to watchSendBufferBytes, so 1000 bounds
   * them while leaving ~10 per node for a 50-node lab plus every component's informers.
   */
  maxLongRunningRequests: number;
  /** --request-timeout: a non-long-running request answers 504 after this (kube: 1m0s). */
  requestTimeoutMs: number;
  /**
   * Reading a request's headers may take this long (kube-apiserver's ReadHeaderTimeout, 32 s,
   * "just shy of" its 34 s request timeout upper bound); the whole request (headers and body)
   * gets --request-timeout.
   */
  headerReadTimeoutMs: number;
  /**
   * --watch-send-buffer-bytes: what may wait for a slow watcher before its watch is closed (with
   * an ERROR event, so its client re-lists). kube-apiserver closes a watcher whose 100-event
   * channel stays full; 8 MiB is ~2,500 Pod events, more than a 1,000-replica rollout sends a
   * reader that keeps up at all.
   */
  watchSendBufferBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxRequestsInflight: 400,
  maxMutatingRequestsInflight: 200,
  maxLongRunningRequests: 1000,
  requestTimeoutMs: 60_000,
  headerReadTimeoutMs: 32_000,
  watchSendBufferBytes: 8 * 1024 * 1024,
});
