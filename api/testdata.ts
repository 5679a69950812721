// The seed articles' manifests as the API receives them, for the API types' tests.
export const nginxPod = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "nginx" },
  spec: { containers: [{ name: "nginx", image: "nginx:1.7.9", ports: [{ containerPort: 80 }] }] },
});

export const nginxDeployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "nginx-deployment", labels: { app: "nginx" } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "nginx" } },
    template: {
      metadata: { labels: { app: "nginx" } },
      spec: { containers: [{ name: "nginx", image: "nginx:1.7.9", ports: [{ containerPort: 80 }] }] },
    },
  },
});

export const nodePortService = () => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "nginx-service" },
  spec: { type: "NodePort", ports: [{ port: 8000, targetPort: 80, protocol: "TCP" }], selector: { app: "nginx" } },
});
