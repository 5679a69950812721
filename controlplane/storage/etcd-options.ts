// What the etcd store is told by flags (--etcd-servers, --etcd-cafile, ...), and their check. Kept
// apart from etcd-client.ts so the command line can check them without loading etcd3 and gRPC:
// the bundle a SQLite server or an agent runs must never evaluate those.
export interface EtcdTLSFiles {
  /** --etcd-cafile: the CA that signed the members' serving certificates. */
  caFile?: string;
  /** --etcd-certfile and --etcd-keyfile: this client's certificate and key (client-cert-auth). */
  certFile?: string;
  keyFile?: string;
}

export interface EtcdClientOptions {
  /** etcd client URLs, http:// or https:// (with tls). */
  endpoints: string[];
  tls?: EtcdTLSFiles;
}

/** What is wrong with the options (undefined: nothing), checked before any connection. */
export function etcdClientProblem(opts: EtcdClientOptions): string | undefined {
  if (opts.endpoints.length === 0) return "no etcd endpoint given";
  for (const e of opts.endpoints) {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      return `etcd endpoint ${JSON.stringify(e)} is not a URL (e.g. http://127.0.0.1:2379)`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `etcd endpoint ${e}: the scheme must be http or https`;
    if (url.protocol === "https:" && !opts.tls?.caFile) return `etcd endpoint ${e} is https: --etcd-cafile is needed to check its certificate`;
  }
  const t = opts.tls;
  if (t && Boolean(t.certFile) !== Boolean(t.keyFile)) return "--etcd-certfile and --etcd-keyfile go together";
  return undefined;
}
