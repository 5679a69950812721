import { describe, expect, it } from "vitest";
import type { Pod } from "./core";
import { deployments, endpoints, events, gitrepositories, leases, nodes, pods, replicasets, services } from "./index";
import { humanDuration, printTable } from "./printers";
import type { KObject } from "./resource";
import { rfc3339 } from "./time";

const now = new Date("2026-01-10T12:00:00Z");
const ago = (seconds: number) => rfc3339(now.getTime() - seconds * 1000);

function pod(status: Pod["status"], extra: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "nginx", namespace: "default", creationTimestamp: ago(300), ...meta },
    spec: { containers: [{ name: "nginx", image: "nginx:1.7.9" }], ...extra },
    status,
  } as KObject;
}

const podRow = (p: KObject) => printTable(pods, [p], { now }).rows[0]!.cells;

describe("humanDuration", () => {
  it("prints ages the way kubectl does", () => {
    expect(humanDuration(5_000)).toBe("5s");
    expect(humanDuration(119_000)).toBe("119s");
    expect(humanDuration(182_000)).toBe("3m2s");
    expect(humanDuration(600_000)).toBe("10m");
    expect(humanDuration(3 * 3600_000 + 20 * 60_000)).toBe("3h20m");
    expect(humanDuration(20 * 3600_000)).toBe("20h");
    expect(humanDuration(2 * 86400_000)).toBe("2d");
    expect(humanDuration(3 * 86400_000 + 5 * 3600_000)).toBe("3d5h");
    expect(humanDuration(30 * 86400_000)).toBe("30d");
    expect(humanDuration(-500)).toBe("0s");
  });
});

describe("pod table", () => {
  it("has Kubernetes' columns with the wide ones at priority 1", () => {
    const cols = printTable(pods, [], { now }).columnDefinitions;
    expect(cols.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ]);
    expect(cols[0]!.format).toBe("name");
  });

  it("shows a running pod as 1/1 Running", () => {
    const cells = podRow(
      pod(
        {
          phase: "Running",
          podIP: "10.244.1.5",
          podIPs: [{ ip: "10.244.1.5" }],
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [{ name: "nginx", ready: true, restartCount: 0, image: "nginx:1.7.9", imageID: "", state: { running: { startedAt: ago(200) } } }],
        },
        { nodeName: "worker1" },
      ),
    );
    expect(cells).toEqual(["nginx", "1/1", "Running", "0", "5m", "10.244.1.5", "worker1", "<none>", "<none>"]);
  });

  it("shows a pending, unscheduled pod", () => {
    expect(podRow(pod({ phase: "Pending" })).slice(1, 4)).toEqual(["0/1", "Pending", "0"]);
    expect(podRow(pod({ phase: "Pending" })).slice(5, 7)).toEqual(["<none>", "<none>"]);
  });

  it("shows CrashLoopBackOff with restarts and when the last one was", () => {
    const cells = podRow(
      pod({
        phase: "Running",
        containerStatuses: [
          {
            name: "nginx",
            ready: false,
            restartCount: 4,
            image: "nginx",
            imageID: "",
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
            lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(5) } },
          },
        ],
      }),
    );
    expect(cells.slice(1, 4)).toEqual(["0/1", "CrashLoopBackOff", "4 (5s ago)"]);
  });

  it("shows ErrImagePull and Completed", () => {
    const waiting = pod({ phase: "Pending", containerStatuses: [{ name: "nginx", ready: false, restartCount: 0, image: "nginx", imageID: "", state: { waiting: { reason: "ErrImagePull" } } }] });
    expect(podRow(waiting)[2]).toBe("ErrImagePull");
    const done = pod({ phase: "Succeeded", containerStatuses: [{ name: "nginx", ready: false, restartCount: 0, image: "nginx", imageID: "", state: { terminated: { exitCode: 0, reason: "Completed" } } }] });
    expect(podRow(done).slice(1, 3)).toEqual(["0/1", "Completed"]);
  });

  it("shows a terminated container without reason by its exit code", () => {
    const p = pod({ phase: "Failed", containerStatuses: [{ name: "nginx", ready: false, restartCount: 0, image: "nginx", imageID: "", state: { terminated: { exitCode: 137 } } }] });
    expect(podRow(p)[2]).toBe("ExitCode:137");
  });

  it("shows Terminating once deletionTimestamp is set", () => {
    const p = pod(
      { phase: "Running", containerStatuses: [{ name: "nginx", ready: true, restartCount: 0, image: "nginx", imageID: "", state: { running: {} } }] },
      {},
      { deletionTimestamp: ago(1) },
    );
    expect(podRow(p)[2]).toBe("Terminating");
  });

  it("shows init progress as Init:N/M and init failures as Init:<reason>", () => {
    const spec = { initContainers: [{ name: "setup", image: "busybox" }, { name: "migrate", image: "busybox" }] };
    const initStatus = (state: object) => ({ name: "setup", ready: false, restartCount: 0, image: "busybox", imageID: "", state });
    expect(podRow(pod({ phase: "Pending", initContainerStatuses: [initStatus({ running: {} })] }, spec))[2]).toBe("Init:0/2");
    expect(podRow(pod({ phase: "Pending", initContainerStatuses: [initStatus({ waiting: { reason: "CrashLoopBackOff" } })] }, spec))[2]).toBe("Init:CrashLoopBackOff");
    expect(podRow(pod({ phase: "Pending", initContainerStatuses: [initStatus({ terminated: { exitCode: 2 } })] }, spec))[2]).toBe("Init:ExitCode:2");
  });
});

describe("other tables", () => {
  it("prints deployments as READY x/y, UP-TO-DATE, AVAILABLE and the wide columns", () => {
    const d = deployments.validate(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "nginx-deployment", creationTimestamp: ago(86400 * 1) },
        spec: { replicas: 3, selector: { matchLabels: { app: "nginx" } }, template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.7.9" }] } } },
        status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      },
      "Strict",
    ).object!;
    const t = printTable(deployments, [d], { now });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
    expect(t.rows[0]!.cells).toEqual(["nginx-deployment", "2/3", 3, 2, "24h", "nginx", "nginx:1.7.9", "app=nginx"]);
  });

  it("prints replicasets as DESIRED CURRENT READY", () => {
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "nginx-569477d6d8", creationTimestamp: ago(60) }, spec: { replicas: 3, selector: { matchLabels: { app: "nginx" } } }, status: { replicas: 3, readyReplicas: 3 } } as KObject;
    expect(printTable(replicasets, [rs], { now }).rows[0]!.cells.slice(0, 5)).toEqual(["nginx-569477d6d8", 3, 3, 3, "60s"]);
  });

  it("prints services with PORT(S) like 8000:30080/TCP", () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "nginx-service", creationTimestamp: ago(10) }, spec: { type: "NodePort", clusterIP: "10.96.0.12", clusterIPs: ["10.96.0.12"], ports: [{ port: 8000, targetPort: 80, nodePort: 30080, protocol: "TCP" }], selector: { app: "nginx" } } } as KObject;
    expect(printTable(services, [svc], { now }).rows[0]!.cells).toEqual(["nginx-service", "NodePort", "10.96.0.12", "<none>", "8000:30080/TCP", "10s", "app=nginx"]);
    const lb = { ...svc, spec: { ...(svc.spec as object), type: "LoadBalancer" } } as KObject;
    expect(printTable(services, [lb], { now }).rows[0]!.cells[3]).toBe("<pending>");
  });

  it("prints node status, roles and addresses", () => {
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "worker1", creationTimestamp: ago(7200), labels: { "node-role.kubernetes.io/worker": "" } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        addresses: [{ type: "InternalIP", address: "10.0.0.2" }],
        nodeInfo: { kubeletVersion: "v1.32.0-kubelab", osImage: "Debian GNU/Linux 12 (bookworm)", kernelVersion: "6.1.0", containerRuntimeVersion: "docker://20.10.24" },
      },
    } as KObject;
    expect(printTable(nodes, [node], { now }).rows[0]!.cells).toEqual([
      "worker1",
      "Ready,SchedulingDisabled",
      "worker",
      "120m",
      "v1.32.0-kubelab",
      "10.0.0.2",
      "<none>",
      "Debian GNU/Linux 12 (bookworm)",
      "6.1.0",
      "docker://20.10.24",
    ]);
    const notReady = { ...node, metadata: { name: "w2" }, spec: {}, status: { conditions: [{ type: "Ready", status: "Unknown" }] } } as KObject;
    expect(printTable(nodes, [notReady], { now }).rows[0]!.cells.slice(1, 3)).toEqual(["NotReady", "<none>"]);
    const fresh = { ...node, metadata: { name: "w3" }, spec: {}, status: {} } as KObject;
    expect(printTable(nodes, [fresh], { now }).rows[0]!.cells[1]).toBe("Unknown");
  });

  it("prints endpoints as ip:port lists, capped at three", () => {
    const ep = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "nginx-service", creationTimestamp: ago(3) },
      subsets: [{ addresses: ["10.244.1.2", "10.244.1.3", "10.244.2.2", "10.244.2.3"].map((ip) => ({ ip })), ports: [{ port: 80 }] }],
    } as KObject;
    expect(printTable(endpoints, [ep], { now }).rows[0]!.cells).toEqual(["nginx-service", "10.244.1.2:80,10.244.1.3:80,10.244.2.2:80 + 1 more...", "3s"]);
  });

  it("prints events with LAST SEEN, OBJECT and the wide columns", () => {
    const ev = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "nginx.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "nginx", fieldPath: "spec.containers{nginx}" },
      reason: "Pulled",
      message: "Container image already present on machine ",
      source: { component: "kubelet", host: "worker1" },
      firstTimestamp: ago(120),
      lastTimestamp: ago(30),
      count: 2,
      type: "Normal",
    } as KObject;
    const t = printTable(events, [ev], { now });
    expect(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(["Last Seen", "Type", "Reason", "Object", "Message"]);
    expect(t.rows[0]!.cells).toEqual(["30s", "Normal", "Pulled", "pod/nginx", "spec.containers{nginx}", "kubelet, worker1", "Container image already present on machine", "2m", 2, "nginx.1"]);
  });

  it("prints leases with their holder and gitrepositories with revision and readiness", () => {
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "worker1", creationTimestamp: ago(40) }, spec: { holderIdentity: "worker1" } } as KObject;
    expect(printTable(leases, [lease], { now }).rows[0]!.cells).toEqual(["worker1", "worker1", "40s"]);
    const repo = {
      apiVersion: "gitops.kubelab.io/v1alpha1",
      kind: "GitRepository",
      metadata: { name: "apps", creationTimestamp: ago(90) },
      spec: { url: "https://git.example/apps.git", branch: "main" },
      status: { lastAppliedRevision: "main@sha1:0a1b2c", conditions: [{ type: "Ready", status: "True", message: "Applied revision main@sha1:0a1b2c" }] },
    } as KObject;
    const t = printTable(gitrepositories, [repo], { now });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "URL", "Branch", "Revision", "Ready", "Status", "Age"]);
    expect(t.rows[0]!.cells).toEqual(["apps", "https://git.example/apps.git", "main", "main@sha1:0a1b2c", "True", "Applied revision main@sha1:0a1b2c", "90s"]);
  });
});

describe("selectors in tables", () => {
  it("prints matchLabels and matchExpressions sorted by key, as labels.Selector does", () => {
    const rs = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web" },
      spec: { selector: { matchLabels: { tier: "web", app: "shop" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }, { key: "canary", operator: "DoesNotExist" }] } },
    } as KObject;
    expect(printTable(replicasets, [rs], { now }).rows[0]!.cells[7]).toBe("app=shop,!canary,env in (dev,prod),tier=web");
  });
});
