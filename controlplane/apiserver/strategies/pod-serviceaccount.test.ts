import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/core";
import { admitServiceAccount, SERVICE_ACCOUNT_MOUNT_PATH, type ServiceAccountAdmission } from "./pod-serviceaccount";

const pod = (spec: Partial<Pod["spec"]> = {}, annotations?: Record<string, string>): Pod =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "team", annotations }, spec: { containers: [{ name: "app", image: "x" }], ...spec } }) as Pod;

const accounts = (automount?: boolean): ServiceAccountAdmission => ({ mountTokens: true, serviceAccount: async () => ({ automountServiceAccountToken: automount }) });

describe("ServiceAccount admission", () => {
  it("runs a pod as default and mounts the token volume read-only in every container", async () => {
    const p = pod({ initContainers: [{ name: "init", image: "x" }] });
    await admitServiceAccount(p, accounts());
    expect(p.spec.serviceAccountName).toBe("default");
    const volume = p.spec.volumes!.find((v) => v.name.startsWith("kube-api-access-"))!;
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume.projected?.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ]);
    for (const c of [...p.spec.initContainers!, ...p.spec.containers]) {
      expect(c.volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
    }
  });

  it("mounts nothing when the pod or, if the pod does not say, its ServiceAccount opts out", async () => {
    const podSaysNo = pod({ automountServiceAccountToken: false, serviceAccountName: "robot" });
    await admitServiceAccount(podSaysNo, accounts(true));
    expect(podSaysNo.spec.volumes).toBeUndefined();
    const saSaysNo = pod();
    await admitServiceAccount(saSaysNo, accounts(false));
    expect(saSaysNo.spec.volumes).toBeUndefined();
    const podOverrides = pod({ automountServiceAccountToken: true });
    await admitServiceAccount(podOverrides, accounts(false));
    expect(podOverrides.spec.volumes).toHaveLength(1);
  });

  it("leaves a container that mounts something at the path itself, mirror pods, and servers without a signing key", async () => {
    const own = pod({ volumes: [{ name: "mine", emptyDir: {} }] });
    own.spec.containers[0]!.volumeMounts = [{ name: "mine", mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    await admitServiceAccount(own, accounts());
    expect(own.spec.containers[0]!.volumeMounts).toHaveLength(1);
    const mirror = pod({}, { "kubernetes.io/config.mirror": "abc" });
    await admitServiceAccount(mirror, accounts());
    expect(mirror.spec.serviceAccountName).toBeUndefined();
    const noKey = pod();
    await admitServiceAccount(noKey, { mountTokens: false, serviceAccount: async () => undefined });
    expect(noKey.spec.serviceAccountName).toBe("default");
    expect(noKey.spec.volumes).toBeUndefined();
  });
});
