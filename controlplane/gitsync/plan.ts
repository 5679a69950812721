// What a sync will do, as pure functions: the order objects are applied in, which objects of
// the previous inventory are pruned, and the guards that refuse a prune that looks like a
// mistake (an empty render, a mass deletion). Nothing here talks to the API server.
import type { InventoryEntry } from "../../api/gitops";
import { objectKey } from "./manifests";
import { compareStrings } from "../../api/order";

export const FIELD_MANAGER = "kubelab-gitsync";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "kubelab-gitsync";
export const SOURCE_LABEL = "gitops.kubelab.io/source";
export const REVISION_ANNOTATION = "gitops.kubelab.io/revision";
export const ALLOW_MASS_PRUNE_ANNOTATION = "gitops.kubelab.io/allow-mass-prune";
/**
 * On an object that exists before git-sync applies it: "true" lets git-sync take it over
 * (without it, such an object is an error: git-sync manages only what it created).
 */
export const ADOPT_ANNOTATION = "gitops.kubelab.io/adopt";
/** Stamped on a Namespace git-sync created (value: the source): only those are ever pruned. */
export const CREATED_BY_ANNOTATION = "gitops.kubelab.io/created-by";
/** Namespaces the cluster needs: never pruned, whoever lists them. */
export const PROTECTED_NAMESPACES: ReadonlySet<string> = new Set(["kube-system", "kube-public", "kube-node-lease", "default"]);

export type ObjectRef = InventoryEntry;

/** Value of the source label for a GitRepository: "<namespace>.<name>". */
export function sourceLabelValue(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

const KIND_ORDER: Record<string, number> = {
  CustomResourceDefinition: 0,
  Namespace: 1,
  ResourceQuota: 2,
  LimitRange: 2,
  ServiceAccount: 3,
  Secret: 4,
  ConfigMap: 4,
  PersistentVolume: 5,
  PersistentVolumeClaim: 5,
  ClusterRole: 6,
  ClusterRoleBinding: 6,
  Role: 6,
  RoleBinding: 6,
  Service: 7,
  Endpoints: 7,
  Deployment: 8,
  ReplicaSet: 8,
  StatefulSet: 8,
  DaemonSet: 8,
  Pod: 8,
  Job: 8,
  CronJob: 8,
};
const REST = 9;

/** Apply stage of a kind: Namespaces first, then config, then Services, then workloads, the rest after. */
export function applyStage(kind: string): number {
  return KIND_ORDER[kind] ?? REST;
}

type Sortable = { apiVersion: string; kind: string; namespace?: string; name: string };

function compareRefs(a: Sortable, b: Sortable): number {
  return (
    applyStage(a.kind) - applyStage(b.kind) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace ?? "", b.namespace ?? "") ||
    compareStrings(a.name, b.name)
  );
}

/** Sorted for applying (stable within a stage by kind, namespace, name). */
export function sortForApply<T>(items: T[], ref: (t: T) => Sortable): T[] {
  return [...items].sort((a, b) => compareRefs(ref(a), ref(b)));
}

/** Groups items into stages in apply order: objects of one stage may be applied concurrently. */
export function applyStages<T>(items: T[], ref: (t: T) => Sortable): T[][] {
  const stages = new Map<number, T[]>();
  for (const item of sortForApply(items, ref)) {
    const s = applyStage(ref(item).kind);
    if (!stages.has(s)) stages.set(s, []);
    stages.get(s)!.push(item);
  }
  return [...stages.keys()].sort((a, b) => a - b).map((k) => stages.get(k)!);
}

export interface LiveOwner {
  /** Labels of the live object, when it exists. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrunePlanInput {
  /** Inventory recorded in status by earlier runs (the only candidates for pruning). */
  previous: ObjectRef[];
  /** Objects of the new revision. */
  next: ObjectRef[];
  /** "namespace.name" of the GitRepository doing the prune. */
  source: string;
  /** Live state of the candidates by objectKey; missing = the object is gone already. */
  live: Map<string, LiveOwner>;
  /** The GitRepository carries gitops.kubelab.io/allow-mass-prune: "true". */
  allowMassPrune?: boolean;
  /** Block when more than this fraction of the previous inventory would go (default 0.5)... */
  massPruneFraction?: number;
  /** ...and at least this many objects (default 10). */
  massPruneMinimum?: number;
  /**
   * How many objects the last applied revision owned (the mass-prune fraction's denominator).
   * Default: previous.length. The inventory may be larger after an interrupted run recorded
   * objects of a revision it never finished; they must not dilute the guard.
   */
  baseline?: number;
}

export interface PrunePlan {
  /** Objects to delete, in reverse apply order. */
  prune: ObjectRef[];
  /** Candidates left alone: not ours (label missing or another source), or a Namespace git-sync must not delete. */
  skipped: Array<{ ref: ObjectRef; message: string }>;
  /** Candidates already gone. */
  gone: ObjectRef[];
  /** Set when a guard refused the prune: nothing is deleted. */
  blocked?: { reason: "PruneBlocked"; message: string };
}

/** Is this live object labelled as applied by git-sync from this source? */
export function isOwnedBy(labels: Record<string, string> | undefined, source: string): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels?.[SOURCE_LABEL] === source;
}

const refKey = (r: ObjectRef) => objectKey(r);

const isNamespace = (r: ObjectRef) => r.kind === "Namespace" && r.apiVersion === "v1";

/** Why a live candidate must stay, or undefined when it may be pruned. */
function keepReason(ref: ObjectRef, live: LiveOwner, source: string): string | undefined {
  if (!isOwnedBy(live.labels, source)) {
    const other = live.labels?.[SOURCE_LABEL];
    return other ? `owned by GitRepository ${other}, not ${source}` : `not labelled ${SOURCE_LABEL}=${source}`;
  }
  if (isNamespace(ref) && PROTECTED_NAMESPACES.has(ref.name)) return `namespace ${ref.name} is never pruned`;
  if (isNamespace(ref) && live.annotations?.[CREATED_BY_ANNOTATION] !== source) return `namespace ${ref.name} was not created by git-sync; only namespaces it created are pruned`;
  return undefined;
}

/** previous inventory − next objects, never anything not owned by us; guarded. */
export function planPrune(input: PrunePlanInput): PrunePlan {
  const nextKeys = new Set(input.next.map(refKey));
  const candidates = input.previous.filter((r) => !nextKeys.has(refKey(r)));
  const plan: PrunePlan = { prune: [], skipped: [], gone: [] };
  for (const ref of candidates) {
    const live = input.live.get(refKey(ref));
    const kept = live ? keepReason(ref, live, input.source) : undefined;
    if (!live) plan.gone.push(ref);
    else if (kept) plan.skipped.push({ ref, message: kept });
    else plan.prune.push(ref);
  }
  plan.prune = sortForApply(plan.prune, (r) => r).reverse();
  if (plan.prune.length === 0 || input.allowMassPrune) return plan;
  const override = `; set the annotation ${ALLOW_MASS_PRUNE_ANNOTATION}: "true" on the GitRepository to allow it`;
  if (input.next.length === 0) {
    plan.blocked = {
      reason: "PruneBlocked",
      message: `the revision has no objects; refusing to prune all ${plan.prune.length} objects${override}`,
    };
  } else {
    const fraction = input.massPruneFraction ?? 0.5;
    const minimum = input.massPruneMinimum ?? 10;
    const owned = Math.max(1, input.baseline ?? input.previous.length);
    if (plan.prune.length >= minimum && plan.prune.length / owned > fraction) {
      plan.blocked = {
        reason: "PruneBlocked",
        message: `pruning ${plan.prune.length} of ${input.baseline ?? input.previous.length} objects exceeds the mass-deletion guard (${Math.round(fraction * 100)}%)${override}`,
      };
    }
  }
  return plan;
}

/** Inventory after a run: the new objects, plus the candidates that were not deleted (blocked or failed). */
export function nextInventory(next: ObjectRef[], kept: ObjectRef[]): ObjectRef[] {
  const seen = new Set<string>();
  const out: ObjectRef[] = [];
  for (const r of [...next, ...kept]) {
    const k = refKey(r);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name });
  }
  return sortForApply(out, (r) => r);
}
