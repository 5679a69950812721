// The service cluster IP range (--service-cluster-ip-range; kubelab keeps 10.96.0.0/16, inside
// Kubernetes' default 10.96.0.0/12). As Kubernetes' ipallocator, the network and broadcast
// addresses are not in the range, so item 0 is 10.96.0.1: the kubernetes Service's address.
import { cidrContainsIP, formatIP, parseCIDR, parseIP, type CIDR } from "../../../api/net";
import { staticBandSize } from "./bitmap";

export const DEFAULT_SERVICE_CIDR = "10.96.0.0/16";
export const KUBERNETES_SERVICE_IP = "10.96.0.1";

export class ServiceIPRange {
  readonly cidr: CIDR;
  readonly size: number;
  /** Offsets below this are only handed out when asked for, or when the rest is full. */
  readonly staticBand: number;

  constructor(readonly text: string = DEFAULT_SERVICE_CIDR) {
    const cidr = parseCIDR(text);
    if (!cidr || cidr.family !== 4 || cidr.hostBitsSet || cidr.prefix > 30 || cidr.prefix < 12) {
      throw new Error(`service cluster IP range ${text}: want an IPv4 network of /12 to /30`);
    }
    this.cidr = cidr;
    this.size = 2 ** (32 - cidr.prefix) - 2;
    this.staticBand = staticBandSize(this.size, 16, 16, 256);
  }

  /** The first address (the kubernetes Service's). */
  first(): string {
    return this.ipAt(0);
  }

  ipAt(offset: number): string {
    return formatIP({ family: 4, value: this.cidr.base + 1n + BigInt(offset) });
  }

  /** The bitmap offset of ip, or undefined when it is not an address of the range. */
  offsetOf(ip: string): number | undefined {
    const parsed = parseIP(ip);
    if (!parsed || parsed.family !== 4 || !cidrContainsIP(this.cidr, parsed)) return undefined;
    const offset = Number(parsed.value - this.cidr.base) - 1;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }
}
