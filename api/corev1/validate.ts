// Validation of the other core/v1 kinds: Service, Namespace, ConfigMap, Secret, Node, Event,
// Endpoints, Binding.
import type { FieldCause } from "../resource";
import { deepEqual } from "../define";
import {
  fieldError,
  isDNS1123Label,
  isQualifiedName,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  validateLabels,
} from "../validation";
import type { Binding, ConfigMap, Event, Secret } from "./misc";
import type { Node } from "./node";
import type { Endpoints, Service } from "./service";
import { supportedProtocols } from "./validate-pod";

const serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const sessionAffinities = ["ClientIP", "None"];
const trafficPolicies = ["Cluster", "Local"];

export function validateService(svc: Service): FieldCause[] {
  const out: FieldCause[] = [];
  const spec = svc.spec;
  const type = spec.type ?? "ClusterIP";
  if (!serviceTypes.includes(type)) out.push(fieldError.notSupported("spec.type", type, serviceTypes));
  if (type === "ExternalName") {
    if (!spec.externalName) out.push(fieldError.required("spec.externalName"));
  } else if ((spec.ports ?? []).length === 0 && spec.clusterIP !== "None") {
    out.push(fieldError.required("spec.ports"));
  }
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) out.push(fieldError.required(`${path}.name`));
    if (p.name) {
      for (const e of isDNS1123Label(p.name)) out.push(fieldError.invalid(`${path}.name`, p.name, e));
      if (names.has(p.name)) out.push(fieldError.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    for (const e of isValidPortNum(p.port)) out.push(fieldError.invalid(`${path}.port`, p.port, e));
    const protocol = p.protocol ?? "TCP";
    if (!supportedProtocols.includes(protocol)) out.push(fieldError.notSupported(`${path}.protocol`, protocol, supportedProtocols));
    const key = `${p.port}/${protocol}`;
    if (seen.has(key)) out.push(fieldError.duplicate(path, { port: p.port, protocol }));
    seen.add(key);
    if (typeof p.targetPort === "number") for (const e of isValidPortNum(p.targetPort)) out.push(fieldError.invalid(`${path}.targetPort`, p.targetPort, e));
    if (typeof p.targetPort === "string") for (const e of isValidPortName(p.targetPort)) out.push(fieldError.invalid(`${path}.targetPort`, p.targetPort, e));
    if (p.nodePort !== undefined) {
      if (type !== "NodePort" && type !== "LoadBalancer") {
        out.push(fieldError.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${type}'`));
      } else for (const e of isValidPortNum(p.nodePort)) out.push(fieldError.invalid(`${path}.nodePort`, p.nodePort, e));
    }
  });
  if (spec.sessionAffinity && !sessionAffinities.includes(spec.sessionAffinity)) {
    out.push(fieldError.notSupported("spec.sessionAffinity", spec.sessionAffinity, sessionAffinities));
  }
  if (spec.externalTrafficPolicy) {
    if (type !== "NodePort" && type !== "LoadBalancer") {
      out.push(fieldError.invalid("spec.externalTrafficPolicy", spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!trafficPolicies.includes(spec.externalTrafficPolicy)) {
      out.push(fieldError.notSupported("spec.externalTrafficPolicy", spec.externalTrafficPolicy, trafficPolicies));
    }
  }
  if (spec.internalTrafficPolicy && !trafficPolicies.includes(spec.internalTrafficPolicy)) {
    out.push(fieldError.notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, trafficPolicies));
  }
  if (spec.clusterIP && spec.clusterIP !== "None" && !isValidIP(spec.clusterIP)) {
    out.push(fieldError.invalid("spec.clusterIPs[0]", spec.clusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isValidIP(ip)) out.push(fieldError.invalid(`spec.externalIPs[${i}]`, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  });
  out.push(...validateLabels(spec.selector, "spec.selector"));
  return out;
}

/** A Service's clusterIP (and clusterIPs) may not change once set. */
export function validateServiceUpdate(n: Service, o: Service): FieldCause[] {
  const out: FieldCause[] = [];
  if (o.spec.clusterIP && n.spec.clusterIP !== o.spec.clusterIP && !(o.spec.type === "ExternalName" || n.spec.type === "ExternalName")) {
    out.push(fieldError.immutable("spec.clusterIP", n.spec.clusterIP ?? ""));
  }
  return out;
}

const configKeyFmt = "[-._a-zA-Z0-9]+";
const configKeyRe = new RegExp(`^${configKeyFmt}$`);

function validateDataKeys(keys: string[], field: string): FieldCause[] {
  const out: FieldCause[] = [];
  for (const k of keys) {
    if (k.length > 253) out.push(fieldError.invalid(field, k, "must be no more than 253 characters"));
    if (!configKeyRe.test(k) || k === "." || k === ".." || k.startsWith("..")) {
      out.push(
        fieldError.invalid(
          field,
          k,
          `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${configKeyFmt}')`,
        ),
      );
    }
  }
  return out;
}

export function validateConfigMap(cm: ConfigMap): FieldCause[] {
  const out = [...validateDataKeys(Object.keys(cm.data ?? {}), "data"), ...validateDataKeys(Object.keys(cm.binaryData ?? {}), "binaryData")];
  for (const k of Object.keys(cm.data ?? {})) if (cm.binaryData && k in cm.binaryData) out.push(fieldError.invalid("data", k, "duplicate of key present in binaryData"));
  return out;
}

export function validateSecret(secret: Secret): FieldCause[] {
  const out = validateDataKeys(Object.keys(secret.data ?? {}), "data");
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) out.push(fieldError.invalid(`data[${k}]`, "<secret contents redacted>", "illegal base64 data"));
  }
  if (secret.type === "kubernetes.io/dockerconfigjson" && !secret.data?.[".dockerconfigjson"]) out.push(fieldError.required("data[.dockerconfigjson]"));
  if (secret.type === "kubernetes.io/tls") {
    if (!secret.data?.["tls.crt"]) out.push(fieldError.required("data[tls.crt]"));
    if (!secret.data?.["tls.key"]) out.push(fieldError.required("data[tls.key]"));
  }
  return out;
}

/** ConfigMaps and Secrets marked immutable keep their data; a Secret's type never changes. */
export function validateImmutableData<T extends { immutable?: boolean; data?: unknown; binaryData?: unknown; type?: string }>(n: T, o: T): FieldCause[] {
  const out: FieldCause[] = [];
  if (o.immutable) {
    if (!n.immutable) out.push(fieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
    if (!deepEqual(n.data, o.data)) out.push(fieldError.forbidden("data", "field is immutable when `immutable` is set"));
    if (!deepEqual(n.binaryData, o.binaryData)) out.push(fieldError.forbidden("binaryData", "field is immutable when `immutable` is set"));
  }
  if (o.type !== undefined && n.type !== o.type) out.push(fieldError.immutable("type", n.type ?? ""));
  return out;
}

const taintEffects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];

export function validateNode(node: Node): FieldCause[] {
  const out: FieldCause[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    for (const e of isQualifiedName(t.key)) out.push(fieldError.invalid(`${p}.key`, t.key, e));
    if (!taintEffects.includes(t.effect)) out.push(fieldError.notSupported(`${p}.effect`, t.effect, taintEffects));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) out.push(fieldError.duplicate(p, key));
    seen.add(key);
  });
  return out;
}

export function validateEvent(ev: Event): FieldCause[] {
  const out: FieldCause[] = [];
  const ns = ev.metadata.namespace;
  const involved = ev.involvedObject.namespace;
  if (involved && ns && involved !== ns) out.push(fieldError.invalid("involvedObject.namespace", involved, "does not match event.namespace"));
  if (ev.type && !["Normal", "Warning"].includes(ev.type)) out.push(fieldError.notSupported("type", ev.type, ["Normal", "Warning"]));
  return out;
}

export function validateEndpoints(ep: Endpoints): FieldCause[] {
  const out: FieldCause[] = [];
  (ep.subsets ?? []).forEach((s, i) => {
    for (const field of ["addresses", "notReadyAddresses"] as const) {
      (s[field] ?? []).forEach((a, j) => {
        if (!isValidIP(a.ip)) out.push(fieldError.invalid(`subsets[${i}].${field}[${j}].ip`, a.ip, "must be a valid IP address"));
      });
    }
    (s.ports ?? []).forEach((p, j) => {
      for (const e of isValidPortNum(p.port)) out.push(fieldError.invalid(`subsets[${i}].ports[${j}].port`, p.port, e));
    });
  });
  return out;
}

export function validateBinding(b: Binding): FieldCause[] {
  const out: FieldCause[] = [];
  if (!b.target.name) out.push(fieldError.required("target.name"));
  if (b.target.kind && b.target.kind !== "Node") out.push(fieldError.notSupported("target.kind", b.target.kind, ["Node"]));
  return out;
}
