// The lab's etcd cluster: one Debian etcd (/usr/bin/etcd, scripts/ensure-etcd.sh) per master, as
// background processes of the lab (processes.ts), with client and peer TLS (etcd-pki.ts). Short
// raft timings (heartbeat 100 ms, election 1 s: etcd's defaults) so a lost member costs about a
// second. A member started again with its data dir rejoins: the --initial-* flags then do nothing.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { startDetached, type LabProcess } from "../processes";
import { initialCluster, type Master } from "./topology";
import type { EtcdPKI } from "./etcd-pki";

export const ETCD_BINARY = "/usr/bin/etcd";

export function etcdMemberArgs(m: Master, all: Master[], dataDir: string, pki: EtcdPKI | undefined, token: string): string[] {
  const tls = pki
    ? [
        "--cert-file", pki.memberCert, "--key-file", pki.memberKey, "--trusted-ca-file", pki.caFile, "--client-cert-auth",
        "--peer-cert-file", pki.memberCert, "--peer-key-file", pki.memberKey, "--peer-trusted-ca-file", pki.caFile, "--peer-client-cert-auth",
      ]
    : [];
  return [
    "--name", m.etcdName, "--data-dir", dataDir,
    "--listen-client-urls", m.clientUrl, "--advertise-client-urls", m.clientUrl,
    "--listen-peer-urls", m.peerUrl, "--initial-advertise-peer-urls", m.peerUrl,
    "--initial-cluster", initialCluster(all), "--initial-cluster-state", "new", "--initial-cluster-token", token,
    "--heartbeat-interval", "100", "--election-timeout", "1000",
    "--logger", "zap", "--log-level", "warn",
    ...tls,
  ];
}

/** Starts member m (again: same data dir, so it rejoins). */
export function startEtcdMember(m: Master, all: Master[], dir: string, logs: string, pki: EtcdPKI | undefined, token: string): LabProcess {
  const dataDir = join(dir, "etcd", m.etcdName);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return startDetached(m.etcdName, ETCD_BINARY, etcdMemberArgs(m, all, dataDir, pki, token), join(logs, `${m.etcdName}.log`), process.env, 0o077);
}

/** GET /health of one member: {"health":"true"} while it is in a cluster with a quorum. */
export async function etcdMemberHealthy(clientUrl: string, pki: EtcdPKI | undefined): Promise<boolean> {
  const url = `${clientUrl}/health`;
  try {
    if (!pki) return ((await (await fetch(url, { signal: AbortSignal.timeout(3000) })).json()) as { health?: string }).health === "true";
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(url, { ca: readFileSync(pki.caFile), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), timeout: 3000 }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("no answer")));
      req.on("error", reject);
      req.end();
    });
    return (JSON.parse(body) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}
