// Many kinds at once (workloads, RBAC, Ingress, HPA, PDB, NetworkPolicy, a custom resource)
// through namespace, prefix/suffix, labels and annotations: git-sync's renderer against the real
// `kubectl kustomize`, so the name references and label field specs of kustomize's defaults match.
import { afterAll, describe, expect, it } from "vitest";
import { renderKustomization } from "../controlplane/gitsync/kustomize";
import { byKey, dirSnapshot, kubectlKustomize, removeTree, writeTree } from "./fixtures/kustomize/compare";
const roots: string[] = [];
afterAll(() => roots.forEach(removeTree));

const resources = {
  "r.yaml": `apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  template:
    spec:
      restartPolicy: Never
      imagePullSecrets: [{name: pull}]
      containers: [{name: c, image: busybox}]
      volumes:
      - name: p
        projected:
          sources: [{configMap: {name: cm}}, {secret: {name: sec}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec:
  selector: {matchLabels: {a: ds}}
  template:
    metadata: {labels: {a: ds}}
    spec: {containers: [{name: c, image: busybox}], volumes: [{name: s, secret: {secretName: sec}}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb}
spec: {minAvailable: 1, selector: {matchLabels: {a: ds}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np}
spec: {podSelector: {matchLabels: {a: ds}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: ss}, minReplicas: 1, maxReplicas: 3}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ss}
spec:
  serviceName: svc
  selector: {matchLabels: {a: ss}}
  template:
    metadata: {labels: {a: ss}}
    spec: {containers: [{name: c, image: busybox}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {clusterIP: None, selector: {a: ss}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
---
apiVersion: v1
kind: Secret
metadata: {name: pull}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
secrets: [{name: sec}]
imagePullSecrets: [{name: pull}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: role}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role}
subjects: [{kind: ServiceAccount, name: sa}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ing}
spec:
  defaultBackend: {service: {name: svc, port: {number: 80}}}
  tls: [{secretName: sec}]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: vw}
webhooks:
- name: a.b.c
  clientConfig: {service: {name: svc, namespace: default}}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  priorityClassName: high
  serviceAccount: sa
  containers: [{name: c, image: x}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: x
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pvc}
spec: {storageClassName: fast}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {template: {metadata: {labels: {x: y}}}}
`,
};

/** Selectors kustomize extends only where present: affinity, spread constraints, Job and NetworkPolicy peers. */
const selectorKinds = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {a: b}}
            topologyKey: x
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 1
            podAffinityTerm: {labelSelector: {matchLabels: {a: b}}, topologyKey: x}
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {a: b}}
            topologyKey: x
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: x, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {a: b}}}
      containers: [{name: c, image: x}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  selector: {matchLabels: {a: b}}
  manualSelector: true
  template:
    metadata: {labels: {a: b}}
    spec: {restartPolicy: Never, containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {matchLabels: {a: b}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: j2}
spec:
  template:
    spec:
      restartPolicy: Never
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {a: b}}
            topologyKey: x
      containers: [{name: c, image: x}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      selector: {matchLabels: {a: b}}
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ss}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: x, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {a: b}}}
      containers: [{name: c, image: x}]
`;

describe("kustomize commonLabels on selectors it extends only where present", () => {
  it("equals kubectl kustomize", async () => {
    const root = writeTree({ "r.yaml": selectorKinds, "kustomization.yaml": "resources: [r.yaml]\ncommonLabels: {t: v}\n" });
    roots.push(root);
    const ours = await renderKustomization(dirSnapshot(root), "");
    expect(ours.errors).toEqual([]);
    expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey((await kubectlKustomize(root)).objects));
  });
});

const variants: Record<string, string> = {
  "namespace, prefix, commonLabels, commonAnnotations": "namespace: k\nnamePrefix: a-\ncommonLabels: {team: t}\ncommonAnnotations: {note: m}\n",
  "suffix only, labels without selectors": "nameSuffix: -z\nlabels:\n- pairs: {team: t}\n",
  "labels with templates, not selectors": "labels:\n- pairs: {team: t}\n  includeTemplates: true\n",
  "labels with selectors, namespace only": "namespace: other\nlabels:\n- pairs: {team: t}\n  includeSelectors: true\n",
};

describe.each(Object.entries(variants))("kustomize on many kinds: %s", (_, body) => {
  it("equals kubectl kustomize", async () => {
    const root = writeTree({ ...resources, "kustomization.yaml": `resources: [r.yaml]\n${body}` });
    roots.push(root);
    const ours = await renderKustomization(dirSnapshot(root), "");
    const theirs = await kubectlKustomize(root);
    expect(theirs.error).toBeUndefined();
    expect(ours.errors).toEqual([]);
    expect(byKey(ours.manifests.map((m) => m.object))).toEqual(byKey(theirs.objects));
  });
});
