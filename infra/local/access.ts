// Who may use the lab: only the user who started it. The lab dir is 0700 and every secret in it
// (the API token file, the kubeconfig, the webhook token, the TLS key, the SQLite store) 0600,
// because the API it serves runs privileged pods as root: a token nobody else can read is the
// whole defence, against other local users and against web pages that POST to 127.0.0.1.
// The API is served over TLS even on loopback because kubectl (client-go) sends a bearer token
// only over TLS: on plain http the kubeconfig's token would never leave kubectl.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The server's --token-auth-file in the lab dir (Kubernetes' CSV: token,user,uid,"groups"). */
export const tokenAuthFile = (dir: string) => join(dir, "token-auth.csv");

/** Creates (or tightens) a folder only its owner can enter. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes a secret file readable by its owner only, or tightens an existing one; returns its path. */
export function privateFile(file: string, make: () => string): string {
  if (!existsSync(file) || readFileSync(file, "utf8").trim() === "") writeFileSync(file, make(), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** The lab's admin token, made at the first `lab up` and kept (the kubeconfig and agents carry it). */
export function ensureTokenAuthFile(dir: string): string {
  return privateFile(tokenAuthFile(dir), () => `${randomBytes(32).toString("hex")},admin,admin,"system:masters"\n`);
}

/** The first token of a token file: the one the server also writes into --write-kubeconfig. */
export function readAdminToken(file: string): string {
  const line = readFileSync(file, "utf8").split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith("#"));
  const token = line?.split(",")[0]?.trim();
  if (!token) throw new Error(`${file} has no token: remove it and run \`kubelab lab up\` again to make a new one`);
  return token;
}

/**
 * The SQLite data dir of an existing lab tightened too: labs made before the token existed left
 * state.db 0644 in a 0755 folder. New files the server makes come from its umask (077).
 */
export function privateDataDir(dataDir: string): void {
  privateDir(dataDir);
  for (const f of readdirSync(dataDir)) if (f.startsWith("state.db")) chmodSync(join(dataDir, f), 0o600);
}

export interface ServingCert {
  certFile: string;
  keyFile: string;
}

/** A self-signed certificate for 127.0.0.1 (its own CA, as the GCE master's), made once. */
export function ensureServingCert(dir: string): ServingCert {
  const tls = join(dir, "tls");
  privateDir(tls);
  const certFile = join(tls, "apiserver.crt");
  const keyFile = join(tls, "apiserver.key");
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    selfSignedServingCert(certFile, keyFile, "IP:127.0.0.1,DNS:localhost");
  }
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
}

/** Writes a self-signed serving certificate (its own CA) for these subjectAltNames. */
export function selfSignedServingCert(certFile: string, keyFile: string, sans: string): void {
  openssl([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
    "-subj", "/CN=kubelab-lab-apiserver",
    "-addext", `subjectAltName=${sans}`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
    "-addext", "extendedKeyUsage=serverAuth",
    "-keyout", keyFile, "-out", certFile,
  ], "the lab's TLS certificate");
}

/** Runs openssl; its failure names what was being made and the package that provides it. */
export function openssl(args: string[], what: string): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`could not make ${what} with openssl: ${(err.stderr?.toString() || err.message).trim()} (install Debian's openssl)`);
  }
}

/**
 * The lab's client CA (the server's --client-ca-file), made once: a certificate it signs logs in
 * as its CN with its O as groups. Apart from the serving certificate, whose only usage is serving.
 */
export function ensureClientCA(dir: string): CertificateAuthority {
  const tls = join(dir, "tls");
  privateDir(tls);
  const certFile = join(tls, "client-ca.crt");
  const keyFile = join(tls, "client-ca.key");
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
      "-subj", "/CN=kubelab-lab-client-ca",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
      "-keyout", keyFile, "-out", certFile,
    ], "the lab's client CA");
  }
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

/** A client certificate signed by `ca` for user `name` in `groups` (CN and O, client-auth usage). */
export function issueClientCertificate(ca: CertificateAuthority, outDir: string, name: string, groups: string[] = [], days = 365): ServingCert {
  privateDir(outDir);
  const base = join(outDir, name.replace(/[^A-Za-z0-9._-]/g, "_"));
  const keyFile = `${base}.key`;
  const csr = `${base}.csr`;
  const certFile = `${base}.crt`;
  const ext = `${base}.ext`;
  const esc = (v: string) => v.replace(/[/\\=+,]/g, (c) => `\\${c}`);
  const subject = `/CN=${esc(name)}${groups.map((g) => `/O=${esc(g)}`).join("")}`;
  openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject, "-keyout", keyFile, "-out", csr], `a client certificate for ${name}`);
  writeFileSync(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
  openssl(["x509", "-req", "-in", csr, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-CAcreateserial", "-days", String(days), "-extfile", ext, "-out", certFile], `a client certificate for ${name}`);
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

/**
 * The key that signs and verifies ServiceAccount tokens (--service-account-signing-key-file and
 * --service-account-key-file): one file, so every API server of the lab accepts every token.
 * RSA, so tokens are RS256 as Kubernetes' usually are.
 */
export function ensureServiceAccountKey(dir: string): string {
  const tls = join(dir, "tls");
  privateDir(tls);
  return privateFile(join(tls, "service-account.key"), () =>
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  );
}
