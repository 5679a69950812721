// A container's environment as the kubelet builds it: envFrom first, then env (later wins), with
// fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef resolved and $(VAR) expanded.
import { parseQuantity } from "../api/quantity";
import type { ConfigMap, Container, Secret } from "../api/core";
import type { Pod } from "./types";

/** Reads ConfigMaps and Secrets (from the API server; none for static pods without one). */
export interface ConfigSource {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
}

/** A user error in the pod spec: the container waits with reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override readonly name = "ContainerConfigError";
}

export interface EnvContext {
  pod: Pod;
  container: Container;
  podIP?: string;
  hostIP: string;
  nodeName: string;
  config: ConfigSource;
}

/**
 * The pod's own metadata fields a fieldRef may name, for env vars and downwardAPI volumes alike:
 * name, namespace, uid, and one label or annotation by key; undefined for any other path.
 */
export function metadataField(pod: Pod, fieldPath: string): string | undefined {
  const key = /^metadata\.(annotations|labels)\['(.+)'\]$/.exec(fieldPath);
  if (key) return (key[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations)?.[key[2]!] ?? "";
  if (fieldPath === "metadata.name") return pod.metadata.name;
  if (fieldPath === "metadata.namespace") return pod.metadata.namespace;
  if (fieldPath === "metadata.uid") return pod.metadata.uid;
  return undefined;
}

function fieldValue(ctx: EnvContext, fieldPath: string): string {
  const { pod } = ctx;
  const meta = metadataField(pod, fieldPath);
  if (meta !== undefined) return meta;
  switch (fieldPath) {
    case "spec.nodeName":
      return pod.spec.nodeName ?? ctx.nodeName;
    case "spec.serviceAccountName":
      return String((pod.spec as { serviceAccountName?: string }).serviceAccountName ?? "default");
    case "status.podIP":
    case "status.podIPs":
      return ctx.podIP ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return ctx.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${fieldPath}"`);
  }
}

function resourceValue(ctx: EnvContext, ref: { containerName?: string; resource: string; divisor?: number | string }): string {
  const target = ref.containerName ? ctx.pod.spec.containers.find((c) => c.name === ref.containerName) : ctx.container;
  const [kind, resource] = ref.resource.split(".") as [string, string];
  const value = target?.resources?.[kind as "limits" | "requests"]?.[resource];
  const divisor = ref.divisor !== undefined ? parseQuantity(ref.divisor) : 1;
  if (value === undefined) return "0";
  return String(Math.ceil(parseQuantity(value) / divisor));
}

function decode(secret: Secret, key: string): string | undefined {
  const raw = secret.data?.[key];
  if (raw !== undefined) return Buffer.from(raw, "base64").toString("utf8");
  return secret.stringData?.[key];
}

/** $(VAR) references to earlier variables are expanded; $$(VAR) escapes. */
export function expandReferences(input: string, vars: Map<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && vars.has(name) ? vars.get(name)! : match;
  });
}

export async function resolveEnv(ctx: EnvContext): Promise<Map<string, string>> {
  const { pod, container, config } = ctx;
  const ns = pod.metadata.namespace;
  const vars = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef?.name) {
      const cm = await config.getConfigMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) vars.set(prefix + k, v);
    }
    if (from.secretRef?.name) {
      const secret = await config.getSecret(ns, from.secretRef.name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of Object.keys({ ...secret.data, ...secret.stringData })) vars.set(prefix + k, decode(secret, k) ?? "");
    }
  }
  for (const env of container.env ?? []) {
    const from = env.valueFrom;
    if (!from) {
      vars.set(env.name, expandReferences(env.value ?? "", vars));
    } else if (from.fieldRef) {
      vars.set(env.name, fieldValue(ctx, from.fieldRef.fieldPath));
    } else if (from.resourceFieldRef) {
      vars.set(env.name, resourceValue(ctx, from.resourceFieldRef));
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const cm = ref.name ? await config.getConfigMap(ns, ref.name) : undefined;
      const value = cm?.data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`,
        );
      }
      vars.set(env.name, value);
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      const secret = ref.name ? await config.getSecret(ns, ref.name) : undefined;
      const value = secret ? decode(secret, ref.key) : undefined;
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          secret ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`,
        );
      }
      vars.set(env.name, value);
    }
  }
  return vars;
}
