// `kubelab lab up --masters 3` for real, as a user runs it: an etcd cluster of three, three servers
// from the bundle, HAProxy in front, and a real agent on Docker. kubectl (through HAProxy) rolls a
// Deployment out; `lab status` shows every master, its etcd member and who holds each Lease; the
// master holding the controller manager's Lease is SIGKILLed and a Deployment made after still
// rolls out; `lab down` leaves no process and no container. Its own lab dir, port, addresses and
// pod range, so it runs beside the one-master lab test.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabStatus } from "../infra/local/status";
import type { LabState } from "../infra/local/state";
import { freePort } from "./fixtures/etcd";
import { kubectlFor } from "./fixtures/kubectl";
import { CLI, REPO_ROOT } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "kubelab-ha-lab-"));
const labDir = join(dir, "lab");
const WORKER = "ha-lab-worker";
const MASTER_ADDRESS = `127.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.1`;
const LEADER_LEASES = ["kube-controller-manager", "kube-scheduler", "kubelab-gitsync"];
let kubectl: ReturnType<typeof kubectlFor>;

const lab = (...args: string[]) => run(process.execPath, [CLI, "lab", ...args, "--dir", labDir], { cwd: REPO_ROOT, timeout: 600_000 });
const labState = () => JSON.parse(readFileSync(join(labDir, "lab.json"), "utf8")) as LabState;
async function status(): Promise<LabStatus> {
  const out = await lab("status", "-o", "json").then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
  return JSON.parse(out) as LabStatus;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function rollsOut(name: string): Promise<void> {
  // Through HAProxy: a request that meets a dying server may fail once; the next goes elsewhere.
  await eventually(async () => (await kubectl.run(["create", "deployment", name, "--image", "kubelab/web:1", "--replicas", "2"])).code === 0 || (await kubectl.run(["get", "deployment", name])).code === 0, { timeoutMs: 60_000, intervalMs: 1000, what: `deployment ${name} created` });
  await eventually(async () => {
    const r = await kubectl.run(["get", "deployment", name, "-o", "jsonpath={.status.readyReplicas}/{.status.updatedReplicas}"]);
    return r.code === 0 && r.stdout.trim() === "2/2";
  }, { timeoutMs: 180_000, intervalMs: 1000, what: `deployment ${name} rolled out` });
}

beforeAll(async () => {
  const port = await freePort();
  await lab("up", "--masters", "3", "--workers", "1", "--port", String(port), "--no-seed", "--name-prefix", WORKER,
    "--first-address", "127.0.0.141", "--master-address", MASTER_ADDRESS, "--cluster-cidr", "10.247.0.0/16");
  kubectl = kubectlFor(join(labDir, "kubeconfig"));
}, 600_000);

afterAll(async () => {
  try {
    await lab("down");
  } finally {
    // A process lab down had to wait for may still be closing its log.
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
  }
}, 240_000);

describe("lab up --masters 3 with a real agent", () => {
  it("has its worker Ready and rolls a Deployment out through HAProxy", async () => {
    expect(labState().apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await eventually(async () => (await kubectl.run(["get", "node", `${WORKER}1`, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"])).stdout === "True", { timeoutMs: 120_000, intervalMs: 1000, what: "worker Ready" });
    await rollsOut("ha-web");
  }, 360_000);

  it("lab status shows each master with its server, etcd member, HAProxy state, and the Lease holders", async () => {
    const s = await eventually(async () => {
      const st = await status();
      const leads = st.ha?.masters.flatMap((m) => m.leads) ?? [];
      return st.healthy && LEADER_LEASES.every((l) => leads.includes(l)) && st.ha?.masters.every((m) => m.identityLease) ? st : undefined;
    }, { timeoutMs: 90_000, intervalMs: 2000, what: "a healthy lab status naming every leader" });
    expect(s.ha!.masters.map((m) => [m.name, m.address, m.server.running, m.etcd.member, m.etcd.healthy, m.balancer])).toEqual(
      [1, 2, 3].map((i) => [`master${i}`, MASTER_ADDRESS.replace(/\.1$/, `.${i}`), true, `etcd${i}`, true, "UP"]),
    );
    expect(s.ha!.masters.flatMap((m) => m.leads).sort()).toEqual(LEADER_LEASES);
    const text = (await lab("status")).stdout;
    for (const i of [1, 2, 3]) expect(text).toContain(`master${i}`);
    expect(text).toContain("leads kube-");
  }, 180_000);

  it("after SIGKILL of the master leading the controller manager, another leads and a new Deployment rolls out", async () => {
    const before = (await status()).ha!;
    const leader = before.masters.find((m) => m.leads.includes("kube-controller-manager"))!;
    process.kill(leader.server.pid, "SIGKILL");
    await eventually(async () => {
      const s = await status();
      const next = s.ha?.masters.find((m) => m.leads.includes("kube-controller-manager"));
      return next && next.name !== leader.name && next.server.running;
    }, { timeoutMs: 60_000, intervalMs: 1000, what: "another master leading the controller manager" });
    await rollsOut("ha-web-after");
    const s = await status();
    expect(s.ha!.masters.find((m) => m.name === leader.name)!.server.running).toBe(false);
    expect(s.healthy).toBe(false);
  }, 360_000);

  it("lab down stops the servers, etcd, HAProxy and the agent, and removes the worker's containers", async () => {
    const state = labState();
    const pids = [...state.ha!.masters.map((m) => m.pid), ...state.ha!.etcd.map((e) => e.pid), state.ha!.haproxy.pid, ...state.agents.map((a) => a.pid)];
    expect(pids.length).toBe(3 + 3 + 1 + 1);
    await lab("down");
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(execFileSync("docker", ["ps", "-aq", "--filter", `label=io.kubelab.node=${WORKER}1`]).toString().trim()).toBe("");
    const after = await status();
    expect(after.healthy).toBe(false);
    expect(after.ha).toBeUndefined();
  }, 240_000);
});
