// Who git-sync is when it works for a repository (Flux's model): every read, dry run, apply and
// prune of a GitRepository is made as its ServiceAccount, `spec.serviceAccountName` in the
// repository's namespace, by impersonation, so a repository can do exactly what that account may.
// A repository without one acts as its namespace's `default` ServiceAccount (Flux's
// --default-service-account lockdown), never as git-sync itself: git-sync's own user may only
// impersonate ServiceAccounts and keep its GitRepositories' status, Events and Lease.
import type { GitRepository } from "../../api/gitops";
import { RestClient, type ApiClient } from "../../client";

/** The account of a repository that names none. */
export const DEFAULT_SERVICE_ACCOUNT = "default";

export interface RepositoryIdentity {
  namespace: string;
  name: string;
  /** The user the API server sees: system:serviceaccount:<namespace>:<name>. */
  user: string;
}

export function identityOf(repo: GitRepository, defaultServiceAccount = DEFAULT_SERVICE_ACCOUNT): RepositoryIdentity {
  const namespace = repo.metadata.namespace ?? "default";
  const name = repo.spec.serviceAccountName || defaultServiceAccount;
  return { namespace, name, user: `system:serviceaccount:${namespace}:${name}` };
}

/** The client a repository's work goes through. */
export type ClientFor = (repo: GitRepository) => ApiClient;

/**
 * One impersonating client per ServiceAccount, sharing git-sync's connection pool. The groups are
 * the server's to add (system:serviceaccounts, system:serviceaccounts:<ns>), as Kubernetes does
 * when only Impersonate-User names a ServiceAccount, so git-sync needs no right on groups. A
 * client that cannot impersonate (the recording fake of unit tests) is used as it is.
 */
export function impersonatingClients(client: ApiClient, defaultServiceAccount = DEFAULT_SERVICE_ACCOUNT): ClientFor {
  if (!(client instanceof RestClient)) return () => client;
  const byUser = new Map<string, RestClient>();
  return (repo) => {
    const { user } = identityOf(repo, defaultServiceAccount);
    let c = byUser.get(user);
    if (!c) byUser.set(user, (c = client.impersonate({ user })));
    return c;
  };
}
