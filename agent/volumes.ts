// Pod volumes on the node's disk: one directory per pod under <root-dir>/pods/<uid>/volumes, bind
// mounted into the containers. emptyDir is a directory, hostPath the host's path, configMap,
// secret, downwardAPI and projected are files (rewritten before each container start), a
// persistentVolumeClaim the directory of its bound PersistentVolume. Any other type is refused.
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { SERVED_VOLUME_TYPES, unservedVolumeType } from "../api/storage-volumes";
import { ContainerConfigError, type ConfigSource } from "./env";
import type { Container, Volume } from "../api/core";
import { claimVolumePath, type ClaimSource } from "./pv-volume";
import type { Pod } from "./types";
import { configMapData, downwardAPIFiles, keyFiles, projectedFiles, secretData, type ProjectionHook, type VolumeFile } from "./volume-downward";
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

/** Writes the files of a configMap, secret, downwardAPI or projected volume into dir. */
async function writeFiles(dir: string, files: VolumeFile[], what: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Every path is checked before anything is written: a bad item writes nothing at all.
  const targets = files.map((file) => ({ ...file, target: containedPath(dir, file.path, `path in ${what}`) }));
  for (const file of targets) await writeIfChanged(dir, file.target, file.content, file.mode, `path "${file.path}" in ${what}`);
}

async function prepareHostPath(source: NonNullable<Volume["hostPath"]>): Promise<string> {
  const type = source.type ?? "";
  const exists = await stat(source.path).catch(() => undefined);
  if (!exists) {
    if (type === "DirectoryOrCreate" || type === "") await mkdir(source.path, { recursive: true });
    else if (type === "FileOrCreate") await writeFile(source.path, "");
    else throw new ContainerConfigError(`hostPath type check failed: ${source.path} does not exist`);
  }
  return source.path;
}

/** A writable directory that lives as long as the pod. */
async function scratchDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o777);
  return dir;
}

/**
 * What the agent needs to prepare volumes: ConfigMaps and Secrets, and (from the API server) the
 * claims and PersistentVolumes of pvc volumes and the projection hook for ServiceAccount tokens.
 */
export type VolumeSources = ConfigSource & Partial<ClaimSource> & { projection?: ProjectionHook };

/** Prepares one volume on disk and returns its host path; a type this node cannot serve is refused. */
async function prepareVolume(rootDir: string, pod: Pod, volume: Volume, config: VolumeSources): Promise<string> {
  const dir = join(podDir(rootDir, pod.metadata.uid), "volumes", volume.name);
  const ns = pod.metadata.namespace;
  if (volume.hostPath) return prepareHostPath(volume.hostPath);
  if (volume.emptyDir) return scratchDir(dir);
  if (volume.persistentVolumeClaim) return claimVolumePath(pod, volume.persistentVolumeClaim.claimName, config);
  let files: VolumeFile[];
  let what: string;
  if (volume.configMap) {
    const { name = "", items, optional, defaultMode = 0o644 } = volume.configMap;
    what = `ConfigMap ${ns}/${name}`;
    files = keyFiles(await configMapData(config, ns, name, optional), items, defaultMode, what);
  } else if (volume.secret) {
    const { secretName: name = "", items, optional, defaultMode = 0o644 } = volume.secret;
    what = `Secret ${ns}/${name}`;
    files = keyFiles(await secretData(config, ns, name, optional), items, defaultMode, what);
  } else if (volume.downwardAPI) {
    what = `downwardAPI volume "${volume.name}"`;
    files = downwardAPIFiles(pod, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? 0o644);
  } else if (volume.projected) {
    what = `projected volume "${volume.name}"`;
    files = await projectedFiles(pod, volume.projected.sources ?? [], volume.projected.defaultMode ?? 0o644, config, config.projection);
  } else {
    // Never an empty directory in place of storage the node cannot provide.
    const type = unservedVolumeType(volume) ?? "(none)";
    throw new ContainerConfigError(`volume "${volume.name}": type ${type} is not supported by this node (supported: ${SERVED_VOLUME_TYPES.join(", ")})`);
  }
  await writeFiles(dir, files, what);
  return dir;
}

/** Docker bind mounts ("host:container[:ro]") for one container of the pod. */
export async function containerBinds(rootDir: string, pod: Pod, container: Container, config: VolumeSources): Promise<string[]> {
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
    const readOnly = mount.readOnly || volume.persistentVolumeClaim?.readOnly || volume.configMap !== undefined || volume.secret !== undefined || volume.downwardAPI !== undefined || volume.projected !== undefined;
    binds.push(`${host}:${mount.mountPath}${readOnly ? ":ro" : ""}`);
  }
  return binds;
}

export async function removePodDir(rootDir: string, uid: string): Promise<void> {
  await rm(podDir(rootDir, uid), { recursive: true, force: true });
}
