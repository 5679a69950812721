// Resource references the controllers need that client/resources.ts does not have yet (the
// client's owner adds them; then these become re-exports of the client's).
import type { ResourceRef } from "../../client";

export const endpointslices: ResourceRef = { group: "discovery.k8s.io", version: "v1", plural: "endpointslices", kind: "EndpointSlice", namespaced: true };
export const networkpolicies: ResourceRef = { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true };
