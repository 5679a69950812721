// The API servers' serving certificate with several masters: as access.ts's (self-signed, its own
// CA), with every master's address in its SANs besides 127.0.0.1 (where HAProxy passes TLS
// through), since each server's own controllers and HAProxy's checks connect to its address.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureServingCert, privateDir, selfSignedServingCert, type ServingCert } from "../access";

export function labServingCert(dir: string, masterAddresses: string[]): ServingCert {
  if (masterAddresses.length <= 1) return ensureServingCert(dir);
  const tls = join(dir, "tls");
  privateDir(tls);
  const certFile = join(tls, "apiserver-ha.crt");
  const keyFile = join(tls, "apiserver-ha.key");
  const stamp = join(tls, "apiserver-ha.sans");
  const sans = ["IP:127.0.0.1", ...masterAddresses.map((a) => `IP:${a}`), "DNS:localhost"].join(",");
  if (!existsSync(certFile) || !existsSync(keyFile) || !existsSync(stamp) || readFileSync(stamp, "utf8") !== sans) {
    selfSignedServingCert(certFile, keyFile, sans);
    writeFileSync(stamp, sans, { mode: 0o600 });
  }
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}
