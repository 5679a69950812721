// `lab up --masters 3` without agents: three servers on a three-member etcd cluster (TLS) behind
// HAProxy, from the lab's code (test/ha-fixture.ts). Each server publishes its identity Lease and
// is listed in the kubernetes Service's endpoints; a watch resumed on another server from its last
// resourceVersion misses nothing; the leader's death moves every lease within 20 s while kubectl
// through HAProxy barely notices; etcd losing one member loses no acknowledged write, losing two
// gives a clear 503, and getting them back needs no server restart. (A server woken from SIGSTOP:
// test/ha-etcd-client.test.ts, and test/leader-election.test.ts for its leases.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostname } from "node:os";
import { identityLeaseName } from "../controlplane/apiserver/identity/lease";
import { haStatus } from "../infra/local/ha/status";
import { startHaLab, type HaLab } from "./ha-fixture";
import { kubectlFor } from "./fixtures/kubectl";
import { eventually } from "./fixtures/wait";

const LEADER_LEASES = ["kube-scheduler", "kube-controller-manager", "kubelab-gitsync"];

let lab: HaLab;
const dead = new Set<number>();

beforeAll(async () => {
  lab = await startHaLab(3);
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

const status = () => haStatus(lab.state);
const cm = (name: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: name } });
const create = (base: string, name: string) => lab.request(`${base}/api/v1/namespaces/default/configmaps`, { method: "POST", body: cm(name) });

/** Reads a watch stream's events until `until` says enough. */
async function watchEvents(url: string, until: (evs: Array<{ type: string; object: any }>) => boolean, onOpen?: () => Promise<unknown>) {
  const { Agent, fetch: f } = await import("undici");
  const { readFileSync } = await import("node:fs");
  const agent = new Agent({ connect: { ca: readFileSync(`${lab.dir}/tls/apiserver-ha.crt`) } });
  const token = readFileSync(lab.state.tokenFile!, "utf8").split(",")[0];
  const res = await f(url, { dispatcher: agent, headers: { Authorization: `Bearer ${token}` } });
  const reader = res.body!.getReader();
  await onOpen?.();
  const evs: Array<{ type: string; object: any }> = [];
  let buf = "";
  while (!until(evs)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      evs.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  }
  await reader.cancel().catch(() => undefined);
  await agent.close();
  return evs;
}

describe("three masters on a three-member etcd cluster behind HAProxy", () => {
  it("publishes every server's identity Lease, lists all three in the kubernetes endpoints, and shows who leads what", async () => {
    const kubectl = kubectlFor(lab.kubeconfig);
    const want = lab.ha.masters.map((m) => identityLeaseName(hostname(), m.listen)).sort();
    await eventually(async () => {
      const out = await kubectl.ok(["get", "leases", "-n", "kube-system", "-l", "apiserver.kubernetes.io/identity=kube-apiserver", "-o", "jsonpath={.items[*].metadata.name}"]);
      return JSON.stringify(out.split(" ").sort()) === JSON.stringify(want);
    }, 20_000, "one identity lease per server");
    const addresses = lab.ha.masters.map((m) => m.address).sort().join(" ");
    await eventually(async () => (await kubectl.ok(["get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[0].addresses[*].ip}"])).split(" ").sort().join(" ") === addresses, 20_000, "every server in the Endpoints");
    // The slice is written right after the Endpoints, by whichever server reconciles last.
    await eventually(async () => (await kubectl.ok(["get", "endpointslice", "kubernetes", "-o", "jsonpath={.endpoints[*].addresses[0]}"])).split(" ").sort().join(" ") === addresses, 20_000, "every server in the EndpointSlice");
    const s = await eventually(async () => {
      const s = await status();
      return s.masters.flatMap((m) => m.leads).sort().join() === [...LEADER_LEASES].sort().join() && s.healthy && s;
    }, 20_000, "every leader lease held and every master healthy in lab status");
    expect(s.masters.map((m) => [m.etcd.healthy, m.balancer, Boolean(m.identityLease)])).toEqual([[true, "UP", true], [true, "UP", true], [true, "UP", true]]);
  });

  it("resumes a watch on another server from the last resourceVersion seen, missing no event", async () => {
    const s = await status();
    const a = s.masters.findIndex((m) => m.leads.length === 0); // a server that leads nothing: its death moves no lease
    const b = lab.ha.masters.findIndex((_, i) => i !== a);
    const list = await lab.request(`${lab.masterUrl(a)}/api/v1/namespaces/default/configmaps`);
    const rv = list.json.metadata.resourceVersion as string;
    const received = await watchEvents(`${lab.masterUrl(a)}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (e) => e.length >= 2, async () => {
      for (const n of ["w-1", "w-2", "w-3"]) expect((await create(lab.masterUrl(b), n)).status).toBe(201);
    });
    // The client has handled two events when A dies (w-3 may be on its way or not).
    const seen = received.slice(0, 2);
    expect(seen.map((e) => e.object.metadata.name)).toEqual(["w-1", "w-2"]);
    process.kill(lab.ha.masters[a]!.pid, "SIGKILL");
    dead.add(a);
    for (const n of ["w-4", "w-5"]) expect((await create(lab.masterUrl(b), n)).status).toBe(201);
    const last = seen.at(-1)!.object.metadata.resourceVersion as string;
    const resumed = await watchEvents(`${lab.masterUrl(b)}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${last}`, (e) => e.length >= 3);
    expect(resumed.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED w-3", "ADDED w-4", "ADDED w-5"]);
  });

  it("after SIGKILL of the leader another server holds every lease within 20 s, a new Deployment gets its pods, and kubectl through HAProxy barely notices", async () => {
    const kubectl = kubectlFor(lab.kubeconfig);
    // Under load a lease can lapse for a moment between two holders: wait for a leader to kill.
    const { leader } = await eventually(async () => {
      const i = (await status()).masters.findIndex((m) => m.leads.includes("kube-controller-manager"));
      return i >= 0 && { leader: i };
    }, 30_000, "a master leading kube-controller-manager");
    expect(dead.has(leader)).toBe(false);
    let failures = 0;
    let calls = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        calls++;
        if ((await kubectl.run(["get", "configmaps", "-o", "name"])).code !== 0) failures++;
      }
    })();
    const killedAt = Date.now();
    process.kill(lab.ha.masters[leader]!.pid, "SIGKILL");
    dead.add(leader);
    const survivor = lab.ha.masters.findIndex((_, i) => !dead.has(i));
    await eventually(async () => {
      const s = await status();
      return LEADER_LEASES.every((n) => s.masters[survivor]!.leads.includes(n));
    }, 20_000, "the surviving server holding every lease");
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    await kubectl.ok(["create", "deployment", "ha-web", "--image=kubelab/pause", "--replicas=2"]);
    await eventually(async () => JSON.parse(await kubectl.ok(["get", "pods", "-l", "app=ha-web", "-o", "json"])).items.length === 2, 20_000, "the Deployment's 2 pods");
    polling = false;
    await poller;
    expect(calls).toBeGreaterThan(5);
    expect(failures).toBeLessThanOrEqual(2);
  });

  it("keeps every acknowledged write when an etcd member dies mid-burst, answers 503 without a quorum, and recovers when the members return", async () => {
    const acked: string[] = [];
    const errors: number[] = [];
    let n = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const name = `burst-${n++}`;
        const r = await create(lab.url, name).catch(() => ({ status: 0, json: undefined }));
        if (r.status === 201) acked.push(name);
        else errors.push(r.status);
      }
    })();
    await eventually(() => acked.length >= 20, 20_000, "20 writes before the kill");
    process.kill(lab.ha.etcd[0]!.pid, "SIGKILL");
    const atKill = acked.length;
    await eventually(() => acked.length >= atKill + 30, 20_000, "30 more writes after one etcd member died");
    writing = false;
    await writer;
    const list = await lab.request(`${lab.url}/api/v1/namespaces/default/configmaps`);
    const present = new Set((list.json.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name));
    expect(acked.filter((a) => !present.has(a))).toEqual([]);

    process.kill(lab.ha.etcd[1]!.pid, "SIGKILL");
    const refused = await eventually(async () => {
      const r = await create(lab.url, "no-quorum");
      return r.status !== 201 && r;
    }, 15_000, "a write refused without a quorum");
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", code: 503 });
    expect(refused.json.message).toMatch(/etcd is unavailable/);

    lab.restartEtcd(0);
    lab.restartEtcd(1);
    const back = await eventually(async () => (await create(lab.url, "quorum-back")).status === 201, 20_000, "writes accepted again, no server restarted");
    expect(back).toBe(true);
    expect(lab.ha.masters.filter((_, i) => !dead.has(i)).every((m) => { try { process.kill(m.pid, 0); return true; } catch { return false; } })).toBe(true);
  });
});
