// ControllerRefManager: which of the candidate objects an owner controls (a ReplicaSet its pods, a
// Deployment its ReplicaSets), as Kubernetes' ControllerRefManager decides it:
// - ours and matching the selector: owned (even while the owner is being deleted: that takes no write);
// - ours but no longer matching: released (unless the object is itself going away);
// - an orphan that matches: adopted, unless the owner or the object is being deleted, or the owner's
//   own rule says it cannot be adopted (a ReplicaSet adopts no finished pod);
// - controlled by another owner: ignored, whatever its labels.
// claimAction decides (pure); ControllerRefManager.claim does, through the client.
import type { LabelSelector, OwnerReference } from "../../api/meta";
import { selectorMatches } from "../../api/meta";
import type { ApiClient, ResourceRef } from "../../client";
import { ignoreNotFoundOrConflict } from "./errors";
import { adopt, controllerRef, controllerRefTo, release } from "./owner";

export type ClaimAction = "own" | "adopt" | "release" | "ignore";

export interface ClaimOwner {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string | null };
}

export interface Claimable {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string | null;
    ownerReferences?: OwnerReference[];
  };
}

export interface ClaimRule<T> {
  selector: LabelSelector | undefined;
  /** Extra condition for adopting an orphan (default: any). */
  adoptable?: (obj: T) => boolean;
}

/** What the owner does with obj. */
export function claimAction<T extends Claimable>(owner: ClaimOwner, rule: ClaimRule<T>, obj: T): ClaimAction {
  const ref = controllerRef(obj);
  const matches = selectorMatches(rule.selector, obj.metadata.labels);
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return "ignore";
    if (matches) return "own";
    return obj.metadata.deletionTimestamp ? "ignore" : "release";
  }
  if (!matches || owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp) return "ignore";
  if (owner.metadata.namespace && owner.metadata.namespace !== obj.metadata.namespace) return "ignore";
  if (rule.adoptable && !rule.adoptable(obj)) return "ignore";
  return "adopt";
}

export interface ControllerRefManagerOptions<T> extends ClaimRule<T> {
  client: ApiClient;
  /** The resource of the claimed objects (pods, replicasets). */
  resource: ResourceRef;
  owner: ClaimOwner;
}

export class ControllerRefManager<T extends Claimable> {
  constructor(private readonly opts: ControllerRefManagerOptions<T>) {}

  /**
   * The candidates the owner controls once orphans are adopted and non-matching ones released.
   * An object gone or changed meanwhile (NotFound, Conflict) is left out: its informer event
   * brings the owner back with the new state. Other errors are thrown.
   */
  async claim(candidates: T[]): Promise<T[]> {
    const { client, resource, owner } = this.opts;
    const owned: T[] = [];
    for (const obj of candidates) {
      switch (claimAction(owner, this.opts, obj)) {
        case "own":
          owned.push(obj);
          break;
        case "release":
          await release(client, resource, obj, owner.metadata.uid!).catch(ignoreNotFoundOrConflict);
          break;
        case "adopt": {
          const adopted = await adopt(client, resource, obj, controllerRefTo(owner)).then(
            () => true,
            (err: unknown) => ignoreNotFoundOrConflict(err) ?? false,
          );
          if (adopted) owned.push(obj);
          break;
        }
        case "ignore":
          break;
      }
    }
    return owned;
  }
}
