import { describe, expect, it } from "vitest";
import { aggregateHealth, deploymentHealth, objectHealth } from "./health";

const dep = (spec: object, status: object, generation = 2) => ({ metadata: { name: "web", generation }, spec: { replicas: 3, ...spec }, status });
const done = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 };

describe("deployment health", () => {
  it("is Healthy once every replica is updated and available and no old ones remain", () => {
    expect(deploymentHealth(dep({}, done)).status).toBe("Healthy");
  });
  it("is Progressing while the controller has not observed the generation", () => {
    expect(deploymentHealth(dep({}, { ...done, observedGeneration: 1 }))).toMatchObject({ status: "Progressing", reason: "ObservedGenerationLag" });
  });
  it("is Progressing while replicas roll or old ones remain", () => {
    expect(deploymentHealth(dep({}, { ...done, updatedReplicas: 1 })).status).toBe("Progressing");
    expect(deploymentHealth(dep({}, { ...done, replicas: 4 })).message).toContain("1 old replicas");
    expect(deploymentHealth(dep({}, { ...done, availableReplicas: 2 })).status).toBe("Progressing");
  });
  it("is Degraded with the reason when the progress deadline was exceeded", () => {
    const d = dep({}, { ...done, updatedReplicas: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "web-1" has timed out progressing.' }] });
    expect(deploymentHealth(d)).toEqual({ status: "Degraded", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "web-1" has timed out progressing.' });
  });
  it("is Suspended while paused", () => {
    expect(deploymentHealth(dep({ paused: true }, {})).status).toBe("Suspended");
  });
  it("counts other kinds Healthy once they exist", () => {
    expect(objectHealth("ConfigMap", { metadata: { name: "c" } }).status).toBe("Healthy");
    expect(objectHealth("ConfigMap", undefined).status).toBe("Missing");
  });
  it("aggregates to the worst status", () => {
    const h = aggregateHealth([
      { ref: "a", health: deploymentHealth(dep({}, done)) },
      { ref: "b", health: deploymentHealth(dep({}, { ...done, updatedReplicas: 1 })) },
    ]);
    expect(h.status).toBe("Progressing");
  });
});
