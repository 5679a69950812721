// EndpointSlice defaults and validation as pkg/apis/discovery (SetDefaults_EndpointPort,
// ValidateEndpointSliceCreate/Update): address types, address syntax per type, at most 1000
// endpoints of at most 100 addresses, at most 100 uniquely named ports.
import type { EndpointSlice } from "./discovery";
import { parseIP } from "./net";
import type { FieldCause } from "./resource";
import { fieldError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, tooMany } from "./validation";

export const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"] as const;
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
export const MAX_ENDPOINTS = 1000;
export const MAX_ADDRESSES = 100;
export const MAX_PORTS = 100;

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(slice: EndpointSlice): void {
  for (const port of slice.ports ?? []) {
    port.name ??= "";
    port.protocol ??= "TCP";
  }
}

/**
 * ValidateNonSpecialIP without the loopback rule: the lab's nodes live on 127.0.0.N, so a
 * hostNetwork pod's address is loopback there and must still be publishable.
 */
function specialIPErrors(address: string): string[] {
  const ip = parseIP(address);
  if (!ip) return [];
  if (ip.value === 0n) return [`may not be unspecified (${ip.family === 4 ? "0.0.0.0" : "::"})`];
  const top16 = ip.family === 4 ? ip.value >> 16n : undefined;
  if (top16 === 0xa9fen || (ip.family === 6 && ip.value >> 118n === 0x3fan)) return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"];
  if ((ip.family === 4 && ip.value >> 8n === 0xe00000n) || (ip.family === 6 && ip.value >> 112n === 0xff02n)) {
    return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
  }
  return [];
}

function addressErrors(addressType: string, address: string): string[] {
  switch (addressType) {
    case "IPv4":
      return parseIP(address)?.family === 4 ? specialIPErrors(address) : ["must be a valid IPv4 address"];
    case "IPv6":
      return parseIP(address)?.family === 6 ? specialIPErrors(address) : ["must be a valid IPv6 address"];
    case "FQDN": {
      if (address.split(".").length < 2) return ["should be a domain with at least two segments separated by dots"];
      return isDNS1123Subdomain(address);
    }
    default:
      return [];
  }
}

function validateEndpoints(slice: EndpointSlice): FieldCause[] {
  if (slice.endpoints.length > MAX_ENDPOINTS) return [tooMany("endpoints", slice.endpoints.length, MAX_ENDPOINTS)];
  const out: FieldCause[] = [];
  slice.endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    if (ep.addresses.length === 0) out.push(fieldError.required(`${p}.addresses`, "must contain at least 1 address"));
    else if (ep.addresses.length > MAX_ADDRESSES) out.push(tooMany(`${p}.addresses`, ep.addresses.length, MAX_ADDRESSES));
    ep.addresses.forEach((a, j) => {
      for (const e of addressErrors(slice.addressType, a)) out.push(fieldError.invalid(`${p}.addresses[${j}]`, a, e));
    });
    if (ep.hostname !== undefined) for (const e of isDNS1123Label(ep.hostname)) out.push(fieldError.invalid(`${p}.hostname`, ep.hostname, e));
    if (ep.nodeName) for (const e of isDNS1123Subdomain(ep.nodeName)) out.push(fieldError.invalid(`${p}.nodeName`, ep.nodeName, e));
    const zones = ep.hints?.forZones ?? [];
    if (zones.length > 8) out.push(tooMany(`${p}.hints.forZones`, zones.length, 8));
  });
  return out;
}

function validatePorts(slice: EndpointSlice): FieldCause[] {
  const ports = slice.ports ?? [];
  if (ports.length > MAX_PORTS) return [tooMany("ports", ports.length, MAX_PORTS)];
  const out: FieldCause[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = port.name ?? "";
    if (name) for (const e of isDNS1123Label(name)) out.push(fieldError.invalid(`${p}.name`, name, e));
    if (names.has(name)) out.push(fieldError.duplicate(`${p}.name`, name));
    names.add(name);
    if (!port.protocol) out.push(fieldError.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) out.push(fieldError.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    if (port.port !== undefined && (port.port < 0 || port.port > 65535)) out.push(fieldError.invalid(`${p}.port`, port.port, "must be between 0 and 65535, inclusive"));
    if (port.appProtocol !== undefined) for (const e of isQualifiedName(port.appProtocol)) out.push(fieldError.invalid(`${p}.appProtocol`, port.appProtocol, e));
  });
  return out;
}

export function validateEndpointSlice(slice: EndpointSlice): FieldCause[] {
  const out: FieldCause[] = [];
  if (!slice.addressType) out.push(fieldError.required("addressType"));
  else if (!(ADDRESS_TYPES as readonly string[]).includes(slice.addressType)) out.push(fieldError.notSupported("addressType", slice.addressType, ADDRESS_TYPES));
  return [...out, ...validateEndpoints(slice), ...validatePorts(slice)];
}

export function validateEndpointSliceUpdate(newSlice: EndpointSlice, oldSlice: EndpointSlice): FieldCause[] {
  return newSlice.addressType !== oldSlice.addressType ? [fieldError.immutable("addressType", newSlice.addressType)] : [];
}
