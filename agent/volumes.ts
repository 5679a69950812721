// Pod volumes on the node's disk: one directory per pod under <root-dir>/pods/<uid>/volumes, bind
// mounted into the containers. emptyDir is a directory, hostPath the host's path, configMap and
// secret are their keys written as files (rewritten before each container start).
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ContainerConfigError, type ConfigSource } from "./env";
import type { Container, Volume } from "../api/core";
import type { KeyToPath, Pod } from "./types";
import { assertRealPathWithin, containedPath, removeSymlink } from "./volume-paths";

/** The deepest part of target that exists already must resolve inside base. */
async function assertExistingAncestorWithin(base: string, target: string, what: string): Promise<void> {
  let existing = target;
  while (existing !== base && existing !== dirname(existing) && !(await stat(existing).catch(() => undefined))) {
    existing = dirname(existing);
  }
  await assertRealPathWithin(base, existing, what);
}

export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, "pods", uid);
}

async function writeIfChanged(dir: string, path: string, content: Buffer, mode: number, what: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await assertRealPathWithin(dir, dirname(path), what);
  await removeSymlink(path);
  const existing = await readFile(path).catch(() => undefined);
  if (!existing || !existing.equals(content)) await writeFile(path, content);
  await chmod(path, mode);
}

async function writeKeys(
  dir: string,
  data: Record<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  what: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = items
    ? items.map((item) => {
        if (!(item.key in data)) throw new ContainerConfigError(`couldn't find key ${item.key} in ${what}`);
        return { path: item.path, content: data[item.key]!, mode: item.mode ?? defaultMode };
      })
    : Object.entries(data).map(([key, content]) => ({ path: key, content, mode: defaultMode }));
  // Every path is checked before anything is written: a bad item writes nothing at all.
  const targets = entries.map((entry) => ({ ...entry, target: containedPath(dir, entry.path, `path in ${what}`) }));
  for (const entry of targets) await writeIfChanged(dir, entry.target, entry.content, entry.mode, `path "${entry.path}" in ${what}`);
}

/** Prepares one volume on disk and returns its host path. */
async function prepareVolume(rootDir: string, pod: Pod, volume: Volume, config: ConfigSource): Promise<string> {
  const dir = join(podDir(rootDir, pod.metadata.uid), "volumes", volume.name);
  const ns = pod.metadata.namespace;
  if (volume.hostPath) {
    const type = volume.hostPath.type ?? "";
    const exists = await stat(volume.hostPath.path).catch(() => undefined);
    if (!exists) {
      if (type === "DirectoryOrCreate" || type === "") await mkdir(volume.hostPath.path, { recursive: true });
      else if (type === "FileOrCreate") await writeFile(volume.hostPath.path, "");
      else throw new ContainerConfigError(`hostPath type check failed: ${volume.hostPath.path} does not exist`);
    }
    return volume.hostPath.path;
  }
  if (volume.configMap) {
    const name = volume.configMap.name ?? "";
    const cm = await config.getConfigMap(ns, name);
    if (!cm && !volume.configMap.optional) throw new ContainerConfigError(`configmap "${name}" not found`);
    const data: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(v);
    for (const [k, v] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(v, "base64");
    await writeKeys(dir, data, volume.configMap.items, volume.configMap.defaultMode ?? 0o644, `ConfigMap ${ns}/${name}`);
    return dir;
  }
  if (volume.secret) {
    const name = volume.secret.secretName ?? "";
    const secret = await config.getSecret(ns, name);
    if (!secret && !volume.secret.optional) throw new ContainerConfigError(`secret "${name}" not found`);
    const data: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(secret?.data ?? {})) data[k] = Buffer.from(v, "base64");
    for (const [k, v] of Object.entries(secret?.stringData ?? {})) data[k] = Buffer.from(v);
    await writeKeys(dir, data, volume.secret.items, volume.secret.defaultMode ?? 0o644, `Secret ${ns}/${name}`);
    return dir;
  }
  // emptyDir and anything we do not know: a writable directory that lives as long as the pod.
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o777);
  return dir;
}

/** Docker bind mounts ("host:container[:ro]") for one container of the pod. */
export async function containerBinds(rootDir: string, pod: Pod, container: Container, config: ConfigSource): Promise<string[]> {
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  const paths = new Map<string, string>();
  const binds: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume) throw new ContainerConfigError(`volume "${mount.name}" not found in the pod`);
    let host = paths.get(mount.name);
    if (!host) {
      host = await prepareVolume(rootDir, pod, volume, config);
      paths.set(mount.name, host);
    }
    if (mount.subPath) {
      const base = host;
      const what = `subPath of volume mount "${mount.name}"`;
      host = containedPath(base, mount.subPath, what);
      // Check the real path before and after creating it: a symlink a container left in the
      // volume must not make mkdir, or the bind mount, reach outside.
      await assertExistingAncestorWithin(base, host, what);
      if (!(await stat(host).catch(() => undefined))) {
        await mkdir(host, { recursive: true }).catch((err: Error) => {
          throw new ContainerConfigError(`cannot create ${what} "${mount.subPath}": ${err.message}`);
        });
      }
      await assertRealPathWithin(base, host, `${what} "${mount.subPath}"`);
    }
    const readOnly = mount.readOnly || volume.configMap !== undefined || volume.secret !== undefined;
    binds.push(`${host}:${mount.mountPath}${readOnly ? ":ro" : ""}`);
  }
  return binds;
}

export async function removePodDir(rootDir: string, uid: string): Promise<void> {
  await rm(podDir(rootDir, uid), { recursive: true, force: true });
}
