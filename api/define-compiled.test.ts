// decode() parses with zod's compiled twin of each kind's schema (z.compile): it must accept and
// refuse exactly what the schema itself does, with the same output (field order included) and
// the same issues. Both run here over every kind's objects and over broken copies of them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { findByKind, resourceTypes } from "./index";
import { nginxDeployment, nginxPod, nodePortService } from "./testdata";

const richPod = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "rich", namespace: "default", labels: { app: "web", tier: "front" }, annotations: { "a.b/c": "d" }, finalizers: ["x/y"] },
  spec: {
    restartPolicy: "Always",
    nodeSelector: { disk: "ssd" },
    tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }],
    volumes: [{ name: "data", emptyDir: {} }, { name: "cfg", configMap: { name: "cfg", items: [{ key: "a", path: "a" }] } }],
    initContainers: [{ name: "init", image: "busybox", command: ["sh", "-c", "true"] }],
    containers: [
      {
        name: "web",
        image: "kubelab/web:1",
        args: ["--port", "80"],
        env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: 1, memory: "1Gi" } },
        volumeMounts: [{ name: "data", mountPath: "/data" }],
        readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
        securityContext: { runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ["ALL"] } },
      },
    ],
  },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
});

/** Objects of many kinds: the API tests' manifests, the examples, and one of each kind by hand. */
function corpus(): unknown[] {
  const out: unknown[] = [nginxPod(), nginxDeployment(), nodePortService(), richPod()];
  const dirs = ["examples/seed", "examples/gitops/apps"];
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml"))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) out.push(doc.toJS());
    }
  }
  out.push(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns", labels: { a: "b" } } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" }, binaryData: { c: "ZA==" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "Opaque", stringData: { a: "b" } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa" }, automountServiceAccountToken: false },
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: { holderIdentity: "me", leaseDurationSeconds: 15 } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] },
  );
  return out;
}

/** Every value in `obj` broken a few ways, one at a time, and unknown fields added. */
function* broken(obj: unknown): Generator<unknown> {
  const wrong: unknown[] = ["x", 7, 1.5, -1, true, {}, [], null, undefined, { zz: 1 }, ["x"]];
  function* walk(node: unknown, rebuild: (v: unknown) => unknown): Generator<unknown> {
    for (const w of wrong) yield rebuild(w);
    yield rebuild(undefined);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) yield* walk(node[i], (v) => rebuild(node.map((x, j) => (j === i ? v : x))));
    } else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      yield rebuild({ ...o, zzUnknown: 1 });
      for (const k of Object.keys(o)) {
        const { [k]: _gone, ...rest } = o;
        yield rebuild(rest);
        yield* walk(o[k], (v) => rebuild({ ...o, [k]: v }));
      }
    }
  }
  yield* walk(obj, (v) => v);
}

/** A value as text that keeps what JSON.stringify drops: undefined members and key order. */
function exact(v: unknown): string {
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `[${v.map(exact).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${exact((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

const issuesOf = (r: { success: boolean; error?: z.ZodError }) => (r.success ? [] : r.error!.issues.map((i) => ({ code: i.code, path: i.path, message: i.message })));

describe("decode with zod's compiled schemas", () => {
  it("compiles every kind's schema (none falls back to the ordinary parser as a whole)", () => {
    for (const rt of resourceTypes) expect(() => z.compile(rt.schema, { strict: true }), rt.kind).not.toThrow();
  });

  it("accepts and refuses what each schema does, with the same output and issues", () => {
    let compared = 0;
    let accepted = 0;
    for (const obj of corpus()) {
      const { apiVersion, kind } = obj as { apiVersion: string; kind: string };
      const rt = findByKind(apiVersion, kind);
      expect(rt, `${apiVersion} ${kind}`).toBeDefined();
      const fast = z.compile(rt!.schema);
      for (const input of [obj, ...broken(obj)]) {
        const want = rt!.schema.safeParse(input);
        const got = fast.safeParse(input);
        expect(got.success, exact(input)).toBe(want.success);
        if (want.success) {
          accepted++;
          expect(exact(got.data), exact(input)).toBe(exact(want.data));
        } else expect(issuesOf(got), exact(input)).toEqual(issuesOf(want));
        compared++;
      }
      expect(rt!.schema.safeParse(obj).success, `${kind} fixture`).toBe(true);
    }
    expect(compared).toBeGreaterThan(3000);
    expect(accepted).toBeGreaterThan(500);
  });
});
