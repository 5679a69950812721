// The HTTP(S) listener: TLS when a certificate is given, Kubernetes' keep-alive times, and the URL
// clients reach it at once it listens.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { answerClientErrors, httpServerOptions, type ServerLimits } from "./filters";
import { clientCertificateOptions } from "./authn/x509";

export interface ListenOptions {
  /** "127.0.0.1:6443"; port 0 picks a free one. */
  listen: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** --client-ca-file: client certificates are asked for (not required) and verified against it. */
  clientCAFile?: string;
  /** Header and request read timeouts (filters/http-server.ts). */
  limits: ServerLimits;
}

export interface Listening {
  server: Server;
  /** "https://127.0.0.1:6443" */
  url: string;
  /** "127.0.0.1:6443", as /api's serverAddressByClientCIDRs shows it. */
  address: string;
}

export async function listen(opts: ListenOptions, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const server =
    opts.tlsCertFile && opts.tlsKeyFile
      ? createHttpsServer({ ...httpServerOptions(opts.limits), cert: readFileSync(opts.tlsCertFile), key: readFileSync(opts.tlsKeyFile), ...clientCertificateOptions(opts.clientCAFile) }, onRequest)
      : createHttpServer(httpServerOptions(opts.limits), onRequest);
  answerClientErrors(server);
  const { host, port } = splitHostPort(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.address.includes(":") ? `[${addr.address}]` : addr.address;
  const address = `${shownHost}:${addr.port}`;
  return { server, address, url: `${opts.tlsCertFile ? "https" : "http"}://${address}` };
}

function splitHostPort(listen: string): { host: string; port: number } {
  const m = listen.match(/^\[?([^\]]*?)\]?:(\d+)$/);
  if (!m) throw new Error(`--listen must be HOST:PORT, got ${JSON.stringify(listen)}`);
  return { host: m[1] || "0.0.0.0", port: Number(m[2]) };
}
