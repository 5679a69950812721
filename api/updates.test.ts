import { describe, expect, it } from "vitest";
import type { Deployment } from "./apps";
import type { Pod, Service } from "./core";
import { deployments, pods, replicasets, services } from "./index";
import type { KObject } from "./resource";
import { nginxDeployment, nginxPod, nodePortService } from "./testdata";

describe("updates", () => {
  const stored = <T>(rt: { validate: (o: unknown, f: "Strict") => { object?: unknown } }, body: unknown) => rt.validate(body, "Strict").object as T & KObject;

  it("keeps a Deployment's selector immutable", () => {
    const old = stored<Deployment>(deployments, nginxDeployment());
    const changed = structuredClone(old);
    changed.spec.selector = { matchLabels: { app: "web" } };
    changed.spec.template.metadata!.labels = { app: "web" };
    expect(deployments.validateUpdate(changed, old)).toEqual([
      { reason: "FieldValueInvalid", field: "spec.selector", message: 'Invalid value: {"matchLabels":{"app":"web"}}: field is immutable' },
    ]);
    const scaled = structuredClone(old);
    scaled.spec.replicas = 5;
    expect(deployments.validateUpdate(scaled, old)).toEqual([]);
  });

  it("keeps a ReplicaSet's selector immutable", () => {
    const body = nginxDeployment() as Record<string, any>;
    body.kind = "ReplicaSet";
    delete body.spec.strategy;
    const old = stored<Deployment>(replicasets, body);
    const changed = structuredClone(old);
    changed.spec.selector = { matchLabels: { app: "x" } };
    expect(replicasets.validateUpdate(changed, old).map((e) => e.field)).toEqual(["spec.selector"]);
  });

  it("lets a Pod change its image but not its ports", () => {
    const old = stored<Pod>(pods, nginxPod());
    const newImage = structuredClone(old);
    newImage.spec.containers[0]!.image = "nginx:1.10.4";
    expect(pods.validateUpdate(newImage, old)).toEqual([]);
    const newPort = structuredClone(old);
    newPort.spec.containers[0]!.ports![0]!.containerPort = 81;
    const errors = pods.validateUpdate(newPort, old);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: "FieldValueForbidden", field: "spec", message: expect.stringContaining("pod updates may not change fields other than") });
  });

  it("lets a Pod add tolerations and lower activeDeadlineSeconds, not remove tolerations", () => {
    const old = stored<Pod>(pods, { ...nginxPod(), spec: { ...nginxPod().spec, activeDeadlineSeconds: 100 } });
    const ok = structuredClone(old);
    ok.spec.tolerations!.push({ key: "dedicated", operator: "Exists", effect: "NoSchedule" });
    ok.spec.activeDeadlineSeconds = 50;
    expect(pods.validateUpdate(ok, old)).toEqual([]);
    const bad = structuredClone(old);
    bad.spec.tolerations = [];
    bad.spec.activeDeadlineSeconds = 200;
    expect(pods.validateUpdate(bad, old).map((e) => e.field)).toEqual(["spec.activeDeadlineSeconds", "spec.tolerations"]);
  });

  it("lets a Pod be bound to a node once, never moved", () => {
    const old = stored<Pod>(pods, nginxPod());
    const bound = structuredClone(old);
    bound.spec.nodeName = "worker1";
    expect(pods.validateUpdate(bound, old)).toEqual([]);
    const moved = structuredClone(bound);
    moved.spec.nodeName = "worker2";
    expect(pods.validateUpdate(moved, bound).map((e) => e.field)).toEqual(["spec"]);
  });

  it("keeps a Service's clusterIP once set", () => {
    const body = nodePortService() as Record<string, any>;
    body.spec.clusterIP = "10.96.0.10";
    const old = stored<Service>(services, body);
    const changed = structuredClone(old);
    changed.spec.clusterIP = "10.96.0.11";
    expect(services.validateUpdate(changed, old).map((e) => [e.field, e.message])).toEqual([["spec.clusterIP", 'Invalid value: "10.96.0.11": field is immutable']]);
  });

  it("bumps generation only for spec changes", () => {
    const old = stored<Deployment>(deployments, nginxDeployment());
    const labelled = structuredClone(old);
    labelled.metadata.labels = { app: "nginx", tier: "web" };
    labelled.status = { replicas: 3 };
    expect(deployments.specChanged!(labelled, old)).toBe(false);
    const scaled = structuredClone(old);
    scaled.spec.replicas = 4;
    expect(deployments.specChanged!(scaled, old)).toBe(true);
  });
});
