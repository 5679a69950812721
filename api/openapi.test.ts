import { describe, expect, it } from "vitest";
import { deployments, pods } from "./index";
import { openapiV3Document, openapiV3Root } from "./openapi";

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
const doc = (key: string) => openapiV3Document(key) as Doc;

describe("/openapi/v3", () => {
  it("lists every group-version with a stable hash", () => {
    const root = openapiV3Root();
    expect(Object.keys(root.paths)).toEqual(["api/v1", "apis/apps/v1", "apis/batch/v1", "apis/autoscaling/v2", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/networking.k8s.io/v1", "apis/gitops.kubelab.io/v1alpha1", "apis/storage.k8s.io/v1", "apis/apiextensions.k8s.io/v1", "apis/rbac.authorization.k8s.io/v1", "apis/certificates.k8s.io/v1"]);
    expect(root.paths["apis/apps/v1"]!.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    expect(openapiV3Root()).toEqual(root);
    expect(openapiV3Document("apis/policy/v1")).toBeUndefined();
  });

  it("gives each PATCH operation the GVK and the fieldValidation parameter kubectl looks for", () => {
    const patch = doc("apis/apps/v1").paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!.patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect(patch["x-kubernetes-action"]).toBe("patch");
    expect(patch.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["fieldValidation", "dryRun", "fieldManager"]));
    const nodePatch = doc("api/v1").paths["/api/v1/nodes/{name}"]!.patch;
    expect(nodePatch["x-kubernetes-group-version-kind"]).toEqual({ group: "", version: "v1", kind: "Node" });
  });

  it("names schemas like Kubernetes and tags kinds with x-kubernetes-group-version-kind", () => {
    const schemas = doc("api/v1").components.schemas;
    expect(schemas["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "Pod" }]);
    expect(schemas["io.k8s.api.core.v1.PodList"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "PodList" }]);
    expect(schemas["io.k8s.api.core.v1.Container"].properties.image.description).toBe("Container image name.");
    expect(doc("apis/apps/v1").components.schemas["io.k8s.api.autoscaling.v1.Scale"]).toBeDefined();
  });

  it("carries Kubernetes' strategic merge keys", () => {
    const schemas = doc("api/v1").components.schemas;
    const podSpec = schemas["io.k8s.api.core.v1.PodSpec"].properties;
    const container = schemas["io.k8s.api.core.v1.Container"].properties;
    const mergeKey = (p: Record<string, unknown>) => [p["x-kubernetes-patch-merge-key"], p["x-kubernetes-patch-strategy"]];
    expect(mergeKey(podSpec.containers)).toEqual(["name", "merge"]);
    expect(mergeKey(podSpec.initContainers)).toEqual(["name", "merge"]);
    expect(mergeKey(podSpec.volumes)).toEqual(["name", "merge,retainKeys"]);
    expect(mergeKey(podSpec.imagePullSecrets)).toEqual(["name", "merge"]);
    expect(mergeKey(podSpec.hostAliases)).toEqual(["ip", "merge"]);
    expect(mergeKey(podSpec.topologySpreadConstraints)).toEqual(["topologyKey", "merge"]);
    expect(mergeKey(podSpec.tolerations)).toEqual([undefined, undefined]);
    expect(mergeKey(container.env)).toEqual(["name", "merge"]);
    expect(mergeKey(container.ports)).toEqual(["containerPort", "merge"]);
    expect(mergeKey(container.volumeMounts)).toEqual(["mountPath", "merge"]);
    expect(mergeKey(container.envFrom)).toEqual([undefined, undefined]);
    expect(mergeKey(schemas["io.k8s.api.core.v1.ServiceSpec"].properties.ports)).toEqual(["port", "merge"]);
    expect(mergeKey(schemas["io.k8s.api.core.v1.NodeStatus"].properties.addresses)).toEqual(["type", "merge"]);
    expect(mergeKey(schemas["io.k8s.api.core.v1.NodeSpec"].properties.taints)).toEqual([undefined, undefined]);
    const meta = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].properties;
    expect(mergeKey(meta.ownerReferences)).toEqual(["uid", "merge"]);
    expect(meta.finalizers["x-kubernetes-patch-strategy"]).toBe("merge");
    const apps = doc("apis/apps/v1").components.schemas;
    expect(apps["io.k8s.api.apps.v1.DeploymentSpec"].properties.strategy["x-kubernetes-patch-strategy"]).toBe("retainKeys");
    expect(mergeKey(apps["io.k8s.api.apps.v1.DeploymentStatus"].properties.conditions)).toEqual(["type", "merge"]);
  });

  it("gives each ResourceType a dereferenced schema with the merge keys inline", () => {
    const s = pods.jsonSchema as any;
    expect(JSON.stringify(s)).not.toContain("$ref");
    expect(s["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "Pod" }]);
    const containers = s.properties.spec.properties.containers;
    expect(containers["x-kubernetes-patch-merge-key"]).toBe("name");
    expect(containers.items.properties.ports["x-kubernetes-patch-merge-key"]).toBe("containerPort");
    const ru = (deployments.jsonSchema as any).properties.spec.properties.strategy.properties.rollingUpdate.properties;
    expect(ru.maxSurge["x-kubernetes-int-or-string"]).toBe(true);
  });
});
