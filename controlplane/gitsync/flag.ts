// `kubelab server --gitops-repo URL[#branch[:path]]`: the GitRepository "lab" in "default" that
// the server creates (or updates to match the flag) at start, so the lab needs no extra step.
import type { GitRepository } from "../../api/gitops";
import { gitrepositories, ignoreNotFound, isAlreadyExists, type ApiClient } from "../../client";

export interface GitopsFlag {
  url: string;
  branch?: string;
  path?: string;
}

/** Parses "URL[#branch[:path]]": "file:///srv/lab.git#main:apps" -> { url, branch: "main", path: "apps" }. */
export function parseGitopsFlag(value: string): GitopsFlag {
  const hash = value.indexOf("#");
  const url = (hash < 0 ? value : value.slice(0, hash)).trim();
  if (!url) throw new Error(`--gitops-repo needs a URL, got ${JSON.stringify(value)}`);
  if (hash < 0) return { url };
  const fragment = value.slice(hash + 1);
  const colon = fragment.indexOf(":");
  const branch = (colon < 0 ? fragment : fragment.slice(0, colon)).trim();
  const path = colon < 0 ? "" : fragment.slice(colon + 1).trim();
  return { url, ...(branch ? { branch } : {}), ...(path ? { path } : {}) };
}

/** Creates default/lab from the flag, or brings its url/branch/paths in line with it. */
export async function ensureGitRepositoryFromFlag(
  client: ApiClient,
  flagValue: string,
  opts: { namespace?: string; name?: string; secretName?: string } = {},
): Promise<GitRepository> {
  const flag = parseGitopsFlag(flagValue);
  const namespace = opts.namespace ?? "default";
  const name = opts.name ?? "lab";
  const spec = {
    url: flag.url,
    ...(flag.branch ? { branch: flag.branch } : {}),
    ...(flag.path ? { paths: [flag.path] } : {}),
    ...(opts.secretName ? { secretRef: { name: opts.secretName } } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    const existing = await client.get<GitRepository>(gitrepositories, namespace, name).catch(ignoreNotFound);
    if (existing) {
      const want = { branch: flag.branch ?? null, paths: flag.path ? [flag.path] : null, url: flag.url, ...(opts.secretName ? { secretRef: { name: opts.secretName } } : {}) };
      const same = existing.spec.url === flag.url && existing.spec.branch === flag.branch && JSON.stringify(existing.spec.paths ?? null) === JSON.stringify(want.paths);
      if (same) return existing;
      // Deleted in between: create it below.
      const patched = await client.patch<GitRepository>(gitrepositories, namespace, name, { spec: want }, "merge").catch(ignoreNotFound);
      if (patched) return patched;
    }
    try {
      return await client.create<GitRepository>(gitrepositories, namespace, {
        apiVersion: "gitops.kubelab.io/v1alpha1",
        kind: "GitRepository",
        metadata: { name, namespace },
        spec,
      } as GitRepository);
    } catch (err) {
      if (!isAlreadyExists(err) || attempt > 2) throw err;
    }
  }
}
