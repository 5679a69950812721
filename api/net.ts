// IP addresses and CIDRs as numbers (bigint, so IPv4 and IPv6 share one code path): what
// EndpointSlice and NetworkPolicy validation, the node IPAM allocator and policy evaluation need.
import { isIPv4, isIPv6 } from "node:net";

export type IPFamily = 4 | 6;

export interface ParsedIP {
  family: IPFamily;
  value: bigint;
}

export interface CIDR {
  family: IPFamily;
  /** The network address (host bits zero). */
  base: bigint;
  prefix: number;
  /** The address as written had host bits set ("10.0.0.1/24"); whether that is an error is the caller's rule. */
  hostBitsSet: boolean;
}

export const bitsOf = (family: IPFamily): number => (family === 4 ? 32 : 128);

function ipv6ToBigInt(text: string): bigint {
  let s = text;
  const v4tail = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4tail) {
    const v = ipv4ToBigInt(v4tail[1]!);
    s = `${s.slice(0, -v4tail[1]!.length)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const t = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function ipv4ToBigInt(text: string): bigint {
  return text.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

/** The address as a number, or undefined when it is not an IPv4 or IPv6 address. */
export function parseIP(text: string): ParsedIP | undefined {
  if (isIPv4(text)) return { family: 4, value: ipv4ToBigInt(text) };
  if (isIPv6(text) && !text.includes("%")) return { family: 6, value: ipv6ToBigInt(text) };
  return undefined;
}

/** "10.244.0.0/16" parsed, or undefined when it is not a CIDR. */
export function parseCIDR(text: string): CIDR | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = bitsOf(ip.family);
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  return { family: ip.family, base: ip.value & ~hostMask, prefix, hostBitsSet: (ip.value & hostMask) !== 0n };
}

/** Is ip inside cidr (same family)? */
export function cidrContainsIP(cidr: CIDR, ip: ParsedIP): boolean {
  if (cidr.family !== ip.family) return false;
  const shift = BigInt(bitsOf(cidr.family) - cidr.prefix);
  return ip.value >> shift === cidr.base >> shift;
}

/** Is inner entirely inside outer? */
export function cidrContainsCIDR(outer: CIDR, inner: CIDR): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix && cidrContainsIP(outer, { family: inner.family, value: inner.base });
}

/** The number in dotted (IPv4) or RFC 5952 short (IPv6) form. */
export function formatIP(ip: ParsedIP): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join(".");
  const groups = [...Array(8).keys()].map((i) => ((ip.value >> BigInt(16 * (7 - i))) & 0xffffn).toString(16));
  // The longest run (of at least two) of zero groups becomes "::".
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}

export function formatCIDR(cidr: Pick<CIDR, "family" | "base" | "prefix">): string {
  return `${formatIP({ family: cidr.family, value: cidr.base })}/${cidr.prefix}`;
}
