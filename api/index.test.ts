import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Deployment } from "./apps";
import type { Pod, Service } from "./core";
import { configmaps, deployments, findByKind, findResource, gitrepositories, namespaces, pods, replicasets, resourceTypes, secrets, services } from "./index";
import type { KObject } from "./resource";
import { nginxDeployment, nginxPod, nodePortService } from "./testdata";

describe("seed manifests", () => {
  it("accepts the nginx Pod and applies Kubernetes' pod defaults", () => {
    const r = pods.validate(nginxPod(), "Strict");
    expect(r.errors).toEqual([]);
    const pod = r.object as Pod;
    expect(pod.spec).toMatchObject({
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
    });
    expect(pod.spec.containers[0]).toMatchObject({
      imagePullPolicy: "IfNotPresent",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      ports: [{ containerPort: 80, protocol: "TCP" }],
    });
    expect(pod.spec.tolerations?.map((t) => t.key)).toEqual(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]);
  });

  it("accepts the article's static pod manifest with labels, port name and imagePullPolicy", () => {
    const manifest = parse(`
apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: nginx:latest
    imagePullPolicy: IfNotPresent
    ports:
      - containerPort: 80
        name: http
        protocol: TCP
  restartPolicy: Always
`);
    const r = pods.validate(manifest, "Strict");
    expect(r.errors).toEqual([]);
    expect((r.object as Pod).spec.containers[0]!.imagePullPolicy).toBe("IfNotPresent");
  });

  it("accepts the 3-replica nginx Deployment and applies the rolling-update defaults", () => {
    const r = deployments.validate(nginxDeployment(), "Strict");
    expect(r.errors).toEqual([]);
    const d = r.object as Deployment;
    expect(d.spec).toMatchObject({
      replicas: 3,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst" });
    expect(d.spec.template.spec?.tolerations).toBeUndefined();
  });

  it("defaults a Deployment without replicas to 1", () => {
    const body = nginxDeployment() as Record<string, any>;
    delete body.spec.replicas;
    expect((deployments.validate(body, "Strict").object as Deployment).spec.replicas).toBe(1);
  });

  it("accepts the NodePort Service and defaults sessionAffinity", () => {
    const r = services.validate(nodePortService(), "Strict");
    expect(r.errors).toEqual([]);
    const svc = r.object as Service;
    expect(svc.spec).toMatchObject({ type: "NodePort", sessionAffinity: "None", ports: [{ port: 8000, targetPort: 80, protocol: "TCP" }] });
  });

  it("defaults a Service's type to ClusterIP and targetPort to port", () => {
    const r = services.validate({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } }, "Strict");
    expect((r.object as Service).spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 80, targetPort: 80, protocol: "TCP" }] });
  });

  it("pulls :latest and untagged images always, tagged ones if not present", () => {
    const policy = (image: string) => {
      const body = nginxPod();
      body.spec.containers[0]!.image = image;
      return (pods.validate(body, "Strict").object as Pod).spec.containers[0]!.imagePullPolicy;
    };
    expect(policy("nginx")).toBe("Always");
    expect(policy("nginx:latest")).toBe("Always");
    expect(policy("localhost:5000/nginx")).toBe("Always");
    expect(policy("nginx:1.25")).toBe("IfNotPresent");
    expect(policy("nginx@sha256:abc")).toBe("IfNotPresent");
  });

  it("accepts what kubectl create --dry-run -o yaml prints (null timestamps, empty status)", () => {
    const body = { ...nginxPod(), metadata: { name: "nginx", creationTimestamp: null }, status: {} };
    body.spec.containers[0] = { ...body.spec.containers[0]!, resources: {} } as never;
    expect(pods.validate(body, "Strict").errors).toEqual([]);
  });
});

describe("defaulting twice", () => {
  it("leaves stored objects unchanged when they are validated again", () => {
    for (const [rt, body] of [
      [pods, nginxPod()],
      [deployments, nginxDeployment()],
      [services, nodePortService()],
    ] as const) {
      const once = rt.validate(body, "Strict").object!;
      expect(rt.validate(once, "Strict").object).toEqual(once);
    }
  });
});

describe("probes, namespaces, secrets, gitrepositories", () => {
  it("fills in probe defaults", () => {
    const body = nginxPod() as Record<string, any>;
    body.spec.containers[0].livenessProbe = { httpGet: { port: 80 } };
    const probe = (pods.validate(body, "Strict").object as Pod).spec.containers[0]!.livenessProbe;
    expect(probe).toMatchObject({ timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, httpGet: { scheme: "HTTP", path: "/" } });
  });

  it("drops metadata.namespace from cluster-scoped objects, as Kubernetes' BeforeCreate does", () => {
    const r = namespaces.validate({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", namespace: "default" } }, "Strict");
    expect(r.errors).toEqual([]);
    expect(r.object?.metadata).not.toHaveProperty("namespace");
  });

  it("makes a new Namespace Active with the kubernetes finalizer", () => {
    const r = namespaces.validate({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } }, "Strict");
    expect(r.object).toMatchObject({ spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
  });

  it("stores a Secret's stringData base64-encoded in data", () => {
    const r = secrets.validate({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { password: "hunter2" } }, "Strict");
    expect(r.object).toMatchObject({ type: "Opaque", data: { password: "aHVudGVyMg==" } });
    expect(r.object).not.toHaveProperty("stringData");
  });

  it("defaults a GitRepository's interval, prune, selfHeal and suspend", () => {
    const r = gitrepositories.validate(
      { apiVersion: "gitops.kubelab.io/v1alpha1", kind: "GitRepository", metadata: { name: "apps" }, spec: { url: "file:///srv/git/apps.git" } },
      "Strict",
    );
    expect(r.errors).toEqual([]);
    expect(r.object).toMatchObject({ spec: { interval: "30s", prune: true, selfHeal: true, suspend: false } });
  });

  it("rejects a GitRepository interval that is not a duration", () => {
    const r = gitrepositories.validate(
      { apiVersion: "gitops.kubelab.io/v1alpha1", kind: "GitRepository", metadata: { name: "apps" }, spec: { url: "https://example.com/a.git", interval: "soon" } },
      "Strict",
    );
    expect(r.errors[0]).toMatchObject({ field: "spec.interval", reason: "FieldValueInvalid" });
  });

  it("lets git-sync write a full status", () => {
    const r = gitrepositories.validate(
      {
        apiVersion: "gitops.kubelab.io/v1alpha1",
        kind: "GitRepository",
        metadata: { name: "apps", namespace: "default" },
        spec: { url: "https://example.com/a.git", ref: { branch: "main" }, paths: ["deploy"] },
        status: {
          observedGeneration: 2,
          lastAppliedRevision: "main@sha1:abc",
          lastAttemptedRevision: "main@sha1:def",
          conditions: [{ type: "Ready", status: "False", reason: "ValidationFailed", message: "2 errors", lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 2 }],
          inventory: [{ apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" }],
          errors: [{ file: "deploy/web.yaml", line: 3, document: 0, message: "unknown field" }],
          history: [{ revision: "main@sha1:abc", startedAt: "2026-01-01T00:00:00Z", durationMs: 120, result: "Succeeded", message: "applied 1" }],
        },
      },
      "Strict",
    );
    expect(r.errors).toEqual([]);
  });
});

describe("unknown fields", () => {
  const withTypo = () => {
    const body = nginxDeployment() as Record<string, any>;
    body.spec.replicaz = 3;
    body.spec.template.spec.containers[0].imagePullPolice = "Always";
    return body;
  };

  it("are errors under fieldValidation=Strict, marked FieldValueUnknown", () => {
    const r = deployments.validate(withTypo(), "Strict");
    expect(r.object).toBeUndefined();
    expect(r.errors).toEqual([
      { reason: "FieldValueUnknown", field: "spec.replicaz", message: 'unknown field "spec.replicaz"' },
      {
        reason: "FieldValueUnknown",
        field: "spec.template.spec.containers[0].imagePullPolice",
        message: 'unknown field "spec.template.spec.containers[0].imagePullPolice"',
      },
    ]);
  });

  it("are warnings under Warn and dropped from the stored object", () => {
    const r = deployments.validate(withTypo(), "Warn");
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(['unknown field "spec.replicaz"', 'unknown field "spec.template.spec.containers[0].imagePullPolice"']);
    expect(r.object?.spec).not.toHaveProperty("replicaz");
  });

  it("are silently dropped under Ignore", () => {
    const r = deployments.validate(withTypo(), "Ignore");
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.object?.spec).not.toHaveProperty("replicaz");
  });

  it("inside free-form maps (labels, data) are not unknown fields", () => {
    const r = configmaps.validate({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { anything: "x" } }, data: { "a.conf": "x" } }, "Strict");
    expect(r.errors).toEqual([]);
  });
});

describe("validation errors", () => {
  it("rejects an upper-case name with Kubernetes' RFC 1123 message", () => {
    const body = nginxDeployment();
    body.metadata.name = "Nginx";
    const r = deployments.validate(body, "Strict");
    expect(r.errors).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message:
          "Invalid value: \"Nginx\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ]);
  });

  it("uses an RFC 1123 label for namespaces and an RFC 1035 label for services", () => {
    expect(namespaces.validate({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } }, "Strict").errors[0]?.message).toContain("RFC 1123 label");
    const svc = nodePortService();
    svc.metadata.name = "1web";
    expect(services.validate(svc, "Strict").errors[0]).toMatchObject({ field: "metadata.name", message: expect.stringContaining("DNS-1035 label") });
  });

  it("requires a name or generateName", () => {
    const body = nginxPod() as Record<string, any>;
    body.metadata = {};
    expect(pods.validate(body, "Strict").errors).toEqual([
      { reason: "FieldValueRequired", field: "metadata.name", message: "Required value: name or generateName is required" },
    ]);
    body.metadata = { generateName: "nginx-" };
    expect(pods.validate(body, "Strict").errors).toEqual([]);
  });

  it("checks label keys and values", () => {
    const body = nginxPod() as Record<string, any>;
    body.metadata.labels = { "bad key!": "ok", good: "bad value!" };
    const errors = pods.validate(body, "Strict").errors;
    expect(errors.map((e) => [e.field, e.message.slice(0, 30)])).toEqual([
      ["metadata.labels", 'Invalid value: "bad key!": nam'],
      ["metadata.labels", 'Invalid value: "bad value!": a'],
    ]);
  });

  it("rejects a container port outside 1..65535 at its Kubernetes field path", () => {
    const body = nginxDeployment();
    body.spec.template.spec.containers[0]!.ports[0]!.containerPort = 70000;
    expect(deployments.validate(body, "Strict").errors).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.template.spec.containers[0].ports[0].containerPort",
        message: "Invalid value: 70000: must be between 1 and 65535, inclusive",
      },
    ]);
  });

  it("rejects negative replicas", () => {
    const body = nginxDeployment();
    body.spec.replicas = -1;
    expect(deployments.validate(body, "Strict").errors).toEqual([
      { reason: "FieldValueInvalid", field: "spec.replicas", message: "Invalid value: -1: must be greater than or equal to 0" },
    ]);
  });

  it("rejects a selector that does not match the template labels", () => {
    const body = nginxDeployment();
    body.spec.template.metadata.labels = { app: "web" };
    const errors = deployments.validate(body, "Strict").errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field: "spec.template.metadata.labels", message: expect.stringContaining("`selector` does not match template `labels`") });
  });

  it("requires containers and their images", () => {
    const noContainers = { ...nginxPod(), spec: { containers: [] } };
    expect(pods.validate(noContainers, "Strict").errors).toEqual([{ reason: "FieldValueRequired", field: "spec.containers", message: "Required value" }]);
    const noImage = nginxPod() as Record<string, any>;
    delete noImage.spec.containers[0].image;
    expect(pods.validate(noImage, "Strict").errors).toEqual([{ reason: "FieldValueRequired", field: "spec.containers[0].image", message: "Required value" }]);
  });

  it("rejects duplicate and malformed container names", () => {
    const body = nginxPod() as Record<string, any>;
    body.spec.containers.push({ name: "nginx", image: "nginx" }, { name: "Web_1", image: "nginx" });
    const errors = pods.validate(body, "Strict").errors;
    expect(errors.map((e) => [e.reason, e.field])).toEqual([
      ["FieldValueDuplicate", "spec.containers[1].name"],
      ["FieldValueInvalid", "spec.containers[2].name"],
    ]);
  });

  it("reports a wrong type with the field path", () => {
    const body = nginxPod() as Record<string, any>;
    body.spec.containers[0].ports[0].containerPort = "80";
    expect(pods.validate(body, "Strict").errors).toEqual([
      { reason: "FieldValueTypeInvalid", field: "spec.containers[0].ports[0].containerPort", message: 'Invalid value: "80": expected number, got string' },
    ]);
  });

  it("rejects a malformed resource quantity", () => {
    const body = nginxPod() as Record<string, any>;
    body.spec.containers[0].resources = { limits: { cpu: "500x", memory: "128Mi" } };
    const errors = pods.validate(body, "Strict").errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field: "spec.containers[0].resources.limits[cpu]", message: expect.stringContaining("quantities must match") });
  });

  it("accepts int-or-string targetPort, maxSurge and probe ports", () => {
    const svc = nodePortService() as Record<string, any>;
    svc.spec.ports[0].targetPort = "http";
    expect(services.validate(svc, "Strict").errors).toEqual([]);
    const d = nginxDeployment() as Record<string, any>;
    d.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "0%" } };
    d.spec.template.spec.containers[0].readinessProbe = { tcpSocket: { port: "http" } };
    d.spec.template.spec.containers[0].ports[0].name = "http";
    expect(deployments.validate(d, "Strict").errors).toEqual([]);
  });

  it("refuses maxSurge and maxUnavailable both zero", () => {
    const d = nginxDeployment() as Record<string, any>;
    d.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } };
    expect(deployments.validate(d, "Strict").errors).toEqual([
      { reason: "FieldValueInvalid", field: "spec.strategy.rollingUpdate.maxUnavailable", message: "Invalid value: 0: may not be 0 when `maxSurge` is 0" },
    ]);
  });

  it("forbids a nodePort on a ClusterIP service", () => {
    const svc = nodePortService() as Record<string, any>;
    svc.spec.type = "ClusterIP";
    svc.spec.ports[0].nodePort = 30080;
    expect(services.validate(svc, "Strict").errors).toEqual([
      { reason: "FieldValueForbidden", field: "spec.ports[0].nodePort", message: "Forbidden: may not be used when `type` is 'ClusterIP'" },
    ]);
  });

  it("rejects a body of another kind", () => {
    expect(pods.validate(nginxDeployment(), "Strict").errors.map((e) => e.field)).toEqual(["apiVersion", "kind"]);
  });
});

describe("resource registry", () => {
  it("finds resources by URL and by apiVersion/kind", () => {
    expect(findResource("", "v1", "pods")?.kind).toBe("Pod");
    expect(findResource("apps", "v1", "deployments")?.shortNames).toEqual(["deploy"]);
    expect(findResource("apps", "v1", "pods")).toBeUndefined();
    expect(findByKind("coordination.k8s.io/v1", "Lease")?.plural).toBe("leases");
    expect(findByKind("gitops.kubelab.io/v1alpha1", "GitRepository")?.shortNames).toEqual(["gitrepo"]);
  });

  it("puts pods, services, daemonsets, deployments, replicasets, statefulsets, jobs, cronjobs and HPAs in the 'all' category", () => {
    expect(resourceTypes.filter((r) => r.categories.includes("all")).map((r) => r.plural).sort()).toEqual(["cronjobs", "daemonsets", "deployments", "horizontalpodautoscalers", "jobs", "pods", "replicasets", "services", "statefulsets"]);
  });

  it("serves nodes, namespaces, volumes, classes, CRDs, CSRs and cluster RBAC cluster-scoped and advertises subresources", () => {
    expect(resourceTypes.filter((r) => !r.namespaced).map((r) => r.plural).sort()).toEqual(["certificatesigningrequests", "clusterrolebindings", "clusterroles", "customresourcedefinitions", "namespaces", "nodes", "persistentvolumes", "storageclasses"]);
    expect(findResource("", "v1", "pods")?.subresources).toEqual(["status", "binding", "log", "proxy", "ephemeralcontainers", "exec", "attach", "portforward"]);
    expect(findResource("apps", "v1", "deployments")?.subresources).toEqual(["status", "scale"]);
  });

  it("selects pods by spec.nodeName and events by involvedObject", () => {
    const pod = pods.validate({ ...nginxPod(), spec: { ...nginxPod().spec, nodeName: "worker1" } }, "Strict").object!;
    expect(pods.fieldSelectors!["spec.nodeName"]!(pod)).toBe("worker1");
    expect(pods.fieldSelectors!["status.phase"]!(pod)).toBeUndefined();
    expect(pods.fieldSelectors!["spec.hostNetwork"]!(pod)).toBe("false");
    const ev = { apiVersion: "v1", kind: "Event", metadata: { name: "e" }, involvedObject: { kind: "Pod", name: "nginx", namespace: "default" }, source: { component: "kubelet" } } as KObject;
    expect(findResource("", "v1", "events")!.fieldSelectors!["involvedObject.name"]!(ev)).toBe("nginx");
    expect(findResource("", "v1", "events")!.fieldSelectors!["source"]!(ev)).toBe("kubelet");
  });
});
