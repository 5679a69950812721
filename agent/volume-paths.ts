// Paths inside a volume (configMap/secret items[].path, volumeMounts[].subPath) come from the pod
// spec, so from the user: they must stay inside their volume. The rules are Kubernetes' own
// (validateLocalDescendingPath): relative, no ".." element. On top of that the real path on disk
// must still be inside the volume, so a symlink a container left in an emptyDir cannot point a
// later mount at the host (CVE-2017-1002101).
import { lstat, realpath, unlink } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { ContainerConfigError } from "./env";

/** Why a user-given volume path is refused (undefined: it is fine). Pure. */
export function volumePathProblem(path: string): string | undefined {
  if (path.length === 0) return "must not be empty";
  if (isAbsolute(path) || path.startsWith("\\")) return "must be a relative path";
  if (path.includes("\0")) return "must not contain a NUL byte";
  if (path.split(/[/\\]/).includes("..")) return "must not contain '..'";
  return undefined;
}

/** Is target the base directory itself or somewhere below it? */
export function isWithin(base: string, target: string): boolean {
  const rel = relative(resolve(base), resolve(target));
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** base joined with a user-given relative path, refused (ContainerConfigError) unless it stays inside base. */
export function containedPath(base: string, path: string, what: string): string {
  const problem = volumePathProblem(path);
  if (problem) throw new ContainerConfigError(`invalid ${what} "${path}": ${problem}`);
  const target = resolve(base, path);
  if (!isWithin(base, target)) throw new ContainerConfigError(`invalid ${what} "${path}": it leaves the volume`);
  return target;
}

/** Refuses a path that exists but whose real location (symlinks followed) is outside base. */
export async function assertRealPathWithin(base: string, target: string, what: string): Promise<void> {
  const [realBase, realTarget] = await Promise.all([realpath(base), realpath(target)]).catch((err: Error) => {
    throw new ContainerConfigError(`invalid ${what}: ${err.message}`);
  });
  if (!isWithin(realBase, realTarget)) {
    throw new ContainerConfigError(`invalid ${what}: it resolves to ${realTarget}, outside the volume`);
  }
}

/** Removes a symlink at path (the agent writes regular files only; it never writes through a link). */
export async function removeSymlink(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSymbolicLink()) await unlink(path);
}
