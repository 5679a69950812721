// The GCE lab's resource graph under Pulumi's mocks: what `pulumi up` would create for 3 workers.
import * as pulumi from "@pulumi/pulumi";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { consistently, eventually } from "../../test/fixtures/wait";
import type { Deployment } from "./install";
import { sha256File } from "./vm-files";

interface Created {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const created: Created[] = [];
const resources: { resource: pulumi.Resource; type: string; name: string; parent?: pulumi.Resource; opts: pulumi.ResourceOptions; props: Record<string, any> }[] = [];

const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: s3cr3t-token\n";

pulumi.runtime.setMocks({
  newResource(args) {
    created.push({ type: args.type, name: args.name, inputs: args.inputs });
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "gcp:compute/address:Address") state.address = "203.0.113.7";
    if (args.type === "gcp:serviceaccount/account:Account") state.email = `${args.inputs.accountId}@p.iam.gserviceaccount.com`;
    if (args.type === "gcp:compute/instance:Instance") {
      const n = Number(args.name.match(/worker-(\d+)$/)?.[1] ?? -1);
      state.selfLink = `https://compute/instances/${args.name}`;
      state.networkInterfaces = args.inputs.networkInterfaces.map((ni: any) => ({
        ...ni,
        accessConfigs: [{ natIp: n >= 0 ? `198.51.100.${10 + n}` : "203.0.113.7" }],
      }));
    }
    if (args.type === "command:remote:Command") state.stdout = /kubeconfig/.test(args.inputs.create) ? KUBECONFIG : "";
    return { id: `${args.name}-id`, state };
  },
  call(args) {
    return args.inputs;
  },
}, "kubelab", "test", false);

// Transformations of a component run for each of its children: a record of what was created
// under it, with the parent each resource was given.
const record: pulumi.ResourceTransformation = (a) => {
  resources.push({ resource: a.resource, type: a.type, name: a.name, parent: a.opts.parent, opts: a.opts, props: a.props });
  return undefined;
};

const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 test@kubelab";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n";

function config(overrides: Record<string, string | undefined> = {}) {
  const base: Record<string, string | undefined> = {
    "gcp:project": "kubelab-test",
    "gcp:region": "europe-west3",
    "gcp:zone": "europe-west3-a",
    "kubelab:workerCount": "3",
    "kubelab:sshSourceRanges": '["198.51.100.0/24"]',
    "kubelab:apiSourceRanges": '["198.51.100.0/24","192.0.2.0/24"]',
    "kubelab:nodePortSourceRanges": "0.0.0.0/0",
    "kubelab:sshPublicKey": PUBLIC_KEY,
    "kubelab:sshPrivateKey": PRIVATE_KEY,
    ...overrides,
  };
  const values = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
  pulumi.runtime.setAllConfig(values, ["kubelab:sshPrivateKey"]);
}

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

let dir: string;
let deployment: Deployment;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kubelab-gce-"));
  deployment = { bundlePath: path.join(dir, "kubelab.mjs"), agentBundlePath: path.join(dir, "kubelab-agent.mjs"), nativeModulesPath: path.join(dir, "native.tar.gz") };
  writeFileSync(deployment.bundlePath, "console.log('v1')\n");
  writeFileSync(deployment.agentBundlePath, "console.log('v1 agent')\n");
  writeFileSync(deployment.nativeModulesPath, "tar");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  created.length = 0;
  resources.length = 0;
});

async function up(overrides: Record<string, string | undefined> = {}) {
  created.length = 0;
  resources.length = 0;
  config(overrides);
  const { createCluster } = await import("./program");
  const out = createCluster("kubelab", deployment, { transformations: [record] });
  await Promise.all([value(out.kubeconfig), value(out.workerAddresses), value(out.apiServerUrl)]);
  // Every resource the program constructed (recorded synchronously) has reached the mock monitor.
  await eventually(() => created.length === resources.length, 10_000, "every registration at the mock monitor");
  return out;
}

/** Nothing named `bad-*` reaches the mock monitor, for a while after the program threw. */
async function nothingCreated(): Promise<void> {
  await consistently(
    () => !created.some((c) => c.name.startsWith("bad")) && !resources.some((r) => r.name.startsWith("bad")),
    200,
    "no resource of the rejected stack",
    20,
  );
}

/** True when a GCE firewall `allows` entry admits this TCP port. */
function admitsTcp(allows: { protocol: string; ports?: string[] }[], port: number): boolean {
  return allows.some((a) => (a.protocol === "tcp" || a.protocol === "all") && (a.ports === undefined || a.ports.some((p) => {
    const [lo, hi = lo] = p.split("-").map(Number);
    return port >= lo && port <= hi;
  })));
}

const byType = (t: string) => created.filter((c) => c.type === t);

describe("a lab with 3 workers", () => {
  it("has one master, three workers with distinct pod CIDRs and fixed addresses, and a route to each", async () => {
    await up();
    const instances = byType("gcp:compute/instance:Instance");
    expect(instances.map((i) => i.name).sort()).toEqual(["kubelab-master", "kubelab-worker-0", "kubelab-worker-1", "kubelab-worker-2"]);
    const workers = instances.filter((i) => i.name.includes("worker"));
    for (const w of workers) {
      expect(w.inputs.canIpForward).toBe(true);
      expect(w.inputs.metadata["startup-script"]).toContain("kubelab-ready");
      expect(w.inputs.metadataStartupScript).toBeUndefined();
      expect(w.inputs.metadata["ssh-keys"]).toBe(`kubelab:${PUBLIC_KEY}`);
      expect(w.inputs.labels["kubelab-version"]).toBe("0-1-0");
    }
    expect(workers.map((w) => w.inputs.networkInterfaces[0].networkIp)).toEqual(["10.240.0.20", "10.240.0.21", "10.240.0.22"]);
    const routes = byType("gcp:compute/route:Route");
    expect(routes).toHaveLength(3);
    const cidrs = routes.map((r) => r.inputs.destRange);
    expect(new Set(cidrs).size).toBe(3);
    expect(cidrs.sort()).toEqual(["10.200.0.0/24", "10.200.1.0/24", "10.200.2.0/24"]);
    for (const r of routes) {
      const i = r.name.match(/worker-(\d+)$/)![1];
      expect(r.inputs.nextHopInstance).toBe(`https://compute/instances/kubelab-worker-${i}`);
      expect(workers.find((w) => w.name === `kubelab-worker-${i}`)!.inputs.metadata["pod-cidr"]).toBe(r.inputs.destRange);
    }
    const master = instances.find((i) => i.name === "kubelab-master")!;
    expect(master.inputs.networkInterfaces[0].accessConfigs[0].natIp).toBe("203.0.113.7");
    expect(master.inputs.canIpForward ?? false).toBe(false);
    expect(byType("gcp:compute/network:Network")[0].inputs.autoCreateSubnetworks).toBe(false);
    expect(byType("gcp:compute/subnetwork:Subnetwork")[0].inputs.ipCidrRange).toBe("10.240.0.0/24");
  });

  it("admits SSH, the API and NodePorts only from their configured ranges and ports", async () => {
    await up();
    const fw = Object.fromEntries(byType("gcp:compute/firewall:Firewall").map((f) => [f.name, f.inputs]));
    expect(Object.keys(fw).sort()).toEqual(["kubelab-allow-api", "kubelab-allow-internal", "kubelab-allow-nodeports", "kubelab-allow-ssh"]);
    expect(fw["kubelab-allow-ssh"].sourceRanges).toEqual(["198.51.100.0/24"]);
    expect(fw["kubelab-allow-ssh"].allows).toEqual([{ protocol: "tcp", ports: ["22"] }]);
    expect(fw["kubelab-allow-api"].sourceRanges).toEqual(["198.51.100.0/24", "192.0.2.0/24"]);
    expect(fw["kubelab-allow-api"].allows).toEqual([{ protocol: "tcp", ports: ["6443"] }]);
    expect(fw["kubelab-allow-api"].targetTags).toEqual(["kubelab-master"]);
    expect(fw["kubelab-allow-nodeports"].sourceRanges).toEqual(["0.0.0.0/0"]);
    expect(fw["kubelab-allow-nodeports"].allows).toEqual([{ protocol: "tcp", ports: ["30000-32767"] }]);
    expect(fw["kubelab-allow-nodeports"].targetTags).toEqual(["kubelab-worker"]);
    expect(fw["kubelab-allow-internal"].sourceRanges).toEqual(["10.240.0.0/24", "10.200.0.0/16"]);
    expect(fw["kubelab-allow-internal"].targetTags).toBeUndefined();
  });

  it("never admits the kubelet ports (10250, 10255) from outside the VPC, even with 0.0.0.0/0 everywhere", async () => {
    await up({ "kubelab:sshSourceRanges": "0.0.0.0/0", "kubelab:apiSourceRanges": "0.0.0.0/0" });
    const rules = byType("gcp:compute/firewall:Firewall");
    expect(rules.find((f) => f.name === "kubelab-allow-ssh")!.inputs.sourceRanges).toEqual(["0.0.0.0/0"]);
    expect(rules.find((f) => f.name === "kubelab-allow-api")!.inputs.sourceRanges).toEqual(["0.0.0.0/0"]);
    const inside = new Set(["10.240.0.0/24", "10.200.0.0/16"]);
    for (const f of rules) {
      expect(f.inputs.direction ?? "INGRESS", f.name).toBe("INGRESS");
      const fromOutside = (f.inputs.sourceRanges as string[]).some((r) => !inside.has(r));
      for (const port of [10250, 10255]) {
        if (fromOutside) expect(admitsTcp(f.inputs.allows, port), `${f.name} admits ${port}`).toBe(false);
      }
    }
    // Inside the VPC the master reaches the agents' API (logs, stats), as kube-apiserver does.
    expect(admitsTcp(rules.find((f) => f.name === "kubelab-allow-internal")!.inputs.allows, 10250)).toBe(true);
  });

  it("makes every resource a child of the KubelabCluster component, with unique names", async () => {
    await up();
    const component = resources.find((r) => r.type === "kubelab:gce:KubelabCluster")!;
    expect(component).toBeDefined();
    const others = resources.filter((r) => r !== component);
    expect(others.length).toBe(created.filter((c) => c.type !== "kubelab:gce:KubelabCluster").length);
    expect(others.length).toBeGreaterThan(30);
    for (const r of others) expect(r.parent, `${r.type} ${r.name}`).toBe(component.resource);
    const urns = await Promise.all(others.map((r) => value(r.resource.urn)));
    for (const u of urns) expect(u).toContain("::kubelab:gce:KubelabCluster$");
    expect(new Set(created.map((c) => `${c.type}/${c.name}`)).size).toBe(created.length);
  });

  it("installs kubelab on every node over SSH, re-deploying when the bundle changes", async () => {
    await up();
    const commands = byType("command:remote:Command");
    const installs = commands.filter((c) => c.name.endsWith("-install")).map((c) => c.name).sort();
    expect(installs).toEqual(["kubelab-master-install", "kubelab-worker-0-install", "kubelab-worker-1-install", "kubelab-worker-2-install"]);
    const first = commands.find((c) => c.name === "kubelab-worker-1-install")!.inputs.create as string;
    // A worker gets the agent's bundle as its kubelab.mjs (the master the whole CLI's).
    expect(first).toContain(`kubelab.mjs=${sha256File(deployment.agentBundlePath)}`);
    const master = commands.find((c) => c.name === "kubelab-master-install")!.inputs.create as string;
    expect(master).toContain(`kubelab.mjs=${sha256File(deployment.bundlePath)}`);
    expect(first).toContain("--pod-cidr 10.200.1.0/24");
    expect(first).toContain("--version 0.1.0");
    const copies = byType("command:remote:CopyToRemote").filter((c) => c.name.startsWith("kubelab-worker-1-"));
    expect(copies.map((c) => c.inputs.remotePath).sort()).toEqual([
      "/home/kubelab/kubelab-deploy/allow-pod-traffic.sh",
      "/home/kubelab/kubelab-deploy/install-node.sh",
      "/home/kubelab/kubelab-deploy/install-worker.sh",
      "/home/kubelab/kubelab-deploy/kubelab-agent.service",
      "/home/kubelab/kubelab-deploy/kubelab.mjs",
    ]);

    // Per worker: instance, route, SSH wait, 5 copies, install.
    const perWorker = created.filter((c) => /^kubelab-(pods-)?worker-1(-|$)/.test(c.name));
    expect(perWorker.map((c) => c.type.split(":").pop()).sort()).toEqual([
      "Command", "Command", "CopyToRemote", "CopyToRemote", "CopyToRemote", "CopyToRemote", "CopyToRemote", "Instance", "Route",
    ].sort());

    // A replaced VM (new id) gets every step again; a new bundle only changes the install command
    // string, an in-place update.
    for (const c of perWorker.filter((c) => c.type.startsWith("command:"))) expect(c.inputs.triggers, c.name).toEqual(["kubelab-worker-1-id"]);

    // A new build: both bundles change (a worker's install follows the agent's).
    writeFileSync(deployment.bundlePath, "console.log('v2')\n");
    writeFileSync(deployment.agentBundlePath, "console.log('v2 agent')\n");
    created.length = 0;
    await up();
    const second = byType("command:remote:Command").find((c) => c.name === "kubelab-worker-1-install")!.inputs.create as string;
    expect(second).not.toBe(first);
    expect(second.replace(/kubelab\.mjs=[0-9a-f]{64}/, "")).toBe(first.replace(/kubelab\.mjs=[0-9a-f]{64}/, ""));
  });

  it("keeps the kubeconfig, the SSH key and the bootstrap tokens secret, and exports every output", async () => {
    const out = await up();
    expect(await pulumi.isSecret(out.kubeconfig)).toBe(true);
    expect(await value(out.kubeconfig)).toBe(KUBECONFIG);
    expect(await value(out.apiServerUrl)).toBe("https://203.0.113.7:6443");
    expect(await value(out.gitRemote)).toBe("ssh://kubelab@203.0.113.7/srv/git/lab.git");
    expect(await value(out.workerAddresses)).toEqual(["198.51.100.10", "198.51.100.11", "198.51.100.12"]);
    expect(await value(out.nodePortBaseUrl)).toBe("http://198.51.100.10");
    const reads = resources.filter((r) => r.type === "command:remote:Command" && /^kubelab-master-(read|bootstrap)-/.test(r.name));
    // The admin kubeconfig, and for each worker (3) a bootstrap kubeconfig made for it: a
    // short-lived bootstrap token, never a node credential (each agent makes its own certificate).
    expect(reads.map((r) => r.name).sort()).toEqual(["kubelab-master-bootstrap-kubelab-worker-0", "kubelab-master-bootstrap-kubelab-worker-1", "kubelab-master-bootstrap-kubelab-worker-2", "kubelab-master-read-admin-kubeconfig"]);
    expect(reads.filter((r) => r.name.includes("bootstrap")).map((r) => r.props.create)).toEqual(["kubelab-worker-0", "kubelab-worker-1", "kubelab-worker-2"].map((w) => `sudo bash /opt/kubelab/bootstrap-token.sh # ${w}`));
    for (const r of reads) {
      expect((r.opts as pulumi.CustomResourceOptions).additionalSecretOutputs).toContain("stdout");
      expect(r.props.logging).toBe("none");
    }
    const worker = resources.find((r) => r.name === "kubelab-worker-0-install")!.resource as any;
    expect(await pulumi.isSecret(worker.connection)).toBe(true);
    expect(await pulumi.isSecret(worker.stdin)).toBe(true);
    expect(JSON.stringify(byType("gcp:compute/instance:Instance").map((i) => i.inputs))).not.toContain("not-a-real-key");
  });

  it("exports the stack outputs from the program's entry point", async () => {
    config();
    process.env.KUBELAB_DIST_DIR = dir;
    copyFileSync(deployment.bundlePath, path.join(dir, "kubelab.mjs"));
    copyFileSync(deployment.agentBundlePath, path.join(dir, "kubelab-agent.mjs"));
    copyFileSync(deployment.nativeModulesPath, path.join(dir, "kubelab-native-modules.tar.gz"));
    // Pulumi runs the program with its cwd set to Pulumi.yaml's `main` (infra/gce/), not the root.
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const stack = await import("./index");
      for (const k of ["apiServerUrl", "kubeconfig", "gitRemote", "workerAddresses", "nodePortBaseUrl"] as const) {
        expect(pulumi.Output.isInstance(stack[k]), k).toBe(true);
      }
      expect(await value(stack.apiServerUrl)).toBe("https://203.0.113.7:6443");
      expect(await pulumi.isSecret(stack.kubeconfig)).toBe(true);
    } finally {
      process.chdir(cwd);
      delete process.env.KUBELAB_DIST_DIR;
    }
  });
});

describe("bad stack config fails before any resource, naming the key", () => {
  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    ["no workers", { "kubelab:workerCount": "0" }, /kubelab:workerCount must be between 1 and 20, got 0/],
    ["100 workers", { "kubelab:workerCount": "100" }, /kubelab:workerCount must be between 1 and 20, got 100/],
    ["a malformed CIDR", { "kubelab:sshSourceRanges": "10.0.0.0/33" }, /kubelab:sshSourceRanges\[0\] must be an IPv4 CIDR/],
    ["a malformed CIDR in a list", { "kubelab:apiSourceRanges": '["192.0.2.0/24","300.1.2.3/8"]' }, /kubelab:apiSourceRanges\[1\] must be an IPv4 CIDR.*300\.1\.2\.3\/8/],
    ["no SSH public key", { "kubelab:sshPublicKey": undefined }, /kubelab:sshPublicKey is required/],
    ["no SSH private key", { "kubelab:sshPrivateKey": undefined }, /kubelab:sshPrivateKey is required/],
    ["no zone", { "gcp:zone": undefined }, /gcp:zone \(or kubelab:zone\) is required/],
    ["no SSH source ranges", { "kubelab:sshSourceRanges": undefined },
      /kubelab:sshSourceRanges is required: .*pulumi config set kubelab:sshSourceRanges "\$\(curl -s ifconfig\.me\)\/32"/],
    ["no API source ranges", { "kubelab:apiSourceRanges": undefined }, /kubelab:apiSourceRanges is required: .*\(0\.0\.0\.0\/0 allows everyone\)/],
    ["a root SSH user", { "kubelab:sshUser": "root" }, /kubelab:sshUser must not be root/],
  ];
  for (const [what, overrides, message] of cases) {
    it(`rejects ${what}`, async () => {
      config(overrides);
      const { createCluster } = await import("./program");
      expect(() => createCluster("bad", deployment, { transformations: [record] })).toThrow(message);
      await nothingCreated();
    });
  }

  it("refuses to start without a built bundle", async () => {
    config();
    const { createCluster } = await import("./program");
    expect(() => createCluster("bad", { ...deployment, bundlePath: "/nonexistent/kubelab.mjs" }))
      .toThrow(/kubelab\.mjs is missing: run `npm run build`/);
    await nothingCreated();
  });
});
