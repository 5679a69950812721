// One metrics registry per `kubelab server` process: `kubectl get --raw /metrics` shows the API
// server's request metrics beside the work queues and reconcile counts of every controller, the
// scheduler and git-sync, with Kubernetes' metric names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTROLLER_NAMES } from "../controlplane/controllers/names";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// One node that the pod's nodeSelector rules out: a plugin rejects it, so the pod is parked with
// the unschedulable pods (a pod that found no nodes at all waits in backoff, as in Kubernetes).
const UNSCHEDULABLE_POD = `apiVersion: v1
kind: Node
metadata:
  name: metrics-node
---
apiVersion: v1
kind: Pod
metadata:
  name: metrics-unschedulable
spec:
  nodeSelector:
    kubelab.io/no-such-node: "true"
  containers:
  - name: app
    image: kubelab/pause
`;

/** The value of one series ("name{labels}") in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics of kubelab server", () => {
  let server: TestServer;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    server = await startTestServer();
    kubectl = kubectlFor(server.kubeconfig);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("shows the workqueue and reconcile metrics of every controller beside the API server's", async () => {
    await kubectl.ok(["create", "namespace", "metrics-gone"]);
    await kubectl.ok(["delete", "namespace", "metrics-gone", "--wait=false"]);
    const text = await eventually(async () => {
      const t = await kubectl.ok(["get", "--raw", "/metrics"]);
      return (sample(t, 'controller_runtime_reconcile_total{controller="namespace",result="success"}') ?? 0) >= 1 && t;
    }, 30_000, "the namespace deletion counted on /metrics");
    // The root CA publisher runs only where there is a root CA (--root-ca-file or TLS), the CSR
    // signer only with --cluster-signing-cert-file/-key-file; this server has neither.
    for (const name of CONTROLLER_NAMES.filter((n) => n !== "root-ca-cert-publisher" && n !== "csrsigning")) {
      expect(text, `reconcile count of ${name}`).toMatch(new RegExp(`^controller_runtime_reconcile_total\\{controller="${name}",result="success"\\} \\d+$`, "m"));
      expect(text, `reconcile errors of ${name}`).toMatch(new RegExp(`^controller_runtime_reconcile_errors_total\\{controller="${name}"\\} \\d+$`, "m"));
      expect(text, `queue depth of ${name}`).toMatch(new RegExp(`^workqueue_depth\\{name="${name}"\\} \\d+$`, "m"));
      expect(text, `queue adds of ${name}`).toMatch(new RegExp(`^workqueue_adds_total\\{name="${name}"\\} \\d+$`, "m"));
    }
    expect(text).toContain('controller_runtime_reconcile_total{controller="gitsync",result="success"}');
    for (const metric of ["workqueue_queue_duration_seconds_bucket", "workqueue_work_duration_seconds_bucket", "workqueue_retries_total", "workqueue_unfinished_work_seconds", "workqueue_longest_running_processor_seconds"]) {
      expect(text).toContain(`${metric}{`);
    }
    // The deleted namespace went through its queue and its reconciler.
    expect(sample(text, 'workqueue_adds_total{name="namespace"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'workqueue_work_duration_seconds_count{name="namespace"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain("apiserver_request_total{");
    expect(text).toContain("process_cpu_seconds_total ");
    // One registry: no metric family appears twice.
    const families = text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);
    expect(families.length).toBeGreaterThan(0);
    expect(new Set(families).size).toBe(families.length);
  }, 60_000);

  it("shows the scheduler's queue, reconcile counts and kube-scheduler's metrics", async () => {
    await kubectl.ok(["apply", "-f", "-"], UNSCHEDULABLE_POD);
    const text = await eventually(async () => {
      const t = await kubectl.ok(["get", "--raw", "/metrics"]);
      const attempted = (sample(t, 'scheduler_schedule_attempts_total{result="unschedulable",profile="default-scheduler"}') ?? 0) >= 1;
      return attempted && sample(t, 'scheduler_pending_pods{queue="unschedulable"}') === 1 && t;
    }, 30_000, "the scheduler's unschedulable attempt and the parked pod on /metrics");
    expect(sample(text, 'workqueue_adds_total{name="scheduler"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^controller_runtime_reconcile_total\{controller="scheduler",result="requeue_after"\} [1-9]\d*$/m);
    expect(sample(text, 'scheduler_pending_pods{queue="active"}')).toBe(0);
    expect(text).toContain('scheduler_scheduling_attempt_duration_seconds_count{result="unschedulable",profile="default-scheduler"} ');
  }, 60_000);
});
