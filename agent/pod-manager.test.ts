import { describe, expect, it } from "vitest";
import { MIRROR_ANNOTATION, PodManager } from "./pod-manager";
import type { Pod } from "./types";

const pod = (name: string, uid: string, annotations?: Record<string, string>): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid, annotations },
  spec: { containers: [{ name: "app", image: "kubelab/busybox:1.36" }] },
});

describe("PodManager", () => {
  it("wakes the pods that appeared and went after a relist of API pods, and never runs mirror pods", () => {
    const changed: string[] = [];
    const pm = new PodManager((uid) => changed.push(uid));
    pm.setApiPods([pod("a", "1"), pod("b", "2")]);
    expect(pm.apiSourceReady).toBe(true);
    changed.length = 0;
    pm.setApiPods([pod("b", "2"), pod("c", "3"), pod("web-node1", "m", { [MIRROR_ANNOTATION]: "static-uid" })]);
    expect(changed.sort()).toEqual(["1", "2", "3"]);
    expect(pm.desired("1")).toBeUndefined();
    expect(pm.desired("m")).toBeUndefined();
    expect(pm.all().map((p) => p.metadata.name)).toEqual(["b", "c"]);
  });

  it("wakes only static pods that are new, changed or gone, and tells the mirror pods", () => {
    const changed: string[] = [];
    let staticChanges = 0;
    const pm = new PodManager((uid) => changed.push(uid), () => staticChanges++);
    pm.setStaticPods([pod("s1", "s1"), pod("s2", "s2")]);
    changed.length = 0;
    pm.setStaticPods([pod("s1", "s1"), { ...pod("s2", "s2"), spec: { containers: [{ name: "app", image: "kubelab/web:2" }] } }, pod("s3", "s3")]);
    expect(changed.sort()).toEqual(["s2", "s3"]);
    pm.setStaticPods([pod("s3", "s3")]);
    expect(changed.sort()).toEqual(["s1", "s2", "s2", "s3"]);
    expect(staticChanges).toBe(3);
    expect(pm.counts()).toEqual({ static: 1, api: 0 });
  });

  it("finds a pod by namespace and name, static pods first", () => {
    const pm = new PodManager(() => undefined);
    pm.setStaticPods([pod("web", "static")]);
    pm.upsertApiPod(pod("web", "api"));
    pm.upsertApiPod(pod("db", "db"));
    expect(pm.find("default", "web")?.metadata.uid).toBe("static");
    expect(pm.find("default", "db")?.metadata.uid).toBe("db");
    expect(pm.find("other", "db")).toBeUndefined();
    pm.removeApiPod("db");
    expect(pm.find("default", "db")).toBeUndefined();
  });
});
