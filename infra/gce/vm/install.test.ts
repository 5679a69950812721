// The install scripts that Pulumi runs on the VMs, run here for real in a temp root: the master's
// script makes the token, the certificates, the admin kubeconfig and the git repository and starts
// the bundled server (through a systemctl stand-in), which the real kubectl then reaches over TLS;
// a worker bootstraps its own certificate from a bootstrap token the master makes for it.
import { removePodNetworks } from "../../../agent/network/teardown";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle, packNativeModules } from "../../../scripts/build";
import { ensureNodeDist, pinnedNode, type NodeDist } from "../../../scripts/node-dist";
import { eventually } from "../../../test/fixtures/wait";
import { kubectlFor } from "../../../test/fixtures/kubectl";
import { waitForReadyScript } from "../install";
import { Etcd3 } from "etcd3";

const VM = path.resolve(import.meta.dirname);
const REPO = path.resolve(VM, "../../..");
const SCRIPTS = ["install-node.sh", "install-master.sh", "install-worker.sh", "bootstrap-token.sh", "allow-pod-traffic.sh", "startup-master.sh", "startup-worker.sh", "post-receive"];

let dir: string;
let staging: string;
let nodeTarball: string;
let nodeSha: string;
let nodeDist: NodeDist;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.2", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(script: string, args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync("bash", [path.join(staging, script), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    input,
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout + r.stderr, stdout: r.stdout };
}

/** A root folder for one "VM", with the systemctl stand-in; `start` lists the units it really starts. */
function vm(name: string, start: string[] = []) {
  const root = path.join(dir, name, "root");
  const state = path.join(dir, name, "state");
  mkdirSync(root, { recursive: true });
  mkdirSync(state, { recursive: true });
  const systemctl = path.join(state, "systemctl");
  writeFileSync(systemctl, `#!/bin/sh\ncd ${REPO} && exec ${process.execPath} --import tsx ${path.join(VM, "systemctl-standin.ts")} "$@"\n`);
  chmodSync(systemctl, 0o755);
  const env = {
    KUBELAB_ROOT: root,
    SYSTEMCTL: systemctl,
    KUBELAB_STANDIN_STATE: state,
    KUBELAB_STANDIN_START: start.join(","),
    KUBELAB_NODE_URL: `file://${nodeTarball}`,
    KUBELAB_NODE_SHA256: nodeSha,
  };
  const calls = () => (existsSync(path.join(state, "calls.log")) ? readFileSync(path.join(state, "calls.log"), "utf8").trim().split("\n") : []);
  const stop = () => {
    for (const f of readdirSync(state).filter((f) => f.endsWith(".pid"))) {
      try {
        process.kill(Number(readFileSync(path.join(state, f), "utf8")), "SIGKILL");
      } catch {
        // gone
      }
    }
  };
  return { root, state, env, calls, stop };
}
const vms: ReturnType<typeof vm>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "kubelab-install-"));
  staging = path.join(dir, "staging");
  mkdirSync(staging);
  for (const f of [...SCRIPTS, "kubelab-server.service", "kubelab-agent.service"]) copyFileSync(path.join(VM, f), path.join(staging, f));
  await bundle(path.join(staging, "kubelab.mjs"));
  // The VMs' Node (the pinned LTS, from the npm registry; cached by scripts/test-setup.sh), which
  // the shipped natives are compiled for: the "VMs" below run exactly it.
  nodeDist = ensureNodeDist();
  packNativeModules(path.join(staging, "native-modules.tar.gz"));
  // Stand-in for the Node tarball from the registry: same layout, a small node that runs the real one.
  const pkg = path.join(dir, "nodepkg", "package", "bin");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, "node"), `#!/bin/sh\nexec ${nodeDist.node} "$@"\n`);
  chmodSync(path.join(pkg, "node"), 0o755);
  nodeTarball = path.join(dir, "node.tgz");
  execFileSync("tar", ["-czf", nodeTarball, "-C", path.join(dir, "nodepkg"), "package"]);
  nodeSha = createHash("sha256").update(readFileSync(nodeTarball)).digest("hex");
}, 900_000); // a machine without the cache compiles better-sqlite3 for the pinned Node first

afterAll(() => {
  for (const v of vms) v.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("scripts that go onto the VMs", () => {
  it("pass shellcheck", () => {
    const r = spawnSync("shellcheck", ["-x", ...SCRIPTS.map((s) => path.join(VM, s))], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("the first remote command waits for the startup script's marker and gives up with its log", () => {
    const marker = path.join(dir, "ready-marker");
    const staging2 = path.join(dir, "staging-from-wait");
    const script = waitForReadyScript(staging2, marker, 2);
    const check = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8" });
    expect(check.stdout, script).toBe("");
    const fails = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(fails.status).toBe(1);
    expect(fails.stderr).toContain("the startup script did not finish");
    expect(existsSync(staging2)).toBe(false);
    writeFileSync(marker, "");
    const ok = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(staging2)).toBe(true);
  });

  it("install-node.sh refuses a Node tarball whose sha256 is not the pinned one", () => {
    const v = vm("node-bad");
    const r = run("install-node.sh", [], { ...v.env, KUBELAB_NODE_SHA256: "0".repeat(64) });
    expect(r.status).toBe(1);
    expect(r.out).toContain("sha256 mismatch");
    expect(existsSync(path.join(v.root, "usr/local/bin/node"))).toBe(false);
  });

  it("install-node.sh installs Node once and links it as /usr/local/bin/node", () => {
    const v = vm("node-good");
    expect(run("install-node.sh", [], v.env).status).toBe(0);
    const node = path.join(v.root, "usr/local/bin/node");
    expect(execFileSync(node, ["-e", "console.log(process.versions.node)"], { encoding: "utf8" }).trim()).toBe(pinnedNode().version);
    const again = run("install-node.sh", [], { ...v.env, KUBELAB_NODE_URL: "file:///nonexistent" });
    expect(again.status).toBe(0);
    expect(again.out).toContain("already installed");
  });

  it("the pinned Node is an LTS build past Node 20's end of life, which kubelab's dependencies support", () => {
    const { version } = pinnedNode();
    const major = version.split(".")[0];
    expect(Number(major)).toBeGreaterThanOrEqual(22);
    const release = JSON.parse(execFileSync(nodeDist.node, ["-p", "JSON.stringify(process.release)"], { encoding: "utf8" })) as { lts?: string };
    expect(release.lts, "process.release.lts of the pinned Node").toMatch(/^[A-Z][a-z]+$/);
    const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toContain(`^${major}.`);
    const engines = JSON.parse(readFileSync(path.join(REPO, "node_modules/better-sqlite3/package.json"), "utf8")).engines.node as string;
    expect(engines).toContain(`${major}.x`);
  });
});

describe("install-master.sh", () => {
  let master: ReturnType<typeof vm>;
  let port: number;
  let args: string[];
  const etc = () => path.join(master.root, "etc/kubelab");

  beforeAll(async () => {
    master = vm("master", ["kubelab-server.service"]);
    vms.push(master);
    port = await freePort();
    args = ["--staging", staging, "--public-ip", "127.0.0.2", "--internal-ip", "127.0.0.3", "--git-user", "root", "--workers", "kubelab-worker-7 kubelab-worker-8", "--listen", `127.0.0.2:${port}`];
  }, 30_000);

  it("starts the bundled server, which kubectl reaches over TLS with the generated admin token", async () => {
    const r = run("install-master.sh", args, master.env);
    expect(r.status, r.out + readLog(master, "kubelab-server.service")).toBe(0);
    expect(r.out).toContain(`API server is up at https://127.0.0.2:${port}`);
    expect(master.calls()).toEqual(["daemon-reload", "enable kubelab-server.service", "restart kubelab-server.service"]);

    const kubectl = kubectlFor(path.join(etc(), "admin.kubeconfig"));
    const version = JSON.parse(await kubectl.ok(["get", "--raw", "/version"]));
    expect(version.major).toBe("1");
    expect(await kubectl.ok(["get", "namespaces", "-o", "name"])).toContain("namespace/default");
    // A worker's bootstrap kubeconfig (its server is the master's internal IP on the VPC) names a
    // bootstrap token, valid for an hour, and nothing else.
    const made = spawnSync("bash", [path.join(master.root, "opt/kubelab/bootstrap-token.sh")], { encoding: "utf8", env: { ...process.env, ...master.env } });
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toContain(`server: https://127.0.0.3:${port}`);
    writeFileSync(path.join(dir, "bootstrap.kubeconfig"), made.stdout);
    const who = JSON.parse(await kubectlFor(path.join(dir, "bootstrap.kubeconfig")).ok(["--server", `https://127.0.0.2:${port}`, "auth", "whoami", "-o", "json"])) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(who.status.userInfo.username).toMatch(/^system:bootstrap:[0-9a-f]{6}$/);
    expect(who.status.userInfo.groups).toContain("system:bootstrappers");
    const secret = JSON.parse(await kubectl.ok(["get", "secret", "-n", "kube-system", `bootstrap-token-${who.status.userInfo.username.slice(-6)}`, "-o", "json"])) as { type: string; data: Record<string, string> };
    expect(secret.type).toBe("bootstrap.kubernetes.io/token");
    const expires = Date.parse(Buffer.from(secret.data.expiration!, "base64").toString());
    expect(expires - Date.now()).toBeGreaterThan(3500_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it("serves nothing without a token", () => {
    const r = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", path.join(etc(), "tls.crt"), `https://127.0.0.2:${port}/api/v1/namespaces`], { encoding: "utf8" });
    expect(r.stdout).toBe("401");
  });

  it("makes a certificate for the static IP, the internal IP and loopback, and keeps secrets private", () => {
    const text = execFileSync("openssl", ["x509", "-in", path.join(etc(), "tls.crt"), "-noout", "-ext", "subjectAltName"], { encoding: "utf8" });
    for (const ip of ["127.0.0.2", "127.0.0.3", "127.0.0.1"]) expect(text).toContain(`IP Address:${ip}`);
    for (const f of ["tls.key", "tokens.csv", "service-account.key", "admin.kubeconfig", "ca.key"]) expect(statSync(path.join(etc(), f)).mode & 0o077, f).toBe(0);
    // No node credential is made up front: workers bootstrap their own certificates.
    expect(readFileSync(path.join(etc(), "tokens.csv"), "utf8")).not.toContain("system:node:");
    expect(existsSync(path.join(etc(), "nodes"))).toBe(false);
    const admin = readFileSync(path.join(etc(), "admin.kubeconfig"), "utf8");
    expect(admin).toContain(`server: https://127.0.0.2:${port}`);
  });

  it("re-running it keeps the token and the certificate and restarts the server", async () => {
    const before = ["tokens.csv", "tls.crt", "webhook-token", "ca.crt"].map((f) => readFileSync(path.join(etc(), f), "utf8"));
    const pid = readFileSync(path.join(master.state, "kubelab-server.service.pid"), "utf8");
    const r = run("install-master.sh", args, master.env);
    expect(r.status, r.out + readLog(master, "kubelab-server.service")).toBe(0);
    expect(r.out).not.toContain("generated");
    expect(["tokens.csv", "tls.crt", "webhook-token", "ca.crt"].map((f) => readFileSync(path.join(etc(), f), "utf8"))).toEqual(before);
    expect(readFileSync(path.join(master.state, "kubelab-server.service.pid"), "utf8")).not.toBe(pid);
    expect(await kubectlFor(path.join(etc(), "admin.kubeconfig")).ok(["get", "--raw", "/version"])).toContain("gitVersion");
  });

  it("creates the git repository users push to; a push reaches the cluster through the hook and git-sync", async () => {
    const repo = path.join(master.root, "srv/git/lab.git");
    expect(readFileSync(path.join(master.root, "etc/kubelab/server.env"), "utf8")).toContain("KUBELAB_GITOPS_REPO=/srv/git/lab.git#main");
    const work = path.join(dir, "work");
    execFileSync("git", ["init", "-q", "-b", "main", work]);
    // The repository acts as default/gitops-lab (admin in "default"): a namespaced object.
    writeFileSync(path.join(work, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\n  namespace: default\ndata:\n  from: git\n");
    const git = (...a: string[]) => spawnSync("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@t", ...a], {
      encoding: "utf8",
      env: { ...process.env, KUBELAB_HOOK_ENV: path.join(master.root, "etc/kubelab/git-hook.env") },
    });
    git("add", ".");
    git("commit", "-qm", "first");
    const push = git("push", repo, "main");
    expect(push.status, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/kubelab: refs\/heads\/main -> [0-9a-f]{12}/);
    expect(push.stderr).toContain("kubelab: git-sync notified");
    expect(execFileSync("git", ["--git-dir", repo, "log", "--format=%s", "main"], { encoding: "utf8" }).trim()).toBe("first");
    const kubectl = kubectlFor(path.join(etc(), "admin.kubeconfig"));
    await eventually(async () => (await kubectl.ok(["get", "configmaps", "-n", "default", "-o", "name"])).includes("configmap/pushed"), 30_000, "configmap/pushed");
    expect(await kubectl.ok(["get", "gitrepository", "lab", "-n", "default", "-o", "jsonpath={.spec.serviceAccountName}"])).toBe("gitops-lab");
  });
  it("a worker installed with its bootstrap kubeconfig gets its own certificate and registers its node and pod CIDR", async () => {
    const worker = vm("worker-live", ["kubelab-agent.service"]);
    vms.push(worker);
    const network = `kubelab-it-${process.pid}`;
    const kubeconfig = readFileSync(path.join(dir, "bootstrap.kubeconfig"), "utf8").replace("https://127.0.0.3:", "https://127.0.0.2:");
    try {
      const r = run("install-worker.sh", [
        "--staging", staging, "--node-name", "kubelab-worker-7", "--address", "127.0.0.4",
        "--pod-cidr", "10.213.7.0/24", "--network", network,
      ], worker.env, kubeconfig);
      expect(r.status, r.out + readLog(worker, "kubelab-agent.service")).toBe(0);
      const kubectl = kubectlFor(path.join(etc(), "admin.kubeconfig"));
      type NodeView = { spec?: { podCIDR?: string }; status?: { conditions?: { type: string; status: string }[] } };
      const node = await eventually(async () => {
        const got = await kubectl.run(["get", "node", "kubelab-worker-7", "-o", "json"]);
        const n = got.code === 0 ? (JSON.parse(got.stdout) as NodeView) : undefined;
        return n?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? n : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500, what: "node kubelab-worker-7 Ready" });
      expect(node.spec?.podCIDR, readLog(worker, "kubelab-agent.service")).toBe("10.213.7.0/24");
      expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      // The agent works as the node itself, by the certificate it bootstrapped.
      const own = path.join(worker.root, "var/lib/kubelab/agent/kubeconfig");
      expect(statSync(own).mode & 0o077).toBe(0);
      expect(await kubectlFor(own).ok(["auth", "whoami"])).toMatch(/Username\s+system:node:kubelab-worker-7/);
    } finally {
      worker.stop();
      // The agent's bridge and its host rules (--cluster-cidr) go with the test.
      await removePodNetworks(["kubelab-worker-7"]);
      spawnSync("docker", ["network", "rm", network], { encoding: "utf8" });
    }
  });
});

describe("allow-pod-traffic.sh", () => {
  it("admits traffic between the cluster's pods through Docker's FORWARD chain, once however often it runs (in a network namespace)", () => {
    const script = path.join(VM, "allow-pod-traffic.sh");
    const r = spawnSync("unshare", ["--net", "bash", "-c", [
      `bash ${script} 10.200.0.0/16 10.200.1.0/24`,
      `bash ${script} 10.200.0.0/16 10.200.1.0/24`,
      "iptables -w -S DOCKER-USER",
      "iptables -w -t nat -S POSTROUTING",
    ].join(" && ")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const rules = r.stdout.trim().split("\n").filter((l) => l.startsWith("-A"));
    expect(rules.sort()).toEqual([
      "-A DOCKER-USER -s 10.200.0.0/16 -d 10.200.1.0/24 -j ACCEPT",
      "-A DOCKER-USER -s 10.200.1.0/24 -d 10.200.0.0/16 -j ACCEPT",
      "-A POSTROUTING -s 10.200.1.0/24 -d 10.200.0.0/16 -j RETURN",
    ]);
  });
});

describe("install-worker.sh", () => {
  it("installs the agent with its node's name, address and pod CIDR, the bootstrap kubeconfig from stdin", () => {
    const w = vm("worker");
    const kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: node\n  user:\n    token: abc\n";
    const r = run("install-worker.sh", ["--staging", staging, "--node-name", "kubelab-worker-1", "--address", "10.240.0.21", "--pod-cidr", "10.200.1.0/24"], w.env, kubeconfig);
    expect(r.status, r.out).toBe(0);
    const etc = path.join(w.root, "etc/kubelab");
    expect(readFileSync(path.join(etc, "bootstrap.kubeconfig"), "utf8")).toBe(kubeconfig);
    expect(statSync(path.join(etc, "bootstrap.kubeconfig")).mode & 0o077).toBe(0);
    expect(readFileSync(path.join(etc, "agent.env"), "utf8")).toBe(
      "KUBELAB_NODE_NAME=kubelab-worker-1\nKUBELAB_NODE_ADDRESS=10.240.0.21\nKUBELAB_POD_CIDR=10.200.1.0/24\nKUBELAB_CLUSTER_POD_RANGE=10.200.0.0/16\nKUBELAB_NETWORK=kubelab\nKUBELAB_VERSION=0.1.0\n",
    );
    expect(existsSync(path.join(w.root, "opt/kubelab/kubelab.mjs"))).toBe(true);
    expect(statSync(path.join(w.root, "opt/kubelab/allow-pod-traffic.sh")).mode & 0o111).not.toBe(0);
    expect(w.calls()).toEqual(["daemon-reload", "enable kubelab-agent.service", "restart kubelab-agent.service", "is-active --quiet kubelab-agent.service"]);
  });

  it("refuses to install without a kubeconfig on stdin", () => {
    const w = vm("worker-nokubeconfig");
    const r = run("install-worker.sh", ["--staging", staging, "--node-name", "w", "--address", "10.240.0.20", "--pod-cidr", "10.200.0.0/24"], w.env, "");
    expect(r.status).toBe(1);
    expect(r.out).toContain("no kubeconfig on stdin");
    expect(w.calls()).toEqual([]);
  });
});

// A master of a stack with kubelab:masterCount > 1, in the order Pulumi runs it: install-etcd.sh
// makes the etcd PKI, the member's unit (started here for real: Debian's /usr/bin/etcd with client
// and peer TLS) and the kubelab-server drop-in; install-master.sh then starts the bundled server,
// which stores in etcd through the etcd3 and gRPC shipped beside the bundle.
describe("install-etcd.sh then install-master.sh (several masters)", () => {
  it("the bundled server runs on the etcd member with TLS, and what kubectl creates is in etcd", async () => {
    const master = vm("ha-master", ["kubelab-etcd.service", "kubelab-server.service"]);
    vms.push(master);
    const ip = "127.0.94.1";
    const [apiPort, clientPort, peerPort] = [await freePort(), await freePort(), await freePort()];
    copyFileSync(path.join(VM, "install-etcd.sh"), path.join(staging, "install-etcd.sh"));
    const pki = run("install-etcd.sh", ["pki", "--ips", ip], master.env);
    expect(pki.status, pki.out).toBe(0);
    const certs = pki.stdout.trim();
    const member = run("install-etcd.sh", ["member", "--name", "m0", "--ip", ip, "--initial-cluster", `m0=https://${ip}:${peerPort}`,
      "--server-unit", path.join(staging, "kubelab-server.service"), "--client-port", String(clientPort), "--peer-port", String(peerPort),
      "--token", `kubelab-install-${process.pid}`], master.env, certs);
    expect(member.status, member.out + readLog(master, "kubelab-etcd.service")).toBe(0);

    const r = run("install-master.sh", ["--staging", staging, "--public-ip", ip, "--internal-ip", ip, "--git-user", "root", "--listen", `${ip}:${apiPort}`], master.env);
    expect(r.status, r.out + readLog(master, "kubelab-server.service") + readLog(master, "kubelab-etcd.service")).toBe(0);
    const argv = readFileSync(path.join(master.root, "etc/systemd/system/kubelab-server.service.d/etcd.conf"), "utf8");
    expect(argv).toContain(`--store etcd --etcd-servers https://${ip}:${clientPort}`);

    const kubectl = kubectlFor(path.join(master.root, "etc/kubelab/admin.kubeconfig"));
    await kubectl.ok(["create", "configmap", "stored-in-etcd", "-n", "default", "--from-literal=store=etcd"]);
    expect(await kubectl.ok(["get", "configmap", "stored-in-etcd", "-n", "default", "-o", "jsonpath={.data.store}"])).toBe("etcd");
    const etc = path.join(master.root, "etc/kubelab/etcd");
    const client = new Etcd3({
      hosts: `https://${ip}:${clientPort}`,
      credentials: {
        rootCertificate: readFileSync(path.join(etc, "ca.crt")),
        certChain: readFileSync(path.join(etc, "apiserver-etcd-client.crt")),
        privateKey: readFileSync(path.join(etc, "apiserver-etcd-client.key")),
      },
    });
    try {
      const keys = await client.getAll().keys();
      expect(keys.filter((k) => k.includes("configmaps") && k.endsWith("/default/stored-in-etcd"))).toHaveLength(1);
    } finally {
      client.close();
      master.stop();
    }
  });
});

function readLog(v: ReturnType<typeof vm>, unit: string): string {
  const f = path.join(v.state, `${unit}.log`);
  return existsSync(f) ? readFileSync(f, "utf8").slice(-3000) : "";
}
