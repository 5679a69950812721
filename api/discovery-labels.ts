// discovery.k8s.io's well-known labels, apart from the EndpointSlice schema (discovery.ts, which
// re-exports them) so that the agent's service proxy reads slices without loading zod.

/** The label that ties a slice to its Service, and the one that says which controller manages it. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const ENDPOINTSLICE_CONTROLLER_NAME = "endpointslice-controller.k8s.io";
