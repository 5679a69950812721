// ValidatePodSpec and ValidatePodUpdate, after pkg/apis/core/validation (behaviour, not code).
import type { FieldCause } from "../resource";
import {
  fieldError,
  isDNS1123Label,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  validateLabels,
  validateNonnegative,
} from "../validation";
import { deepEqual } from "../define";
import type { Container, Probe } from "./container";
import type { Pod, PodSpec } from "./pod";
import { volumeSourceKeys } from "./volume";
import { validateVolumeItemPaths, validateVolumeMountSubPaths } from "./validate-volume-paths";

export const supportedProtocols = ["SCTP", "TCP", "UDP"];
const pullPolicies = ["Always", "IfNotPresent", "Never"];
const restartPolicies = ["Always", "OnFailure", "Never"];
const dnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
const terminationMessagePolicies = ["FallbackToLogsOnError", "File"];
const tolerationOperators = ["Equal", "Exists"];
const taintEffects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];

function validateProbe(p: Probe | undefined, path: string): FieldCause[] {
  if (!p) return [];
  const out: FieldCause[] = [];
  const handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter((h) => (p as Record<string, unknown>)[h] !== undefined);
  if (handlers.length === 0) out.push(fieldError.required(path, "must specify a handler type"));
  if (handlers.length > 1) out.push(fieldError.forbidden(`${path}.${handlers[1]}`, "may not specify more than 1 handler type"));
  for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
    out.push(...validateNonnegative(p[f], `${path}.${f}`));
  }
  const port = p.httpGet?.port ?? p.tcpSocket?.port;
  const portPath = p.httpGet ? `${path}.httpGet.port` : `${path}.tcpSocket.port`;
  if (typeof port === "number") for (const e of isValidPortNum(port)) out.push(fieldError.invalid(portPath, port, e));
  if (typeof port === "string") for (const e of isValidPortName(port)) out.push(fieldError.invalid(portPath, port, e));
  return out;
}

function validateContainer(c: Container, path: string, volumes: Set<string>, isInit: boolean): FieldCause[] {
  const out: FieldCause[] = [];
  if (!c.name) out.push(fieldError.required(`${path}.name`));
  else for (const e of isDNS1123Label(c.name)) out.push(fieldError.invalid(`${path}.name`, c.name, e));
  if (!c.image || c.image.trim() === "") out.push(fieldError.required(`${path}.image`));
  if (c.imagePullPolicy && !pullPolicies.includes(c.imagePullPolicy)) {
    out.push(fieldError.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  }
  if (c.terminationMessagePolicy && !terminationMessagePolicies.includes(c.terminationMessagePolicy)) {
    out.push(fieldError.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies));
  }
  if (c.restartPolicy !== undefined && (!isInit || c.restartPolicy !== "Always")) {
    out.push(isInit ? fieldError.notSupported(`${path}.restartPolicy`, c.restartPolicy, ["Always"]) : fieldError.forbidden(`${path}.restartPolicy`, "may not be set for non-init containers"));
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const p = `${path}.ports[${i}]`;
    for (const e of isValidPortNum(port.containerPort)) out.push(fieldError.invalid(`${p}.containerPort`, port.containerPort, e));
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      for (const e of isValidPortNum(port.hostPort)) out.push(fieldError.invalid(`${p}.hostPort`, port.hostPort, e));
    }
    if (port.name !== undefined) {
      for (const e of isValidPortName(port.name)) out.push(fieldError.invalid(`${p}.name`, port.name, e));
      if (portNames.has(port.name)) out.push(fieldError.duplicate(`${p}.name`, port.name));
      portNames.add(port.name);
    }
    if (port.protocol && !supportedProtocols.includes(port.protocol)) out.push(fieldError.notSupported(`${p}.protocol`, port.protocol, supportedProtocols));
  });
  (c.env ?? []).forEach((env, i) => {
    const p = `${path}.env[${i}]`;
    if (!env.name) out.push(fieldError.required(`${p}.name`));
    if (env.value && env.valueFrom) out.push(fieldError.invalid(`${p}.valueFrom`, "", "may not be specified when `value` is not empty"));
    if (env.valueFrom) {
      const n = Object.keys(env.valueFrom).length;
      if (n === 0) out.push(fieldError.invalid(`${p}.valueFrom`, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
      if (n > 1) out.push(fieldError.invalid(`${p}.valueFrom`, "", "may not have more than one field specified at a time"));
    }
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`;
    if (!m.name) out.push(fieldError.required(`${p}.name`));
    else if (!volumes.has(m.name)) out.push({ reason: "FieldValueNotFound", field: `${p}.name`, message: `Not found: ${JSON.stringify(m.name)}` });
    if (!m.mountPath) out.push(fieldError.required(`${p}.mountPath`));
    else if (mountPaths.has(m.mountPath)) out.push(fieldError.invalid(`${p}.mountPath`, m.mountPath, "must be unique"));
    mountPaths.add(m.mountPath);
    out.push(...validateVolumeMountSubPaths(m, p));
  });
  if (isInit && (c.livenessProbe || c.readinessProbe || c.startupProbe) && c.restartPolicy !== "Always") {
    const probe = c.livenessProbe ? "livenessProbe" : c.readinessProbe ? "readinessProbe" : "startupProbe";
    out.push(fieldError.forbidden(`${path}.${probe}`, "may not be set for init containers without restartPolicy=Always"));
  }
  out.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`));
  out.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`));
  out.push(...validateProbe(c.startupProbe, `${path}.startupProbe`));
  if (c.livenessProbe && c.livenessProbe.successThreshold !== undefined && c.livenessProbe.successThreshold !== 1) {
    out.push(fieldError.invalid(`${path}.livenessProbe.successThreshold`, c.livenessProbe.successThreshold, "must be 1"));
  }
  return out;
}

/** ValidatePodSpec at path ("spec" or "spec.template.spec"). */
export function validatePodSpec(spec: PodSpec, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const p = `${path}.volumes[${i}]`;
    if (!v.name) out.push(fieldError.required(`${p}.name`));
    else {
      for (const e of isDNS1123Label(v.name)) out.push(fieldError.invalid(`${p}.name`, v.name, e));
      if (volumes.has(v.name)) out.push(fieldError.duplicate(`${p}.name`, v.name));
      volumes.add(v.name);
    }
    const sources = volumeSourceKeys(v);
    if (sources.length === 0) out.push(fieldError.required(p, "must specify a volume type"));
    if (sources.length > 1) out.push(fieldError.forbidden(`${p}.${sources[1]}`, "may not specify more than 1 volume type"));
    if (v.hostPath && !v.hostPath.path) out.push(fieldError.required(`${p}.hostPath.path`));
    out.push(...validateVolumeItemPaths(v, p));
  });
  if (!spec.containers || spec.containers.length === 0) out.push(fieldError.required(`${path}.containers`));
  const names = new Set<string>();
  const check = (list: Container[] | undefined, field: string, isInit: boolean) =>
    (list ?? []).forEach((c, i) => {
      const p = `${path}.${field}[${i}]`;
      out.push(...validateContainer(c, p, volumes, isInit));
      if (c.name) {
        if (names.has(c.name)) out.push(fieldError.duplicate(`${p}.name`, c.name));
        names.add(c.name);
      }
    });
  check(spec.initContainers, "initContainers", true);
  check(spec.containers, "containers", false);
  if (spec.restartPolicy && !restartPolicies.includes(spec.restartPolicy)) {
    out.push(fieldError.notSupported(`${path}.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  if (spec.dnsPolicy && !dnsPolicies.includes(spec.dnsPolicy)) out.push(fieldError.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  if (spec.dnsPolicy === "None" && !spec.dnsConfig) out.push(fieldError.required(`${path}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None"));
  out.push(...validateNonnegative(spec.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    out.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive"));
  }
  out.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.hostname) for (const e of isDNS1123Label(spec.hostname)) out.push(fieldError.invalid(`${path}.hostname`, spec.hostname, e));
  if (spec.subdomain) for (const e of isDNS1123Label(spec.subdomain)) out.push(fieldError.invalid(`${path}.subdomain`, spec.subdomain, e));
  (spec.tolerations ?? []).forEach((t, i) => {
    const p = `${path}.tolerations[${i}]`;
    if (t.key) for (const e of isQualifiedName(t.key)) out.push(fieldError.invalid(`${p}.key`, t.key, e));
    if (!t.key && t.operator !== "Exists") out.push(fieldError.invalid(`${p}.operator`, t.operator ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    if (t.operator && !tolerationOperators.includes(t.operator)) out.push(fieldError.notSupported(`${p}.operator`, t.operator, tolerationOperators));
    if (t.operator === "Exists" && t.value) out.push(fieldError.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    if (t.effect && !taintEffects.includes(t.effect)) out.push(fieldError.notSupported(`${p}.effect`, t.effect, taintEffects));
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      out.push(fieldError.invalid(`${p}.effect`, t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  (spec.topologySpreadConstraints ?? []).forEach((c, i) => {
    const p = `${path}.topologySpreadConstraints[${i}]`;
    if (c.maxSkew <= 0) out.push(fieldError.invalid(`${p}.maxSkew`, c.maxSkew, "must be greater than zero"));
    if (!c.topologyKey) out.push(fieldError.required(`${p}.topologyKey`, "can not be empty"));
    if (!["DoNotSchedule", "ScheduleAnyway"].includes(c.whenUnsatisfiable)) {
      out.push(fieldError.notSupported(`${p}.whenUnsatisfiable`, c.whenUnsatisfiable, ["DoNotSchedule", "ScheduleAnyway"]));
    }
  });
  return out;
}

export function validatePod(pod: Pod): FieldCause[] {
  return validatePodSpec(pod.spec, "spec");
}

const podUpdateMessage =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/**
 * ValidatePodUpdate: a pod's spec is immutable except container images, activeDeadlineSeconds
 * (set, or lowered), added tolerations and removed scheduling gates. spec.nodeName may go from
 * unset to set (what the binding subresource does, through the same update path); once set it
 * is immutable.
 */
export function validatePodUpdate(newPod: Pod, oldPod: Pod): FieldCause[] {
  const out: FieldCause[] = [];
  const n = newPod.spec;
  const o = oldPod.spec;
  if (o.activeDeadlineSeconds !== undefined) {
    if (n.activeDeadlineSeconds === undefined) out.push(fieldError.invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
    else if (n.activeDeadlineSeconds > o.activeDeadlineSeconds) {
      out.push(fieldError.invalid("spec.activeDeadlineSeconds", n.activeDeadlineSeconds, "must be less than or equal to previous value"));
    }
  }
  const oldTolerations = o.tolerations ?? [];
  const newTolerations = n.tolerations ?? [];
  const kept = oldTolerations.every((t) => newTolerations.some((x) => deepEqual(x, t)));
  if (!kept) out.push(fieldError.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
  const oldGates = o.schedulingGates ?? [];
  if ((n.schedulingGates ?? []).some((g) => !oldGates.some((x) => x.name === g.name))) {
    out.push(fieldError.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate"));
  }
  // Compare everything else, with the mutable parts copied from old.
  const withImages = (list: Container[] | undefined, from: Container[] | undefined) =>
    list?.map((c, i) => ({ ...c, image: from?.[i]?.image ?? c.image }));
  const normalized: PodSpec = {
    ...n,
    containers: withImages(n.containers, o.containers) ?? [],
    initContainers: withImages(n.initContainers, o.initContainers),
    activeDeadlineSeconds: o.activeDeadlineSeconds,
    tolerations: o.tolerations,
    schedulingGates: o.schedulingGates,
    nodeName: o.nodeName ? n.nodeName : o.nodeName,
    terminationGracePeriodSeconds:
      (o.terminationGracePeriodSeconds ?? 0) < 0 && n.terminationGracePeriodSeconds === 1 ? o.terminationGracePeriodSeconds : n.terminationGracePeriodSeconds,
  };
  if (!deepEqual(normalized, o)) out.push(fieldError.forbidden("spec", podUpdateMessage));
  return out;
}
