// `kubectl get hpa`: printHorizontalPodAutoscaler of Kubernetes 1.32 (NAME REFERENCE TARGETS
// MINPODS MAXPODS REPLICAS AGE), TARGETS as formatHPAMetrics writes them: "cpu: 45%/50%", the
// current value "<unknown>" until the controller has read one, two metrics at most and then
// " + N more...".
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from "./autoscaling";
import { age, ageCol, col, nameCol, type Printer } from "./printing/columns";

const str = (q: string | number | undefined): string => (q === undefined ? "<unknown>" : String(q));

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case "Resource":
    case "ContainerResource": {
      const src = spec.type === "Resource" ? spec.resource : spec.containerResource;
      const cur = spec.type === "Resource" ? status?.resource?.current : status?.containerResource?.current;
      if (!src) return "<unknown type>";
      if (src.target.averageValue !== undefined) return `${src.name}: ${str(cur?.averageValue)}/${src.target.averageValue}`;
      const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : "<unknown>";
      const target = src.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : "<auto>";
      return `${src.name}: ${current}/${target}`;
    }
    case "Pods":
      return `${str(status?.pods?.current.averageValue)}/${str(spec.pods?.target.averageValue)}`;
    case "Object": {
      const t = spec.object?.target;
      if (t?.averageValue !== undefined) return `${str(status?.object?.current.averageValue)}/${t.averageValue} (avg)`;
      return `${str(status?.object?.current.value)}/${str(t?.value)}`;
    }
    case "External": {
      const t = spec.external?.target;
      if (t?.averageValue !== undefined) return `${str(status?.external?.current.averageValue)}/${t.averageValue} (avg)`;
      return `${str(status?.external?.current.value)}/${str(t?.value)}`;
    }
    default:
      return "<unknown type>";
  }
}

export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs?.length) return "<none>";
  const list = specs.map((s, i) => formatMetric(s, statuses?.[i]));
  const max = 2;
  return list.length > max ? `${list.slice(0, max).join(", ")} + ${list.length - max} more...` : list.join(", ");
}

export const autoscalingPrinters: Record<string, Printer> = {
  horizontalpodautoscalers: {
    columns: [
      nameCol,
      col("Reference", "string", "reference is the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
      col("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."),
      col("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod."),
      col("MaxPods", "integer", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
      col("Replicas", "integer", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
      ageCol,
    ],
    cells(o, now) {
      const hpa = o as HorizontalPodAutoscaler;
      const ref = `${hpa.spec.scaleTargetRef.kind}/${hpa.spec.scaleTargetRef.name}`;
      const min = hpa.spec.minReplicas !== undefined ? String(hpa.spec.minReplicas) : "<unset>";
      return [hpa.metadata.name, ref, formatHPAMetrics(hpa.spec.metrics, hpa.status?.currentMetrics), min, hpa.spec.maxReplicas, hpa.status?.currentReplicas ?? 0, age(hpa, now)];
    },
  },
};
