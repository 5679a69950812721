import { describe, expect, it } from "vitest";
import type { Container, PodSpec } from "./core";
import {
  evaluatePod,
  levelVersionString,
  parseVersion,
  policyFromLabels,
  PRIVILEGED_POLICY,
  violationsDetail,
  violationsReason,
  type LevelVersion,
  type Policy,
} from "./podsecurity";

const latest = (level: LevelVersion["level"]): LevelVersion => ({ level, version: "latest" });
const at = (level: LevelVersion["level"], minor: number): LevelVersion => ({ level, version: { minor } });

/** A container that passes restricted. */
const good = (name = "c", extra: Partial<Container> = {}): Container => ({
  name,
  image: "kubelab/busybox:1.36",
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  ...extra,
});
const withSc = (sc: NonNullable<Container["securityContext"]>, name = "c"): Container => ({ ...good(name), securityContext: { ...good().securityContext, ...sc } });
const pod = (spec: Partial<PodSpec>): PodSpec => ({ containers: [good()], ...spec });
const detail = (lv: LevelVersion, spec: PodSpec, annotations?: Record<string, string>) => violationsDetail(evaluatePod(lv, { annotations }, spec));

describe("Pod Security Standards checks", () => {
  it("prints Kubernetes' restricted message for a plain container", () => {
    const spec: PodSpec = { containers: [{ name: "nginx", image: "nginx" }] };
    expect(detail(latest("restricted"), spec)).toBe(
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect(detail(latest("baseline"), spec)).toBe("");
    expect(detail(latest("privileged"), { containers: [withSc({ privileged: true })], hostNetwork: true })).toBe("");
  });

  // [what, level, spec, annotations, expected detail ("" = allowed)]
  const cases: Array<[string, LevelVersion, PodSpec, Record<string, string> | undefined, string]> = [
    ["privileged container", latest("baseline"), pod({ containers: [withSc({ privileged: true })] }), undefined, 'privileged (container "c" must not set securityContext.privileged=true)'],
    ["privileged init and app containers", latest("baseline"), pod({ initContainers: [withSc({ privileged: true }, "i")], containers: [withSc({ privileged: true }, "a")] }), undefined, 'privileged (containers "i", "a" must not set securityContext.privileged=true)'],
    ["privileged=false", latest("baseline"), pod({ containers: [withSc({ privileged: false })] }), undefined, ""],
    ["host namespaces", latest("baseline"), pod({ hostNetwork: true, hostPID: true, hostIPC: false }), undefined, "host namespaces (hostNetwork=true, hostPID=true)"],
    ["hostPath volume", latest("baseline"), pod({ volumes: [{ name: "root", hostPath: { path: "/" } }, { name: "tmp", emptyDir: {} }] }), undefined, 'hostPath volumes (volume "root")'],
    ["hostPorts", latest("baseline"), pod({ containers: [good("a", { ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 443 }] })] }), undefined, 'hostPort (container "a" uses hostPorts 443, 8080)'],
    ["hostPort 0", latest("baseline"), pod({ containers: [good("a", { ports: [{ containerPort: 80, hostPort: 0 }] })] }), undefined, ""],
    ["non-default capability", latest("baseline"), pod({ containers: [withSc({ capabilities: { add: ["SYS_ADMIN", "CHOWN", "NET_ADMIN"] } })] }), undefined, 'non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)'],
    ["default capability", latest("baseline"), pod({ containers: [withSc({ capabilities: { add: ["CHOWN"] } })] }), undefined, ""],
    ["AppArmor unconfined", latest("baseline"), pod({ securityContext: { appArmorProfile: { type: "Unconfined" } } }), undefined, 'forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")'],
    ["AppArmor annotation", latest("baseline"), pod({}), { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" }, 'forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/c="unconfined"")'],
    ["SELinux type and user", latest("baseline"), pod({ containers: [withSc({ seLinuxOptions: { type: "spc_t", user: "root" } })] }), undefined, 'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)'],
    ["SELinux container_engine_t since 1.31", latest("baseline"), pod({ securityContext: { seLinuxOptions: { type: "container_engine_t" } } }), undefined, ""],
    ["SELinux container_engine_t at 1.30", at("baseline", 30), pod({ securityContext: { seLinuxOptions: { type: "container_engine_t" } } }), undefined, 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")'],
    ["procMount Unmasked", latest("baseline"), pod({ containers: [withSc({ procMount: "Unmasked" })] }), undefined, 'procMount (container "c" must not set securityContext.procMount to "Unmasked")'],
    ["seccomp Unconfined", latest("baseline"), pod({ securityContext: { seccompProfile: { type: "Unconfined" } } }), undefined, 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'],
    ["seccomp annotation before 1.19", at("baseline", 18), pod({}), { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }, 'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")'],
    ["unsafe sysctl", latest("baseline"), pod({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }, { name: "net.ipv4.tcp_rmem", value: "1" }] } }), undefined, "forbidden sysctls (kernel.msgmax)"],
    ["tcp_rmem before 1.32", at("baseline", 31), pod({ securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem", value: "1" }] } }), undefined, "forbidden sysctls (net.ipv4.tcp_rmem)"],
    ["windows hostProcess", latest("baseline"), pod({ containers: [withSc({ windowsOptions: { hostProcess: true } })] }), undefined, 'hostProcess (container "c" must not set securityContext.windowsOptions.hostProcess=true)'],
    ["restricted pod passes", latest("restricted"), pod({ volumes: [{ name: "s", secret: { secretName: "x" } }] }), undefined, ""],
    ["runAsNonRoot at pod level covers containers", latest("restricted"), pod({ securityContext: { runAsNonRoot: true }, containers: [withSc({ runAsNonRoot: undefined })] }), undefined, ""],
    ["runAsNonRoot=false", latest("restricted"), pod({ securityContext: { runAsNonRoot: false }, containers: [withSc({ runAsNonRoot: false })] }), undefined, 'runAsNonRoot != true (pod and container "c" must not set securityContext.runAsNonRoot=false)'],
    ["runAsUser=0", latest("restricted"), pod({ securityContext: { runAsUser: 0 } }), undefined, "runAsUser=0 (pod must not set runAsUser=0)"],
    ["runAsUser=0 before 1.23", at("restricted", 22), pod({ securityContext: { runAsUser: 0 } }), undefined, ""],
    ["capability added besides NET_BIND_SERVICE", latest("restricted"), pod({ containers: [withSc({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] } })] }), undefined, 'unrestricted capabilities (container "c" must not include "CHOWN" in securityContext.capabilities.add)'],
    ["restricted replaces the baseline capabilities check", latest("restricted"), pod({ containers: [withSc({ capabilities: { add: ["SYS_ADMIN"] } })] }), undefined, 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)'],
    ["restricted volume types", latest("restricted"), pod({ volumes: [{ name: "h", hostPath: { path: "/" } }, { name: "n", nfs: {} }, { name: "c", configMap: { name: "x" } }] }), undefined, 'restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")'],
    ["windows pods skip Linux-only restricted checks", latest("restricted"), { os: { name: "windows" }, securityContext: { runAsNonRoot: true }, containers: [{ name: "w", image: "x" }] }, undefined, ""],
    ["baseline and restricted together, in Kubernetes' order", latest("restricted"), { hostNetwork: true, containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] }, undefined,
      'host namespaces (hostNetwork=true), privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'],
    ["a future version evaluates as the newest known", at("baseline", 40), pod({ hostPID: true }), undefined, "host namespaces (hostPID=true)"],
  ];
  it.each(cases)("%s", (_what, lv, spec, annotations, expected) => {
    expect(detail(lv, spec, annotations)).toBe(expected);
  });

  it("names only the reasons for the existing-pods summary", () => {
    expect(violationsReason(evaluatePod(latest("baseline"), {}, pod({ hostNetwork: true, containers: [withSc({ privileged: true })] })))).toBe("host namespaces, privileged");
  });
});

describe("policy from namespace labels", () => {
  const defaults: Policy = { ...PRIVILEGED_POLICY, enforce: latest("baseline"), warn: latest("restricted") };
  const L = "pod-security.kubernetes.io/";

  it("keeps the defaults without labels and names levels as Kubernetes does", () => {
    const { policy, errors } = policyFromLabels(undefined, defaults);
    expect(errors).toEqual([]);
    expect(levelVersionString(policy.enforce)).toBe("baseline:latest");
    expect(levelVersionString(policy.warn)).toBe("restricted:latest");
  });

  it("reads levels and versions per mode", () => {
    const { policy } = policyFromLabels({ [L + "enforce"]: "restricted", [L + "enforce-version"]: "v1.29", [L + "audit"]: "baseline" }, PRIVILEGED_POLICY);
    expect(levelVersionString(policy.enforce)).toBe("restricted:v1.29");
    expect(levelVersionString(policy.audit)).toBe("baseline:latest");
    // warn follows a stricter enforce level when no warn label is set
    expect(levelVersionString(policy.warn)).toBe("restricted:v1.29");
  });

  it("fails closed for a bad enforce level and open for bad audit and warn levels", () => {
    const { policy, errors } = policyFromLabels({ [L + "enforce"]: "strict", [L + "warn"]: "loud", [L + "audit-version"]: "1.2" }, PRIVILEGED_POLICY);
    expect(policy.enforce.level).toBe("restricted");
    expect(policy.warn.level).toBe("privileged");
    expect(errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
      `metadata.labels[${L}enforce]: must be one of privileged, baseline, restricted`,
      `metadata.labels[${L}audit-version]: must be "latest" or "v1.x"`,
      `metadata.labels[${L}warn]: must be one of privileged, baseline, restricted`,
    ]);
  });

  it("parses versions as latest or v1.x only", () => {
    expect(parseVersion("latest")).toBe("latest");
    expect(parseVersion("v1.32")).toEqual({ minor: 32 });
    for (const bad of ["v2.0", "1.32", "v1.032", "v1.", ""]) expect(parseVersion(bad)).toBeUndefined();
  });
});
