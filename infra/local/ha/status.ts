// `lab status` with several masters: every master (its server, its etcd member, HAProxy's view of
// it) and who leads what: the scheduler's, the controller manager's and git-sync's Leases name a
// holder `host_pid_random` (controlplane/leader.ts), so the pid says which master; each identity
// Lease apiserver-<hash> is the hash of the host and the master's address (apiserver/identity).
import { hostname } from "node:os";
import { labApiGet } from "../api";
import { isAlive } from "../processes";
import type { LabState } from "../state";
import { identityLeaseName } from "../../../controlplane/apiserver/identity/lease";
import { etcdMemberHealthy } from "./etcd";
import { haproxyServerStates } from "./haproxy";

export interface MasterStatus {
  name: string;
  address: string;
  server: { pid: number; running: boolean };
  etcd: { member: string; pid: number; running: boolean; healthy: boolean };
  /** HAProxy's state of this server ("UP", "DOWN", ...; "unknown" when HAProxy does not answer). */
  balancer: string;
  /** The Leases this master's server holds (kube-scheduler, kube-controller-manager, kubelab-gitsync). */
  leads: string[];
  /** Its identity Lease in kube-system, when present (absent: the server is gone or not up yet). */
  identityLease?: string;
}

export interface HaStatus {
  masters: MasterStatus[];
  haproxy: { pid: number; running: boolean; listen: string };
  healthy: boolean;
}

interface LeaseItem { metadata: { name: string }; spec?: { holderIdentity?: string } }

/** Which master (by pid in host_pid_random) holds each lease. */
export function leaseHolders(leases: LeaseItem[], pids: Map<number, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of leases) {
    const pid = Number(l.spec?.holderIdentity?.split("_")[1]);
    const master = pids.get(pid);
    if (master) out.set(master, [...(out.get(master) ?? []), l.metadata.name]);
  }
  return out;
}

export async function haStatus(state: LabState & { ha: NonNullable<LabState["ha"]> }): Promise<HaStatus> {
  const { ha } = state;
  const leases = await labApiGet<{ items: LeaseItem[] }>(state, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases").then((l) => l.items, () => undefined);
  const balancer = await haproxyServerStates(ha.haproxy.statsSocket).catch(() => ({}) as Record<string, string>);
  const holders = leaseHolders(leases ?? [], new Map(ha.masters.map((m) => [m.pid, m.master])));
  const names = new Set((leases ?? []).map((l) => l.metadata.name));
  const masters = await Promise.all(
    ha.masters.map(async (m, i): Promise<MasterStatus> => {
      const e = ha.etcd[i]!;
      const identity = identityLeaseName(hostname(), m.listen);
      return {
        name: m.master,
        address: m.address,
        server: { pid: m.pid, running: isAlive(m.pid) },
        etcd: { member: e.member, pid: e.pid, running: isAlive(e.pid), healthy: await etcdMemberHealthy(e.clientUrl, ha.etcdPKI) },
        balancer: balancer[m.master] ?? "unknown",
        leads: (holders.get(m.master) ?? []).filter((n) => !n.startsWith("apiserver-")),
        identityLease: names.has(identity) ? identity : undefined,
      };
    }),
  );
  const haproxy = { pid: ha.haproxy.pid, running: isAlive(ha.haproxy.pid), listen: ha.haproxy.listen };
  const healthy = haproxy.running && masters.every((m) => m.server.running && m.etcd.healthy && m.balancer === "UP");
  return { masters, haproxy, healthy };
}

export function haStatusLines(s: HaStatus): string[] {
  return [
    `haproxy  pid ${s.haproxy.pid}  ${s.haproxy.running ? "running" : "STOPPED"}  ${s.haproxy.listen}`,
    ...s.masters.map((m) =>
      [
        `${m.name.padEnd(8)} ${m.address}  server pid ${m.server.pid} ${m.server.running ? "running" : "STOPPED"}, ${m.balancer} in HAProxy`,
        `  ${m.etcd.member} pid ${m.etcd.pid} ${m.etcd.running ? (m.etcd.healthy ? "healthy" : "NOT healthy") : "STOPPED"}`,
        `  leads ${m.leads.length ? m.leads.join(", ") : "nothing"}${m.identityLease ? `; identity lease ${m.identityLease}` : ""}`,
      ].join(""),
    ),
  ];
}
