import { describe, expect, it } from "vitest";
import { aggregateHealth, objectHealth, withTimeout } from "./index";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const meta = (extra: object = {}) => ({ name: "x", namespace: "ns", generation: 2, ...extra });
const health = (apiVersion: string, kind: string, obj: object) => objectHealth({ apiVersion, kind }, obj, NOW);

const deployDone = {
  observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3,
  conditions: [
    { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
    { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
  ],
};
const deploy = (status: object, spec: object = {}) => ({ metadata: meta(), spec: { replicas: 3, progressDeadlineSeconds: 600, ...spec }, status: { ...deployDone, ...status } });

// Each row: what a user of Flux/kstatus would see for this object: [name, apiVersion, kind, object, status, reason]
const cases: Array<[string, string, string, object, string, string]> = [
  ["a finished Deployment", "apps/v1", "Deployment", deploy({}), "Healthy", "RolloutComplete"],
  ["a Deployment whose spec is not yet observed", "apps/v1", "Deployment", deploy({ observedGeneration: 1 }), "Progressing", "LatestGenerationNotObserved"],
  ["a Deployment still creating pods", "apps/v1", "Deployment", deploy({ replicas: 1 }), "Progressing", "LessReplicas"],
  ["a Deployment rolling", "apps/v1", "Deployment", deploy({ updatedReplicas: 1 }), "Progressing", "LessUpdated"],
  ["a Deployment with old pods left", "apps/v1", "Deployment", deploy({ replicas: 4 }), "Progressing", "ExtraPods"],
  ["a Deployment not yet available", "apps/v1", "Deployment", deploy({ availableReplicas: 2 }), "Progressing", "LessAvailable"],
  ["a Deployment past its deadline", "apps/v1", "Deployment", deploy({ conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "timed out" }] }), "Degraded", "ProgressDeadlineExceeded"],
  ["a paused Deployment", "apps/v1", "Deployment", deploy({}, { paused: true }), "Suspended", "Paused"],
  ["a Deployment being deleted", "apps/v1", "Deployment", { ...deploy({}), metadata: meta({ deletionTimestamp: "2026-12-01T11:59:00Z" }) }, "Terminating", "Terminating"],
  ["a ready StatefulSet", "apps/v1", "StatefulSet", { metadata: meta(), spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: "a", updateRevision: "a" } }, "Healthy", "RolloutComplete"],
  ["a StatefulSet in progress", "apps/v1", "StatefulSet", { metadata: meta(), spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, readyReplicas: 1 } }, "Progressing", "LessReady"],
  ["a StatefulSet mid-update", "apps/v1", "StatefulSet", { metadata: meta(), spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, readyReplicas: 2, currentReplicas: 2, currentRevision: "a", updateRevision: "b" } }, "Progressing", "RevisionMismatch"],
  ["a StatefulSet with a partition done", "apps/v1", "StatefulSet", { metadata: meta(), spec: { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }, status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 1 } }, "Healthy", "PartitionRolloutComplete"],
  ["a DaemonSet its controller never saw", "apps/v1", "DaemonSet", { metadata: meta(), spec: {} }, "Progressing", "NoObservedGeneration"],
  ["a DaemonSet rolling", "apps/v1", "DaemonSet", { metadata: meta(), status: { observedGeneration: 2, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 1 } }, "Progressing", "LessUpdated"],
  ["a DaemonSet done", "apps/v1", "DaemonSet", { metadata: meta(), status: { observedGeneration: 2, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2 } }, "Healthy", "RolloutComplete"],
  ["a ReplicaSet short of ready", "apps/v1", "ReplicaSet", { metadata: meta(), spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 1 } }, "Progressing", "LessReady"],
  ["a completed Job", "batch/v1", "Job", { metadata: meta(), spec: { completions: 3 }, status: { succeeded: 3, startTime: "t", conditions: [{ type: "Complete", status: "True" }] } }, "Healthy", "Complete"],
  ["a failed Job", "batch/v1", "Job", { metadata: meta(), spec: {}, status: { failed: 7, startTime: "t", conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } }, "Degraded", "JobFailed"],
  ["a Job not started", "batch/v1", "Job", { metadata: meta(), spec: {}, status: {} }, "Progressing", "JobNotStarted"],
  ["a running Job (current, as kstatus says)", "batch/v1", "Job", { metadata: meta(), spec: {}, status: { active: 1, startTime: "t" } }, "Healthy", "JobInProgress"],
  ["a suspended CronJob", "batch/v1", "CronJob", { metadata: meta(), spec: { suspend: true } }, "Suspended", "Suspended"],
  ["a bound claim", "v1", "PersistentVolumeClaim", { metadata: meta(), status: { phase: "Bound" } }, "Healthy", "Bound"],
  ["a pending claim", "v1", "PersistentVolumeClaim", { metadata: meta(), status: { phase: "Pending" } }, "Progressing", "NotBound"],
  ["a LoadBalancer without an IP", "v1", "Service", { metadata: meta(), spec: { type: "LoadBalancer" } }, "Progressing", "NoIPAssigned"],
  ["a ClusterIP Service", "v1", "Service", { metadata: meta(), spec: { clusterIP: "10.96.0.5" } }, "Healthy", "Ready"],
  ["a ready pod", "v1", "Pod", { metadata: meta(), status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }, "Healthy", "Ready"],
  ["a crash-looping pod", "v1", "Pod", { metadata: meta(), status: { phase: "Running", containerStatuses: [{ name: "app", state: { waiting: { reason: "CrashLoopBackOff" } } }] } }, "Degraded", "ContainerCrashLooping"],
  ["a pod unschedulable for a minute", "v1", "Pod", { metadata: meta({ creationTimestamp: "2026-12-01T11:59:00Z" }), status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/2 nodes are available" }] } }, "Degraded", "PodUnschedulable"],
  ["a pod unschedulable for a moment", "v1", "Pod", { metadata: meta({ creationTimestamp: "2026-12-01T11:59:55Z" }), status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] } }, "Progressing", "PodNotScheduled"],
  ["an established CRD", "apiextensions.k8s.io/v1", "CustomResourceDefinition", { metadata: meta(), status: { conditions: [{ type: "NamesAccepted", status: "True" }, { type: "Established", status: "True" }] } }, "Healthy", "Established"],
  ["a CRD whose names clash", "apiextensions.k8s.io/v1", "CustomResourceDefinition", { metadata: meta(), status: { conditions: [{ type: "NamesAccepted", status: "False", reason: "MultipleNamesNotAllowed" }] } }, "Degraded", "MultipleNamesNotAllowed"],
  ["a custom resource that is Ready", "example.com/v1", "Widget", { metadata: meta(), status: { observedGeneration: 2, conditions: [{ type: "Ready", status: "True" }] } }, "Healthy", "Ready"],
  ["a custom resource not Ready", "example.com/v1", "Widget", { metadata: meta(), status: { conditions: [{ type: "Ready", status: "False", reason: "Waiting", message: "db down" }] } }, "Progressing", "Waiting"],
  ["a custom resource Stalled", "example.com/v1", "Widget", { metadata: meta(), status: { conditions: [{ type: "Stalled", status: "True", reason: "BadConfig", message: "no such key" }] } }, "Degraded", "BadConfig"],
  ["a custom resource behind its spec", "example.com/v1", "Widget", { metadata: meta(), status: { observedGeneration: 1 } }, "Progressing", "LatestGenerationNotObserved"],
  ["a ConfigMap", "v1", "ConfigMap", { metadata: meta() }, "Healthy", "Current"],
];

describe("object health, by kstatus's rules", () => {
  it.each(cases)("%s", (_name, apiVersion, kind, obj, status, reason) => {
    expect(health(apiVersion, kind, obj)).toMatchObject({ status, reason });
  });

  it("names the object in the message, so a repository's status says which one", () => {
    const h = health("batch/v1", "Job", cases.find((c) => c[0] === "a failed Job")![3]);
    expect(h.message).toBe("Job ns/x failed (BackoffLimitExceeded): Job has reached the specified backoff limit");
  });

  it("is Missing for an object that does not exist", () => {
    expect(objectHealth({ apiVersion: "v1", kind: "ConfigMap" }, undefined)).toMatchObject({ status: "Missing", reason: "NotFound" });
  });

  it("survives objects of the wrong shape without throwing", () => {
    for (const [, apiVersion, kind] of cases) {
      for (const junk of [{}, { status: 5 }, { status: { conditions: "x", replicas: "3" } }, { metadata: null, spec: [] }]) {
        expect(() => health(apiVersion, kind, junk)).not.toThrow();
      }
    }
  });
});

describe("aggregate health and the timeout", () => {
  const p = (status: "Healthy" | "Progressing" | "Degraded", message: string = status) => ({ status, reason: status, message });
  it("is the worst object's, with the worst ones' messages", () => {
    const h = aggregateHealth([{ ref: "a", health: p("Healthy") }, { ref: "b", health: p("Degraded", "Job ns/b failed") }, { ref: "c", health: p("Progressing") }]);
    expect(h).toEqual({ status: "Degraded", reason: "Degraded", message: "Job ns/b failed" });
  });
  it("turns waiting past the deadline into Degraded naming what it waited for", () => {
    const since = NOW - 61_000;
    expect(withTimeout(p("Progressing", "Deployment ns/web: ready 1/3"), since, 60_000, NOW, "1m0s")).toEqual({
      status: "Degraded",
      reason: "HealthCheckTimeout",
      message: "timeout after 1m0s waiting for: Deployment ns/web: ready 1/3",
    });
    expect(withTimeout(p("Progressing"), NOW - 59_000, 60_000, NOW, "1m0s").status).toBe("Progressing");
    expect(withTimeout(p("Healthy"), since, 60_000, NOW, "1m0s").status).toBe("Healthy");
  });
});
