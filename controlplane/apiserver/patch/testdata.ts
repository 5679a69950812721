// A small Deployment-shaped schema with the Kubernetes patch extensions, shaped like
// ResourceType.jsonSchema (dereferenced), and a sample Deployment. Used by the tests only.
import type { Schema } from "./schema";

const str = { type: "string" };
const int = { type: "integer" };
const stringMap = { type: "object", additionalProperties: str };

const container: Schema = {
  type: "object",
  properties: {
    name: str,
    image: str,
    args: { type: "array", items: str },
    env: {
      type: "array",
      items: { type: "object", properties: { name: str, value: str } },
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
    },
    ports: {
      type: "array",
      items: { type: "object", properties: { containerPort: int, name: str, protocol: { type: "string", default: "TCP" } } },
      "x-kubernetes-patch-merge-key": "containerPort",
      "x-kubernetes-patch-strategy": "merge",
      "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
      "x-kubernetes-list-type": "map",
    },
    resources: { type: "object", properties: { limits: stringMap, requests: stringMap } },
  },
};

export const deploymentSchema: Schema = {
  type: "object",
  "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
  properties: {
    apiVersion: str,
    kind: str,
    metadata: {
      type: "object",
      properties: {
        name: str,
        namespace: str,
        labels: stringMap,
        annotations: stringMap,
        finalizers: { type: "array", items: str, "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set" },
      },
    },
    spec: {
      type: "object",
      properties: {
        replicas: int,
        selector: { type: "object", properties: { matchLabels: stringMap }, "x-kubernetes-map-type": "atomic" },
        strategy: {
          type: "object",
          "x-kubernetes-patch-strategy": "retainKeys",
          properties: {
            type: str,
            rollingUpdate: { type: "object", properties: { maxSurge: { anyOf: [int, str] }, maxUnavailable: { anyOf: [int, str] } } },
          },
        },
        template: {
          type: "object",
          properties: {
            metadata: { type: "object", properties: { labels: stringMap, annotations: stringMap } },
            spec: {
              type: "object",
              properties: {
                containers: { type: "array", items: container, "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" },
                initContainers: { type: "array", items: container, "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" },
                volumes: {
                  type: "array",
                  items: { type: "object", properties: { name: str, emptyDir: { type: "object" }, configMap: { type: "object", properties: { name: str } } } },
                  "x-kubernetes-patch-merge-key": "name",
                  "x-kubernetes-patch-strategy": "merge,retainKeys",
                },
                tolerations: { type: "array", items: { type: "object", properties: { key: str, operator: str } } },
              },
            },
          },
        },
      },
    },
    status: { type: "object", properties: { replicas: int } },
  },
};

export function sampleDeployment() {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" }, annotations: { team: "a", note: "x" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "api",
              image: "nginx:1.27",
              env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
              ports: [{ containerPort: 80, protocol: "TCP" }],
            },
            { name: "sidecar", image: "busybox:1", args: ["sleep", "3600"], env: [{ name: "C", value: "3" }] },
          ],
        },
      },
    },
  };
}
