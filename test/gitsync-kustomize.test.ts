// git-sync's Kustomize renderer against the real `kubectl kustomize` (kustomize v5 in kubectl
// 1.32): every tree here is rendered by both and must give the same objects, field for field.
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../controlplane/gitsync/kustomize";
import { readPaths } from "../controlplane/gitsync/render";
import { byKey, dirSnapshot, kubectlKustomize, removeTree, writeTree } from "./fixtures/kustomize/compare";

const roots: string[] = [];
afterAll(() => roots.forEach(removeTree));

export async function compare(files: Record<string, string>, dir = "") {
  const root = writeTree(files);
  roots.push(root);
  const ours = await renderKustomization(dirSnapshot(root), dir);
  const theirs = await kubectlKustomize(dir ? `${root}/${dir}` : root);
  expect(theirs.error).toBeUndefined();
  expect(ours.errors).toEqual([]);
  expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey(theirs.objects));
  return ours;
}

const deployment = (name: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      serviceAccountName: runner
      containers:
      - name: app
        image: kubelab/web:1
        envFrom:
        - configMapRef: {name: settings}
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: creds, key: password}}
        volumeMounts: [{name: data, mountPath: /data}]
      initContainers:
      - name: init
        image: busybox:1.36
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: data}}
      - {name: cfg, configMap: {name: settings}}
${extra}`;

const base = {
  "base/kustomization.yaml": "resources:\n- deployment.yaml\n- rbac.yaml\n- more\n",
  "base/deployment.yaml": deployment("web"),
  "base/rbac.yaml": `apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: runner, namespace: default}]
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
`,
  "base/more/kustomization.yaml": "resources: [objects.yaml]\n",
  "base/more/objects.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {MODE: base}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`,
};

describe("kustomize: resources, namespace, prefix/suffix and name references", () => {
  it("renders a base with nested kustomizations as kubectl does", async () => {
    const out = await compare(base, "base");
    expect(out.manifests.find((m) => m.object.kind === "Deployment")?.file).toBe("base/deployment.yaml");
  });

  it("an overlay with namespace, namePrefix and nameSuffix rewrites references as kubectl does", async () => {
    const out = await compare({ ...base, "prod/kustomization.yaml": "resources: [../base]\nnamespace: prod\nnamePrefix: prod-\nnameSuffix: -v1\n" }, "prod");
    const dep = out.manifests.find((m) => m.object.kind === "Deployment")!.object as any;
    expect(dep.metadata).toMatchObject({ name: "prod-web-v1", namespace: "prod" });
    expect(dep.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe("prod-data-v1");
  });

  it("follows a symlink inside the kustomization's directory, and refuses files outside it as kubectl does", async () => {
    const root = writeTree({
      "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {a: b}\n",
      "app/real/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\ndata: {a: b}\n",
      "app/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: x-\n",
      "escape/kustomization.yaml": "resources:\n- cm.yaml\n",
      "parent/kustomization.yaml": "resources:\n- ../shared/cm.yaml\n",
    });
    roots.push(root);
    symlinkSync("real/cm.yaml", join(root, "app/cm.yaml"));
    symlinkSync("../shared/cm.yaml", join(root, "escape/cm.yaml"));
    const ours = await renderKustomization(dirSnapshot(root), "app");
    expect(ours.errors).toEqual([]);
    expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey((await kubectlKustomize(join(root, "app"))).objects));
    for (const dir of ["escape", "parent"]) {
      expect((await kubectlKustomize(join(root, dir))).error).toContain("is not in or below");
      const refused = await renderKustomization(dirSnapshot(root), dir);
      expect(refused.errors).toEqual([expect.objectContaining({ file: `${dir}/kustomization.yaml`, line: 2, reason: "FileOutsideKustomization" })]);
    }
  });

  it("finds kustomization.yml and Kustomization as kubectl does", async () => {
    await compare({ "b/Kustomization": "resources: [cm.yaml]\nnameSuffix: -b\n", "b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "o/kustomization.yml": "resources: [../b]\nnamePrefix: o-\n" }, "o");
  });

  it("refuses a remote base with the file and line", async () => {
    const root = writeTree({ "kustomization.yaml": "resources:\n- ok.yaml\n- github.com/kubernetes-sigs/kustomize/examples/helloWorld?ref=v5.0.0\n", "ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n" });
    roots.push(root);
    const out = await renderKustomization(dirSnapshot(root), "");
    expect(out.manifests).toEqual([]);
    expect(out.errors).toEqual([expect.objectContaining({ file: "kustomization.yaml", line: 3, reason: "RemoteBaseRefused" })]);
  });
});

describe("the render phase chooses kustomize per path", () => {
  const files = {
    "plain/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n",
    "app/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: k-\n",
    "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n",
    "app/ignored.yaml": "not: a manifest\n",
  };

  it("a kustomized path is built, a plain one read as before, and duplicates across them found", async () => {
    const root = writeTree(files);
    roots.push(root);
    const read = await readPaths(dirSnapshot(root), { paths: ["plain", "app"] });
    expect(read.errors).toEqual([]);
    expect(read.manifests.map((m) => `${m.file}:${m.object.metadata.name}`).sort()).toEqual(["app/cm.yaml:k-plain", "plain/cm.yaml:plain"]);
    const dup = writeTree({ ...files, "app/kustomization.yaml": "resources: [cm.yaml]\n" });
    roots.push(dup);
    expect((await readPaths(dirSnapshot(dup), { paths: ["plain", "app"] })).errors).toEqual([expect.objectContaining({ reason: "DuplicateObject" })]);
  });

  it("a kustomization inside a plain directory is reported with how to render it, not as a broken manifest", async () => {
    const root = writeTree(files);
    roots.push(root);
    const read = await readPaths(dirSnapshot(root), {});
    expect(read.errors).toEqual(expect.arrayContaining([expect.objectContaining({ file: "app/kustomization.yaml", reason: "KustomizationNotRendered", message: expect.stringContaining("put app in spec.paths") })]));
    expect(read.errors.some((e) => e.file === "app/kustomization.yaml" && e.reason !== "KustomizationNotRendered")).toBe(false);
  });
});
