import { execFileSync } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImages } from "../test/fixtures/docker";
import { eventually, startTestAgent, type TestAgent } from "./testing";
import type { Pod } from "./types";

// The seed article's flow: a manifest dropped into the kubelet's folder becomes a pause + app
// container pair with dockershim names, `curl localhost:10255/pods` lists it, and `docker kill`
// of the app container gets it restarted.
const NGINX = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: kubelab/web:1
    imagePullPolicy: IfNotPresent
    ports:
      - containerPort: 80
        name: http
        protocol: TCP
  restartPolicy: Always
`;

function dockerPs(nodeName: string): Array<{ name: string; state: string }> {
  const out = execFileSync("docker", ["ps", "-a", "--filter", `label=io.kubelab.node=${nodeName}`, "--format", "{{.Names}}\t{{.State}}"]).toString();
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, state] = line.split("\t");
      return { name: name!, state: state! };
    });
}

describe("static pods from the manifest folder", () => {
  let agent: TestAgent;

  beforeAll(async () => {
    await ensureImages();
    agent = await startTestAgent({ address: "127.0.0.21" });
  });
  afterAll(async () => {
    await agent?.cleanup();
  });

  it("starts pause and app containers for a dropped manifest and lists the pod on /pods", async () => {
    writeFileSync(join(agent.manifestDir, "nginx.yaml"), NGINX);
    const pod = await eventually(async () => {
      const pods = await agent.pods();
      const p = pods.find((x) => x.metadata.name === `nginx-${agent.nodeName}`);
      return p?.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    }, 20_000, "nginx Running on /pods");
    expect(pod.metadata.namespace).toBe("default");
    expect(pod.spec.nodeName).toBe(agent.nodeName);
    const uid = pod.metadata.uid;
    const running = dockerPs(agent.nodeName).filter((c) => c.state === "running").map((c) => c.name).sort();
    expect(running).toEqual([
      `k8s_POD_nginx-${agent.nodeName}_default_${uid}_0`,
      `k8s_nginx_nginx-${agent.nodeName}_default_${uid}_0`,
    ].sort());
    // The web server answers on the pod IP, as `curl http://172.17.0.2` does in the seed.
    const res = await fetch(`http://${pod.status!.podIP}/`);
    expect(await res.text()).toBe("kubelab web v1\n");
  });

  it("reports the running pod on /metrics under the kubelet's metric names", async () => {
    const text = await (await fetch(`http://${agent.address}:${agent.port}/metrics`)).text();
    const value = (series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : NaN;
    };
    expect(value("kubelet_running_pods")).toBe(1);
    expect(value('kubelet_running_containers{container_state="running"}')).toBe(1);
    expect(value('kubelet_desired_pods{static="true"}')).toBe(1);
    expect(value("kubelet_pod_start_duration_seconds_count")).toBe(1);
    expect(value("kubelet_pod_start_duration_seconds_sum")).toBeGreaterThan(0);
    expect(value('kubelet_started_containers_total{container_type="podsandbox"}')).toBe(1);
    expect(value('kubelet_started_containers_total{container_type="container"}')).toBe(1);
    expect(value('kubelet_pod_worker_duration_seconds_count{operation_type="create"}')).toBeGreaterThanOrEqual(1);
    expect(value("kubelet_pleg_relist_duration_seconds_count")).toBeGreaterThan(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
  });

  it("samples the running container's memory for /stats/summary", async () => {
    type Summary = { pods: Array<{ podRef: { name: string }; containers: Array<{ name: string; memory: { workingSetBytes: number } }> }> };
    const pod = await eventually(async () => {
      const summary = (await (await fetch(`http://${agent.address}:${agent.readOnlyPort}/stats/summary`)).json()) as Summary;
      const p = summary.pods.find((x) => x.podRef.name === `nginx-${agent.nodeName}`);
      return p?.containers.length ? p : undefined;
    }, 15_000, "container stats for nginx");
    expect(pod.containers[0]!.name).toBe("nginx");
    expect(pod.containers[0]!.memory.workingSetBytes).toBeGreaterThan(0);
  });

  it("restarts a killed app container with restartCount 1", async () => {
    const name = `nginx-${agent.nodeName}`;
    const before = (await agent.pods()).find((p) => p.metadata.name === name)!;
    const app = dockerPs(agent.nodeName).find((c) => c.name.startsWith("k8s_nginx_") && c.state === "running")!;
    execFileSync("docker", ["kill", app.name]);
    const after = await eventually(async () => {
      const p = (await agent.pods()).find((x) => x.metadata.name === name);
      const s = p?.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running ? p : undefined;
    }, 20_000, "restartCount 1");
    const status = after.status!.containerStatuses![0]!;
    expect(status.lastState.terminated?.exitCode).toBe(137);
    expect(after.status!.podIP).toBe(before.status!.podIP); // the sandbox (and its IP) stayed
    const names = dockerPs(agent.nodeName).filter((c) => c.state === "running").map((c) => c.name);
    expect(names).toContain(`k8s_nginx_${name}_default_${after.metadata.uid}_1`);
    expect(names.filter((n) => n.startsWith("k8s_POD_"))).toHaveLength(1);
  });

  it("stops the pod and removes its containers when the manifest is removed", async () => {
    renameSync(join(agent.manifestDir, "nginx.yaml"), join(agent.rootDir, "..", "nginx.yaml.removed"));
    await eventually(async () => dockerPs(agent.nodeName).length === 0, 20_000, "containers removed");
    expect(await agent.pods()).toEqual([]);
  });

  it("answers /healthz and /stats/summary", async () => {
    const health = await fetch(`http://${agent.address}:${agent.readOnlyPort}/healthz`);
    expect(await health.text()).toBe("ok");
    const stats = (await (await fetch(`http://${agent.address}:${agent.readOnlyPort}/stats/summary`)).json()) as { node: { nodeName: string } };
    expect(stats.node.nodeName).toBe(agent.nodeName);
  });
});
