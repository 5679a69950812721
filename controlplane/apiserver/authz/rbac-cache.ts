// The RBAC authorizer's view of Roles, ClusterRoles and their bindings, kept in memory and indexed
// by subject, so that authorizing a request is a few map lookups, never a list (Kubernetes' RBAC
// authorizer reads informer caches the same way). RbacCache holds and indexes; syncRbacCache fills
// it from the store and keeps it current from the store's watch (every server of an HA cluster
// sees every write, whoever made it).
import type { AnyBinding, PolicyRule, RoleRef, Subject } from "../../../api/rbac";
import type { ResourceType } from "../../../api/resource";
import type { Logger } from "pino";
import type { Store } from "../../storage/store";
import { mirrorStore } from "../store-mirror";

/** One binding as the authorizer needs it: where it is, what it grants, to whom (its key says). */
export interface CachedBinding {
  namespace: string;
  name: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** Index keys of a subject: "u:<name>", "g:<name>", "u:system:serviceaccount:<ns>:<name>". */
export function subjectKeys(b: AnyBinding, bindingNamespace: string): string[] {
  const keys = new Set<string>();
  for (const s of b.subjects ?? []) {
    if (s.kind === "User") keys.add(`u:${s.name}`);
    else if (s.kind === "Group") keys.add(`g:${s.name}`);
    else if (s.kind === "ServiceAccount") keys.add(`u:system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`);
  }
  return [...keys];
}

type Index = Map<string, Map<string, CachedBinding>>;

function addTo(index: Index, key: string, id: string, b: CachedBinding): void {
  let m = index.get(key);
  if (!m) index.set(key, (m = new Map()));
  m.set(id, b);
}

export class RbacCache {
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  /** "<ns>/<name>" → rules. */
  private readonly roles = new Map<string, PolicyRule[]>();
  /** Subject key → ClusterRoleBindings naming it. */
  private readonly clusterBindings: Index = new Map();
  /** Namespace → subject key → RoleBindings in it naming it. */
  private readonly bindings = new Map<string, Index>();
  /** Binding id → the keys it is indexed under (to take it out again). */
  private readonly indexedUnder = new Map<string, string[]>();

  setRole(namespace: string, name: string, rules: PolicyRule[] | undefined): void {
    if (namespace) this.roles.set(`${namespace}/${name}`, rules ?? []);
    else this.clusterRoles.set(name, rules ?? []);
  }

  deleteRole(namespace: string, name: string): void {
    if (namespace) this.roles.delete(`${namespace}/${name}`);
    else this.clusterRoles.delete(name);
  }

  setBinding(namespace: string, b: AnyBinding): void {
    const name = b.metadata.name!;
    this.deleteBinding(namespace, name);
    const id = `${namespace}/${name}`;
    const keys = subjectKeys(b, namespace);
    const cached: CachedBinding = { namespace, name, roleRef: b.roleRef, subjects: b.subjects ?? [] };
    let index = this.clusterBindings;
    if (namespace) {
      index = this.bindings.get(namespace) ?? new Map();
      this.bindings.set(namespace, index);
    }
    for (const k of keys) addTo(index, k, id, cached);
    this.indexedUnder.set(id, keys);
  }

  deleteBinding(namespace: string, name: string): void {
    const id = `${namespace}/${name}`;
    const keys = this.indexedUnder.get(id);
    if (!keys) return;
    const index = namespace ? this.bindings.get(namespace) : this.clusterBindings;
    for (const k of keys) {
      const m = index?.get(k);
      m?.delete(id);
      if (m?.size === 0) index!.delete(k);
    }
    this.indexedUnder.delete(id);
  }

  /** The rules a roleRef names (undefined: the role does not exist). */
  rulesOf(ref: RoleRef, bindingNamespace: string): PolicyRule[] | undefined {
    return ref.kind === "ClusterRole" ? this.clusterRoles.get(ref.name) : this.roles.get(`${bindingNamespace}/${ref.name}`);
  }

  /** The bindings naming the user or one of the groups: cluster-wide, or in one namespace. */
  bindingsFor(name: string, groups: readonly string[], namespace: string | undefined, out: CachedBinding[] = []): CachedBinding[] {
    const index = namespace === undefined ? this.clusterBindings : this.bindings.get(namespace);
    if (!index || index.size === 0) return out;
    const seen = new Set<CachedBinding>();
    const take = (m: Map<string, CachedBinding> | undefined) => {
      if (m) for (const b of m.values()) if (!seen.has(b)) (seen.add(b), out.push(b));
    };
    take(index.get(`u:${name}`));
    for (const g of groups) take(index.get(`g:${g}`));
    return out;
  }
}

export interface RbacTypes {
  roles: ResourceType;
  clusterroles: ResourceType;
  rolebindings: ResourceType;
  clusterrolebindings: ResourceType;
}

/** Applies one stored object (or its deletion) to the cache; returns its "<ns>/<name>". */
function applyTo(cache: RbacCache, rt: ResourceType, value: string, deleted: boolean): string {
  const obj = JSON.parse(value) as AnyBinding & { rules?: PolicyRule[] };
  const ns = obj.metadata.namespace ?? "";
  const name = obj.metadata.name!;
  const isBinding = rt.kind.endsWith("Binding");
  if (deleted) {
    if (isBinding) cache.deleteBinding(ns, name);
    else cache.deleteRole(ns, name);
  } else if (isBinding) cache.setBinding(ns, obj);
  else cache.setRole(ns, name, obj.rules);
  return `${ns}/${name}`;
}

function forget(cache: RbacCache, rt: ResourceType, id: string): void {
  const [ns, name] = id.split("/") as [string, string];
  if (rt.kind.endsWith("Binding")) cache.deleteBinding(ns, name);
  else cache.deleteRole(ns, name);
}

/** Lists the four kinds into the cache and follows them (store-mirror.ts); resolves once listed. */
export function syncRbacCache(store: Store, types: RbacTypes, cache: RbacCache, logger: Logger): Promise<() => void> {
  return mirrorStore(store, Object.values(types), { apply: (rt, value, deleted) => applyTo(cache, rt, value, deleted), forget: (rt, id) => forget(cache, rt, id) }, logger, "RBAC cache");
}
