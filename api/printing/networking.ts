// Tables of the network kinds as Kubernetes 1.32 prints them (printEndpointSlice,
// printNetworkPolicy in pkg/printers/internalversion).
import type { EndpointSlice } from "../discovery";
import { formatLabelSelector } from "../meta";
import type { NetworkPolicy } from "../networking";
import { ageCol, age, col, nameCol, type Printer } from "./columns";

/** Up to 3 items, then " + N more..."; "<unset>" when there are none (listWithMoreString). */
function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length ? items.join(",") : "<unset>";
}

/** A port's number, its name (even "") when the number is unset, "*" when both are. */
const slicePorts = (s: EndpointSlice) => listWithMore((s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? "*"))));
const sliceEndpoints = (s: EndpointSlice) => listWithMore(s.endpoints.flatMap((e) => e.addresses));

export const networkingPrinters: Record<string, Printer> = {
  endpointslices: {
    columns: [
      nameCol,
      col("AddressType", "string", "Type of address carried by this EndpointSlice."),
      col("Ports", "string", "Ports provided by this EndpointSlice."),
      col("Endpoints", "string", "Endpoints in this EndpointSlice."),
      ageCol,
    ],
    cells: (o, now) => {
      const s = o as EndpointSlice;
      return [s.metadata.name, s.addressType, slicePorts(s), sliceEndpoints(s), age(o, now)];
    },
  },
  networkpolicies: {
    columns: [nameCol, col("Pod-Selector", "string", "Pod selector"), ageCol],
    cells: (o, now) => [o.metadata.name, formatLabelSelector((o as NetworkPolicy).spec?.podSelector), age(o, now)],
  },
};
