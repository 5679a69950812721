// Per-kind rules the generic registry applies, as Kubernetes' registry strategies do: what a
// create resets, what an update may change through the main resource versus a subresource,
// how a delete proceeds (finalizers, graceful pod deletion, propagation policy), and the
// allocation of Service cluster IPs and node ports.
import type { KObject, ResourceType } from "../../api/resource";
import { ApiError, invalid } from "./errors";
import type { DeleteOptions, Registry } from "./registry";

const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export interface DeletePlan {
  /** When set, the object is not removed but written like this (deletionTimestamp, finalizers). */
  update?: KObject;
}

export interface StrategyOptions {
  /** tolerationSeconds of the default not-ready / unreachable tolerations added to every pod. */
  notReadyTolerationSeconds?: number;
  unreachableTolerationSeconds?: number;
}

export interface Strategy {
  options: StrategyOptions;
  namespaces: ResourceType;
  services: ResourceType;
  planDelete(rt: ResourceType, obj: KObject, opts: DeleteOptions): DeletePlan;
}

export function createStrategy(types: ResourceType[], options: StrategyOptions = {}): Strategy {
  const byKind = (kind: string) => {
    const t = types.find((x) => x.kind === kind && (x.group === "" || kind === "Deployment"));
    if (!t) throw new Error(`resource type ${kind} missing`);
    return t;
  };
  return {
    options,
    namespaces: byKind("Namespace"),
    services: byKind("Service"),
    planDelete,
  };
}

type Obj = Record<string, any>;

export async function prepareForCreate(registry: Registry, rt: ResourceType, obj: KObject, strategy: Strategy): Promise<void> {
  const o = obj as Obj;
  switch (rt.kind) {
    case "Pod":
      applyDefaultTolerationSeconds(o.spec, strategy.options);
      o.status = { phase: "Pending", qosClass: qosClass(o.spec) };
      if (o.spec?.nodeName) {
        o.status.conditions = [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: nowIso() }];
      }
      break;
    case "Namespace":
      o.spec = { finalizers: ["kubernetes"], ...(o.spec ?? {}) };
      o.status = { phase: "Active" };
      break;
    case "Service":
      await allocateServiceAddresses(registry, strategy.services, o);
      o.status = { loadBalancer: {} };
      break;
    case "Node":
    case "Event":
    case "Lease":
    case "Endpoints":
    case "ConfigMap":
    case "Secret":
      break;
    default:
      if (rt.subresources.includes("status")) delete o.status;
  }
}

/** Allocation an update may need: node ports for ports (or a type) that gained them. */
export async function admitUpdate(registry: Registry, rt: ResourceType, obj: KObject, strategy: Strategy): Promise<void> {
  const spec = (obj as Obj).spec;
  if (rt.kind !== "Service" || !spec) return;
  const needsNodePorts = (spec.type === "NodePort" || spec.type === "LoadBalancer") && (spec.ports ?? []).some((p: Obj) => !p.nodePort);
  const needsIP = !spec.clusterIP && spec.type !== "ExternalName";
  if (needsNodePorts || needsIP) await allocateServiceAddresses(registry, strategy.services, obj as Obj, true);
}

/** Merge the written object with the stored one per subresource rules. */
export function prepareForUpdate(rt: ResourceType, next: KObject, old: KObject, subresource?: string): KObject {
  const n = next as Obj;
  const o = old as Obj;
  if (subresource === "status") {
    // Only status (and, as Kubernetes allows for status writers, nothing else) changes.
    return { ...structuredClone(old), status: n.status };
  }
  if (subresource === "finalize") {
    return { ...structuredClone(old), spec: { ...(o.spec ?? {}), finalizers: n.spec?.finalizers ?? [] } };
  }
  if (rt.subresources.includes("status") && rt.kind !== "Node") {
    if (o.status === undefined) delete n.status;
    else n.status = structuredClone(o.status);
  }
  if (rt.kind === "Namespace") {
    n.spec = structuredClone(o.spec ?? {});
    n.status = structuredClone(o.status ?? {});
  }
  if (rt.kind === "Service") {
    const spec = n.spec ?? (n.spec = {});
    const oldSpec = o.spec ?? {};
    if (spec.clusterIP === undefined && oldSpec.clusterIP) {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs;
    }
    // Keep allocated node ports when an update (e.g. kubectl apply) leaves them out.
    const oldPorts: Obj[] = oldSpec.ports ?? [];
    if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
      for (const p of (spec.ports ?? []) as Obj[]) {
        if (p.nodePort) continue;
        const prev = oldPorts.find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
        if (prev?.nodePort) p.nodePort = prev.nodePort;
      }
    }
  }
  return next;
}

function planDelete(rt: ResourceType, obj: KObject, opts: DeleteOptions): DeletePlan {
  const o = structuredClone(obj) as Obj;
  const meta = o.metadata as Obj;
  const finalizers: string[] = [...(meta.finalizers ?? [])];
  if (opts.propagationPolicy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
  if (opts.propagationPolicy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");

  if (rt.kind === "Namespace") {
    if (!meta.deletionTimestamp) meta.deletionTimestamp = nowIso();
    o.status = { ...(o.status ?? {}), phase: "Terminating" };
    meta.finalizers = finalizers.length ? finalizers : undefined;
    if ((o.spec?.finalizers?.length ?? 0) === 0 && finalizers.length === 0) return {};
    return { update: o as KObject };
  }

  if (rt.kind === "Pod") {
    const grace = opts.gracePeriodSeconds ?? o.spec?.terminationGracePeriodSeconds ?? 30;
    const bound = Boolean(o.spec?.nodeName);
    const finished = o.status?.phase === "Succeeded" || o.status?.phase === "Failed";
    if (bound && !finished && grace > 0) {
      const current = meta.deletionGracePeriodSeconds as number | undefined;
      if (!meta.deletionTimestamp || current === undefined || grace < current) {
        meta.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, "Z");
        meta.deletionGracePeriodSeconds = grace;
      }
      meta.finalizers = finalizers.length ? finalizers : undefined;
      return { update: o as KObject };
    }
  }

  if (finalizers.length > 0) {
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = nowIso();
      meta.deletionGracePeriodSeconds = 0;
    }
    meta.finalizers = finalizers;
    return { update: o as KObject };
  }
  return {};
}

/**
 * The DefaultTolerationSeconds admission: defaulting added the not-ready/unreachable NoExecute
 * tolerations with Kubernetes' 300 s; this server may be configured with other times (the lab
 * uses short ones so that pods leave a dead worker quickly).
 */
function applyDefaultTolerationSeconds(spec: Obj | undefined, opts: StrategyOptions): void {
  for (const t of (spec?.tolerations ?? []) as Obj[]) {
    if (t.effect !== "NoExecute" || t.operator !== "Exists" || t.tolerationSeconds !== 300) continue;
    if (t.key === "node.kubernetes.io/not-ready" && opts.notReadyTolerationSeconds !== undefined) t.tolerationSeconds = opts.notReadyTolerationSeconds;
    if (t.key === "node.kubernetes.io/unreachable" && opts.unreachableTolerationSeconds !== undefined) t.tolerationSeconds = opts.unreachableTolerationSeconds;
  }
}

function qosClass(spec: Obj | undefined): string {
  const containers: Obj[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

async function allocateServiceAddresses(registry: Registry, services: ResourceType, svc: Obj, updating = false): Promise<void> {
  const spec = svc.spec ?? (svc.spec = {});
  const existing = ((await registry.list(services, undefined)).items as Obj[]).filter(
    (s) => !(s.metadata.namespace === svc.metadata.namespace && s.metadata.name === svc.metadata.name),
  );
  if (spec.type !== "ExternalName" && spec.clusterIP !== "None" && !(spec.clusterIP && updating)) {
    const used = new Set(existing.map((s) => s.spec?.clusterIP));
    if (!spec.clusterIP) {
      let ip: string;
      do {
        const n = 1 + Math.floor(Math.random() * 65000);
        ip = `10.96.${n >> 8}.${n & 255}`;
      } while (used.has(ip) || ip.endsWith(".0") || ip === "10.96.0.1");
      spec.clusterIP = ip;
    } else if (used.has(spec.clusterIP)) {
      throw invalid("Service", "", svc.metadata.name, [
        { reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` },
      ]);
    }
    spec.clusterIPs = [spec.clusterIP];
  }
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
    const used = new Set<number>();
    for (const s of existing) for (const p of (s.spec?.ports ?? []) as Obj[]) if (p.nodePort) used.add(p.nodePort);
    (spec.ports as Obj[] | undefined)?.forEach((p, i) => {
      if (p.nodePort) {
        if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
          throw invalid("Service", "", svc.metadata.name, [
            { reason: "FieldValueInvalid", field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}` },
          ]);
        }
        if (used.has(p.nodePort)) {
          throw invalid("Service", "", svc.metadata.name, [
            { reason: "FieldValueInvalid", field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated` },
          ]);
        }
      } else {
        if (used.size >= NODE_PORT_MAX - NODE_PORT_MIN + 1) throw new ApiError(500, "InternalError", "no node ports left");
        let port: number;
        do port = NODE_PORT_MIN + Math.floor(Math.random() * (NODE_PORT_MAX - NODE_PORT_MIN + 1));
        while (used.has(port));
        p.nodePort = port;
      }
      used.add(p.nodePort);
    });
  }
}
