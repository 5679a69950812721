// The slices of one Service and address type: which to create, update in place and delete so
// that they hold exactly the desired endpoints, at most maxEndpointsPerSlice each, as Kubernetes'
// endpointslice reconciler does: existing slices keep the endpoints they already hold, new
// endpoints fill slices that change anyway before slices that do not, then new slices; a slice
// whose port set is no longer wanted goes; a Service with no endpoints keeps one empty placeholder.
import type { OwnerReference } from "../../../api/meta";
import type { Endpoint, EndpointSlice } from "../../../api/discovery";
import { canonicalJson } from "../deployment/hash";
import { endpointFingerprint, endpointKey, portsKey, type AddressType, type EndpointGroup } from "./endpoints";

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export interface PlanInput {
  namespace: string;
  serviceName: string;
  owner: OwnerReference;
  labels: Record<string, string>;
  addressType: AddressType;
  /** The Service's current slices of this address type. */
  existing: EndpointSlice[];
  desired: Map<string, EndpointGroup>;
  maxEndpointsPerSlice: number;
}

interface Working {
  slice: EndpointSlice;
  endpoints: Endpoint[];
  changed: boolean;
}

const sameJson = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const sameEndpoints = (a: Endpoint[], b: Endpoint[]) => a.length === b.length && a.every((ep, i) => endpointFingerprint(ep) === endpointFingerprint(b[i]!));

function newSlice(input: PlanInput, group: EndpointGroup | undefined, endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { generateName: `${input.serviceName}-`, namespace: input.namespace, labels: { ...input.labels }, ownerReferences: [{ ...input.owner }] },
    addressType: input.addressType,
    endpoints,
    ...(group && group.ports.length ? { ports: group.ports } : {}),
  };
}

/** Keeps in each slice the endpoints still wanted (refreshed); returns the slices per port set. */
function keepExisting(input: PlanInput, placed: Set<string>, plan: SlicePlan): Map<string, Working[]> {
  const byGroup = new Map<string, Working[]>();
  const wantedByGroup = new Map([...input.desired].map(([key, g]) => [key, new Map(g.endpoints.map((ep) => [endpointKey(ep), ep]))]));
  for (const slice of input.existing) {
    const key = portsKey(slice.ports ?? []);
    const wanted = wantedByGroup.get(key);
    if (!wanted) {
      plan.delete.push(slice);
      continue;
    }
    const endpoints: Endpoint[] = [];
    for (const ep of slice.endpoints) {
      const k = endpointKey(ep);
      const want = wanted.get(k);
      if (!want || placed.has(k) || endpoints.length >= input.maxEndpointsPerSlice) continue;
      placed.add(k);
      endpoints.push(want);
    }
    const changed = !sameEndpoints(endpoints, slice.endpoints) || !sameJson(slice.metadata.labels ?? {}, input.labels);
    byGroup.set(key, [...(byGroup.get(key) ?? []), { slice, endpoints, changed }]);
  }
  return byGroup;
}

/** New endpoints go to changing slices with room, then to the fullest unchanged ones, then to new slices. */
function placeRemaining(input: PlanInput, group: EndpointGroup, slices: Working[], placed: Set<string>, plan: SlicePlan): void {
  const remaining = group.endpoints.filter((ep) => !placed.has(endpointKey(ep)));
  const room = (w: Working) => input.maxEndpointsPerSlice - w.endpoints.length;
  const order = [...slices.filter((w) => w.changed), ...slices.filter((w) => !w.changed).sort((a, b) => b.endpoints.length - a.endpoints.length)];
  for (const w of order) {
    if (remaining.length === 0) break;
    if (room(w) <= 0) continue;
    w.endpoints.push(...remaining.splice(0, room(w)));
    w.changed = true;
  }
  for (let i = 0; i < remaining.length; i += input.maxEndpointsPerSlice) {
    plan.create.push(newSlice(input, group, remaining.slice(i, i + input.maxEndpointsPerSlice)));
  }
}

export function planSlices(input: PlanInput): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const placed = new Set<string>();
  const byGroup = keepExisting(input, placed, plan);
  for (const [key, group] of input.desired) placeRemaining(input, group, byGroup.get(key) ?? [], placed, plan);
  let kept = 0;
  for (const w of [...byGroup.values()].flat()) {
    if (w.endpoints.length === 0) {
      plan.delete.push(w.slice);
      continue;
    }
    kept++;
    if (w.changed) plan.update.push({ ...w.slice, metadata: { ...w.slice.metadata, labels: { ...input.labels } }, endpoints: w.endpoints });
  }
  if (kept === 0 && plan.create.length === 0) keepPlaceholder(input, plan);
  return plan;
}

/** No endpoints at all: one empty slice stays (an existing one reused when there is one). */
function keepPlaceholder(input: PlanInput, plan: SlicePlan): void {
  const reuse = plan.delete.shift();
  if (!reuse) {
    plan.create.push(newSlice(input, undefined, []));
    return;
  }
  const isPlaceholder = reuse.endpoints.length === 0 && !(reuse.ports ?? []).length && sameJson(reuse.metadata.labels ?? {}, input.labels);
  if (isPlaceholder) return;
  const { ports: _ports, ...rest } = reuse;
  plan.update.push({ ...rest, metadata: { ...reuse.metadata, labels: { ...input.labels } }, endpoints: [] });
}
