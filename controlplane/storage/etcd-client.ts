// The etcd3 client as the store uses it: several endpoints, TLS from files, and fault handling
// tuned for an API server. etcd3's defaults open a host's circuit for 5 s after three failures
// of any kind, deadline exceeded included: a server woken from SIGSTOP finds every call it had
// in flight past its deadline, trips the breaker of its only host and answers 500 for 5 s with
// nothing wrong in etcd. Here only a host that refuses connections (Unavailable) trips its
// breaker, for 1 s, and only when another host can take the call; a call is retried on another
// host only after Unavailable (the request most likely never reached etcd), never after a deadline.
import { readFileSync } from "node:fs";
import { circuitBreaker, ConsecutiveBreaker, ConstantBackoff, handleWhen, noop, retry } from "cockatiel";
import { Etcd3, GRPCUnavailableError, type IOptions } from "etcd3";
import { credentials, Metadata, type CallCredentials } from "@grpc/grpc-js";

import { etcdClientProblem, type EtcdClientOptions } from "./etcd-options";

export type { EtcdClientOptions, EtcdTLSFiles } from "./etcd-options";

/** The member could not be reached (not: it answered "etcdserver: no leader", also Unavailable). */
const unreachable = (err: Error) => err instanceof GRPCUnavailableError && !err.message.includes("etcdserver:");
const unavailable = handleWhen(unreachable);

export function etcdClient(opts: EtcdClientOptions): Etcd3 {
  const problem = etcdClientProblem(opts);
  if (problem) throw new Error(problem);
  const several = opts.endpoints.length > 1;
  const options: IOptions = {
    hosts: opts.endpoints,
    // A member that stops answering (not refusing) is found out by keepalive, not by the next call's deadline.
    grpcOptions: { "grpc.keepalive_time_ms": 10_000, "grpc.keepalive_timeout_ms": 5_000 },
    dialTimeout: 3_000,
    faultHandling: {
      host: () => (several ? circuitBreaker(unavailable, { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }) : noop),
      global: retry(unavailable, { maxAttempts: several ? opts.endpoints.length : 1, backoff: new ConstantBackoff(50) }),
    },
  };
  const t = opts.tls;
  if (t?.caFile) {
    options.credentials = {
      rootCertificate: readFileSync(t.caFile),
      ...(t.certFile && t.keyFile ? { certChain: readFileSync(t.certFile), privateKey: readFileSync(t.keyFile) } : {}),
    };
  }
  return new Etcd3(options);
}

/**
 * clientv3's WithRequireLeader: a member that has lost its leader (no quorum) answers at once
 * with "etcdserver: no leader" instead of holding the call until its deadline. gRPC sends call
 * credentials only over TLS, so on http:// endpoints calls wait for their deadline instead.
 */
export function requireLeaderOptions(endpoints: string[]): { credentials?: CallCredentials } {
  if (!endpoints.every((e) => e.startsWith("https://"))) return {};
  return {
    credentials: credentials.createFromMetadataGenerator((_params, done) => {
      const md = new Metadata();
      md.set("hasleader", "true");
      done(null, md);
    }),
  };
}
