// x509 client certificates (kube-apiserver's --client-ca-file): the TLS listener asks every client
// for a certificate without insisting on one and verifies what it gets against the client CA; a
// verified certificate with client-auth usage names the user (CN) and its groups (O).
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { UserInfo } from "./user";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_USAGE = "2.5.29.37.0";

/** A connection's certificate user and until when it is valid (a TLS session's certificate does not change). */
interface ConnectionUser {
  user: UserInfo;
  validUntilMs: number;
}
const byConnection = new WeakMap<TLSSocket, ConnectionUser | null>();

/**
 * The user of a request's verified client certificate; undefined when it presented none or none
 * that is valid now. The TLS layer checked the dates at the handshake; they are checked again at
 * every request, as Kubernetes verifies each request, so a certificate that expires during a
 * kept-alive connection stops naming its user on that connection too.
 */
export function authenticateClientCertificate(req: IncomingMessage, now = Date.now()): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== "function") return undefined;
  let found = byConnection.get(socket);
  if (found === undefined) {
    found = certificateUser(socket);
    byConnection.set(socket, found);
  }
  return found && now <= found.validUntilMs ? found.user : undefined;
}

function certificateUser(socket: TLSSocket): ConnectionUser | null {
  // Verified against the client CA by the TLS layer; an unverified certificate names nobody.
  if (!socket.authorized) return null;
  const cert = socket.getPeerX509Certificate?.();
  if (!cert) return null;
  const usages = cert.keyUsage;
  if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_USAGE)) return null;
  const subject = parseSubject(cert.subject);
  const name = subject.CN?.[0];
  if (!name) return null;
  return { user: { name, uid: "", groups: subject.O ?? [] }, validUntilMs: Date.parse(cert.validTo) };
}

/** X509Certificate.subject is "key=value" lines; a key may repeat (several O). */
export function parseSubject(subject: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of subject.split("\n")) {
    const i = line.indexOf("=");
    if (i <= 0) continue;
    (out[line.slice(0, i)] ??= []).push(line.slice(i + 1));
  }
  return out;
}

/** The TLS server options for --client-ca-file: ask for a certificate, verify it, require none. */
export function clientCertificateOptions(clientCAFile: string | undefined): { requestCert?: boolean; rejectUnauthorized?: boolean; ca?: Buffer } {
  if (!clientCAFile) return {};
  return { requestCert: true, rejectUnauthorized: false, ca: readFileSync(clientCAFile) };
}
