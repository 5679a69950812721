// The validation phase: before anything is written, read the live state of the new objects and
// of the previous inventory, check ownership (another GitRepository's objects, existing objects
// not opted in), and dry-run every object that parsed, so one run reports every error.
import type { InventoryEntry, SyncError } from "../../api/gitops";
import { ignoreNotFound, type ApiClient, type ApiStatusError } from "../../client";
import type { ResourceRef } from "../../client/resources";
import { apiErrors, dryRunAll, fetchLive, isForbidden, ownershipConflicts, type LiveObject, type PreparedObject } from "./apply";
import { applyEverything, type UnchangedCheck } from "./changes";
import type { RestMapper } from "./mapper";
import { objectKey } from "./manifests";
import { compareStrings } from "../../api/order";

export interface ValidationInput {
  objects: PreparedObject[];
  /** The inventory recorded by earlier runs (their live state is read too, for the prune). */
  previous: InventoryEntry[];
  /** "<ns>.<name>" of the GitRepository. */
  source: string;
  concurrency: number;
  /** Objects the last applied revision already wrote as they are (not dry-run again). */
  unchanged?: UnchangedCheck;
  signal?: AbortSignal;
}

export interface ValidationResult {
  /** Ownership and dry-run errors (unsorted; see sortErrors). */
  errors: SyncError[];
  /** Live state of the new objects and of the previous inventory, by objectKey. */
  live: Map<string, LiveObject>;
}

export async function validateRevision(client: ApiClient, mapper: RestMapper, input: ValidationInput): Promise<ValidationResult> {
  const { objects, signal } = input;
  const previous = await resolveRefs(mapper, input.previous);
  const denied = new Map<string, ApiStatusError>();
  const live = await fetchLive(client, [...objects, ...previous], signal, denied);
  const errors = [...pruneUnreadable(objects, previous, denied), ...ownershipConflicts(objects, live, input.source)];
  const namespaces = new Set([...live.values()].filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
  const referenced = [...new Set(objects.map((o) => o.ref.namespace).filter((x): x is string => Boolean(x)))];
  for (const n of referenced) if (!namespaces.has(n) && (await namespaceExists(client, mapper, n, signal))) namespaces.add(n);
  const unchanged = input.unchanged ?? applyEverything;
  const changed = objects.filter((p) => denied.has(p.key) || !unchanged(p, live.get(p.key)));
  const dryRun = await dryRunAll(client, changed, namespaces, live, input.concurrency, signal);
  errors.push(...dryRun);
  // An object the account may not read is dry-run as new: what it may not write is the better
  // message; when it may write it but not read it, the read is the error. Once per object.
  const failed = new Set(dryRun.map((e) => objectKey({ apiVersion: e.apiVersion!, kind: e.kind!, namespace: e.namespace, name: e.name! })));
  for (const p of objects) if (denied.has(p.key) && !failed.has(p.key)) errors.push(...apiErrors(p, denied.get(p.key)));
  return { errors, live };
}

/** Objects of the inventory the account may not read, so could not prune (no file: git no longer has them). */
function pruneUnreadable(objects: PreparedObject[], previous: Array<{ ref: InventoryEntry; key: string }>, denied: Map<string, ApiStatusError>): SyncError[] {
  if (denied.size === 0) return [];
  const inRevision = new Set(objects.map((p) => p.key));
  const out: SyncError[] = [];
  for (const { ref, key } of previous) {
    const err = denied.get(key);
    if (err && !inRevision.has(key)) out.push({ ...ref, reason: err.reason, message: `cannot read it to prune it: ${err.message}` });
  }
  return out;
}

/** Errors in file and line order (what status.errors and the Ready message show). */
export function sortErrors(errors: SyncError[]): SyncError[] {
  return [...errors].sort((a, b) => compareStrings(a.file ?? "", b.file ?? "") || (a.line ?? 0) - (b.line ?? 0));
}

/** Inventory entries with their resources (entries of kinds the server no longer serves are left out). */
async function resolveRefs(mapper: RestMapper, refs: InventoryEntry[]): Promise<Array<{ ref: InventoryEntry; resource: ResourceRef; key: string }>> {
  const out = [];
  for (const ref of refs) {
    const resource = await mapper.resourceFor(ref.apiVersion, ref.kind);
    if (resource) out.push({ ref, resource, key: objectKey(ref) });
  }
  return out;
}

async function namespaceExists(client: ApiClient, mapper: RestMapper, name: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const found = await client.get((await mapper.resourceFor("v1", "Namespace"))!, undefined, name, { signal }).catch(ignoreNotFound);
    return found !== undefined;
  } catch (err) {
    // The account may not read it: its objects are dry-run there, and the server says what fails.
    if (isForbidden(err)) return true;
    throw err;
  }
}
