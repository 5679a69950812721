// The lab's etcd certificates, made once with openssl: a CA, one certificate for every member
// (serving clients and peers, so with every master's address in its SANs, and client auth for
// the peer connections) and the API servers' client certificate. etcd runs with client and peer
// client-cert-auth: on a machine with other users, a plain etcd on loopback would be a way around
// the API's tokens (anyone could write a privileged pod into the store).
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openssl, privateDir } from "../access";

export interface EtcdPKI {
  caFile: string;
  memberCert: string;
  memberKey: string;
  clientCert: string;
  clientKey: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function issue(dir: string, name: string, subject: string, ext: string, ca: { cert: string; key: string }): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext, { mode: 0o600 });
  openssl(["req", "-new", ...EC, "-subj", subject, "-keyout", key, "-out", join(dir, `${name}.csr`)], `etcd's ${name} certificate`);
  openssl(["x509", "-req", "-in", join(dir, `${name}.csr`), "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "3650", "-extfile", extFile, "-out", cert], `etcd's ${name} certificate`);
  chmodSync(key, 0o600);
  return { cert, key };
}

/** Made again when the addresses change (another --masters); else reused. */
export function ensureEtcdPKI(labDir: string, addresses: string[]): EtcdPKI {
  const dir = join(labDir, "tls", "etcd");
  privateDir(dir);
  const ca = { cert: join(dir, "ca.crt"), key: join(dir, "ca.key") };
  if (!existsSync(ca.cert) || !existsSync(ca.key)) {
    openssl(["req", "-x509", ...EC, "-days", "3650", "-subj", "/CN=kubelab-lab-etcd-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign", "-keyout", ca.key, "-out", ca.cert], "etcd's CA");
    chmodSync(ca.key, 0o600);
  }
  const sans = [...addresses.map((a) => `IP:${a}`), "IP:127.0.0.1", "DNS:localhost"].join(",");
  const stamp = join(dir, "member.sans");
  const fresh = existsSync(stamp) && existsSync(join(dir, "member.crt")) && readFileSync(stamp, "utf8") === sans;
  const member = fresh
    ? { cert: join(dir, "member.crt"), key: join(dir, "member.key") }
    : issue(dir, "member", "/CN=kubelab-lab-etcd-member", `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${sans}\n`, ca);
  writeFileSync(stamp, sans, { mode: 0o600 });
  const clientPaths = { cert: join(dir, "apiserver-etcd-client.crt"), key: join(dir, "apiserver-etcd-client.key") };
  const client = existsSync(clientPaths.cert) && existsSync(clientPaths.key)
    ? clientPaths
    : issue(dir, "apiserver-etcd-client", "/CN=kube-apiserver-etcd-client", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n", ca);
  return { caFile: ca.cert, memberCert: member.cert, memberKey: member.key, clientCert: client.cert, clientKey: client.key };
}
