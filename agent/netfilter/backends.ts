// Which endpoints serve one Service port, from the Service's EndpointSlices, as Kubernetes
// 1.32's kube-proxy picks them: the ready ones (conditions.ready unset counts as ready); when
// none is ready, the serving ones that are terminating (so a rolling update drains instead of
// refusing); IPv4 slices only; one backend per address:port however many slices list it. Pure.
import type { Service, ServicePort } from "../../api/core";
import type { EndpointSlice } from "../../api/discovery";
import { SERVICE_NAME_LABEL } from "../../api/discovery-labels";

export interface Backend {
  ip: string;
  port: number;
  /** Where the endpoint runs (for the Local traffic policies). */
  nodeName?: string;
}

/** The slices of each Service, by "namespace/name" (the kubernetes.io/service-name label). */
export function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== "IPv4") continue;
    const key = `${s.metadata.namespace ?? "default"}/${svc}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

/** The backends of one port of `svc` (sorted by address, so the rules render the same each time). */
export function backendsFor(port: ServicePort, slices: readonly EndpointSlice[]): Backend[] {
  const protocol = port.protocol ?? "TCP";
  const ready = new Map<string, Backend>();
  const terminating = new Map<string, Backend>();
  for (const slice of slices) {
    const sp = (slice.ports ?? []).find((p) => (p.name ?? "") === (port.name ?? "") && (p.protocol ?? "TCP") === protocol);
    if (!sp?.port) continue;
    for (const ep of slice.endpoints) {
      const c = ep.conditions ?? {};
      const into = c.ready !== false ? ready : c.serving !== false && c.terminating === true ? terminating : undefined;
      for (const ip of into ? ep.addresses : []) into!.set(`${ip}:${sp.port}`, { ip, port: sp.port, ...(ep.nodeName ? { nodeName: ep.nodeName } : {}) });
    }
  }
  const chosen = ready.size > 0 ? ready : terminating;
  return [...chosen.values()].sort((a, b) => compareIPv4(a.ip, b.ip) || a.port - b.port);
}

function compareIPv4(a: string, b: string): number {
  const n = (ip: string) => ip.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
  return n(a) - n(b);
}

/** The Service's key in maps of slices. */
export const serviceKey = (svc: Service): string => `${svc.metadata.namespace ?? "default"}/${svc.metadata.name}`;
