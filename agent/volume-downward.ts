// The files of downwardAPI and projected volumes, as the kubelet writes them: each item one
// file with the pod field or container resource it names (labels and annotations as
// key="value" lines), a projected volume the files of all its sources in one directory.
// Pure except for reading ConfigMaps and Secrets through the ConfigSource.
import { parseQuantity } from "../api/quantity";
import type { Volume } from "../api/core";
import { ContainerConfigError, metadataField, type ConfigSource } from "./env";
import type { Pod } from "./types";

type DownwardAPIVolumeFile = NonNullable<NonNullable<Volume["downwardAPI"]>["items"]>[number];
export type VolumeProjection = NonNullable<NonNullable<Volume["projected"]>["sources"]>[number];

/** One file to write into a volume: a path relative to it, its content and mode. */
export interface VolumeFile {
  path: string;
  content: Buffer;
  mode: number;
}

/** Labels and annotations as the kubelet writes them: sorted key="value" lines, values %q-quoted. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}`)
    .join("\n");
}

function podField(pod: Pod, fieldPath: string): string {
  const meta = metadataField(pod, fieldPath);
  if (meta !== undefined) return meta;
  switch (fieldPath) {
    case "metadata.labels":
      return formatMap(pod.metadata.labels);
    case "metadata.annotations":
      return formatMap(pod.metadata.annotations);
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${fieldPath}" in a downwardAPI volume`);
  }
}

function resourceField(pod: Pod, ref: NonNullable<DownwardAPIVolumeFile["resourceFieldRef"]>): string {
  const container = pod.spec.containers.find((c) => c.name === ref.containerName);
  if (!container) throw new ContainerConfigError(`container "${ref.containerName ?? ""}" of a downwardAPI resourceFieldRef not found in the pod`);
  const [kind, resource] = ref.resource.split(".") as [string, string];
  const value = container.resources?.[kind as "limits" | "requests"]?.[resource];
  if (value === undefined) return "0";
  const divisor = ref.divisor !== undefined ? parseQuantity(ref.divisor) : 1;
  return String(Math.ceil(parseQuantity(value) / divisor));
}

/** The files of a downwardAPI volume (or a projected volume's downwardAPI source). */
export function downwardAPIFiles(pod: Pod, items: readonly DownwardAPIVolumeFile[] | undefined, defaultMode: number): VolumeFile[] {
  return (items ?? []).map((item) => {
    let value: string;
    if (item.fieldRef) value = podField(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) value = resourceField(pod, item.resourceFieldRef);
    else throw new ContainerConfigError(`downwardAPI item "${item.path}" names neither fieldRef nor resourceFieldRef`);
    return { path: item.path, content: Buffer.from(value), mode: item.mode ?? defaultMode };
  });
}

type KeyItems = { key: string; path: string; mode?: number }[] | undefined;

/** The files of a ConfigMap's or Secret's keys (all, or the items named). */
export function keyFiles(data: Record<string, Buffer>, items: KeyItems, defaultMode: number, what: string): VolumeFile[] {
  if (!items) return Object.entries(data).map(([key, content]) => ({ path: key, content, mode: defaultMode }));
  return items.map((item) => {
    if (!(item.key in data)) throw new ContainerConfigError(`couldn't find key ${item.key} in ${what}`);
    return { path: item.path, content: data[item.key]!, mode: item.mode ?? defaultMode };
  });
}

export async function configMapData(config: ConfigSource, ns: string, name: string, optional: boolean | undefined): Promise<Record<string, Buffer>> {
  const cm = await config.getConfigMap(ns, name);
  if (!cm && !optional) throw new ContainerConfigError(`configmap "${name}" not found`);
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(v);
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(v, "base64");
  return data;
}

export async function secretData(config: ConfigSource, ns: string, name: string, optional: boolean | undefined): Promise<Record<string, Buffer>> {
  const secret = await config.getSecret(ns, name);
  if (!secret && !optional) throw new ContainerConfigError(`secret "${name}" not found`);
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) data[k] = Buffer.from(v, "base64");
  for (const [k, v] of Object.entries(secret?.stringData ?? {})) data[k] = Buffer.from(v);
  return data;
}

/**
 * Extra projected sources served by other parts of the agent (the ServiceAccount token):
 * undefined when the source is not theirs.
 */
export type ProjectionHook = (pod: Pod, source: VolumeProjection, defaultMode: number) => Promise<VolumeFile[] | undefined>;

/** The files of a projected volume: every source's files in one directory. */
export async function projectedFiles(pod: Pod, sources: readonly VolumeProjection[], defaultMode: number, config: ConfigSource, hook?: ProjectionHook): Promise<VolumeFile[]> {
  const ns = pod.metadata.namespace;
  const out: VolumeFile[] = [];
  for (const source of sources) {
    const extra = await hook?.(pod, source, defaultMode);
    if (extra) out.push(...extra);
    else if (source.configMap) {
      const name = source.configMap.name ?? "";
      out.push(...keyFiles(await configMapData(config, ns, name, source.configMap.optional), source.configMap.items, defaultMode, `ConfigMap ${ns}/${name}`));
    } else if (source.secret) {
      const name = source.secret.name ?? "";
      out.push(...keyFiles(await secretData(config, ns, name, source.secret.optional), source.secret.items, defaultMode, `Secret ${ns}/${name}`));
    } else if (source.downwardAPI) out.push(...downwardAPIFiles(pod, source.downwardAPI.items, defaultMode));
    else throw new ContainerConfigError(`projected source ${Object.keys(source).join(",") || "{}"} is not served by this node`);
  }
  return out;
}
