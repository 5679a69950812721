import { describe, expect, it } from "vitest";
import type { HorizontalPodAutoscaler } from "./autoscaling";
import { formatHPAMetrics } from "./autoscaling-printer";
import { horizontalpodautoscalers } from "./autoscaling-resource";
import { hpaFromV1, hpaToV1 } from "./autoscaling-v1";

const hpa = (spec: Record<string, unknown>) => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web", namespace: "default" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5, ...spec },
});

describe("autoscaling/v2 HorizontalPodAutoscaler", () => {
  it("defaults minReplicas to 1 and the metric to CPU at 80 %, and leaves behavior out unless given", () => {
    const out = horizontalpodautoscalers.validate(hpa({}), "Strict");
    expect(out.errors).toEqual([]);
    const spec = (out.object as unknown as HorizontalPodAutoscaler).spec;
    expect(spec.minReplicas).toBe(1);
    expect(spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
    expect(spec.behavior).toBeUndefined();
  });

  it("fills a given behavior's gaps with Kubernetes' default rules", () => {
    const out = horizontalpodautoscalers.validate(hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }), "Strict");
    const b = (out.object as unknown as HorizontalPodAutoscaler).spec.behavior!;
    expect(b.scaleDown).toEqual({ stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] });
    expect(b.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }] });
  });

  it("refuses bad bounds, targets and policies with the field and Kubernetes' message", () => {
    const fields = (spec: Record<string, unknown>) => horizontalpodautoscalers.validate(hpa(spec), "Strict").errors.map((e) => `${e.field}: ${e.message}`);
    expect(fields({ minReplicas: 3, maxReplicas: 2 })).toEqual(["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"]);
    expect(fields({ minReplicas: 0 })).toEqual(["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"]);
    expect(fields({ metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }] })).toEqual([
      "spec.metrics[0].resource.target.averageUtilization: Required value: must set averageUtilization when metric target type is Utilization",
    ]);
    expect(fields({ behavior: { scaleUp: { policies: [{ type: "Pods", value: 0, periodSeconds: 2000 }] } } })).toEqual([
      "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
      "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800",
    ]);
  });

  it("prints TARGETS as kubectl get hpa shows them", () => {
    const cpu = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } };
    const mem = { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } } };
    expect(formatHPAMetrics([cpu], undefined)).toBe("cpu: <unknown>/50%");
    expect(formatHPAMetrics([cpu, mem], [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 45 } } }, { type: "Resource", resource: { name: "memory", current: { averageValue: "80Mi" } } }])).toBe("cpu: 45%/50%, memory: 80Mi/100Mi");
    expect(formatHPAMetrics([cpu, cpu, mem], [])).toBe("cpu: <unknown>/50%, cpu: <unknown>/50% + 1 more...");
    expect(formatHPAMetrics([], [])).toBe("<none>");
  });

  it("converts autoscaling/v1 (kubectl autoscale) to v2 and back", () => {
    const v1 = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "web" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } };
    const v2 = hpaFromV1(v1);
    expect(v2.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]);
    const back = hpaToV1({ ...v2, status: { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 70 } } }], conditions: [{ type: "AbleToScale", status: "True" }] } });
    expect(back.spec).toEqual(v1.spec);
    expect(back.status).toEqual({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 });
    expect(JSON.parse(back.metadata.annotations!["autoscaling.alpha.kubernetes.io/conditions"]!)).toEqual([{ type: "AbleToScale", status: "True" }]);
  });
});
