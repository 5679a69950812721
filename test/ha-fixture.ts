// Three `kubelab server` processes on a three-member etcd cluster behind HAProxy, started by the
// lab's own code (infra/local/ha/masters.ts: the same etcd flags, TLS, server flags and HAProxy
// configuration as `lab up --masters 3`), from the sources, without agents or Docker.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { labServingCert } from "../infra/local/ha/serving-cert";
import { ensureTokenAuthFile, readAdminToken } from "../infra/local/access";
import { startHaControlPlane, stopHaControlPlane } from "../infra/local/ha/masters";
import type { HaLabState } from "../infra/local/state";
import { mastersPlan } from "../infra/local/ha/topology";
import { startEtcdMember } from "../infra/local/ha/etcd";
import { freePort } from "./fixtures/etcd";
import { CLI } from "./fixtures/server";
import type { LabState } from "../infra/local/state";
import { eventually } from "./fixtures/wait";

export interface HaLab {
  dir: string;
  /** As lab.json would record it (for lab status's code). */
  state: LabState & { ha: HaLabState };
  ha: HaLabState;
  kubeconfig: string;
  /** HAProxy's URL. */
  url: string;
  /** master i's own URL. */
  masterUrl(i: number): string;
  /** GET/POST/... over TLS with the lab's CA. */
  request(url: string, init?: { method?: string; body?: string; timeoutMs?: number }): Promise<{ status: number; json: any }>;
  /** Starts etcd member i again (same data dir: it rejoins). */
  restartEtcd(i: number): void;
  logs(name: string): string;
  stop(): Promise<void>;
}

export async function startHaLab(count = 3): Promise<HaLab> {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-ha-"));
  // An address range of this run's own, so a lab or another run on this machine does not collide.
  const firstAddress = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250)}.1`;
  const port = await freePort();
  const masters = mastersPlan({ count, apiPort: port, firstAddress, tls: true });
  const tls = labServingCert(dir, masters.map((m) => m.address));
  const kubeconfig = join(dir, "kubeconfig");
  // The lab's admin token (system:masters), which the servers also write into the kubeconfig.
  const tokenFile = ensureTokenAuthFile(dir);
  const token = readAdminToken(tokenFile);
  const url = `https://127.0.0.1:${port}`;
  const ha = await startHaControlPlane({
    dir, logs: dir, count, port, firstAddress, apiUrl: url, kubeconfig, caFile: tls.certFile,
    command: process.execPath,
    baseArgs: [CLI, "server", "--tls-cert-file", tls.certFile, "--tls-private-key-file", tls.keyFile, "--token-auth-file", tokenFile, "--log-level", "warn"],
    log: () => undefined,
  });
  const dispatcher = new Agent({ connect: { ca: readFileSync(tls.certFile) } });
  const request = async (u: string, init: { method?: string; body?: string; timeoutMs?: number } = {}) => {
    const r = await undiciFetch(u, { method: init.method, body: init.body, dispatcher, headers: { Authorization: `Bearer ${token}`, ...(init.body ? { "Content-Type": "application/json" } : {}) }, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
    const text = await r.text();
    return { status: r.status, json: text.startsWith("{") ? JSON.parse(text) : text };
  };
  const lab: HaLab = {
    dir, ha, kubeconfig, url, request,
    state: { dir, apiUrl: url, kubeconfig, caFile: tls.certFile, tokenFile, repo: "", server: ha.masters[0]!, agents: [], ha },
    masterUrl: (i) => `https://${ha.masters[i]!.listen}`,
    restartEtcd: (i) => {
      const p = startEtcdMember(masters[i]!, masters, dir, dir, ha.etcdPKI, `kubelab-lab-${count}`);
      ha.etcd[i] = { ...ha.etcd[i]!, pid: p.pid };
    },
    logs: (name) => readFileSync(join(dir, `${name}.log`), "utf8"),
    stop: async () => {
      await stopHaControlPlane(ha);
      await dispatcher.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await eventually(async () => (await request(`${url}/readyz`)).status === 200, 60_000, "the API through HAProxy");
    await Promise.all(ha.masters.map((_, i) => eventually(async () => (await request(`${lab.masterUrl(i)}/readyz`)).status === 200, 60_000, `master${i + 1}`)));
  } catch (e) {
    const logs = ha.masters.map((m) => `${m.master}: ${lab.logs(m.master).slice(-2000)}`).join("\n");
    await lab.stop();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
  return lab;
}
