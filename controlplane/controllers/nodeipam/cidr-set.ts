// The pod CIDRs of a cluster CIDR as a bitmap, one bit per node-sized subnet, as
// kube-controller-manager's cidrset: allocateNext hands out the next free subnet after the last
// one handed out (wrapping around), occupy marks what nodes already have, release frees.
import { bitsOf, cidrContainsCIDR, formatCIDR, parseCIDR, type CIDR } from "../../../api/net";

/** Kubernetes' limit: a cluster CIDR splits into at most 2^16 node subnets. */
const MAX_PREFIX_DIFFERENCE = 16;

export class CidrSet {
  readonly clusterCIDR: CIDR;
  readonly maskSize: number;
  /** How many node subnets the range holds. */
  readonly size: number;
  private readonly used: Uint8Array;
  private allocated = 0;
  private nextCandidate = 0;

  /** Throws on a bad CIDR or a mask size that does not fit it (a configuration error). */
  constructor(clusterCIDR: string, maskSize: number) {
    const cidr = parseCIDR(clusterCIDR);
    if (!cidr) throw new Error(`invalid cluster CIDR ${JSON.stringify(clusterCIDR)}`);
    if (!Number.isInteger(maskSize) || maskSize < cidr.prefix || maskSize > bitsOf(cidr.family)) {
      throw new Error(`node CIDR mask size ${maskSize} does not fit the cluster CIDR ${clusterCIDR} (/${cidr.prefix} to /${bitsOf(cidr.family)})`);
    }
    if (maskSize - cidr.prefix > MAX_PREFIX_DIFFERENCE) {
      throw new Error(`node CIDR mask size ${maskSize} is too big for the cluster CIDR ${clusterCIDR}: at most /${cidr.prefix + MAX_PREFIX_DIFFERENCE}`);
    }
    this.clusterCIDR = cidr;
    this.maskSize = maskSize;
    this.size = 2 ** (maskSize - cidr.prefix);
    this.used = new Uint8Array(this.size);
  }

  /** Free subnets left. */
  free(): number {
    return this.size - this.allocated;
  }

  /** The next free subnet ("10.244.3.0/24"), or undefined when the range is exhausted. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.size; i++) {
      const candidate = (this.nextCandidate + i) % this.size;
      if (this.used[candidate]) continue;
      this.mark(candidate, true);
      this.nextCandidate = (candidate + 1) % this.size;
      return this.subnet(candidate);
    }
    return undefined;
  }

  /** Marks every subnet cidr overlaps as used; false when cidr is invalid or outside the range. */
  occupy(cidr: string): boolean {
    const range = this.indexRange(cidr);
    if (!range) return false;
    for (let i = range.first; i <= range.last; i++) this.mark(i, true);
    return true;
  }

  /** Frees every subnet cidr overlaps; false when cidr is invalid or outside the range. */
  release(cidr: string): boolean {
    const range = this.indexRange(cidr);
    if (!range) return false;
    for (let i = range.first; i <= range.last; i++) this.mark(i, false);
    return true;
  }

  isUsed(cidr: string): boolean {
    const range = this.indexRange(cidr);
    return range !== undefined && this.used[range.first] === 1;
  }

  private mark(i: number, used: boolean): void {
    if (Boolean(this.used[i]) === used) return;
    this.used[i] = used ? 1 : 0;
    this.allocated += used ? 1 : -1;
  }

  private subnet(i: number): string {
    const shift = BigInt(bitsOf(this.clusterCIDR.family) - this.maskSize);
    return formatCIDR({ family: this.clusterCIDR.family, base: this.clusterCIDR.base + (BigInt(i) << shift), prefix: this.maskSize });
  }

  /** The subnets a CIDR covers (a bigger one covers several, a smaller one lies in one). */
  private indexRange(text: string): { first: number; last: number } | undefined {
    const cidr = parseCIDR(text);
    if (!cidr || cidr.family !== this.clusterCIDR.family) return undefined;
    if (!cidrContainsCIDR(this.clusterCIDR, cidr) && !cidrContainsCIDR(cidr, this.clusterCIDR)) return undefined;
    const bits = bitsOf(cidr.family);
    const shift = BigInt(bits - this.maskSize);
    const start = cidr.base > this.clusterCIDR.base ? cidr.base : this.clusterCIDR.base;
    const hostSpan = (1n << BigInt(bits - cidr.prefix)) - 1n;
    const clusterEnd = this.clusterCIDR.base + (1n << BigInt(bits - this.clusterCIDR.prefix)) - 1n;
    const end = cidr.base + hostSpan < clusterEnd ? cidr.base + hostSpan : clusterEnd;
    return { first: Number((start - this.clusterCIDR.base) >> shift), last: Number((end - this.clusterCIDR.base) >> shift) };
  }
}
