import { describe, expect, it } from "vitest";
import { driftedFields } from "./drift";

const manifest = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image: "kubelab/web:1", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "0.5" } } }] } } },
};
const live = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u", resourceVersion: "7", labels: { app: "web", extra: "x" } },
  spec: {
    replicas: 2,
    strategy: { type: "RollingUpdate" },
    template: { spec: { restartPolicy: "Always", containers: [{ name: "web", image: "kubelab/web:1", imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 80, protocol: "TCP" }], resources: { requests: { cpu: "500m" } } }] } },
  },
  status: { replicas: 2 },
};

describe("drift", () => {
  it("ignores server defaults, extra labels and equal quantities", () => {
    expect(driftedFields(manifest, live)).toEqual([]);
  });
  it("names the fields edited by hand", () => {
    const edited = structuredClone(live);
    edited.spec.template.spec.containers[0]!.image = "kubelab/web:2";
    edited.spec.replicas = 5;
    expect(driftedFields(manifest, edited)).toEqual(["spec.replicas", "spec.template.spec.containers[name=web].image"]);
  });
  it("notices a removed label and a removed container", () => {
    const edited = structuredClone(live);
    delete (edited.metadata.labels as Record<string, string>).app;
    edited.spec.template.spec.containers = [];
    expect(driftedFields(manifest, edited)).toEqual(["metadata.labels.app", "spec.template.spec.containers"]);
  });
});
