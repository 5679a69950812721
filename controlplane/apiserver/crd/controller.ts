// The API server's own CRD controller (apiextensions-apiserver runs these in-process too): the
// naming and establishing controllers, which write acceptedNames and the NamesAccepted and
// Established conditions as soon as the catalog has a CRD, and the finalizer controller, which
// deletes a terminating CRD's custom resources and then removes the cleanup finalizer so the CRD
// goes. One CRD at a time, in the order they changed; status is written here only.
import type { Logger } from "pino";
import { CRD_CLEANUP_FINALIZER, storageVersionOf, type CustomResourceDefinition, type CustomResourceDefinitionStatus } from "../../../api/apiextensions";
import { deepEqual } from "../../../api/define";
import type { KObject, ResourceType } from "../../../api/resource";
import { ApiError } from "../errors";
import type { Registry } from "../registry";
import type { CustomResourceCatalog } from "./catalog";
import { customTypeFor } from "./custom-type";
import type { NamesVerdict } from "./names";
import { withCondition } from "./strategy";

type Crd = KObject & CustomResourceDefinition;
const MANAGER = { fieldManager: "kubelab-apiextensions-controller" };

/** The status the CRD should have: accepted names and the two conditions, from the verdict. */
export function desiredStatus(crd: CustomResourceDefinition, verdict: NamesVerdict): CustomResourceDefinitionStatus {
  const status = crd.status ?? {};
  let conditions = withCondition(status.conditions, { type: "NamesAccepted", status: verdict.accepted ? "True" : "False", reason: verdict.reason, message: verdict.message });
  const established = verdict.accepted
    ? { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" }
    : { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" };
  // Once established, a CRD stays so (its served names are kept even if a later change conflicts).
  const was = status.conditions?.find((c) => c.type === "Established");
  if (!(was?.status === "True" && !verdict.accepted)) conditions = withCondition(conditions, established);
  return {
    ...status,
    conditions,
    acceptedNames: verdict.accepted ? { ...crd.spec.names } : status.acceptedNames,
  };
}

export class CrdController {
  private readonly pending = new Set<string>();
  private busy = false;
  private stopped = false;

  constructor(
    private readonly catalog: CustomResourceCatalog,
    private readonly registry: Registry,
    private readonly crdType: ResourceType,
    private readonly logger?: Logger,
  ) {}

  start(): () => void {
    this.catalog.onChange((name) => this.enqueue(name));
    for (const name of this.catalog.names()) this.enqueue(name);
    return () => {
      this.stopped = true;
    };
  }

  enqueue(name: string): void {
    if (this.stopped) return;
    this.pending.add(name);
    if (!this.busy) void this.drain();
  }

  private later(name: string): void {
    setTimeout(() => this.enqueue(name), 1000).unref();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.pending.size && !this.stopped) {
      const name = this.pending.values().next().value!;
      this.pending.delete(name);
      try {
        if (await this.sync(name)) this.later(name);
      } catch (e) {
        if (!(e instanceof ApiError && (e.reason === "NotFound" || e.reason === "Conflict"))) this.logger?.warn({ err: e, crd: name }, "CRD sync failed; retrying");
        this.later(name);
      }
    }
    this.busy = false;
  }

  /** One step for a CRD; true when it should be looked at again later. */
  private async sync(name: string): Promise<boolean> {
    const entry = this.catalog.get(name);
    if (!entry) return false;
    const crd = (await this.registry.tryGet(this.crdType, undefined, name)) as Crd | undefined;
    if (!crd) return false;
    if (crd.metadata.deletionTimestamp) return this.cleanUp(crd, entry.verdict.accepted);
    const status = desiredStatus(crd, entry.verdict);
    if (!deepEqual(status, crd.status ?? {})) {
      await this.registry.update(this.crdType, undefined, name, { ...crd, status }, { ...MANAGER, subresource: "status" });
    }
    return false;
  }

  /** Deletes the CRD's custom resources; once none is left, lets the CRD go. */
  private async cleanUp(crd: Crd, namesAccepted: boolean): Promise<boolean> {
    const finalizers = crd.metadata.finalizers ?? [];
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) return false;
    const storage = storageVersionOf(crd);
    // Names never accepted: nothing was served, and the store prefix may be another CRD's.
    const accepted = namesAccepted || crd.status?.conditions?.some((c) => c.type === "NamesAccepted" && c.status === "True");
    if (storage && accepted) {
      const rt = customTypeFor(crd, storage, () => crd);
      const { items } = await this.registry.list(rt, undefined);
      if (items.length) {
        await this.setTerminating(crd, "InstanceDeletionInProgress", "CustomResource deletion is in progress");
        let left = 0;
        for (const item of items) {
          const gone = await this.registry.delete(rt, item.metadata.namespace, item.metadata.name!).catch((e: unknown) => {
            if (e instanceof ApiError && e.reason === "NotFound") return undefined;
            throw e;
          });
          if (gone?.metadata.deletionTimestamp) left++;
        }
        // Custom resources held by their own finalizers: the CRD waits for them.
        if (left) return true;
      }
    }
    const fresh = (await this.registry.get(this.crdType, undefined, crd.metadata.name!)) as Crd;
    const rest = (fresh.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    await this.registry.update(this.crdType, undefined, crd.metadata.name!, { ...fresh, metadata: { ...fresh.metadata, finalizers: rest } }, MANAGER);
    return false;
  }

  private async setTerminating(crd: Crd, reason: string, message: string): Promise<void> {
    const conditions = withCondition(crd.status?.conditions, { type: "Terminating", status: "True", reason, message });
    if (deepEqual(conditions, crd.status?.conditions)) return;
    await this.registry.update(this.crdType, undefined, crd.metadata.name!, { ...crd, status: { ...(crd.status ?? {}), conditions } }, { ...MANAGER, subresource: "status" });
  }
}
