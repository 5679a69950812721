// Agent-only types. Everything else of core/v1 comes from the API's zod schemas (api/core.ts),
// imported with `import type` so the worker bundle carries no zod. Declared here is only what the
// agent guarantees beyond the schema: a pod it runs has a name, a namespace and a uid, and a
// container status it computes has every field set.
import type { ContainerState, ContainerStatus, Pod as ApiPod, PodStatus, Volume } from "../api/core";

/** A pod this node runs: always named, namespaced and with a uid. */
export type Pod = ApiPod & { metadata: ApiPod["metadata"] & { name: string; namespace: string; uid: string } };

/** One configMap/secret volume item (core/v1 KeyToPath). */
export type KeyToPath = NonNullable<NonNullable<Volume["configMap"]>["items"]>[number];

/** A container status as the agent computes it: state, lastState, ready and restartCount set. */
export type NodeContainerStatus = ContainerStatus & { state: ContainerState; lastState: ContainerState; ready: boolean; restartCount: number };

/** A pod status as the agent computes it (and serves on /pods). */
export type NodePodStatus = Omit<PodStatus, "containerStatuses" | "initContainerStatuses"> & {
  containerStatuses?: NodeContainerStatus[];
  initContainerStatuses?: NodeContainerStatus[];
};
