import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { pods as podsResource } from "../client/resources";
import { RestClient } from "../client/rest";
import { formatResolvConf, parseResolvConf } from "../agent/dns/resolv-conf";
import { removePodNetworks } from "../agent/network/teardown";
import { labDown } from "../infra/local/lab";
import { writeLabState } from "../infra/local/state";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// Cluster networking on real Docker: two nodes on one kernel (as in the local lab), each on its own
// bridge on its pod CIDR (node A's from the server's node IPAM, node B's from --pod-cidr), the
// node's cluster DNS on the bridge's gateway, queried by the pods themselves. The client pod runs
// the host's glibc tools (getent, through hostPath mounts of /usr) so names resolve by the pod's
// resolv.conf exactly as an application's would (search path, ndots); busybox's nslookup asks for
// the headless and SRV records.
const run = promisify(execFile);
const CLUSTER_CIDR = "10.252.0.0/16";
const B_CIDR = "10.252.200.0/24";
const id = randomBytes(3).toString("hex");
const NS = `net-${id}`;
const APP = `backend-${id}`;
const TIER = `tier-${id}`;

const sleeper = { image: "kubelab/busybox:1.36", command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"] };
const web = { image: "kubelab/web:1", ports: [{ name: "http", containerPort: 80 }] };
/** An HTTP server on port 80 answering `text` (evaluated by the shell: "$(hostname)" is the pod's name). */
const says = (text: string) => ({
  image: "kubelab/busybox:1.36",
  command: ["sh", "-c", `mkdir -p /www && echo "${text}" > /www/index.html && exec httpd -f -p 80 -h /www`],
});
const glibc = {
  volumes: ["/usr", "/usr/lib", "/usr/lib64"].map((path, i) => ({ name: `g${i}`, hostPath: { path } })),
  mounts: ["/usr", "/lib", "/lib64"].map((mountPath, i) => ({ name: `g${i}`, mountPath, readOnly: true })),
};

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName: string };
  status: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

function pod(name: string, node: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, ...spec } };
}

function service(name: string, spec: Record<string, unknown>) {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: NS }, spec: { selector: { app: APP }, ...spec } };
}

describe("the pod network and cluster DNS across two nodes", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;
  let client: RestClient;
  const pods = new Map<string, PodJson>();

  const agentArgs = (node: string, extra: string[] = []) => ["--node-status-update-frequency", "1s", "--network", `kubelab-${node}`, "--cluster-cidr", CLUSTER_CIDR, ...extra];
  const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" });
  /** Runs a command in the pod's container (the pod's own network namespace and resolv.conf). */
  const inPod = (name: string, cmd: string, container = "c") => {
    const p = pods.get(name)!;
    try {
      return docker("exec", `k8s_${container}_${name}_${NS}_${p.metadata.uid}_0`, "sh", "-c", cmd);
    } catch (err) {
      return `exit ${(err as { status?: number }).status}: ${(err as { stdout?: string }).stdout ?? ""}${(err as { stderr?: string }).stderr ?? ""}`;
    }
  };
  const svcIP = async (name: string, ns = NS) => (await kubectl.ok(["-n", ns, "get", "svc", name, "-o", "jsonpath={.spec.clusterIP}"])).trim();
  const gateway = (node: string) => docker("network", "inspect", `kubelab-${node}`, "--format", "{{(index .IPAM.Config 0).Gateway}}").trim();

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true, args: ["--cluster-cidr", CLUSTER_CIDR] });
    kubectl = kubectlFor(server.kubeconfig);
    client = RestClient.fromKubeconfig(server.kubeconfig);
    const na = `na-${id}`;
    const nb = `nb-${id}`;
    [a, b] = await Promise.all([
      startTestAgent({ address: "127.0.0.71", nodeName: na, server, args: agentArgs(na) }),
      startTestAgent({ address: "127.0.0.72", nodeName: nb, server, args: agentArgs(nb, ["--pod-cidr", B_CIDR]) }),
    ]);
    await kubectl.ok(["create", "namespace", NS]);
    // Services first: a container's Service variables are those of the Services that exist when it starts.
    const services = [
      service("backend", { ports: [{ name: "http", port: 8000, targetPort: "http" }] }),
      service("backend-hl", { clusterIP: "None", ports: [{ name: "http", port: 80, targetPort: "http" }] }),
    ];
    const tier = service("tier", { selector: { tier: TIER }, ports: [{ port: 8000, targetPort: 80 }] });
    await kubectl.ok(["apply", "-f", "-"], [...services, tier].map((o) => stringify(o)).join("---\n"));
    const notReady = { ports: web.ports, readinessProbe: { exec: { command: ["false"] }, periodSeconds: 1 } };
    const items = [
      pod("web-0", b.nodeName, { hostname: "web-0", subdomain: "backend-hl", containers: [{ name: "c", ...web }] }, { app: APP }),
      pod("web-1", b.nodeName, { containers: [{ name: "c", ...web }] }, { app: APP }),
      pod("web-unready", b.nodeName, { dnsPolicy: "Default", containers: [{ name: "c", ...says("unready"), ...notReady }] }, { app: APP, tier: TIER }),
      pod("client", a.nodeName, { volumes: glibc.volumes, containers: [{ name: "c", ...sleeper, volumeMounts: glibc.mounts }] }),
      pod("custom", a.nodeName, {
        enableServiceLinks: false,
        dnsPolicy: "None",
        dnsConfig: { nameservers: ["192.0.2.53"], searches: ["example.test"], options: [{ name: "ndots", value: "2" }] },
        containers: [{ name: "c", ...sleeper }],
      }),
      pod("hostnet", b.nodeName, { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet", containers: [{ name: "c", ...sleeper }] }),
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "tier", namespace: NS },
        spec: {
          replicas: 2,
          selector: { matchLabels: { tier: TIER } },
          template: { metadata: { labels: { tier: TIER } }, spec: { nodeName: b.nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: "c", ...says("$(hostname)") }] } },
        },
      },
    ];
    await kubectl.ok(["apply", "-f", "-"], items.map((o) => stringify(o)).join("---\n"));
    await eventually(async () => {
      const list = JSON.parse(await kubectl.ok(["-n", NS, "get", "pods", "-o", "json"])) as { items: PodJson[] };
      for (const p of list.items) pods.set(p.metadata.name, p);
      return list.items.length === items.length + 1 && list.items.every((p) => p.status.phase === "Running" && p.status.podIP);
    }, 90_000, "every pod Running with an IP");
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await removePodNetworks([a?.nodeName, b?.nodeName].filter((n): n is string => Boolean(n)));
    await server?.stop();
  });

  it("gives every pod an IP from its node's pod CIDR (node IPAM's or the flag's), which kubectl get pods -o wide shows", async () => {
    const cidrOf = async (node: string) => (await kubectl.ok(["get", "node", node, "-o", "jsonpath={.spec.podCIDR}"])).trim();
    const aCIDR = await cidrOf(a.nodeName);
    expect(aCIDR).toMatch(/^10\.252\.\d+\.0\/24$/);
    expect(await cidrOf(b.nodeName)).toBe(B_CIDR);
    const prefix = (cidr: string) => cidr.split(".").slice(0, 3).join(".") + ".";
    expect(gateway(a.nodeName)).toBe(`${prefix(aCIDR)}1`);
    expect(pods.get("client")!.status.podIP!.startsWith(prefix(aCIDR))).toBe(true);
    expect(pods.get("web-1")!.status.podIP!.startsWith(prefix(B_CIDR))).toBe(true);
    const wide = await kubectl.ok(["-n", NS, "get", "pods", "-o", "wide"]);
    expect(wide).toMatch(new RegExp(`\\nweb-1\\s+1/1\\s+Running\\s+\\d+\\s+\\S+\\s+${pods.get("web-1")!.status.podIP!.replace(/\./g, "\\.")}\\s+${b.nodeName}`));
  });

  it("lets a pod on node A reach a pod on node B by pod IP, and B sees A's pod IP (no NAT)", async () => {
    const target = pods.get("web-1")!;
    expect(inPod("client", `/usr/bin/curl -sS -m 5 http://${target.status.podIP}/`)).toBe("kubelab web v1\n");
    const log = await kubectl.ok(["-n", NS, "logs", "web-1"]);
    expect(log).toContain(`[::ffff:${pods.get("client")!.status.podIP}]:`);
  });

  it("resolves a Service by its full name and through the search path with the pod's resolver", async () => {
    const ip = await svcIP("backend");
    expect(inPod("client", "cat /etc/resolv.conf")).toMatch(
      new RegExp(`^search ${NS}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local( .*)?\\nnameserver ${gateway(a.nodeName).replace(/\./g, "\\.")}\\noptions ndots:5\\n$`),
    );
    expect(inPod("client", `/usr/bin/getent hosts backend.${NS}.svc.cluster.local`)).toMatch(new RegExp(`^${ip}\\s+backend\\.${NS}\\.svc\\.cluster\\.local`));
    expect(inPod("client", "/usr/bin/getent hosts backend")).toMatch(new RegExp(`^${ip}\\s`));
    expect(inPod("client", "/usr/bin/getent hosts kubernetes.default")).toMatch(new RegExp(`^${await svcIP("kubernetes", "default")}\\s`));
  });

  it("answers a headless Service with its ready pods' IPs, SRV for its named port, and the hostname/subdomain pod's name", async () => {
    const ready = ["web-0", "web-1"].map((n) => pods.get(n)!.status.podIP!).sort();
    const name = `backend-hl.${NS}.svc.cluster.local`;
    const a4 = await eventually(() => {
      const out = inPod("client", `nslookup -type=a ${name}`);
      const ips = [...out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]!).sort();
      return JSON.stringify(ips) === JSON.stringify(ready) ? ips : undefined;
    }, 20_000, "the headless Service's ready pod IPs");
    expect(a4).not.toContain(pods.get("web-unready")!.status.podIP);
    const srv = inPod("client", `nslookup -type=srv _http._tcp.${name}`);
    const targets = [...srv.matchAll(/service = \d+ \d+ 80 (\S+)/g)].map((m) => m[1]!.replace(/\.$/, "")).sort();
    // web-0 by its hostname (its subdomain is the Service), web-1 by its dashed IP.
    expect(targets).toEqual([`${pods.get("web-1")!.status.podIP!.replace(/\./g, "-")}.${name}`, `web-0.${name}`].sort());
    expect(inPod("client", `/usr/bin/getent hosts web-0.${name}`)).toMatch(new RegExp(`^${pods.get("web-0")!.status.podIP}\\s`));
  });

  it("honours dnsPolicy None with dnsConfig, Default and ClusterFirstWithHostNet", () => {
    expect(inPod("custom", "cat /etc/resolv.conf")).toBe("search example.test\nnameserver 192.0.2.53\noptions ndots:2\n");
    expect(inPod("web-unready", "cat /etc/resolv.conf")).toBe(formatResolvConf(parseResolvConf(readFileSync("/etc/resolv.conf", "utf8"))));
    expect(inPod("hostnet", "cat /etc/resolv.conf")).toContain(`\nnameserver ${gateway(b.nodeName)}\noptions ndots:5\n`);
  });

  it("gives containers the Service variables, KUBERNETES_SERVICE_* always, the namespace's only with enableServiceLinks", async () => {
    const env = inPod("client", "env").split("\n");
    expect(env).toContain(`BACKEND_SERVICE_HOST=${await svcIP("backend")}`);
    expect(env).toContain("BACKEND_SERVICE_PORT=8000");
    expect(env).toContain("BACKEND_SERVICE_PORT_HTTP=8000");
    expect(env).toContain(`KUBERNETES_SERVICE_HOST=${await svcIP("kubernetes", "default")}`);
    expect(env.filter((v) => v.startsWith("BACKEND_HL_"))).toEqual([]); // headless: no ClusterIP, no variables
    const custom = inPod("custom", "env");
    expect(custom).toContain("KUBERNETES_SERVICE_PORT=");
    expect(custom).not.toContain("BACKEND_SERVICE_HOST");
  });

  /** The answers of n requests from the client pod (on node A) to url, one per line ("" for a failed one). */
  const answers = (url: string, n: number) =>
    inPod("client", `for i in $(seq ${n}); do /usr/bin/curl -s -m 1 ${url} || echo; done`).split("\n").slice(0, n);
  const tierPods = async () =>
    (JSON.parse(await kubectl.ok(["-n", NS, "get", "pods", "-l", `tier=${TIER}`, "-o", "json"])) as { items: PodJson[] }).items
      .filter((p) => p.metadata.name !== "web-unready" && !p.metadata.deletionTimestamp && p.status.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
      .map((p) => p.metadata.name)
      .sort();

  it("serves a two-tier app: pods on node A reach the backend on node B by name, short name and Service variables, never the not-ready pod", async () => {
    const backends = await eventually(async () => ((await tierPods()).length === 2 ? tierPods() : undefined), 30_000, "two ready tier pods");
    // Ready in the API comes a moment before node A's rules have the endpoints (the next test
    // measures how long): wait for the first answer, then every name form must work at once.
    await eventually(() => /^tier-/.test(answers(`http://tier.${NS}.svc.cluster.local:8000/`, 1)[0] ?? ""), { timeoutMs: 10_000, intervalMs: 50, what: "the Service answering by its full name" });
    expect(answers("http://tier:8000/", 1)[0]).toMatch(/^tier-/);
    expect(inPod("client", "/usr/bin/curl -sS -m 2 http://$TIER_SERVICE_HOST:$TIER_SERVICE_PORT/")).toMatch(/^tier-/);
    const seen = new Set(answers("http://tier:8000/", 30));
    expect([...seen].sort()).toEqual(backends); // both backends, and never "unready"
  });

  it("follows the backend within a second: a deleted pod stops answering, scaled to 0 nothing answers, scaled back new pods do", async () => {
    const [gone] = await tierPods();
    // Requests in a loop inside the client pod, each line "<ms since epoch> <answer>", while the pod is deleted
    // (20 answers in a row from others by chance before the delete: one in a million).
    const p = pods.get("client")!;
    const loop = run("docker", ["exec", `k8s_c_client_${NS}_${p.metadata.uid}_0`, "sh", "-c",
      // Until 20 answers in a row came from others (at most 400 requests).
      `n=0; i=0; while [ $n -lt 20 ] && [ $i -lt 400 ]; do i=$((i+1)); a=$(/usr/bin/curl -s -m 1 http://tier:8000/); echo "$(/usr/bin/date +%s%3N) $a"; if [ "$a" = "${gone}" ]; then n=0; else n=$((n+1)); fi; done`]);
    const deletedAt = Date.now();
    await client.delete(podsResource, NS, gone!);
    const lines = (await loop).stdout.trim().split("\n").map((l) => l.split(" ") as [string, string?]);
    const lastGone = lines.findLastIndex(([, answer]) => answer === gone);
    expect(lastGone).toBeLessThan(lines.length - 1); // it stopped answering before the loop ended
    const followedMs = Number(lines[lastGone + 1]![0]) - deletedAt;
    expect(followedMs).toBeLessThan(1000);
    // After the switch every answer comes from another pod; one request in flight at the switch may
    // be refused (the pod is gone before its rule is; Kubernetes without a preStop delay does too).
    const after = lines.slice(lastGone + 1).map(([, answer]) => answer ?? "");
    expect(after.filter((a) => a === "").length).toBeLessThanOrEqual(1);
    expect(after.filter((a) => a !== "").every((a) => a.startsWith("tier-") && a !== gone)).toBe(true);

    await kubectl.ok(["-n", NS, "scale", "deployment", "tier", "--replicas=0"]);
    await eventually(() => answers("http://tier:8000/", 5).every((a) => a === ""), { timeoutMs: 10_000, intervalMs: 20, what: "no answers at 0 replicas" });
    await kubectl.ok(["-n", NS, "scale", "deployment", "tier", "--replicas=2"]);
    const back = await eventually(async () => ((await tierPods()).length === 2 ? tierPods() : undefined), 30_000, "two new ready tier pods");
    await eventually(() => new Set(answers("http://tier:8000/", 20)).size === 2, { timeoutMs: 5000, intervalMs: 20, what: "both new pods answering" });
    expect(new Set(answers("http://tier:8000/", 20))).toEqual(new Set(back));
  }, 90_000);

  it("keeps node A's pods reaching node B's pods and Services while B's agent is killed and restarted, without writing its rules twice", async () => {
    const rulesOfB = () => execFileSync("iptables-save", { encoding: "utf8" }).split("\n").filter((l) => l.includes(`"kubelab:${b.nodeName}"`));
    const before = rulesOfB();
    expect(before).toHaveLength(3);
    const readyCount = () => b.logs().split("pod network ready").length - 1;
    const started = readyCount();
    await b.kill("SIGKILL");
    expect(inPod("client", `/usr/bin/curl -sS -m 5 http://${pods.get("web-0")!.status.podIP}/`)).toBe("kubelab web v1\n");
    expect(answers("http://tier:8000/", 5).every((a) => a.startsWith("tier-"))).toBe(true); // node A's Service rules, B's pods
    await b.start();
    await eventually(() => readyCount() > started, 20_000, "B's pod network ready again");
    expect(rulesOfB()).toEqual(before);
    expect(inPod("client", `/usr/bin/getent hosts web-0.backend-hl.${NS}.svc.cluster.local`)).toContain(pods.get("web-0")!.status.podIP);
  });

  it("lab down leaves no containers, bridges, routes or host rules of the nodes behind", async () => {
    const nodes = [a.nodeName, b.nodeName];
    const bridges = nodes.map((n) => `br-${docker("network", "inspect", `kubelab-${n}`, "--format", "{{.Id}}").slice(0, 12)}`);
    expect(execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })).toContain(bridges[0]);
    expect(execFileSync("nft", ["list", "tables"], { encoding: "utf8" })).toContain(`kubelab-${a.nodeName}`);
    const dir = mkdtempSync(join(tmpdir(), "kubelab-netlab-"));
    const proc = (name: string, pid: number) => ({ name, pid, log: "", args: [] });
    writeLabState({
      dir, apiUrl: server.url, kubeconfig: server.kubeconfig, repo: "",
      server: proc("server", server.pid()),
      agents: [a, b].map((x) => ({ ...proc(x.nodeName, x.pid()), node: x.nodeName, address: x.address })),
    });
    await labDown(dir, () => undefined);
    for (const n of nodes) {
      expect(docker("ps", "-aq", "--filter", `label=io.kubelab.node=${n}`).trim()).toBe("");
      expect(docker("network", "ls", "-q", "--filter", `label=io.kubelab.node=${n}`).trim()).toBe("");
    }
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
    for (const br of bridges) expect(links).not.toContain(br);
    expect(execFileSync("ip", ["-4", "route", "show"], { encoding: "utf8" })).not.toContain("10.252.");
    expect(execFileSync("iptables-save", { encoding: "utf8" })).not.toMatch(new RegExp(`kubelab:(${nodes.join("|")})`));
    const tables = execFileSync("nft", ["list", "tables"], { encoding: "utf8" });
    for (const n of nodes) expect(tables).not.toContain(n); // the service proxy's table ip kubelab-<node>
  }, 60_000);
});
