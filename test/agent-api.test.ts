import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, freePort, podManifest, startTestAgent, type TestAgent } from "../agent/testing";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

// The agent as a node of a real API server, driven with the real kubectl: registration and
// heartbeat, pods bound to the node, host ports, NodePort Services, logs, deletion, mirror pods,
// and an API server that goes away and comes back.
const ADDRESS = "127.0.0.24";

describe("agent with an API server", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({
      address: ADDRESS,
      server,
      args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.7.0/24"],
    });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
  });

  const apply = (yaml: string) => kubectl.ok(["apply", "-f", "-"], yaml);
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl.ok([...args, "-o", "json"])) as T;
  type PodJson = { status?: { phase?: string; podIP?: string; containerStatuses?: Array<{ restartCount: number; ready: boolean; state: Record<string, { reason?: string; message?: string }> }> } };

  it("registers its Node as Ready and renews its Lease", async () => {
    const node = await eventually(async () => {
      const r = await kubectl.run(["get", "node", agent.nodeName, "-o", "json"]);
      return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined;
    }, 20_000, "node registered");
    expect(node.metadata.labels).toMatchObject({ "kubernetes.io/hostname": agent.nodeName, "kubernetes.io/os": "linux" });
    expect(node.spec.podCIDR).toBe("10.244.7.0/24");
    expect(node.status.addresses).toEqual([
      { type: "InternalIP", address: ADDRESS },
      { type: "Hostname", address: agent.nodeName },
    ]);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^docker:\/\/\d+/);
    expect(node.status.nodeInfo.kubeletVersion).toBe("v1.32.0-kubelab");
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(agent.port);
    expect(node.status.conditions.find((c: { type: string }) => c.type === "Ready").status).toBe("True");
    const wide = await kubectl.ok(["get", "node", agent.nodeName, "-o", "wide"]);
    expect(wide).toMatch(new RegExp(`${agent.nodeName}\\s+Ready\\s`));

    const lease = async () =>
      getJson<{ metadata: { ownerReferences?: Array<{ kind: string; uid: string }> }; spec: { holderIdentity: string; renewTime: string } }>(["-n", "kube-node-lease", "get", "lease", agent.nodeName]);
    const first = await eventually(async () => (await lease().catch(() => undefined)), 10_000, "lease");
    expect(first.spec.holderIdentity).toBe(agent.nodeName);
    expect(first.metadata.ownerReferences).toMatchObject([{ kind: "Node", uid: node.metadata.uid }]);
    await eventually(async () => (await lease()).spec.renewTime !== first.spec.renewTime, 10_000, "lease renewed");
  });

  it("runs an API pod that serves on its host port and a NodePort, shows 1/1 Running and streams logs", async () => {
    const hostPort = await freePort(ADDRESS);
    const nodePort = 30000 + Math.floor(Math.random() * 2700);
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  nodeName: ${agent.nodeName}
  containers:
  - name: web
    image: kubelab/web:1
    ports: [{containerPort: 80, hostPort: ${hostPort}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 80, nodePort: ${nodePort}}]
`);
    await eventually(async () => /web\s+1\/1\s+Running\s+0/.test(await kubectl.ok(["get", "pods", "-o", "wide"])), 20_000, "1/1 Running");
    const wide = await kubectl.ok(["get", "pod", "web", "-o", "wide"]);
    const pod = await getJson<PodJson>(["get", "pod", "web"]);
    expect(wide).toContain(pod.status!.podIP!);
    expect(wide).toContain(agent.nodeName);
    expect(await (await fetch(`http://${ADDRESS}:${hostPort}/`)).text()).toBe("kubelab web v1\n");

    // Endpoints come from the endpoints controller when it runs; else we write them as it would.
    const hasEndpoints = async () => {
      const r = await kubectl.run(["get", "endpoints", "web", "-o", "json"]);
      return r.code === 0 && JSON.stringify(JSON.parse(r.stdout).subsets ?? []).includes(pod.status!.podIP!);
    };
    await eventually(hasEndpoints, 3000).catch(() =>
      apply(`{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":"${pod.status!.podIP}"}],"ports":[{"port":80}]}]}`),
    );
    const viaNodePort = await eventually(async () => {
      const res = await fetch(`http://${ADDRESS}:${nodePort}/`);
      return res.ok ? res.text() : undefined;
    }, 10_000, "NodePort answers");
    expect(viaNodePort).toBe("kubelab web v1\n");

    const follow = kubectl.spawn(["logs", "-f", "web"]);
    let streamed = "";
    follow.stdout!.on("data", (c: Buffer) => (streamed += c.toString()));
    try {
      await eventually(() => streamed.includes("url:/"), 10_000, "earlier lines");
      const before = streamed.length;
      await fetch(`http://${ADDRESS}:${hostPort}/followed`);
      await eventually(() => streamed.slice(before).includes("url:/followed"), 10_000, "a new line while following");
    } finally {
      follow.kill();
    }
    expect(await kubectl.ok(["logs", "web", "--tail", "1"])).toMatch(/response:404\n$/);
  });

  it("serves kubectl logs for a chosen container and its previous instance", async () => {
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: pair}
spec:
  nodeName: ${agent.nodeName}
  containers:
  - name: steady
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "echo hello from steady; trap 'exit 0' TERM; while :; do sleep 1; done"]
  - name: flaky
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "echo flaky run; sleep 1; exit 2"]
`);
    await eventually(async () => {
      const pod = await getJson<PodJson>(["get", "pod", "pair"]);
      return (pod.status?.containerStatuses?.find((c) => (c as { name?: string }).name === "flaky")?.restartCount ?? 0) >= 1;
    }, 30_000, "flaky restarted");
    expect(await kubectl.ok(["logs", "pair", "-c", "steady"])).toBe("hello from steady\n");
    expect(await kubectl.ok(["logs", "pair", "-c", "flaky", "--previous"])).toBe("flaky run\n");
    // Without -c, kubectl picks the first container and says so.
    const first = await kubectl.run(["logs", "pair"]);
    expect(first.stdout).toBe("hello from steady\n");
    expect(first.stderr).toContain('Defaulted container "steady"');
    await kubectl.ok(["delete", "pod", "pair", "--wait=false"]);
  });

  it("gives containers ConfigMap and Secret values as env and as files", async () => {
    await apply(`
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, "app.conf": "mode=fast"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: configured}
spec:
  nodeName: ${agent.nodeName}
  restartPolicy: Never
  volumes:
  - {name: conf, configMap: {name: settings, items: [{key: app.conf, path: app.conf}]}}
  - {name: creds, secret: {secretName: creds}}
  containers:
  - name: show
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "echo color=$COLOR password=$PASSWORD cfg_color=$CFG_color; cat /etc/app/app.conf; echo; cat /etc/creds/password"]
    env:
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: settings, key: color}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    envFrom:
    - {prefix: CFG_, configMapRef: {name: settings}}
    volumeMounts:
    - {name: conf, mountPath: /etc/app}
    - {name: creds, mountPath: /etc/creds}
`);
    await eventually(async () => (await getJson<PodJson>(["get", "pod", "configured"])).status?.phase === "Succeeded", 20_000, "configured Succeeded");
    expect(await kubectl.ok(["logs", "configured"])).toBe("color=blue password=s3cret cfg_color=blue\nmode=fast\ns3cret");
    // A missing ConfigMap is the user's error: the container waits with CreateContainerConfigError.
    await apply(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"unconfigured"},"spec":{"nodeName":"${agent.nodeName}","containers":[{"name":"app","image":"kubelab/busybox:1.36","env":[{"name":"X","valueFrom":{"configMapKeyRef":{"name":"nope","key":"x"}}}]}]}}`);
    await eventually(async () => /unconfigured\s+0\/1\s+CreateContainerConfigError/.test(await kubectl.ok(["get", "pods"])), 20_000, "CreateContainerConfigError");
    await kubectl.ok(["delete", "pod", "configured", "unconfigured", "--wait=false"]);
  });

  it("keeps a pod whose readiness probe fails out of its Service's Endpoints", async () => {
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: gated, labels: {app: gated}}
spec:
  nodeName: ${agent.nodeName}
  containers:
  - name: web
    image: kubelab/web:1
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: gated}
spec:
  selector: {app: gated}
  ports: [{port: 80, targetPort: 80}]
`);
    type Ep = { subsets?: Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }> };
    const endpointsOf = async () => {
      const r = await kubectl.run(["get", "endpoints", "gated", "-o", "json"]);
      return r.code === 0 ? (JSON.parse(r.stdout) as Ep) : undefined;
    };
    const ip = await eventually(async () => (await getJson<PodJson>(["get", "pod", "gated"])).status?.podIP, 20_000, "pod IP");
    await eventually(async () => JSON.stringify((await endpointsOf())?.subsets?.map((s) => s.notReadyAddresses) ?? []).includes(ip), 20_000, "not-ready address");
    expect(await kubectl.ok(["get", "pod", "gated"])).toMatch(/gated\s+0\/1\s+Running/);
    expect(JSON.stringify((await endpointsOf())?.subsets?.map((s) => s.addresses ?? []) ?? [])).not.toContain(ip);
    const pod = await getJson<{ status: { containerStatuses: Array<{ containerID: string }> } }>(["get", "pod", "gated"]);
    execFileSync("docker", ["exec", pod.status.containerStatuses[0]!.containerID.replace("docker://", ""), "touch", "/tmp/ready"]);
    await eventually(async () => JSON.stringify((await endpointsOf())?.subsets?.map((s) => s.addresses ?? []) ?? []).includes(ip), 20_000, "ready address");
    expect(await kubectl.ok(["get", "pod", "gated"])).toMatch(/gated\s+1\/1\s+Running/);
  });

  it("deletes a pod gracefully: SIGTERM, the grace period, SIGKILL, then the object goes", async () => {
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  nodeName: ${agent.nodeName}
  terminationGracePeriodSeconds: 3
  containers:
  - name: app
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "trap 'echo got TERM' TERM; while :; do sleep 1; done"]
`);
    await eventually(async () => /stubborn\s+1\/1\s+Running/.test(await kubectl.ok(["get", "pods"])), 20_000, "stubborn Running");
    const started = Date.now();
    await kubectl.ok(["delete", "pod", "stubborn", "--wait=true"]);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(2500); // it ignored SIGTERM: killed after the grace period
    expect(took).toBeLessThan(15_000);
    const left = execFileSync("docker", ["ps", "-aq", "--filter", `label=io.kubernetes.pod.name=stubborn`, "--filter", `label=io.kubelab.node=${agent.nodeName}`]).toString().trim();
    expect(left).toBe("");
    expect((await kubectl.run(["get", "pod", "stubborn"])).code).not.toBe(0);
  });

  it("shows ErrImagePull for a missing image while the other pods run", async () => {
    await apply(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ghost"},"spec":{"nodeName":"${agent.nodeName}","containers":[{"name":"app","image":"kubelab/ghost:1"}]}}`);
    await eventually(async () => /ghost\s+0\/1\s+(ErrImagePull|ImagePullBackOff)/.test(await kubectl.ok(["get", "pods"])), 20_000, "ErrImagePull");
    expect(await kubectl.ok(["get", "pods"])).toMatch(/web\s+1\/1\s+Running/);
    const describe = await kubectl.ok(["describe", "pod", "ghost"]);
    expect(describe).toMatch(/Failed to pull image "kubelab\/ghost:1"/);
    await kubectl.ok(["delete", "pod", "ghost"]);
  });

  it("mirrors a static pod into the API server and follows its manifest", async () => {
    writeFileSync(join(agent.manifestDir, "static-web.json"), podManifest("static-web", { containers: [{ name: "web", image: "kubelab/web:2" }] }));
    const name = `static-web-${agent.nodeName}`;
    await eventually(async () => new RegExp(`${name}\\s+1/1\\s+Running`).test(await kubectl.ok(["get", "pods"])), 20_000, "mirror pod Running");
    const mirror = await getJson<{ metadata: { uid: string; annotations: Record<string, string>; ownerReferences: Array<{ kind: string; name: string }> } }>(["get", "pod", name]);
    expect(mirror.metadata.annotations["kubernetes.io/config.mirror"]).toBeTruthy();
    expect(mirror.metadata.ownerReferences).toMatchObject([{ kind: "Node", name: agent.nodeName }]);

    // Deleting a mirror pod does not stop the static pod; the agent puts the mirror back.
    const containersBefore = execFileSync("docker", ["ps", "-q", "--filter", `label=io.kubernetes.pod.name=${name}`]).toString();
    await kubectl.ok(["delete", "pod", name, "--wait=false"]);
    await eventually(async () => {
      const again = await kubectl.run(["get", "pod", name, "-o", "json"]);
      return again.code === 0 && JSON.parse(again.stdout).metadata.uid !== mirror.metadata.uid;
    }, 20_000, "mirror pod recreated");
    expect(execFileSync("docker", ["ps", "-q", "--filter", `label=io.kubernetes.pod.name=${name}`]).toString()).toBe(containersBefore);

    rmSync(join(agent.manifestDir, "static-web.json"));
    await eventually(async () => (await kubectl.run(["get", "pod", name])).code !== 0, 20_000, "mirror pod deleted");
  });

  it("keeps pods running while the API server is down and reports what happened when it returns", async () => {
    await server.kill("SIGKILL");
    const app = execFileSync("docker", ["ps", "-q", "--filter", "label=io.kubernetes.pod.name=web", "--filter", "label=io.kubernetes.container.name=web"]).toString().trim();
    execFileSync("docker", ["kill", app]);
    // The agent restarts the container on its own.
    await eventually(async () => {
      const pod = (await agent.pods()).find((p) => p.metadata.name === "web");
      return pod?.status?.containerStatuses?.[0]?.restartCount === 1 && pod.status.containerStatuses[0].state.running;
    }, 20_000, "restarted without API server");
    await server.restart();
    await eventually(async () => /web\s+1\/1\s+Running\s+1\b/.test((await kubectl.run(["get", "pods"])).stdout), 30_000, "RESTARTS 1 in kubectl");
  });
});
