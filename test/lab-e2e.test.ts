// The seed articles, end to end, on the running local lab: `lab up` with two workers, a git push
// of the nginx Deployment and NodePort Service, a rolling update and its undo, the kubelet
// restarting a killed container, a dead worker whose pods move, a broken push that changes
// nothing, and `lab down` leaving nothing behind. Before all that: only the lab's token opens its
// API, and every secret of the lab is readable by its user only.
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { statusLines, type LabStatus } from "../infra/local/status";
import { freePort } from "./fixtures/etcd";
import { kubectlFor } from "./fixtures/kubectl";
import { CLI, REPO_ROOT } from "./fixtures/server";
import { eventually as until } from "./fixtures/wait";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "kubelab-lab-e2e-"));
const labDir = join(dir, "lab");
const clone = join(dir, "clone");
const PREFIX = "e2e-worker";
const ADDRESSES = ["127.0.0.50", "127.0.0.51"];
let kubectl: ReturnType<typeof kubectlFor>;
let port: number;

const lab = (...args: string[]) => run(process.execPath, [CLI, "lab", ...args, "--dir", labDir], { cwd: REPO_ROOT, timeout: 300_000 });
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@kubelab.local", ...args], { cwd: clone, stdio: ["ignore", "pipe", "pipe"] }).toString();

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000) =>
  until(fn, { timeoutMs, what, intervalMs: 500 });

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** A request to the lab's API over its TLS (the lab's CA trusted, as a browser that accepted it). */
function apiRequest(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  const ca = readFileSync(join(labDir, "tls", "apiserver.crt"));
  return new Promise((resolve, reject) => {
    const req = request(`https://127.0.0.1:${port}${path}`, { method: opts.method ?? "GET", headers: opts.headers, ca }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

interface PodView {
  name: string;
  node: string;
  phase: string;
  ready: boolean;
  restarts: number;
  image: string;
}

async function pods(selector = "app=nginx"): Promise<PodView[]> {
  const list = JSON.parse(await kubectl.ok(["get", "pods", "-l", selector, "-o", "json"])) as { items: any[] };
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? "",
      phase: p.status?.phase ?? "",
      ready: Boolean(p.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")),
      restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
      image: p.spec.containers[0].image,
    }));
}

async function page(address: string, nodePort: number): Promise<string> {
  const res = await fetch(`http://${address}:${nodePort}/`, { signal: AbortSignal.timeout(3000) });
  return (await res.text()).trim();
}

beforeAll(async () => {
  port = await freePort();
  const up = await lab("up", "--workers", "2", "--port", String(port), "--no-seed", "--name-prefix", PREFIX, "--first-address", ADDRESSES[0]);
  expect(up.stdout).toContain(`export KUBECONFIG=${join(labDir, "kubeconfig")}`);
  kubectl = kubectlFor(join(labDir, "kubeconfig"));
  execFileSync("git", ["clone", "--quiet", join(labDir, "repo.git"), clone]);
}, 300_000);

afterAll(async () => {
  try {
    await lab("down");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

describe("only the lab's user can use the lab", () => {
  it("keeps the lab dir, the store and every secret in it readable by its user only", () => {
    for (const d of ["", "logs", "server", "tls"]) expect(`${d || "lab dir"} ${mode(join(labDir, d))}`).toBe(`${d || "lab dir"} 700`);
    expect(mode(join(labDir, "repo.git/hooks/post-receive"))).toBe("700"); // it holds the webhook token
    for (const f of ["kubeconfig", "token-auth.csv", "webhook-token", "lab.json", "server/state.db", "tls/apiserver.key"]) {
      expect(`${f} ${mode(join(labDir, f))}`).toBe(`${f} 600`);
    }
    for (const f of ["server/state.db-wal", "server/state.db-shm"]) if (existsSync(join(labDir, f))) expect(`${f} ${mode(join(labDir, f))}`).toBe(`${f} 600`);
  });

  it("refuses a browser-style cross-origin POST without a token and writes nothing; kubectl's token works", async () => {
    const evil = { apiVersion: "v1", kind: "Pod", metadata: { name: "e2e-evil" }, spec: { containers: [{ name: "c", image: "kubelab/busybox:1.36", securityContext: { privileged: true } }] } };
    // What a web page can send to 127.0.0.1 without a preflight: a "simple" request.
    const status = await apiRequest("/api/v1/namespaces/default/pods", {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: "http://attacker.example" },
      body: JSON.stringify(evil),
    });
    expect([401, 415]).toContain(status);
    expect(await apiRequest("/api/v1/namespaces/default/pods")).toBe(401);
    expect(await apiRequest("/api/v1/pods", { headers: { Authorization: "Bearer not-the-token" } })).toBe(401);
    expect(await kubectl.ok(["get", "pods", "-A", "-o", "name"])).not.toContain("e2e-evil");

    const token = readFileSync(join(labDir, "token-auth.csv"), "utf8").split(",")[0];
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const config = parse(readFileSync(join(labDir, "kubeconfig"), "utf8")) as { users: Array<{ user: { token?: string } }> };
    expect(config.users[0].user.token).toBe(token);
    expect(await apiRequest("/api/v1/pods", { headers: { Authorization: `Bearer ${token}` } })).toBe(200);
  });
});

describe("the local lab follows the seed articles", () => {
  let nodePort = 0;

  it("1. comes up with two Ready workers", async () => {
    const nodes = await kubectl.ok(["get", "nodes"]);
    expect(nodes).toMatch(new RegExp(`${PREFIX}1\\s+Ready`));
    expect(nodes).toMatch(new RegExp(`${PREFIX}2\\s+Ready`));
    // The agents reached the API with the kubeconfig's token; `lab status` says so, as JSON too.
    const json = JSON.parse((await lab("status", "-o", "json")).stdout) as LabStatus;
    expect(json.healthy).toBe(true);
    expect(json.server).toMatchObject({ running: true, apiReady: true, url: `https://127.0.0.1:${port}` });
    expect(json.agents.map((a) => [a.node, a.running, a.nodeReady, a.address])).toEqual([
      [`${PREFIX}1`, true, "Ready", ADDRESSES[0]],
      [`${PREFIX}2`, true, "Ready", ADDRESSES[1]],
    ]);
    expect(json.pods).toEqual({ total: 0, running: 0 });
    expect(json.kubeconfig).toBe(join(labDir, "kubeconfig"));
    const text = await lab("status");
    expect(text.stdout.trim().split("\n")).toEqual(statusLines(json));
    expect(text.stdout.trim().split("\n").at(-1)).toBe("healthy");
    const bad = await lab("status", "-o", "yaml").then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).not.toBe(0);
    expect(bad?.stderr).toMatch(/text, json/);
  });

  it("2. a git push of the Deployment and the NodePort Service runs 3 pods over both workers, served on either node", async () => {
    copyFileSync(join(REPO_ROOT, "examples/seed/nginx-deployment.yaml"), join(clone, "nginx-deployment.yaml"));
    copyFileSync(join(REPO_ROOT, "examples/seed/nginx-service.yaml"), join(clone, "nginx-service.yaml"));
    git("add", ".");
    git("commit", "-q", "-m", "nginx");
    git("push", "-q", "origin", "main");
    const running = await eventually("3 ready pods", async () => {
      const ps = await pods();
      return ps.length === 3 && ps.every((p) => p.phase === "Running" && p.ready) ? ps : undefined;
    });
    expect(new Set(running.map((p) => p.node))).toEqual(new Set([`${PREFIX}1`, `${PREFIX}2`]));
    const containers = execFileSync("docker", ["ps", "--format", "{{.Names}}"]).toString();
    for (const p of running) {
      expect(containers).toMatch(new RegExp(`k8s_POD_${p.name}_default_`));
      expect(containers).toMatch(new RegExp(`k8s_nginx_${p.name}_default_`));
    }
    nodePort = Number(await kubectl.ok(["get", "svc", "nginx-service", "-o", "jsonpath={.spec.ports[0].nodePort}"]));
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    for (const address of ADDRESSES) {
      expect(await eventually(`the page on ${address}`, async () => (await page(address, nodePort)) === "kubelab web v1" || undefined)).toBe(true);
    }
  });

  it("3. `kubectl set image` rolls to the new page and `kubectl rollout undo` brings the old one back", async () => {
    await kubectl.ok(["set", "image", "deployment/nginx-deployment", "nginx=kubelab/web:2"]);
    await kubectl.ok(["rollout", "status", "deployment/nginx-deployment", "--timeout=120s"]);
    const rs = JSON.parse(await kubectl.ok(["get", "rs", "-l", "app=nginx", "-o", "json"])) as { items: any[] };
    const byImage = new Map(rs.items.map((r) => [r.spec.template.spec.containers[0].image, r.spec.replicas]));
    expect(byImage.get("kubelab/web:2")).toBe(3);
    expect(byImage.get("kubelab/web:1")).toBe(0);
    await eventually("the v2 page", async () => (await page(ADDRESSES[0], nodePort)) === "kubelab web v2" || undefined);
    await kubectl.ok(["rollout", "undo", "deployment/nginx-deployment"]);
    await kubectl.ok(["rollout", "status", "deployment/nginx-deployment", "--timeout=120s"]);
    await eventually("the v1 page again", async () => (await page(ADDRESSES[1], nodePort)) === "kubelab web v1" || undefined);
    const rsAfter = JSON.parse(await kubectl.ok(["get", "rs", "-l", "app=nginx", "-o", "json"])) as { items: any[] };
    expect(rsAfter.items).toHaveLength(2);
  });

  it("4. a killed app container is restarted; a dead worker's pods come back on the other one", async () => {
    const [victim] = await pods();
    const id = execFileSync("docker", ["ps", "-q", "--filter", `name=k8s_nginx_${victim.name}_default_`]).toString().trim();
    execFileSync("docker", ["kill", id]);
    await eventually("restartCount 1", async () => (await pods()).find((p) => p.name === victim.name && p.restarts >= 1 && p.ready));

    const state = JSON.parse(readFileSync(join(labDir, "lab.json"), "utf8")) as { agents: Array<{ node: string; pid: number }> };
    const dead = state.agents.find((a) => a.node === `${PREFIX}2`)!;
    process.kill(dead.pid, "SIGKILL");
    // First the control plane notices the dead node (all pods may have been on the other one
    // already, so their place alone proves nothing), then its pods come back on the survivor.
    await eventually(`${PREFIX}2 NotReady`, async () => /NotReady|Unknown/.test(await kubectl.ok(["get", "node", `${PREFIX}2`])) || undefined, 120_000);
    const moved = await eventually(
      "all pods on the surviving worker",
      async () => {
        const ps = await pods();
        return ps.length === 3 && ps.every((p) => p.node === `${PREFIX}1` && p.ready) ? ps : undefined;
      },
      120_000,
    );
    expect(moved).toHaveLength(3);
  });

  it("5. a broken push changes nothing and says why; a fix is applied", async () => {
    writeFileSync(join(clone, "broken.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: [this is\n");
    writeFileSync(join(clone, "extra.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n");
    git("add", ".");
    git("commit", "-q", "-m", "broken");
    git("push", "-q", "origin", "main");
    const status = await eventually("the error in the GitRepository", async () => {
      const out = await kubectl.ok(["get", "gitrepositories"]);
      return out.includes("broken.yaml") ? out : undefined;
    });
    expect(status).toMatch(/broken\.yaml:\d+/);
    expect((await kubectl.run(["get", "configmap", "extra"])).code).not.toBe(0);
    unlinkSync(join(clone, "broken.yaml"));
    git("add", "-A");
    git("commit", "-q", "-m", "fix");
    git("push", "-q", "origin", "main");
    await eventually("the fix applied", async () => (await kubectl.run(["get", "configmap", "extra"])).code === 0 || undefined);
  });

  it("6. `lab down` leaves no container and no process of the lab", async () => {
    const state = JSON.parse(readFileSync(join(labDir, "lab.json"), "utf8")) as { server: { pid: number }; agents: Array<{ pid: number }> };
    const pids = [state.server.pid, ...state.agents.map((a) => a.pid)];
    await lab("down");
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const after = await lab("status", "-o", "json").then(() => undefined, (e: { code: number; stdout: string }) => e);
    expect(after?.code).toBe(1);
    expect(JSON.parse(after!.stdout)).toEqual({ healthy: false, dir: labDir, agents: [] });
    for (const n of [1, 2]) {
      expect(execFileSync("docker", ["ps", "-aq", "--filter", `label=io.kubelab.node=${PREFIX}${n}`]).toString().trim()).toBe("");
    }
  });
});
