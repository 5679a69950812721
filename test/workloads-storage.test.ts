import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// Storage through a real `kubelab server` (scheduler, binder, local-path provisioner) and two
// real agents on Docker, driven with the real kubectl: a claim of the default class gets a
// directory on the node of its first pod, the next pod with the claim lands there and reads the
// data, and deleting the claim (reclaim Delete) removes the volume and the directory.
const NS = "storage-e2e";

const claim = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${NS}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
`;

const pod = (name: string, script: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "${script}; sleep 3600"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`;

describe("local-path storage on a real cluster", () => {
  let server: TestServer;
  let agents: TestAgent[] = [];
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    agents = await Promise.all(
      ["127.0.0.73", "127.0.0.74"].map((address, i) =>
        startTestAgent({ address, server, args: ["--node-status-update-frequency", "1s", "--pod-cidr", `10.244.${73 + i}.0/24`] }),
      ),
    );
    await kubectl.ok(["create", "namespace", NS]);
    for (const a of agents) await eventually(async () => (await kubectl.run(["get", "node", a.nodeName])).code === 0, 30_000, "node registered");
  }, 90_000);
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.cleanup()));
    await server?.stop();
  });

  const podNode = async (name: string) => JSON.parse(await kubectl.ok(["-n", NS, "get", "pod", name, "-o", "json"])).spec.nodeName as string;

  it("keeps a claim's data on its node for the next pod, and deletes volume and directory with the claim", async () => {
    await kubectl.ok(["apply", "-f", "-"], claim + "---\n" + pod("writer", "echo kept > /data/f"));
    await kubectl.ok(["-n", NS, "wait", "--for=condition=Ready", "pod/writer", "--timeout=60s"]);
    const node = await podNode("writer");
    const owner = agents.find((a) => a.nodeName === node)!;
    const pvc = JSON.parse(await kubectl.ok(["-n", NS, "get", "pvc", "data", "-o", "json"]));
    expect(pvc.status.phase).toBe("Bound");
    expect(pvc.metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(node);
    const pv = JSON.parse(await kubectl.ok(["get", "pv", pvc.spec.volumeName, "-o", "json"]));
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([node]);
    const dir = pv.spec.local.path as string;
    expect(dir.startsWith(join(owner.rootDir, "storage"))).toBe(true);
    await eventually(() => existsSync(join(dir, "f")), 10_000, "the file on the node");
    expect(readFileSync(join(dir, "f"), "utf8")).toBe("kept\n");

    const table = await kubectl.ok(["-n", NS, "get", "pv,pvc"]);
    expect(table).toMatch(new RegExp(`persistentvolume/${pv.metadata.name}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+${NS}/data\\s+local-path\\s+<unset>`));
    expect(table).toMatch(new RegExp(`persistentvolumeclaim/data\\s+Bound\\s+${pv.metadata.name}\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>`));
    // Events are written a moment after what they report (the recorder sends them off the controller's path).
    const described = await eventually(async () => {
      const text = await kubectl.ok(["-n", NS, "describe", "pvc", "data"]);
      return text.includes("ProvisioningSucceeded") && text;
    }, 30_000, "the claim's ProvisioningSucceeded event");
    expect(described).toMatch(/StorageClass:\s+local-path/);
    expect(described).toMatch(/Used By:\s+writer/);
    expect(described).toContain("ProvisioningSucceeded");

    await kubectl.ok(["-n", NS, "delete", "pod", "writer", "--wait=true"]);
    await kubectl.ok(["apply", "-f", "-"], pod("reader", "cat /data/f"));
    await kubectl.ok(["-n", NS, "wait", "--for=condition=Ready", "pod/reader", "--timeout=60s"]);
    expect(await podNode("reader")).toBe(node);
    expect(await eventually(async () => (await kubectl.ok(["-n", NS, "logs", "reader"])) || undefined, 10_000, "reader's log")).toBe("kept\n");

    // A claim in use is only marked for deletion; it goes with its last pod, and the volume with it.
    await kubectl.ok(["-n", NS, "delete", "pvc", "data", "--wait=false"]);
    const deleting = JSON.parse(await kubectl.ok(["-n", NS, "get", "pvc", "data", "-o", "json"]));
    expect(deleting.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    await kubectl.ok(["-n", NS, "delete", "pod", "reader", "--wait=true"]);
    await eventually(async () => (await kubectl.run(["get", "pv", pv.metadata.name])).code !== 0, 30_000, "the PV deleted");
    await eventually(() => !existsSync(dir), 10_000, "the directory removed");
    expect((await kubectl.run(["-n", NS, "get", "pvc", "data"])).code).not.toBe(0);
  }, 150_000);
});
