// Kubernetes' defaulting for core/v1 (pkg/apis/core/v1/defaults.go), applied on every write.
import type { Container, Probe } from "./container";
import type { Namespace, Secret } from "./misc";
import type { Pod, PodSpec } from "./pod";
import type { Service } from "./service";
import { setOwn } from "../proto-keys";

/** Always for ":latest" or an untagged image, IfNotPresent otherwise (a digest counts as a tag). */
function defaultImagePullPolicy(image: string | undefined): string {
  if (!image) return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "Always";
  return lastSegment.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) p.httpGet.scheme ??= "HTTP";
  if (p.httpGet && p.httpGet.path === undefined) p.httpGet.path = "/";
}

export function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultImagePullPolicy(c.image);
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.resources ??= {};
  for (const port of c.ports ?? []) port.protocol ??= "TCP";
  for (const env of c.env ?? []) {
    if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= "v1";
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const h of [c.lifecycle?.postStart, c.lifecycle?.preStop]) if (h?.httpGet) h.httpGet.scheme ??= "HTTP";
}

/** The tolerations the DefaultTolerationSeconds admission plugin adds (300 s before eviction). */
const defaultTolerations = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
] as const;

export function defaultPodSpec(spec: PodSpec, opts: { tolerations?: boolean } = {}): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (v.secret) v.secret.defaultMode ??= 0o644;
    if (v.configMap) v.configMap.defaultMode ??= 0o644;
    if (v.downwardAPI) v.downwardAPI.defaultMode ??= 0o644;
    if (v.projected) v.projected.defaultMode ??= 0o644;
    if (v.hostPath) v.hostPath.type ??= "";
  }
  if (opts.tolerations) {
    const tolerations = spec.tolerations ?? [];
    for (const t of defaultTolerations) {
      const covered = tolerations.some((x) => (x.key === t.key || (!x.key && x.operator === "Exists")) && (!x.effect || x.effect === t.effect));
      if (!covered) tolerations.push({ ...t });
    }
    spec.tolerations = tolerations;
  }
}

export function defaultPod(pod: Pod): void {
  defaultPodSpec(pod.spec, { tolerations: true });
  pod.spec.priority ??= 0;
}

export function defaultService(svc: Service): void {
  const spec = svc.spec;
  spec.type ??= "ClusterIP";
  if (spec.type === "ExternalName") return;
  spec.sessionAffinity ??= "None";
  for (const p of spec.ports ?? []) {
    p.protocol ??= "TCP";
    p.targetPort ??= p.port;
  }
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") spec.externalTrafficPolicy ??= "Cluster";
  spec.internalTrafficPolicy ??= "Cluster";
  spec.ipFamilies ??= ["IPv4"];
  spec.ipFamilyPolicy ??= "SingleStack";
  if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
}

export function defaultNamespace(ns: Namespace): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= ["kubernetes"];
  ns.status ??= {};
  ns.status.phase ??= "Active";
}

/** Secrets default to type Opaque; stringData is merged into data (base64) and dropped. */
export function defaultSecret(secret: Secret): void {
  secret.type ??= "Opaque";
  if (secret.stringData) {
    secret.data ??= {};
    for (const [k, v] of Object.entries(secret.stringData)) setOwn(secret.data, k, Buffer.from(v, "utf8").toString("base64"));
    delete secret.stringData;
  }
}
