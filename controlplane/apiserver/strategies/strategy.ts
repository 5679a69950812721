// The per-kind rules the generic registry applies, as Kubernetes' registry strategies
// (pkg/registry/<group>/<kind>/strategy.go) are: what a create resets, how an update through the
// main resource or a subresource merges with the stored object, the update checks beyond the
// object's own validity, admission that needs the rest of the cluster, and how a delete proceeds.
// One module per kind that differs (pod.ts, service.ts, ...); every other kind uses the generic
// strategy here. The object's own validation and defaults stay with its type in api/ (one parse
// at the edge); a strategy runs on the parsed, defaulted object.
import type { FieldCause, KObject, ResourceType } from "../../../api/resource";
import { planFinalizedDelete, propagationFinalizers, type DeleteOptions, type DeletePlan } from "./delete";
import type { AdmissionAttributes } from "../admission/attributes";

export type { DeleteOptions, DeletePlan } from "./delete";

/** A kind's rules. T is the kind's api/ type; the registry sees every strategy as Strategy<KObject>. */
export interface Strategy<T extends KObject = KObject> {
  /** On create, after validation and defaults: reset what clients may not set (status). */
  prepareForCreate(obj: T): void;
  /** On update: the object to write, `next` merged with the stored `old` per subresource. */
  prepareForUpdate(next: T, old: T, subresource: string | undefined): T;
  /** Update checks beyond the object's own validity (immutable fields): 422 causes. */
  validateUpdate(next: T, old: T): FieldCause[];
  /** Admission that looks beyond the object (allocation); old is undefined on create. attrs:
   *  who writes, and where warnings go (the registry always passes them). */
  admit(obj: T, old: T | undefined, attrs?: AdmissionAttributes): Promise<void>;
  /** Does anything still hold the object back from removal? */
  hasFinalizers(obj: T): boolean;
  planDelete(obj: T, opts: DeleteOptions): DeletePlan;
  /** Optional hooks around the store write (genericregistry's BeginCreate, BeginUpdate, AfterDelete). */
  beginCreate?(obj: T, opts: { dryRun: boolean }): Promise<FinishWrite>;
  beginUpdate?(next: T, old: T, opts: { dryRun: boolean }): Promise<FinishWrite>;
  afterDelete?(obj: T): Promise<void>;
}

/** Ends a write begun by a hook: `written` says whether the store write succeeded. */
export type FinishWrite = (written: boolean) => Promise<void>;

/**
 * A strategy's hooks around the store write: the Service allocator commits addresses first and
 * gives them back when the write fails.
 */
export type WriteHooks<T extends KObject = KObject> = Pick<Strategy<T>, "beginCreate" | "beginUpdate" | "afterDelete">;

/** The strategy of a kind with no rules of its own (ConfigMap, Deployment, Lease, ...). */
export function genericStrategy(rt: ResourceType): Strategy {
  const hasStatus = rt.subresources.includes("status");
  return {
    prepareForCreate(obj) {
      if (hasStatus) delete obj.status;
    },
    prepareForUpdate(next, old, subresource) {
      if (subresource === "status") return { ...structuredClone(old), status: next.status };
      if (hasStatus) keepStatus(next, old);
      return next;
    },
    validateUpdate: (next, old) => rt.validateUpdate(next, old),
    admit: async () => {},
    hasFinalizers: (obj) => (obj.metadata.finalizers?.length ?? 0) > 0,
    planDelete: (obj, opts) => planFinalizedDelete(structuredClone(obj), propagationFinalizers(obj, opts)),
  };
}

/** The main resource of a kind with a status subresource cannot change its status. */
export function keepStatus(next: KObject, old: KObject): void {
  if (old.status === undefined) delete next.status;
  else next.status = structuredClone(old.status);
}
