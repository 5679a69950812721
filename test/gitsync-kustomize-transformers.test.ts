// Labels, annotations, images, replicas, patches, generators and components of git-sync's
// Kustomize renderer, each compared with the real `kubectl kustomize` object for object.
import { afterAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../controlplane/gitsync/kustomize";
import { byKey, dirSnapshot, kubectlKustomize, removeTree, writeTree } from "./fixtures/kustomize/compare";

const roots: string[] = [];
afterAll(() => roots.forEach(removeTree));

async function compare(files: Record<string, string>, dir = "") {
  const root = writeTree(files);
  roots.push(root);
  const ours = await renderKustomization(dirSnapshot(root), dir);
  const theirs = await kubectlKustomize(dir ? `${root}/${dir}` : root);
  expect(theirs.error).toBeUndefined();
  expect(ours.errors).toEqual([]);
  expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey(theirs.objects));
  return Object.values(byKey(ours.manifests.map((m) => m.object))) as any[];
}

const app = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: kubelab/web:1
        ports: [{containerPort: 80}]
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
        envFrom: [{configMapRef: {name: settings}}]
      - name: sidecar
        image: registry.local:5000/tools/proxy@sha256:0123
      initContainers:
      - name: init
        image: busybox
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: t, image: busybox:1.36}]
`;

describe("kustomize: labels and annotations", () => {
  it("commonLabels go into selectors and templates, labels only where asked, annotations into templates", async () => {
    const out = await compare({
      "app.yaml": app,
      "kustomization.yaml": `resources: [app.yaml]
commonLabels: {team: blue}
labels:
- pairs: {tier: front}
  includeSelectors: true
- pairs: {cost: low}
- pairs: {owner: ops}
  includeTemplates: true
commonAnnotations: {contact: ops@example.com}
`,
    });
    const dep = out.find((o) => o.kind === "Deployment");
    expect(dep.spec.selector.matchLabels).toEqual({ app: "web", team: "blue", tier: "front" });
  });
});

describe("kustomize: images and replicas", () => {
  it("sets newName, newTag and digest on containers and initContainers, and replica counts", async () => {
    const out = await compare({
      "app.yaml": app,
      "kustomization.yaml": `resources: [app.yaml]
images:
- {name: kubelab/web, newTag: "2"}
- {name: registry.local:5000/tools/proxy, newName: mirror/proxy, newTag: v3}
- {name: busybox, digest: "sha256:abcd"}
replicas:
- {name: web, count: 4}
`,
    });
    expect(out.find((o) => o.kind === "Deployment").spec.replicas).toBe(4);
  });
});

describe("kustomize: patches", () => {
  it("strategic merge and JSON 6902 patches, inline and from files, with targets and the deprecated forms", async () => {
    const out = await compare({
      "app.yaml": app,
      "smp.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        env: [{name: B, value: "patched"}, {name: C, value: "3"}]
        resources: {limits: {memory: 64Mi}}
`,
      "json.yaml": `- op: replace
  path: /spec/schedule
  value: "*/5 * * * *"
- op: add
  path: /metadata/labels
  value: {suspended: off}
`,
      "kustomization.yaml": `resources: [app.yaml]
patches:
- path: smp.yaml
- target: {kind: CronJob, name: "ti.*"}
  path: json.yaml
- target: {kind: Service, labelSelector: "app=web"}
  patch: |-
    - op: add
      path: /spec/type
      value: NodePort
- target: {group: apps, version: v1, kind: Deployment}
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: anything, annotations: {patched: "yes"}}
    spec:
      template:
        spec:
          containers:
          - name: sidecar
            $patch: delete
patchesStrategicMerge:
- |-
  apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec:
    ports: [{port: 8080}]
patchesJson6902:
- target: {group: apps, version: v1, kind: Deployment, name: web}
  patch: |-
    - {op: replace, path: /spec/replicas, value: 2}
`,
    });
    const dep = out.find((o) => o.kind === "Deployment");
    expect(dep.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["app"]);
  });
});

describe("kustomize: patch directives and selectors", () => {
  it("$patch: delete removes an object, null removes a field, $patch: replace replaces a map; annotation and namespace selectors", async () => {
    const out = await compare({
      "app.yaml": app.replace("metadata: {name: web, labels: {app: web}}", "metadata: {name: web, namespace: edge, labels: {app: web}, annotations: {expose: \"yes\"}}"),
      "kustomization.yaml": `resources: [app.yaml]
patches:
- patch: |-
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: tick}
    $patch: delete
- target: {annotationSelector: "expose=yes"}
  patch: |-
    apiVersion: v1
    kind: Service
    metadata: {name: ignored}
    spec:
      selector:
        $patch: replace
        role: front
- target: {kind: Deployment, namespace: default}
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: null
      template:
        spec:
          containers:
          - name: app
            ports: null
`,
    });
    expect(out.map((o) => o.kind).sort()).toEqual(["Deployment", "Service"]);
  });
});

describe("kustomize: generators", () => {
  it("configMapGenerator and secretGenerator with hash suffixes, options, and references rewritten", async () => {
    const out = await compare({
      "app.yaml": app,
      "app.properties": "color=blue\nsize=<large> & wide\n",
      "app.env": "# comment\nMODE=prod\n\nLEVEL=3\n",
      "kustomization.yaml": `resources: [app.yaml]
namePrefix: p-
generatorOptions:
  labels: {generated: "true"}
configMapGenerator:
- name: settings
  literals: [GREETING=hello, QUOTED="a b"]
  files: [app.properties, renamed=app.env]
  envs: [app.env]
- name: fixed
  literals: [x=1]
  options: {disableNameSuffixHash: true, annotations: {note: kept}}
secretGenerator:
- name: creds
  literals: [password=hunter2]
- name: tls
  type: kubernetes.io/tls
  literals: [tls.crt=CERT, tls.key=KEY]
`,
    });
    const dep = out.find((o) => o.kind === "Deployment");
    expect(dep.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toMatch(/^p-settings-[a-z0-9]{10}$/);
  });

  it("behavior merge and replace in an overlay change the hash, and the Deployment follows", async () => {
    const files = {
      "base/app.yaml": app,
      "base/kustomization.yaml": "resources: [app.yaml]\nconfigMapGenerator:\n- name: settings\n  literals: [A=1, B=2]\nsecretGenerator:\n- name: s\n  literals: [k=v]\n",
      "ov/kustomization.yaml": "resources: [../base]\nnameSuffix: -ov\nconfigMapGenerator:\n- name: settings\n  behavior: merge\n  literals: [B=3, C=4]\nsecretGenerator:\n- name: s\n  behavior: replace\n  literals: [only=this]\n",
    };
    const out = await compare(files, "ov");
    const base = await compare(files, "base");
    const name = (xs: any[]) => xs.find((o) => o.kind === "ConfigMap").metadata.name;
    expect(name(out).replace(/-ov-/, "-")).not.toBe(name(base));
  });
});

describe("kustomize: env files and generator options", () => {
  it("env lines keep spaces and quotes, a bare key is empty, immutable and namespaces as kubectl", async () => {
    const files = {
      "base/x.env": "A=1\n B = 2 \nexport C=3\nD=\"quoted\"\nE\n",
      "base/kustomization.yaml": "configMapGenerator:\n- name: c\n  namespace: other\n  envs: [x.env]\n  options: {labels: {l: v}, immutable: true}\nsecretGenerator:\n- name: s\n  envs: [x.env]\ngeneratorOptions:\n  annotations: {g: h}\n",
      "ov/kustomization.yaml": "resources: [../base]\nconfigMapGenerator:\n- name: c\n  namespace: other\n  behavior: merge\n  literals: [Z=9]\n  options: {labels: {m: w}}\n",
    };
    expect((await compare(files, "base")).find((o) => o.kind === "ConfigMap").immutable).toBe(true);
    expect((await compare(files, "ov")).find((o) => o.kind === "ConfigMap").data.Z).toBe("9");
  });
});

describe("kustomize: references by an earlier name", () => {
  it("an overlay's patch naming a base's generated ConfigMap by its original or prefixed name gets the final name", async () => {
    const out = await compare({
      "base/app.yaml": app,
      "base/kustomization.yaml": "resources: [app.yaml]\nnamePrefix: b-\nconfigMapGenerator:\n- name: settings\n  literals: [a=b]\n",
      "ov/kustomization.yaml": `resources: [../base]
namePrefix: o-
patches:
- target: {kind: Deployment}
  patch: |-
    - {op: add, path: /spec/template/spec/containers/0/envFrom/-, value: {configMapRef: {name: settings}}}
    - {op: add, path: /spec/template/spec/containers/0/envFrom/-, value: {configMapRef: {name: b-settings}}}
`,
    }, "ov");
    const names = out.find((o) => o.kind === "Deployment").spec.template.spec.containers[0].envFrom.map((e: any) => e.configMapRef.name);
    expect(new Set(names).size).toBe(1);
  });
});

describe("kustomize: components", () => {
  it("a Component adds resources, generators and patches to the kustomization that lists it", async () => {
    await compare({
      "base/app.yaml": app,
      "base/kustomization.yaml": "resources: [app.yaml]\n",
      "comp/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [extra.yaml]
configMapGenerator:
- name: feature
  literals: [ON=true]
patches:
- target: {kind: Deployment}
  patch: |-
    - {op: add, path: /spec/template/spec/containers/0/envFrom/-, value: {configMapRef: {name: feature}}}
`,
      "comp/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {x: y}\n",
      "ov/kustomization.yaml": "resources: [../base]\ncomponents: [../comp]\nnamePrefix: dev-\nnamespace: dev\n",
    }, "ov");
  });
});
