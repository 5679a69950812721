// Where the API server is and how to authenticate: from a kubeconfig file (the current context's
// cluster and user) or from plain options. The result is a Connection that ApiClient uses.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";

export interface ConnectionOptions {
  /** https://host:port or http://host:port */
  server: string;
  /** Bearer token. */
  token?: string;
  /** File holding the bearer token, re-read once a minute (projected tokens rotate). */
  tokenFile?: string;
  /** CA bundle: base64 of PEM (kubeconfig's certificate-authority-data) or PEM text itself. */
  caData?: string;
  /** Path of a PEM CA bundle (kubeconfig's certificate-authority). */
  caFile?: string;
  insecureSkipTLSVerify?: boolean;
  /** TLS client certificate and key: base64 of PEM or PEM (client-certificate-data, client-key-data)... */
  certData?: string;
  keyData?: string;
  /** ...or their files (client-certificate, client-key), read when the connection is made. */
  certFile?: string;
  keyFile?: string;
}

/** A resolved connection: server URL without trailing slash, CA in PEM, and a token source. */
export interface Connection {
  server: string;
  /** PEM CA bundle for https, when the server's certificate is not publicly trusted. */
  ca?: string;
  insecureSkipTLSVerify: boolean;
  /** PEM client certificate and key for https (x509 client authentication). */
  cert?: string;
  key?: string;
  /** The bearer token to send now (undefined: none). */
  token(): string | undefined;
}

const TOKEN_FILE_REFRESH_MS = 60_000;

export function connectionFromOptions(opts: ConnectionOptions): Connection {
  const server = opts.server.replace(/\/+$/, "");
  if (!/^https?:\/\//.test(server)) throw new Error(`server must be an http(s) URL, got "${opts.server}"`);
  const pem = (data: string | undefined, file: string | undefined) =>
    data ? (data.includes("-----BEGIN") ? data : Buffer.from(data, "base64").toString("utf8")) : file ? readFileSync(file, "utf8") : undefined;
  const ca = pem(opts.caData, opts.caFile);
  const cert = pem(opts.certData, opts.certFile);
  const key = pem(opts.keyData, opts.keyFile);
  return {
    server,
    ca,
    ...(cert && key ? { cert, key } : {}),
    insecureSkipTLSVerify: opts.insecureSkipTLSVerify ?? false,
    token: tokenSource(opts.token, opts.tokenFile),
  };
}

function tokenSource(token: string | undefined, tokenFile: string | undefined): () => string | undefined {
  if (token) return () => token;
  if (!tokenFile) return () => undefined;
  let cached: string | undefined;
  let readAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - readAt > TOKEN_FILE_REFRESH_MS) {
      cached = readFileSync(tokenFile, "utf8").trim();
      readAt = now;
    }
    return cached;
  };
}

interface KubeconfigCluster {
  server?: string;
  "certificate-authority-data"?: string;
  "certificate-authority"?: string;
  "insecure-skip-tls-verify"?: boolean;
}

interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  "client-certificate-data"?: string;
  "client-certificate"?: string;
  "client-key-data"?: string;
  "client-key"?: string;
}

interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface KubeconfigFile {
  "current-context"?: string;
  clusters?: Array<{ name: string; cluster?: KubeconfigCluster }>;
  users?: Array<{ name: string; user?: KubeconfigUser }>;
  contexts?: Array<{ name: string; context?: KubeconfigContext }>;
}

/** What a kubeconfig says for one context: connection options plus the context's namespace. */
export interface KubeconfigContextInfo {
  contextName: string;
  namespace?: string;
  options: ConnectionOptions;
}

/** Reads the current context (or `context`) of a kubeconfig file. Relative paths resolve against the file. */
export function readKubeconfig(path: string, context?: string): KubeconfigContextInfo {
  const doc = parse(readFileSync(path, "utf8")) as KubeconfigFile | null;
  if (!doc || typeof doc !== "object") throw new Error(`kubeconfig ${path} is empty`);
  const contextName = context ?? doc["current-context"];
  if (!contextName) throw new Error(`kubeconfig ${path} has no current-context`);
  const ctx = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: context "${contextName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${ctx.cluster}" has no server`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const base = dirname(resolve(path));
  const abs = (p: string | undefined) => (p ? resolve(base, p) : undefined);
  return {
    contextName,
    namespace: ctx.namespace,
    options: {
      server: cluster.server,
      token: user.token,
      tokenFile: abs(user.tokenFile),
      caData: cluster["certificate-authority-data"],
      caFile: abs(cluster["certificate-authority"]),
      insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] ?? false,
      certData: user["client-certificate-data"],
      certFile: abs(user["client-certificate"]),
      keyData: user["client-key-data"],
      keyFile: abs(user["client-key"]),
    },
  };
}

export function connectionFromKubeconfig(path: string, context?: string): Connection {
  return connectionFromOptions(readKubeconfig(path, context).options);
}
