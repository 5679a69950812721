// The lab's masters (pure): with --masters N (1, 3, 5 or 7: etcd's quorum wants an odd count),
// master i has its own loopback address (127.0.10.1, 127.0.10.2, ...; the workers count up from
// 127.0.0.2), where its etcd member listens on 2379 (clients) and 2380 (peers) and its
// `kubelab server` on the API port. HAProxy listens on 127.0.0.1:<port> in front of them.
export const MASTER_COUNTS = [1, 3, 5, 7] as const;

export function mastersProblem(n: number): string | undefined {
  return (MASTER_COUNTS as readonly number[]).includes(n)
    ? undefined
    : `--masters must be 1, 3, 5 or 7 (etcd needs a majority of its members: an even count survives no more losses than one fewer), got ${Number.isFinite(n) ? n : "not a number"}`;
}

export interface Master {
  name: string;
  address: string;
  /** The etcd member's name, client URL and peer URL. */
  etcdName: string;
  clientUrl: string;
  peerUrl: string;
  /** `kubelab server --listen`. */
  listen: string;
}

export interface MastersPlanOptions {
  count: number;
  /** Address of master1 (default 127.0.10.1); the others count up. */
  firstAddress?: string;
  apiPort: number;
  /** etcd ports (default 2379, 2380). */
  clientPort?: number;
  peerPort?: number;
  /** https:// for etcd (client and peer TLS) or http://. */
  tls: boolean;
}

export function mastersPlan(o: MastersPlanOptions): Master[] {
  const problem = mastersProblem(o.count);
  if (problem) throw new Error(problem);
  const parts = (o.firstAddress ?? "127.0.10.1").split(".").map(Number);
  if (parts.length !== 4 || parts[0] !== 127 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || parts[3]! + o.count > 255) {
    throw new Error(`master addresses must stay in 127.0.0.0/8: ${o.firstAddress} + ${o.count}`);
  }
  const scheme = o.tls ? "https" : "http";
  return Array.from({ length: o.count }, (_, i) => {
    const address = [parts[0], parts[1], parts[2], parts[3]! + i].join(".");
    return {
      name: `master${i + 1}`,
      address,
      etcdName: `etcd${i + 1}`,
      clientUrl: `${scheme}://${address}:${o.clientPort ?? 2379}`,
      peerUrl: `${scheme}://${address}:${o.peerPort ?? 2380}`,
      listen: `${address}:${o.apiPort}`,
    };
  });
}

/** etcd's --initial-cluster: every member's name=peerURL. */
export const initialCluster = (masters: Master[]): string => masters.map((m) => `${m.etcdName}=${m.peerUrl}`).join(",");
