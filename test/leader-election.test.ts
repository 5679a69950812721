// Two `kubelab server` processes on one real etcd with leader election (short durations): each of
// the scheduler's, the controller manager's and git-sync's Leases has one holder; a holder
// stopped with SIGSTOP past its lease loses it and, woken, does not act as leader; a holder
// killed with SIGKILL is replaced within the lease duration and the controllers act again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "./fixtures/server";
import { startServersOnEtcd, type ServersOnEtcd } from "./fixtures/servers-on-etcd";
import { kubectlFor } from "./fixtures/kubectl";
import { consistently, eventually } from "./fixtures/wait";

const LEASES = ["kube-scheduler", "kube-controller-manager", "kubelab-gitsync"];
const FLAGS = ["--leader-elect-lease-duration", "3s", "--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "500ms"];

let ha: ServersOnEtcd;
let servers: TestServer[];

beforeAll(async () => {
  // --store etcd turns --leader-elect on by default.
  ha = await startServersOnEtcd(2, FLAGS);
  servers = ha.servers;
}, 60_000);
afterAll(async () => {
  for (const s of servers ?? []) if (s.pid()) process.kill(s.pid(), "SIGCONT");
  await ha?.stop();
});

interface LeaseObj { metadata: { name: string }; spec?: { holderIdentity?: string; leaseTransitions?: number } }

async function holders(via: TestServer): Promise<Record<string, string>> {
  const r = await fetch(`${via.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`);
  const list = (await r.json()) as { items?: LeaseObj[] };
  if (!list.items) throw new Error(`listing leases through ${via.url}: ${r.status} ${JSON.stringify(list)}`);
  return Object.fromEntries(list.items.map((l) => [l.metadata.name, l.spec?.holderIdentity ?? ""]));
}

/** Through whichever server answers (a server woken from SIGSTOP may answer 500 for a while). */
const anyHolders = () => eventually(() => holders(servers[0]).catch(() => holders(servers[1])), 10_000, "a server listing the leases");

/** The server whose pid is in the holder identity (hostname_pid_random). */
const holderServer = (identity: string) => servers.find((s) => identity.includes(`_${s.pid()}_`));

/** leader_election_master_status per lease of one server (1 leading, 0 not). */
async function leading(s: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^leader_election_master_status\{name="([^"]+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

describe("leader election of the control loops", () => {
  it("gives each lease exactly one holder, shown by kubectl get leases -n kube-system", async () => {
    const h = await eventually(async () => {
      const h = await holders(servers[0]);
      return LEASES.every((n) => holderServer(h[n] ?? "")) && h;
    }, 15_000, "every lease held by one of the servers");
    const out = await kubectlFor(servers[1].kubeconfig).ok(["get", "leases", "-n", "kube-system"]);
    for (const n of LEASES) expect(out).toMatch(new RegExp(`^${n}\\s+${h[n]}`, "m"));
    await consistently(async () => {
      const [a, b] = await Promise.all(servers.map(leading));
      return LEASES.every((n) => (a[n] ?? 0) + (b[n] ?? 0) === 1);
    }, 1500, "exactly one server leading each lease");
  });

  it("after SIGKILL of the holder the other takes over within the lease duration and its controllers act", async () => {
    const h = await anyHolders();
    const killed = holderServer(h["kube-controller-manager"])!;
    const survivor = servers.find((s) => s !== killed)!;
    await killed.kill("SIGKILL");
    const start = Date.now();
    await eventually(async () => {
      const now = await holders(survivor);
      return LEASES.every((n) => holderServer(now[n])?.pid() === survivor.pid());
    }, 10_000, "the survivor holding every lease");
    // Lease 3 s after the last renew the survivor saw, plus up to 2.2 retry periods of jitter.
    expect(Date.now() - start).toBeLessThan(5500);
    const kubectl = kubectlFor(survivor.kubeconfig);
    await kubectl.ok(["create", "deployment", "le-web", "--image=kubelab/pause", "--replicas=2"]);
    await eventually(async () => {
      const pods = JSON.parse(await kubectl.ok(["get", "pods", "-l", "app=le-web", "-o", "json"])) as { items: unknown[] };
      return pods.items.length === 2;
    }, 10_000, "the Deployment's ReplicaSet creating 2 pods");
    // Back as a candidate for the next test: it finds every lease held and waits.
    await killed.restart();
  });

  it("a holder stopped past its lease loses it and, woken, stops acting and does not take it back", async () => {
    const h = await anyHolders();
    const stopped = holderServer(h["kube-controller-manager"])!;
    const other = servers.find((s) => s !== stopped)!;
    process.kill(stopped.pid(), "SIGSTOP");
    await eventually(async () => {
      const now = await holders(other);
      return LEASES.every((n) => holderServer(now[n])?.pid() === other.pid());
    }, 10_000, "the running server holding every lease");
    process.kill(stopped.pid(), "SIGCONT");
    await eventually(async () => Object.values(await leading(stopped)).every((v) => v === 0), 5000, "the woken server reporting it leads nothing");
    await consistently(async () => {
      const [now, mine] = await Promise.all([holders(other), leading(stopped)]);
      return LEASES.every((n) => holderServer(now[n])?.pid() === other.pid() && mine[n] === 0);
    }, 2000, "the other server keeping every lease");
  });
});
