import { describe, expect, it } from "vitest";
import { deployments } from "../../../api/index";
import { applyStrategicMergePatch } from "./strategic-merge";
import { deploymentSchema as schema, sampleDeployment } from "./testdata";

const smp = (patch: unknown, obj: unknown = sampleDeployment()) => applyStrategicMergePatch(obj, patch, schema) as ReturnType<typeof sampleDeployment>;
const containers = (d: ReturnType<typeof sampleDeployment>) => d.spec.template.spec.containers;

describe("applyStrategicMergePatch", () => {
  it("applies kubectl apply's three-way patch: one container changed, the other kept with its env", () => {
    const out = smp({
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "api" }], containers: [{ image: "nginx:1.28", name: "api" }] } } },
    });
    expect(containers(out).map((c) => c.name)).toEqual(["api", "sidecar"]);
    expect(containers(out)[0]).toEqual({
      name: "api",
      image: "nginx:1.28",
      env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
      ports: [{ containerPort: 80, protocol: "TCP" }],
    });
    expect(containers(out)[1]).toEqual(sampleDeployment().spec.template.spec.containers[1]);
  });

  it("sets an image like `kubectl set image` without touching other containers", () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox:2" }] } } } });
    expect(containers(out)[1].image).toBe("busybox:2");
    expect(containers(out)[1].args).toEqual(["sleep", "3600"]);
    expect(containers(out)[0].image).toBe("nginx:1.27");
  });

  it("appends a container with a new name and orders by $setElementOrder", () => {
    const out = smp({
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "init" }, { name: "api" }, { name: "sidecar" }],
            containers: [{ name: "init", image: "x:1", env: [{ name: "Z", value: null }] }],
          },
        },
      },
    });
    expect(containers(out).map((c) => c.name)).toEqual(["init", "api", "sidecar"]);
    expect(containers(out)[0]).toEqual({ name: "init", image: "x:1", env: [{ name: "Z" }] });
  });

  it("puts new elements ahead of untouched live ones when no order is given, as Kubernetes does", () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: "third", image: "t" }] } } } });
    expect(containers(out).map((c) => c.name)).toEqual(["third", "api", "sidecar"]);
    const ordered = smp({
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "api" }, { name: "sidecar" }, { name: "third" }], containers: [{ name: "third", image: "t" }] } } },
    });
    expect(containers(ordered).map((c) => c.name)).toEqual(["api", "sidecar", "third"]);
  });

  it("deletes a container by $patch: delete", () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } });
    expect(containers(out).map((c) => c.name)).toEqual(["api"]);
  });

  it("deletes an element and reorders with kubectl apply's $setElementOrder patch", () => {
    const out = smp({
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "sidecar" }],
            containers: [{ name: "api", $patch: "delete" }],
          },
        },
      },
    });
    expect(containers(out).map((c) => c.name)).toEqual(["sidecar"]);
  });

  it("merges env by name and ports by containerPort inside a container", () => {
    const out = smp({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "api",
                env: [{ name: "B", value: "20" }, { name: "D", value: "4" }, { name: "A", $patch: "delete" }],
                ports: [{ containerPort: 80, name: "http" }, { containerPort: 443, protocol: "TCP" }],
              },
            ],
          },
        },
      },
    });
    const api = containers(out)[0];
    expect(api.env).toEqual([{ name: "B", value: "20" }, { name: "D", value: "4" }]);
    expect(api.ports).toEqual([{ containerPort: 80, protocol: "TCP", name: "http" }, { containerPort: 443, protocol: "TCP" }]);
  });

  it("keeps server-only list elements in their live positions between the patch's", () => {
    const live = sampleDeployment();
    live.spec.template.spec.containers[0].env = [{ name: "A", value: "1" }, { name: "S", value: "server" }, { name: "B", value: "2" }];
    const out = smp(
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: "api", "$setElementOrder/env": [{ name: "A" }, { name: "B" }, { name: "N" }], env: [{ name: "N", value: "new" }] }],
            },
          },
        },
      },
      live,
    );
    expect(containers(out)[0].env?.map((e) => e.name)).toEqual(["A", "S", "B", "N"]);
  });

  it("replaces lists without a merge strategy (args, tolerations)", () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: "sidecar", args: ["sleep", "1"] }] } } } });
    expect(containers(out)[1].args).toEqual(["sleep", "1"]);
  });

  it("replaces a whole merge list with a $patch: replace element", () => {
    const out = smp({ spec: { template: { spec: { containers: [{ $patch: "replace" }, { name: "solo", image: "s" }] } } } });
    expect(containers(out)).toEqual([{ name: "solo", image: "s" }]);
  });

  it("replaces a map with $patch: replace and deletes one with $patch: delete", () => {
    const out = smp({ metadata: { labels: { $patch: "replace", only: "this" }, annotations: { $patch: "delete" } } });
    expect(out.metadata.labels).toEqual({ only: "this" });
    expect(out.metadata.annotations).toBeUndefined();
  });

  it("removes an annotation set to null and adds another", () => {
    const out = smp({ metadata: { annotations: { note: null, "kubectl.kubernetes.io/restartedAt": "now" } } });
    expect(out.metadata.annotations).toEqual({ team: "a", "kubectl.kubernetes.io/restartedAt": "now" });
  });

  it("drops the rolling update parameters when the strategy switches to Recreate ($retainKeys)", () => {
    const out = smp({ spec: { strategy: { $retainKeys: ["type"], rollingUpdate: null, type: "Recreate" } } });
    expect(out.spec.strategy).toEqual({ type: "Recreate" });
    const out2 = smp({ spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } });
    expect(out2.spec.strategy).toEqual({ type: "Recreate" });
  });

  it("refuses a patch with a field outside its $retainKeys", () => {
    expect(() => smp({ spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: { maxSurge: 1 } } } })).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });

  it("unions merge-strategy lists of scalars and deletes from them with $deleteFromPrimitiveList", () => {
    const live = { ...sampleDeployment(), metadata: { ...sampleDeployment().metadata, finalizers: ["a", "b"] } };
    const out = applyStrategicMergePatch(live, { metadata: { finalizers: ["c", "a"], "$deleteFromPrimitiveList/finalizers": ["b"] } }, schema);
    expect(out.metadata.finalizers).toEqual(["c", "a"]);
    const out2 = applyStrategicMergePatch(live, { metadata: { finalizers: ["c"] } }, schema);
    expect(out2.metadata.finalizers).toEqual(["c", "a", "b"]);
    const out3 = applyStrategicMergePatch(live, { metadata: { "$setElementOrder/finalizers": ["a", "b", "c"], finalizers: ["c"] } }, schema);
    expect(out3.metadata.finalizers).toEqual(["a", "b", "c"]);
  });

  it("behaves like a merge patch where the schema knows nothing", () => {
    const out = applyStrategicMergePatch({ a: { list: [1, 2], keep: 1 } }, { a: { list: [3], gone: null }, b: { x: [{ y: 1 }] } }, {});
    expect(out).toEqual({ a: { list: [3], keep: 1 }, b: { x: [{ y: 1 }] } });
  });

  it("creates lists and maps missing from the live object, dropping directives and nulls", () => {
    const live = sampleDeployment();
    const out = smp({ spec: { template: { spec: { initContainers: [{ name: "init", image: "i", env: [{ name: "X", value: null }] }] } } } }, live);
    expect((out.spec.template.spec as Record<string, unknown>).initContainers).toEqual([{ name: "init", image: "i", env: [{ name: "X" }] }]);
  });

  it("merges volumes by name", () => {
    const live = sampleDeployment() as ReturnType<typeof sampleDeployment> & Record<string, never>;
    (live.spec.template.spec as Record<string, unknown>).volumes = [{ name: "cache", emptyDir: {} }, { name: "cfg", configMap: { name: "a" } }];
    const out = smp({ spec: { template: { spec: { volumes: [{ name: "cfg", configMap: { name: "b" } }] } } } }, live);
    expect((out.spec.template.spec as Record<string, unknown>).volumes).toEqual([{ name: "cache", emptyDir: {} }, { name: "cfg", configMap: { name: "b" } }]);
  });

  it("switches a volume's source with $retainKeys inside a list element", () => {
    const live = sampleDeployment();
    (live.spec.template.spec as Record<string, unknown>).volumes = [{ name: "data", emptyDir: {} }];
    const out = smp({ spec: { template: { spec: { volumes: [{ name: "data", $retainKeys: ["configMap", "name"], configMap: { name: "cfg" } }] } } } }, live);
    expect((out.spec.template.spec as Record<string, unknown>).volumes).toEqual([{ name: "data", configMap: { name: "cfg" } }]);
  });

  it("answers 400 for a list element without its merge key and for unknown directives", () => {
    expect(() => smp({ spec: { template: { spec: { containers: [{ image: "x" }] } } } })).toThrow(expect.objectContaining({ code: 400 }));
    expect(() => smp({ spec: { template: { spec: { containers: [{ name: "api", $patch: "explode" }] } } } })).toThrow(expect.objectContaining({ code: 400 }));
    expect(() => smp({ metadata: { labels: { $patch: "explode" } } })).toThrow(expect.objectContaining({ code: 400 }));
    expect(() => smp([1])).toThrow(expect.objectContaining({ code: 400 }));
  });

  it("does not change its inputs", () => {
    const live = sampleDeployment();
    const patch = { spec: { template: { spec: { containers: [{ name: "api", $patch: "delete" }] } } } };
    smp(patch, live);
    expect(live).toEqual(sampleDeployment());
    expect(patch.spec.template.spec.containers[0]).toEqual({ name: "api", $patch: "delete" });
  });

  it("works with the real Deployment schema of api/", () => {
    const out = applyStrategicMergePatch(
      sampleDeployment(),
      {
        spec: {
          strategy: { $retainKeys: ["type"], rollingUpdate: null, type: "Recreate" },
          template: { spec: { "$setElementOrder/containers": [{ name: "api" }, { name: "sidecar" }], containers: [{ name: "api", image: "nginx:1.28", "$setElementOrder/env": [{ name: "A" }, { name: "B" }, { name: "E" }], env: [{ name: "E", value: "5" }] }] } },
        },
      },
      deployments.jsonSchema,
    );
    expect(out.spec.strategy).toEqual({ type: "Recreate" });
    expect(out.spec.template.spec.containers[0].env?.map((e) => e.name)).toEqual(["A", "B", "E"]);
    expect(out.spec.template.spec.containers[1].image).toBe("busybox:1");
  });
});
