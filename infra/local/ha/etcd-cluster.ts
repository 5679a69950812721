// An etcd cluster of the lab's masters, started and awaited together (members wait for a quorum
// of peers before they answer /health), then individually stopped and started again: what the
// lab and the HA tests both use.
import { randomBytes } from "node:crypto";
import { isAlive, stopProcess, type LabProcess } from "../processes";
import { etcdMemberHealthy, startEtcdMember } from "./etcd";
import type { EtcdPKI } from "./etcd-pki";
import type { Master } from "./topology";

export interface EtcdCluster {
  masters: Master[];
  pki?: EtcdPKI;
  members: LabProcess[];
  /** The API servers' --etcd-servers. */
  endpoints: string[];
  /** Starts member i again (after a kill): it rejoins from its data dir. */
  start(i: number): LabProcess;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Every member answering /health (healthy: in a cluster with a quorum). */
  healthy(): Promise<boolean[]>;
  stop(): Promise<void>;
}

export async function startEtcdCluster(o: { dir: string; logs: string; masters: Master[]; pki?: EtcdPKI; token?: string; timeoutMs?: number }): Promise<EtcdCluster> {
  const token = o.token ?? `kubelab-${randomBytes(6).toString("hex")}`;
  const members = o.masters.map((m) => startEtcdMember(m, o.masters, o.dir, o.logs, o.pki, token));
  const cluster: EtcdCluster = {
    masters: o.masters,
    pki: o.pki,
    members,
    endpoints: o.masters.map((m) => m.clientUrl),
    start: (i) => (members[i] = startEtcdMember(o.masters[i]!, o.masters, o.dir, o.logs, o.pki, token)),
    kill: async (i, signal = "SIGKILL") => {
      const pid = members[i]!.pid;
      if (!isAlive(pid)) return;
      process.kill(pid, signal);
      while (signal === "SIGKILL" && isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    },
    healthy: () => Promise.all(o.masters.map((m) => etcdMemberHealthy(m.clientUrl, o.pki))),
    stop: async () => {
      await Promise.all(members.map((m) => stopProcess(m.pid, 5000)));
    },
  };
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    const dead = members.find((m) => !isAlive(m.pid));
    if (dead) {
      await cluster.stop();
      throw new Error(`etcd member ${dead.name} exited; see ${dead.log}`);
    }
    if ((await cluster.healthy()).every(Boolean)) return cluster;
    if (Date.now() > deadline) {
      await cluster.stop();
      throw new Error(`the etcd cluster was not healthy within ${(o.timeoutMs ?? 30_000) / 1000}s; see ${o.logs}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
