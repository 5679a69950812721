// `kubelab server --gitops-repo URL[#branch[:path]]`: the GitRepository "lab" in "default" that
// the server creates (or updates to match the flag) at start, so the lab needs no extra step. It
// acts as the ServiceAccount default/gitops-lab, admin in "default" and nothing more
// (ensureGitopsRepoAccount, made with the server's admin credential, never git-sync's own).
import type { GitRepository } from "../../api/gitops";
import { gitrepositories, ignoreNotFound, isAlreadyExists, rolebindings, serviceaccounts, type ApiClient } from "../../client";

/** The account the --gitops-repo repository acts as; README "git-sync's identity" says how to widen it. */
export const GITOPS_REPO_ACCOUNT = { namespace: "default", name: "gitops-lab" } as const;

/** The ServiceAccount and its admin RoleBinding in "default"; what exists is left as it is. */
export async function ensureGitopsRepoAccount(admin: ApiClient): Promise<void> {
  const { namespace, name } = GITOPS_REPO_ACCOUNT;
  const create = (p: Promise<unknown>) => p.catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
  await create(admin.create(serviceaccounts, namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } }));
  await create(admin.create(rolebindings, namespace, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: `${name}-admin`, namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  }));
}

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
    serviceAccountName: GITOPS_REPO_ACCOUNT.name,
  };
  for (let attempt = 0; ; attempt++) {
    const existing = await client.get<GitRepository>(gitrepositories, namespace, name).catch(ignoreNotFound);
    if (existing) {
      // One made before repositories acted as accounts gets the flag's account; a user's choice stays.
      const account = existing.spec.serviceAccountName ? {} : { serviceAccountName: GITOPS_REPO_ACCOUNT.name };
      const want = { branch: flag.branch ?? null, paths: flag.path ? [flag.path] : null, url: flag.url, ...(opts.secretName ? { secretRef: { name: opts.secretName } } : {}), ...account };
      const same = existing.spec.url === flag.url && existing.spec.branch === flag.branch && JSON.stringify(existing.spec.paths ?? null) === JSON.stringify(want.paths) && !("serviceAccountName" in account);
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
