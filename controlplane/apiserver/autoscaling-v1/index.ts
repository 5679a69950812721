// autoscaling/v1 HorizontalPodAutoscalers beside the stored v2 ones (./filter.ts), on servers
// that serve autoscaling/v2: the filter's config and the v1 type for discovery (after v2, so v2
// stays the group's preferred version, as on Kubernetes).
import { horizontalpodautoscalers } from "../../../api/autoscaling-resource";
import { horizontalpodautoscalersV1 } from "../../../api/autoscaling-v1";
import type { ResourceType } from "../../../api/resource";
import type { Registry } from "../registry";
import { withAutoscalingV1, type AutoscalingV1Config } from "./filter";

export { withAutoscalingV1, type AutoscalingV1Config };

export function autoscalingV1Serving(types: ResourceType[], registry: Registry, maxBodyBytes: number): { config: AutoscalingV1Config; types: ResourceType[] } | undefined {
  if (!types.includes(horizontalpodautoscalers)) return undefined;
  return { config: { registry, maxBodyBytes }, types: [horizontalpodautoscalersV1] };
}
