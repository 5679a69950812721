// kubelab:masterCount under Pulumi's mocks: 1 master stays today's lab; 3 masters spread over the
// region's zones, an etcd member on each, the API behind a load balancer checked on /readyz, and
// the etcd certificates and control-plane secrets only ever in secret values.
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consistently, eventually } from "../../test/fixtures/wait";
import { spreadZones } from "./ha";
import type { Deployment } from "./install";

interface Created { type: string; name: string; inputs: Record<string, any> }
const created: Created[] = [];
const recorded: { name: string; opts: pulumi.CustomResourceOptions }[] = [];
// How a secret value reaches the mock monitor: { [SECRET_KEY]: SECRET_SIG, value }.
const SECRET_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

pulumi.runtime.setMocks({
  newResource(args) {
    created.push({ type: args.type, name: args.name, inputs: args.inputs });
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "gcp:compute/address:Address") state.address = args.name.endsWith("api-ip") ? "203.0.113.9" : "203.0.113.7";
    if (args.type === "gcp:serviceaccount/account:Account") state.email = `${args.inputs.accountId}@p.iam.gserviceaccount.com`;
    if (args.type === "gcp:compute/instance:Instance") {
      const m = Number(args.name.match(/master-(\d+)$/)?.[1] ?? 0);
      const w = args.name.match(/worker-(\d+)$/)?.[1];
      state.selfLink = `https://compute/instances/${args.name}`;
      state.networkInterfaces = args.inputs.networkInterfaces.map((ni: any) => ({ ...ni, accessConfigs: [{ natIp: w ? `198.51.100.${10 + Number(w)}` : `192.0.2.${100 + m}` }] }));
    }
    if (args.type === "command:remote:Command") state.stdout = /kubeconfig/.test(args.inputs.create) ? "apiVersion: v1\nkind: Config\n" : /etcd.sh (pki|share)/.test(args.inputs.create) ? "H4sIAAAAsecret" : "";
    return { id: `${args.name}-id`, state };
  },
  call(args) {
    if (args.token === "gcp:compute/getZones:getZones") return { names: ["europe-west3-c", "europe-west3-a", "europe-west3-b"] };
    return args.inputs;
  },
}, "kubelab", "test", false);

const record: pulumi.ResourceTransformation = (a) => {
  recorded.push({ name: a.name, opts: a.opts });
  return undefined;
};

function config(overrides: Record<string, string | undefined>) {
  const base: Record<string, string | undefined> = {
    "gcp:project": "kubelab-test",
    "gcp:region": "europe-west3",
    "gcp:zone": "europe-west3-a",
    "kubelab:workerCount": "2",
    "kubelab:sshSourceRanges": "198.51.100.0/24",
    "kubelab:apiSourceRanges": "198.51.100.0/24",
    "kubelab:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 test@kubelab",
    "kubelab:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
    ...overrides,
  };
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>, ["kubelab:sshPrivateKey"]);
}

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));
const isSecret = (o: pulumi.Output<unknown>) => (o as unknown as { isSecret: Promise<boolean> }).isSecret;
const byType = (t: string) => created.filter((c) => c.type === t);
const named = (n: string) => created.find((c) => c.name === n)!;

let dir: string;
let deployment: Deployment;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kubelab-gce-ha-"));
  deployment = { bundlePath: path.join(dir, "kubelab.mjs"), agentBundlePath: path.join(dir, "kubelab-agent.mjs"), nativeModulesPath: path.join(dir, "native.tar.gz") };
  writeFileSync(deployment.bundlePath, "console.log('v1')\n");
  writeFileSync(deployment.agentBundlePath, "console.log('v1 agent')\n");
  writeFileSync(deployment.nativeModulesPath, "tar");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function up(name: string, overrides: Record<string, string | undefined>) {
  created.length = 0;
  recorded.length = 0;
  config(overrides);
  const { createCluster } = await import("./program");
  const out = createCluster(name, deployment, { transformations: [record] });
  await Promise.all([value(out.kubeconfig), value(out.apiServerUrl)]);
  await eventually(() => created.length === recorded.length, 10_000, "every registration at the mock monitor");
  return out;
}

describe("kubelab:masterCount", () => {
  it("1 (the default): one master on SQLite, no etcd, no load balancer, the API on the master's address", async () => {
    const out = await up("one", {});
    expect(byType("gcp:compute/instance:Instance").filter((i) => i.name.includes("master")).map((i) => i.name)).toEqual(["one-master"]);
    for (const t of ["gcp:compute/forwardingRule:ForwardingRule", "gcp:compute/regionHealthCheck:RegionHealthCheck", "gcp:compute/instanceGroup:InstanceGroup"]) expect(byType(t)).toEqual([]);
    expect(created.filter((c) => /etcd|secrets/.test(c.name))).toEqual([]);
    expect(named("one-master-install").inputs.create).toContain("--public-ip 203.0.113.7 --internal-ip 10.240.0.10");
    expect(await value(out.apiServerUrl)).toBe("https://203.0.113.7:6443");
  });

  it("3: masters in three zones on .10-.12, each an etcd member of all three, installed for the load balancer's address", async () => {
    const out = await up("ha", { "kubelab:masterCount": "3", "kubelab:gitUrl": "https://example.com/lab.git" });
    const masters = byType("gcp:compute/instance:Instance").filter((i) => i.name.includes("master"));
    expect(masters.map((m) => [m.name, m.inputs.zone, m.inputs.networkInterfaces[0].networkIp]).sort()).toEqual([
      ["ha-master", "europe-west3-a", "10.240.0.10"], ["ha-master-1", "europe-west3-b", "10.240.0.11"], ["ha-master-2", "europe-west3-c", "10.240.0.12"],
    ].sort());
    expect(named("ha-master").inputs.networkInterfaces[0].accessConfigs[0].natIp).toBe("203.0.113.7");
    const cluster = "etcd-0=https://10.240.0.10:2380,etcd-1=https://10.240.0.11:2380,etcd-2=https://10.240.0.12:2380";
    for (const [i, m] of ["ha-master", "ha-master-1", "ha-master-2"].entries()) {
      expect(named(`${m}-etcd`).inputs.create).toContain(`member --name etcd-${i} --ip 10.240.0.1${i} --initial-cluster ${cluster}`);
      expect(named(`${m}-install`).inputs.create).toContain("--public-ip 203.0.113.9 --internal-ip 203.0.113.9");
    }
    expect(named("ha-master-etcd-pki").inputs.create).toContain("pki --ips 10.240.0.10,10.240.0.11,10.240.0.12");
    // Only master 0 makes bootstrap tokens for the workers; the others receive its secrets first.
    expect(created.filter((c) => /-bootstrap-.*worker/.test(c.name)).map((c) => c.name).sort()).toEqual(["ha-master-bootstrap-ha-worker-0", "ha-master-bootstrap-ha-worker-1"]);
    expect(created.filter((c) => c.name.endsWith("receive-secrets")).map((c) => c.name)).toEqual(["ha-master-1-receive-secrets", "ha-master-2-receive-secrets"]);
    expect(await value(out.apiServerUrl)).toBe("https://203.0.113.9:6443");
    expect(await value(out.gitRemote)).toBe("https://example.com/lab.git");
  });

  it("3: a network load balancer on the API's address, each master a backend, health-checked with GET /readyz over HTTPS", async () => {
    await up("lb", { "kubelab:masterCount": "3", "kubelab:gitUrl": "https://example.com/lab.git" });
    const [hc] = byType("gcp:compute/regionHealthCheck:RegionHealthCheck");
    expect(hc.inputs.httpsHealthCheck).toMatchObject({ port: 6443, requestPath: "/readyz" });
    const groups = byType("gcp:compute/instanceGroup:InstanceGroup");
    expect(groups.map((g) => [g.name, g.inputs.zone, g.inputs.instances]).sort()).toEqual([
      ["lb-master-group", "europe-west3-a", ["https://compute/instances/lb-master"]],
      ["lb-master-1-group", "europe-west3-b", ["https://compute/instances/lb-master-1"]],
      ["lb-master-2-group", "europe-west3-c", ["https://compute/instances/lb-master-2"]],
    ].sort());
    const [bs] = byType("gcp:compute/regionBackendService:RegionBackendService");
    expect(bs.inputs).toMatchObject({ protocol: "TCP", loadBalancingScheme: "EXTERNAL", healthChecks: "lb-api-readyz-id" });
    expect(bs.inputs.backends.map((b: any) => b.group)).toEqual(["lb-master-group-id", "lb-master-1-group-id", "lb-master-2-group-id"]);
    const [fr] = byType("gcp:compute/forwardingRule:ForwardingRule");
    expect(fr.inputs).toMatchObject({ ipAddress: "203.0.113.9", portRange: "6443", ipProtocol: "TCP", backendService: "lb-api-id", loadBalancingScheme: "EXTERNAL" });
  });

  it("3: etcd's ports only between masters; the health checks and the workers reach the API", async () => {
    await up("fw", { "kubelab:masterCount": "3", "kubelab:gitUrl": "https://example.com/lab.git" });
    const allow = named("fw-allow-etcd").inputs;
    expect(allow).toMatchObject({ sourceTags: ["kubelab-master"], targetTags: ["kubelab-master"], allows: [{ protocol: "tcp", ports: ["2379", "2380"] }] });
    const deny = named("fw-deny-etcd").inputs;
    expect(deny.denies).toEqual([{ protocol: "tcp", ports: ["2379", "2380"] }]);
    expect(deny.sourceRanges).toEqual(["10.240.0.0/24", "10.200.0.0/16"]);
    // The allow wins over the deny, which wins over allow-internal (priority 1000).
    expect(allow.priority).toBeLessThan(deny.priority);
    expect(deny.priority).toBeLessThan(named("fw-allow-internal").inputs.priority ?? 1000);
    expect(named("fw-allow-api-health").inputs.sourceRanges).toContain("35.191.0.0/16");
    expect(named("fw-allow-api-workers").inputs.sourceRanges).toEqual(["198.51.100.10/32", "198.51.100.11/32"]);
  });

  it("3: certificates and control-plane secrets travel only as secrets; the kubeconfig output is secret", async () => {
    const out = await up("sec", { "kubelab:masterCount": "3", "kubelab:gitUrl": "https://example.com/lab.git" });
    expect(await isSecret(out.kubeconfig)).toBe(true);
    for (const n of ["sec-master-etcd-pki", "sec-master-share-secrets"]) {
      expect(recorded.find((r) => r.name === n)!.opts.additionalSecretOutputs).toContain("stdout");
      expect(named(n).inputs.logging).toBe("none");
    }
    for (const n of ["sec-master-etcd", "sec-master-1-etcd", "sec-master-2-etcd", "sec-master-1-receive-secrets"]) {
      expect(named(n).inputs.stdin[SECRET_KEY]).toBe(SECRET_SIG);
      expect(named(n).inputs.create).not.toContain("H4sI");
    }
  });

  it("refuses 2 and a multi-master stack without a shared git repository, naming the key, before any resource", async () => {
    const { createCluster } = await import("./program");
    created.length = 0;
    config({ "kubelab:masterCount": "2" });
    expect(() => createCluster("bad", deployment)).toThrow(/kubelab:masterCount must be 1, 3, 5 or 7 .*got 2/);
    config({ "kubelab:masterCount": "3" });
    expect(() => createCluster("bad", deployment)).toThrow(/kubelab:gitUrl is required when kubelab:masterCount is 3/);
    await consistently(() => !created.some((c) => c.name.startsWith("bad")), 200, "no resource of the rejected stack", 20);
  });

  it("spreads 5 or 7 masters round robin from the stack's zone, so one zone holds at most ceil(n / zones)", () => {
    expect(spreadZones(["r-b", "r-c", "r-a"], "r-b", 5)).toEqual(["r-b", "r-a", "r-c", "r-b", "r-a"]);
    expect(spreadZones(["r-a", "r-b", "r-c", "r-f"], "r-a", 7)).toEqual(["r-a", "r-b", "r-c", "r-f", "r-a", "r-b", "r-c"]);
  });
});
