// spec.dependsOn, in Flux's shape (a list of {name, namespace}): a GitRepository waits until each
// repository it depends on is Ready and Healthy at the revision it last attempted, with its spec
// observed. Pure: the reconciler asks, given a lookup into the informer's cache; a cycle or a
// dependency that does not exist is reported, never waited on silently.
import type { GitRepository } from "../../api/gitops";

export type DependencyVerdict =
  | { ready: true }
  | { ready: false; reason: "DependencyNotReady" | "DependencyNotFound"; message: string }
  | { ready: false; reason: "DependencyCycle"; message: string };

export type RepoLookup = (namespace: string, name: string) => GitRepository | undefined;

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

function dependenciesOf(repo: GitRepository): Array<{ namespace: string; name: string }> {
  const ns = repo.metadata.namespace ?? "default";
  return (repo.spec.dependsOn ?? []).map((d) => ({ namespace: d.namespace || ns, name: d.name }));
}

/** Why a dependency is not ready yet, or undefined when it is. */
export function notReadyBecause(dep: GitRepository): string | undefined {
  const st = dep.status ?? {};
  const cond = (type: string) => st.conditions?.find((c) => c.type === type);
  if ((st.observedGeneration ?? -1) !== (dep.metadata.generation ?? 0)) return "its spec is not observed yet";
  if (dep.spec.suspend) return "it is suspended";
  const ready = cond("Ready");
  if (ready?.status !== "True") return `it is not Ready${ready?.message ? `: ${ready.message}` : ""}`;
  if (!st.lastAppliedRevision || st.lastAppliedRevision !== st.lastAttemptedRevision) return "its latest revision is not applied yet";
  const healthy = cond("Healthy");
  if (healthy && healthy.status !== "True") return `it is not healthy${healthy.message ? `: ${healthy.message}` : ""}`;
  return undefined;
}

/** The path of a dependency cycle through repo, e.g. ["a/x", "a/y", "a/x"], or undefined. */
export function findCycle(repo: GitRepository, lookup: RepoLookup): string[] | undefined {
  const start = keyOf(repo.metadata.namespace ?? "default", repo.metadata.name ?? "");
  const done = new Set<string>();
  const walk = (r: GitRepository, path: string[]): string[] | undefined => {
    for (const d of dependenciesOf(r)) {
      const k = keyOf(d.namespace, d.name);
      if (k === start) return [...path, k];
      if (done.has(k) || path.includes(k)) continue;
      const next = lookup(d.namespace, d.name);
      if (!next) continue;
      const found = walk(next, [...path, k]);
      if (found) return found;
      done.add(k);
    }
    return undefined;
  };
  return walk(repo, [start]);
}

export function dependencyVerdict(repo: GitRepository, lookup: RepoLookup): DependencyVerdict {
  const deps = dependenciesOf(repo);
  if (deps.length === 0) return { ready: true };
  const cycle = findCycle(repo, lookup);
  if (cycle) return { ready: false, reason: "DependencyCycle", message: `dependency cycle: ${cycle.join(" -> ")}` };
  for (const d of deps) {
    const dep = lookup(d.namespace, d.name);
    if (!dep) return { ready: false, reason: "DependencyNotFound", message: `dependency GitRepository ${keyOf(d.namespace, d.name)} not found` };
    const why = notReadyBecause(dep);
    if (why) return { ready: false, reason: "DependencyNotReady", message: `dependency ${keyOf(d.namespace, d.name)} is not ready: ${why}` };
  }
  return { ready: true };
}

/** The keys of the repositories that name key in their dependsOn (to requeue them when it changes). */
export function dependentsOf(key: string, all: Iterable<GitRepository>): string[] {
  const out: string[] = [];
  for (const r of all) {
    if (dependenciesOf(r).some((d) => keyOf(d.namespace, d.name) === key)) out.push(keyOf(r.metadata.namespace ?? "default", r.metadata.name ?? ""));
  }
  return out;
}
