import { describe, expect, it } from "vitest";
import { pods } from "../index";
import { validateLocalDescendingPath, validateLocalNonReservedPath } from "./validate-volume-paths";

function podWith(volume: Record<string, unknown>, mount: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      volumes: [{ name: "v", ...volume }],
      containers: [{ name: "app", image: "kubelab/web:1", volumeMounts: [{ name: "v", mountPath: "/data", ...mount }] }],
    },
  };
}

const errorsOf = (obj: unknown) => pods.validate(obj, "Strict").errors.map((e) => `${e.field}: ${e.message}`);

describe("volume item paths (validateLocalNonReservedPath)", () => {
  it("accepts nested relative paths, dots inside names and a leading single dot", () => {
    for (const p of ["a", "a/b/c.txt", "a..b", "x/..y", ".hidden", "./a"]) expect(validateLocalNonReservedPath(p, "f")).toEqual([]);
  });

  it("rejects an absolute path, a '..' element and a leading '..' with Kubernetes' messages", () => {
    expect(validateLocalNonReservedPath("/etc/passwd", "f").map((e) => e.message)).toEqual(['Invalid value: "/etc/passwd": must be a relative path']);
    expect(validateLocalNonReservedPath("../ab/x", "f").map((e) => e.message)).toEqual([`Invalid value: "../ab/x": must not contain '..'`]);
    expect(validateLocalNonReservedPath("a/../../x", "f").map((e) => e.message)).toEqual([`Invalid value: "a/../../x": must not contain '..'`]);
    expect(validateLocalNonReservedPath("..data", "f").map((e) => e.message)).toEqual([`Invalid value: "..data": must not start with '..'`]);
    expect(validateLocalNonReservedPath("/../x", "f")).toHaveLength(2);
  });

  it("rejects configMap, secret, downwardAPI and projected item paths that leave the volume, at their field paths", () => {
    expect(errorsOf(podWith({ configMap: { name: "c", items: [{ key: "k", path: "ok" }, { key: "k2", path: "../ab/x" }] } }))).toEqual([
      `spec.volumes[0].configMap.items[1].path: Invalid value: "../ab/x": must not contain '..'`,
    ]);
    expect(errorsOf(podWith({ secret: { secretName: "s", items: [{ key: "k", path: "/root/.ssh/authorized_keys" }] } }))).toEqual([
      `spec.volumes[0].secret.items[0].path: Invalid value: "/root/.ssh/authorized_keys": must be a relative path`,
    ]);
    expect(errorsOf(podWith({ downwardAPI: { items: [{ path: "..labels", fieldRef: { fieldPath: "metadata.labels" } }] } }))).toEqual([
      `spec.volumes[0].downwardAPI.items[0].path: Invalid value: "..labels": must not start with '..'`,
    ]);
    const projected = {
      projected: {
        sources: [
          { configMap: { name: "c", items: [{ key: "k", path: "a/../../b" }] } },
          { secret: { name: "s", items: [{ key: "k", path: "/x" }] } },
          { downwardAPI: { items: [{ path: "../n", fieldRef: { fieldPath: "metadata.name" } }] } },
          { serviceAccountToken: { path: "../token" } },
        ],
      },
    };
    expect(errorsOf(podWith(projected))).toEqual([
      `spec.volumes[0].projected.sources[0].configMap.items[0].path: Invalid value: "a/../../b": must not contain '..'`,
      `spec.volumes[0].projected.sources[1].secret.items[0].path: Invalid value: "/x": must be a relative path`,
      `spec.volumes[0].projected.sources[2].downwardAPI.items[0].path: Invalid value: "../n": must not contain '..'`,
      `spec.volumes[0].projected.sources[3].serviceAccountToken.path: Invalid value: "../token": must not contain '..'`,
    ]);
  });

  it("requires a key and a path on every item", () => {
    expect(errorsOf(podWith({ configMap: { name: "c", items: [{ key: "", path: "" }] } }))).toEqual([
      "spec.volumes[0].configMap.items[0].key: Required value",
      "spec.volumes[0].configMap.items[0].path: Required value",
    ]);
  });

  it("accepts the usual shapes unchanged", () => {
    const ok = podWith({ configMap: { name: "c", items: [{ key: "nginx.conf", path: "conf.d/default.conf" }] } }, { subPath: "conf.d" });
    expect(pods.validate(ok, "Strict").errors).toEqual([]);
  });
});

describe("volumeMounts subPath and subPathExpr (validateLocalDescendingPath)", () => {
  it("rejects an absolute subPath and a '..' element, at the mount's field path", () => {
    expect(errorsOf(podWith({ emptyDir: {} }, { subPath: "/etc" }))).toEqual([
      `spec.containers[0].volumeMounts[0].subPath: Invalid value: "/etc": must be a relative path`,
    ]);
    expect(errorsOf(podWith({ emptyDir: {} }, { subPath: "a/../.." }))).toEqual([
      `spec.containers[0].volumeMounts[0].subPath: Invalid value: "a/../..": must not contain '..'`,
    ]);
    expect(errorsOf(podWith({ emptyDir: {} }, { subPathExpr: "$(POD_NAME)/../x" }))).toEqual([
      `spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)/../x": must not contain '..'`,
    ]);
  });

  it("allows a subPath starting with '..' that is not a '..' element (only item paths reserve those)", () => {
    expect(validateLocalDescendingPath("..data", "f")).toEqual([]);
    expect(errorsOf(podWith({ emptyDir: {} }, { subPath: "..data" }))).toEqual([]);
  });

  it("refuses subPath together with subPathExpr", () => {
    expect(errorsOf(podWith({ emptyDir: {} }, { subPath: "a", subPathExpr: "$(POD_NAME)" }))).toEqual([
      `spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": subPathExpr and subPath are mutually exclusive`,
    ]);
  });

  it("checks mounts of init containers and of a Deployment's pod template too", async () => {
    const { deployments } = await import("../index");
    const d = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "d" } },
        template: {
          metadata: { labels: { app: "d" } },
          spec: {
            volumes: [{ name: "v", emptyDir: {} }],
            initContainers: [{ name: "init", image: "kubelab/busybox", volumeMounts: [{ name: "v", mountPath: "/v", subPath: "../x" }] }],
            containers: [{ name: "app", image: "kubelab/web:1" }],
          },
        },
      },
    };
    expect(deployments.validate(d, "Strict").errors.map((e) => e.field)).toEqual(["spec.template.spec.initContainers[0].volumeMounts[0].subPath"]);
  });
});
