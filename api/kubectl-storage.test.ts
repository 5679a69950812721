// The storage kinds as the real kubectl sees them through a running kubelab server (no
// controllers): the default StorageClass, the DefaultStorageClass admission and protection
// finalizers, server-side tables, 422s with Kubernetes' fields, and unserved pod volumes refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "../test/fixtures/kubectl";
import { startTestServer, type TestServer } from "../test/fixtures/server";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const claim = (name: string, extra = "") => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
${extra}`;

describe("storage through kubectl", () => {
  it("serves the default class local-path, marked (default)", async () => {
    const out = await kubectl.ok(["get", "sc"]);
    expect(out).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m);
    expect(out).toMatch(/^local-path \(default\)\s+kubelab\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$/m);
  });

  it("explains persistentvolumeclaim.spec from /openapi/v3", async () => {
    const out = await kubectl.ok(["explain", "persistentvolumeclaim.spec"]);
    expect(out).toContain("FIELD: spec <PersistentVolumeClaimSpec>");
    expect(out).toMatch(/storageClassName\s+<string>/);
  });

  it("gives a claim without a class the default one and the pvc-protection finalizer", async () => {
    await kubectl.ok(["apply", "-f", "-"], claim("data"));
    const pvc = JSON.parse(await kubectl.ok(["get", "pvc", "data", "-o", "json"]));
    expect(pvc.spec.storageClassName).toBe("local-path");
    expect(pvc.spec.volumeMode).toBe("Filesystem");
    expect(pvc.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    expect(pvc.status.phase).toBe("Pending");
    const out = await kubectl.ok(["get", "pvc", "data"]);
    expect(out).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/m);
    expect(out).toMatch(/^data\s+Pending\s+local-path\s+<unset>\s+\S+$/m);
  });

  it("keeps an explicit empty class empty", async () => {
    await kubectl.ok(["apply", "-f", "-"], claim("classless", '  storageClassName: ""\n'));
    const pvc = JSON.parse(await kubectl.ok(["get", "pvc", "classless", "-o", "json"]));
    expect(pvc.spec.storageClassName).toBe("");
  });

  it("refuses changes to a claim's spec and resizing with 422", async () => {
    const modes = await kubectl.run(["patch", "pvc", "data", "--type", "merge", "-p", '{"spec":{"accessModes":["ReadWriteMany"]}}']);
    expect(modes.code).not.toBe(0);
    expect(modes.stderr).toContain("spec: Forbidden: spec is immutable after creation except resources.requests");
    const grow = await kubectl.run(["patch", "pvc", "data", "--type", "merge", "-p", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    expect(grow.stderr).toContain("spec.resources.requests.storage: Forbidden: only dynamically provisioned pvc can be resized");
  });

  it("shows a PV with its columns and the pv-protection finalizer; an invalid one is 422 with the field", async () => {
    await kubectl.ok(["apply", "-f", "-"], `apiVersion: v1
kind: PersistentVolume
metadata: {name: manual}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  hostPath: {path: /srv/manual}
`);
    const pv = JSON.parse(await kubectl.ok(["get", "pv", "manual", "-o", "json"]));
    expect(pv.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe("Retain");
    const out = await kubectl.ok(["get", "pv", "manual"]);
    expect(out).toMatch(/^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/m);
    expect(out).toMatch(/^manual\s+5Gi\s+RWO,ROX\s+Retain\s+Pending\s+<unset>\s+\S+$/m);
    const bad = await kubectl.run(["apply", "-f", "-"], "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: bad}\nspec:\n  capacity: {storage: 1Gi}\n  local: {path: /srv/x}\n");
    expect(bad.stderr).toContain("spec.accessModes: Required value");
    expect(bad.stderr).toContain("spec.nodeAffinity: Required value: Local volume requires node affinity");
  });

  it("refuses a pod with a volume type no agent serves (nfs) with 422 naming the field", async () => {
    const r = await kubectl.run(["apply", "-f", "-"], `apiVersion: v1
kind: Pod
metadata: {name: share}
spec:
  containers: [{name: app, image: kubelab/busybox:1.36}]
  volumes: [{name: share, nfs: {server: nfs.example, path: /exports}}]
`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.volumes[0].nfs: Unsupported value: "nfs": supported values: "configMap", "downwardAPI", "emptyDir"');
  });
});
