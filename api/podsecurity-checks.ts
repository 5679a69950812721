// The checks of the Pod Security Standards (https://kubernetes.io/docs/concepts/security/
// pod-security-standards/), one function per control, with the reason and detail strings
// Kubernetes' pod-security-admission prints, so a refused pod reads the same here as there.
// Each check sees the pod's (or pod template's) metadata and spec and returns undefined when the
// pod passes. Which checks run at a level and version is podsecurity.ts's business.
import type { Container, PodSpec } from "./core";
import type { ObjectMeta } from "./meta";

export interface Violation {
  /** The control, short ("privileged", "host namespaces", ...). */
  reason: string;
  /** Which containers or fields break it, "" when the reason says it all. */
  detail: string;
}

export type PodCheck = (meta: ObjectMeta | undefined, spec: PodSpec) => Violation | undefined;

export const joinQuote = (items: readonly string[]): string => (items.length ? `"${items.join('", "')}"` : "");
const plural = (one: string, many: string, n: number): string => (n === 1 ? one : many);
/** `container "a"` / `containers "a", "b"`. */
const containersNamed = (names: string[]): string => `${plural("container", "containers", names.length)} ${joinQuote(names)}`;
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Init containers first, then containers, as Kubernetes visits them. */
export function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

const isWindows = (spec: PodSpec): boolean => spec.os?.name === "windows";

// ---- baseline ----

export const privileged: PodCheck = (_m, spec) => {
  const bad = containersOf(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
  if (!bad.length) return undefined;
  return { reason: "privileged", detail: `${containersNamed(bad)} must not set securityContext.privileged=true` };
};

export const hostNamespaces: PodCheck = (_m, spec) => {
  const used = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`);
  return used.length ? { reason: "host namespaces", detail: used.join(", ") } : undefined;
};

export const hostPathVolumes: PodCheck = (_m, spec) => {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name);
  return bad.length ? { reason: "hostPath volumes", detail: `${plural("volume", "volumes", bad.length)} ${joinQuote(bad)}` } : undefined;
};

export const hostPorts: PodCheck = (_m, spec) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  for (const c of containersOf(spec)) {
    const used = (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0);
    for (const p of used) ports.add(String(p.hostPort));
    if (used.length) bad.push(c.name);
  }
  if (!bad.length) return undefined;
  const list = sorted(ports);
  return {
    reason: "hostPort",
    detail: `${containersNamed(bad)} ${plural("uses", "use", bad.length)} ${plural("hostPort", "hostPorts", list.length)} ${list.join(", ")}`,
  };
};

const DEFAULT_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);

export const capabilitiesBaseline: PodCheck = (_m, spec) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of containersOf(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !DEFAULT_CAPABILITIES.has(cap));
    for (const cap of extra) caps.add(cap);
    if (extra.length) bad.push(c.name);
  }
  if (!bad.length) return undefined;
  return { reason: "non-default capabilities", detail: `${containersNamed(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add` };
};

export const appArmorProfile: PodCheck = (meta, spec) => {
  const allowed = (t: string) => t === "RuntimeDefault" || t === "Localhost";
  const setters: string[] = [];
  const values = new Set<string>();
  const podType = spec.securityContext?.appArmorProfile?.type;
  if (podType !== undefined && !allowed(podType)) {
    setters.push("pod");
    values.add(podType);
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    const t = c.securityContext?.appArmorProfile?.type;
    if (t !== undefined && !allowed(t)) {
      bad.push(c.name);
      values.add(t);
    }
  }
  if (bad.length) setters.push(containersNamed(bad));
  const prefix = "container.apparmor.security.beta.kubernetes.io/";
  const annotations = Object.entries(meta?.annotations ?? {})
    .filter(([k, v]) => k.startsWith(prefix) && !(v === "" || v === "runtime/default" || v.startsWith("localhost/")))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const valueList = [...sorted(values), ...sorted(annotations)];
  if (annotations.length) setters.push(plural("annotation", "annotations", annotations.length));
  if (!setters.length) return undefined;
  return {
    reason: plural("forbidden AppArmor profile", "forbidden AppArmor profiles", valueList.length),
    detail: `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(valueList)}`,
  };
};

const SELINUX_TYPES_1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, "container_engine_t"];

export const seLinuxOptions = (allowedTypes: string[]): PodCheck => (_m, spec) => {
  const badTypes = new Set<string>();
  let setUser = false;
  let setRole = false;
  const valid = (o: { type?: string; user?: string; role?: string }) => {
    let ok = true;
    if (!allowedTypes.includes(o.type ?? "")) {
      ok = false;
      badTypes.add(o.type ?? "");
    }
    if (o.user) {
      ok = false;
      setUser = true;
    }
    if (o.role) {
      ok = false;
      setRole = true;
    }
    return ok;
  };
  const setters: string[] = [];
  const podOpts = spec.securityContext?.seLinuxOptions;
  if (podOpts && !valid(podOpts)) setters.push("pod");
  const bad = containersOf(spec).filter((c) => c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions)).map((c) => c.name);
  if (bad.length) setters.push(containersNamed(bad));
  if (!setters.length) return undefined;
  const what: string[] = [];
  if (badTypes.size) what.push(`${plural("type", "types", badTypes.size)} ${joinQuote(sorted(badTypes))}`);
  if (setUser) what.push("user may not be set");
  if (setRole) what.push("role may not be set");
  return { reason: "seLinuxOptions", detail: `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${what.join("; ")}` };
};
export const seLinuxOptions_1_0 = seLinuxOptions(SELINUX_TYPES_1_0);
export const seLinuxOptions_1_31 = seLinuxOptions(SELINUX_TYPES_1_31);

export const procMount: PodCheck = (_m, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of containersOf(spec)) {
    const pm = c.securityContext?.procMount;
    if (pm !== undefined && pm !== "Default") {
      bad.push(c.name);
      types.add(pm);
    }
  }
  if (!bad.length) return undefined;
  return { reason: "procMount", detail: `${containersNamed(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}` };
};

const validSeccomp = (t: string) => t === "RuntimeDefault" || t === "Localhost";

/** Before 1.19 the seccomp profile was set by annotations. */
export const seccompProfileBaseline_1_0: PodCheck = (meta, spec) => {
  const ok = (v: string) => v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
  const annotations = meta?.annotations ?? {};
  const keys = ["seccomp.security.alpha.kubernetes.io/pod", ...containersOf(spec).map((c) => `container.seccomp.security.alpha.kubernetes.io/${c.name}`)];
  const bad = sorted(keys.filter((k) => annotations[k] !== undefined && !ok(annotations[k]!)).map((k) => `${k}=${JSON.stringify(annotations[k])}`));
  return bad.length ? { reason: "seccompProfile", detail: `forbidden ${plural("annotation", "annotations", bad.length)} ${bad.join(", ")}` } : undefined;
};

/** Who sets a bad seccomp type, and which types: shared by the baseline and restricted checks. */
function badSeccompSetters(spec: PodSpec): { setters: string[]; values: string[]; podSet: boolean; unset: string[] } {
  const setters: string[] = [];
  const values = new Set<string>();
  const podType = spec.securityContext?.seccompProfile?.type;
  if (podType !== undefined && !validSeccomp(podType)) {
    setters.push("pod");
    values.add(podType);
  }
  const podSet = podType !== undefined && validSeccomp(podType);
  const bad: string[] = [];
  const unset: string[] = [];
  for (const c of containersOf(spec)) {
    const t = c.securityContext?.seccompProfile?.type;
    if (t === undefined) {
      if (!podSet) unset.push(c.name);
    } else if (!validSeccomp(t)) {
      bad.push(c.name);
      values.add(t);
    }
  }
  if (bad.length) setters.push(containersNamed(bad));
  return { setters, values: sorted(values), podSet, unset };
}

const seccompTypeDetail = (setters: string[], values: string[]) => `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(values)}`;

export const seccompProfileBaseline_1_19: PodCheck = (_m, spec) => {
  const { setters, values } = badSeccompSetters(spec);
  return setters.length ? { reason: "seccompProfile", detail: seccompTypeDetail(setters, values) } : undefined;
};

const ALLOWED_SYSCTLS_1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];
const ALLOWED_SYSCTLS_1_27 = [...ALLOWED_SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const ALLOWED_SYSCTLS_1_29 = [...ALLOWED_SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const ALLOWED_SYSCTLS_1_32 = [...ALLOWED_SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

const sysctls = (allowed: string[]): PodCheck => (_m, spec) => {
  const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowed.includes(n));
  return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
};
export const sysctls_1_0 = sysctls(ALLOWED_SYSCTLS_1_0);
export const sysctls_1_27 = sysctls(ALLOWED_SYSCTLS_1_27);
export const sysctls_1_29 = sysctls(ALLOWED_SYSCTLS_1_29);
export const sysctls_1_32 = sysctls(ALLOWED_SYSCTLS_1_32);

export const windowsHostProcess: PodCheck = (_m, spec) => {
  const setters: string[] = [];
  const podOptions = spec.securityContext?.windowsOptions as { hostProcess?: unknown } | undefined;
  if (podOptions?.hostProcess === true) setters.push("pod");
  const bad = containersOf(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
  if (bad.length) setters.push(containersNamed(bad));
  if (!setters.length) return undefined;
  return { reason: "hostProcess", detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true` };
};

// ---- restricted ----

export const allowPrivilegeEscalation_1_8: PodCheck = (_m, spec) => {
  const bad = containersOf(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
  if (!bad.length) return undefined;
  return { reason: "allowPrivilegeEscalation != false", detail: `${containersNamed(bad)} must set securityContext.allowPrivilegeEscalation=false` };
};

/** From 1.25 the Linux-only controls do not apply to pods that declare spec.os.name=windows. */
export const notOnWindows = (check: PodCheck): PodCheck => (meta, spec) => (isWindows(spec) ? undefined : check(meta, spec));

export const capabilitiesRestricted_1_22: PodCheck = (_m, spec) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  for (const c of containersOf(spec)) {
    const capabilities = c.securityContext?.capabilities;
    if (!capabilities) {
      missingDrop.push(c.name);
      continue;
    }
    if (!(capabilities.drop ?? []).includes("ALL")) missingDrop.push(c.name);
    const extra = (capabilities.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
    for (const cap of extra) caps.add(cap);
    if (extra.length) adding.push(c.name);
  }
  const details: string[] = [];
  if (missingDrop.length) details.push(`${containersNamed(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersNamed(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
  return details.length ? { reason: "unrestricted capabilities", detail: details.join("; ") } : undefined;
};

/** Volume sources the restricted level allows; every other source is named, or "unknown". */
const ALLOWED_VOLUME_SOURCES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const NAMED_VOLUME_SOURCES = new Set([
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs",
  "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
]);

export const restrictedVolumes: PodCheck = (_m, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const sources = Object.keys(v).filter((k) => k !== "name" && (v as Record<string, unknown>)[k] !== undefined);
    if (sources.some((s) => ALLOWED_VOLUME_SOURCES.has(s))) continue;
    bad.push(v.name);
    types.add(sources.find((s) => NAMED_VOLUME_SOURCES.has(s)) ?? "unknown");
  }
  if (!bad.length) return undefined;
  return {
    reason: "restricted volume types",
    detail: `${plural("volume", "volumes", bad.length)} ${joinQuote(bad)} ${plural("uses", "use", bad.length)} ${plural("restricted volume type", "restricted volume types", types.size)} ${joinQuote(sorted(types))}`,
  };
};

export const runAsNonRoot: PodCheck = (_m, spec) => {
  const setters: string[] = [];
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) setters.push("pod");
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicit.push(c.name);
    else if (v === undefined && podValue !== true) implicit.push(c.name);
  }
  if (explicit.length) setters.push(containersNamed(explicit));
  if (setters.length) return { reason: "runAsNonRoot != true", detail: `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: "runAsNonRoot != true", detail: `pod or ${containersNamed(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
};

export const runAsUser: PodCheck = (_m, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push("pod");
  const bad = containersOf(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
  if (bad.length) setters.push(containersNamed(bad));
  return setters.length ? { reason: "runAsUser=0", detail: `${setters.join(" and ")} must not set runAsUser=0` } : undefined;
};

export const seccompProfileRestricted_1_19: PodCheck = (_m, spec) => {
  const { setters, values, unset } = badSeccompSetters(spec);
  if (setters.length) return { reason: "seccompProfile", detail: seccompTypeDetail(setters, values) };
  if (unset.length) {
    return { reason: "seccompProfile", detail: `pod or ${containersNamed(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  }
  return undefined;
};
