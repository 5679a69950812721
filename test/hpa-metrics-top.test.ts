import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// The metrics pipeline end to end: a real `kubelab server` scraping a real agent on Docker, read
// with the real kubectl (`kubectl top`), and a HorizontalPodAutoscaler made by `kubectl autoscale`
// scaling a Deployment on what it reads. Short periods (metric resolution, HPA sync, downscale
// stabilization) keep the Docker time small.
const ADDRESS = "127.0.0.113";
const NS = "metrics-e2e";

const busyPod = `apiVersion: v1
kind: Pod
metadata:
  name: spin
  namespace: ${NS}
  labels: {app: spin}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: loop
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "while :; do :; done"]
  - name: idle
    image: kubelab/busybox:1.36
    command: ["sleep", "3600"]
`;

// Each replica burns what its 200m limit lets it, twice its 100m request.
const burner = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: burn
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: burn}
  template:
    metadata:
      labels: {app: burn}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: c
        image: kubelab/busybox:1.36
        command: ["sh", "-c", "while :; do :; done"]
        resources:
          requests: {cpu: 100m}
          limits: {cpu: 200m}
`;

/** Millicores from a `kubectl top` cell ("455m", "2"). */
const millicores = (cell: string): number => (cell.endsWith("m") ? Number(cell.slice(0, -1)) : Number(cell) * 1000);

describe("kubectl top and HorizontalPodAutoscalers on a real cluster", () => {
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({
      secure: true,
      args: ["--metric-resolution", "2s", "--horizontal-pod-autoscaler-sync-period", "2s", "--horizontal-pod-autoscaler-downscale-stabilization", "6s"],
    });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({ address: ADDRESS, server, args: ["--node-status-update-frequency", "1s", "--pod-cidr", "10.244.113.0/24"] });
    await kubectl.ok(["create", "namespace", NS]);
    await eventually(async () => (await kubectl.run(["get", "node", agent.nodeName])).code === 0, 30_000, "node registered");
  }, 90_000);
  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
  });

  it("lists metrics.k8s.io in discovery and prints the node's usage with kubectl top nodes", async () => {
    const resources = await kubectl.ok(["api-resources", "--api-group", "metrics.k8s.io"]);
    expect(resources).toMatch(/nodes\s+metrics.k8s.io\/v1beta1\s+false\s+NodeMetrics/);
    expect(resources).toMatch(/pods\s+metrics.k8s.io\/v1beta1\s+true\s+PodMetrics/);
    const top = await eventually(async () => {
      const r = await kubectl.run(["top", "nodes"]);
      return r.code === 0 ? r.stdout : undefined;
    }, 20_000, "kubectl top nodes");
    expect(top).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
    const row = top.split("\n").find((l) => l.startsWith(agent.nodeName))!.split(/\s+/);
    expect(millicores(row[1]!)).toBeGreaterThan(0);
    expect(row[3]).toMatch(/^\d+Mi$/);
    expect(Number(row[3]!.slice(0, -2))).toBeGreaterThan(10);
    // Unknown names are NotFound, as metrics-server answers them.
    const missing = await kubectl.run(["top", "node", "no-such-node"]);
    expect(missing.stderr).toContain('nodemetrics.metrics.k8s.io "no-such-node" not found');
  }, 40_000);

  it("shows a busy-looping container as the one using CPU, far above its idle sidecar, with kubectl top pods --containers, and sorts by cpu", async () => {
    await kubectl.ok(["apply", "-f", "-"], busyPod);
    const rows = await eventually(async () => {
      const r = await kubectl.run(["top", "pods", "-n", NS, "--containers"]);
      const lines = r.stdout.split("\n").filter((l) => l.startsWith("spin "));
      return r.code === 0 && lines.length === 2 ? { header: r.stdout.split("\n")[0]!, lines } : undefined;
    }, 60_000, "metrics for both containers of pod spin");
    expect(rows.header).toMatch(/^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const cells = Object.fromEntries(rows.lines.map((l) => l.split(/\s+/)).map((c) => [c[1], c]));
    // A loop gets a core on an idle machine (about 1000m); on this shared 2-core machine it gets its
    // share of the run queue, which under a load of 20 is near 100m. What holds: it is the one
    // container that uses CPU, and by far.
    const loop = millicores(cells.loop![2]!);
    const idle = millicores(cells.idle![2]!);
    expect(loop).toBeGreaterThanOrEqual(50);
    expect(idle).toBeLessThan(20);
    expect(loop).toBeGreaterThanOrEqual(10 * Math.max(idle, 1));
    const all = await kubectl.ok(["top", "pods", "-A", "--sort-by=cpu"]);
    expect(all).toMatch(/^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(all.split("\n")[1]).toMatch(new RegExp(`^${NS}\\s+spin\\s+\\d+m`));
    const table = await kubectl.ok(["get", "pods.metrics.k8s.io", "-n", NS, "-l", "app=spin"]);
    expect(table).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\nspin\s+\d+n\s+\d+Ki\s+[\d.]+m?s/);
    const none = await kubectl.ok(["get", "pods.metrics.k8s.io", "-n", NS, "-l", "app=other"]);
    expect(none).toBe("");
    await kubectl.ok(["delete", "pod", "spin", "-n", NS, "--wait=false"]);
  }, 90_000);

  it("shows the requests of the node's pods under Allocated resources in kubectl describe node", async () => {
    await kubectl.ok(["run", "req", "-n", NS, "--image=kubelab/busybox:1.36", "--overrides", JSON.stringify({ spec: { containers: [{ name: "req", image: "kubelab/busybox:1.36", command: ["sleep", "3600"], resources: { requests: { cpu: "150m", memory: "32Mi" } } }] } })]);
    await eventually(async () => (await kubectl.ok(["get", "pod", "req", "-n", NS, "-o", "jsonpath={.spec.nodeName}"])) === agent.nodeName, 30_000, "req scheduled");
    const described = await kubectl.ok(["describe", "node", agent.nodeName]);
    expect(described).toMatch(/Allocated resources:[\s\S]*cpu\s+150m \(\d+%\)\s+0 \(0%\)\n\s+memory\s+32Mi \(\d+%\)\s+0 \(0%\)/);
    await kubectl.ok(["delete", "pod", "req", "-n", NS, "--wait=false"]);
  }, 40_000);

  it("scales a Deployment up under CPU load with kubectl autoscale, and back down after the stabilization window", async () => {
    await kubectl.ok(["apply", "-f", "-"], burner);
    expect(await kubectl.ok(["autoscale", "deploy", "burn", "-n", NS, "--cpu-percent=50", "--min=1", "--max=3"])).toContain("horizontalpodautoscaler.autoscaling/burn autoscaled");
    const replicas = async () => Number(await kubectl.ok(["get", "deploy", "burn", "-n", NS, "-o", "jsonpath={.spec.replicas}"]));
    await eventually(async () => (await replicas()) === 3, 90_000, "the HPA scaling burn to its maximum of 3");
    const table = await kubectl.ok(["get", "hpa", "-n", NS]);
    expect(table).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
    expect(table).toMatch(/\nburn\s+Deployment\/burn\s+cpu: (\d+%|<unknown>)\/50%\s+1\s+3\s+\d\s+/);
    const rescales = () => kubectl.ok(["get", "events", "-n", NS, "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale", "-o", "jsonpath={.items[*].message}"]);
    // Events are written a moment after what they report (off the controller's path).
    await eventually(async () => (await rescales()).includes("New size: 3; reason: cpu resource utilization (percentage of request) above target"), 20_000, "the scale-up event");
    const hpa = JSON.parse(await kubectl.ok(["get", "hpa", "burn", "-n", NS, "-o", "json"]));
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]);
    const limited = hpa.status.conditions.find((c: { type: string }) => c.type === "ScalingLimited");
    expect(hpa.status.conditions.find((c: { type: string }) => c.type === "ScalingActive")).toMatchObject({ status: "True", reason: "ValidMetricFound" });
    // At the maximum the proposal is either capped (TooManyReplicas) or already within range.
    expect(["TooManyReplicas", "DesiredWithinRange"]).toContain(limited.reason);
    expect(hpa.status.conditions.find((c: { type: string }) => c.type === "AbleToScale")).toMatchObject({ status: "True" });
    // The load stops (new pods only sleep): below target, then down once the 6 s window has passed.
    await kubectl.ok(["-n", NS, "patch", "deploy", "burn", "--type", "json", "-p", JSON.stringify([{ op: "replace", path: "/spec/template/spec/containers/0/command", value: ["sleep", "3600"] }])]);
    await eventually(async () => (await replicas()) === 1, 120_000, "the HPA scaling burn back to 1");
    await eventually(async () => (await rescales()).includes("New size: 1; reason: All metrics below target"), 20_000, "the scale-down event");
  }, 240_000);
});
