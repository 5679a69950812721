// An allocation bitmap over a range of `size` items (Kubernetes' allocator.AllocationBitmap): bit
// i set means item i is taken. Random allocation scans from a random start, first in the upper
// band and only then in the lower "static" band (offsets below `staticBand`), so that addresses
// people pick by hand (10.96.0.10 for DNS, the kubernetes Service's 10.96.0.1) stay free as long
// as possible, as Kubernetes' randomScanStrategyWithOffset does. Pure; persisted by ./range-store.ts.

export class AllocationBitmap {
  private readonly bits: Uint8Array;

  constructor(
    readonly size: number,
    data?: Uint8Array,
  ) {
    this.bits = new Uint8Array(Math.ceil(size / 8));
    if (data) this.bits.set(data.subarray(0, this.bits.length));
    // Bits past the end (from a larger range once stored) are not ours.
    for (let i = size; i < this.bits.length * 8; i++) this.bits[i >> 3]! &= ~(1 << (i & 7));
  }

  static fromBase64(size: number, text: string): AllocationBitmap {
    return new AllocationBitmap(size, Buffer.from(text, "base64"));
  }

  toBase64(): string {
    return Buffer.from(this.bits).toString("base64");
  }

  clone(): AllocationBitmap {
    return new AllocationBitmap(this.size, this.bits);
  }

  has(i: number): boolean {
    return i >= 0 && i < this.size && (this.bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  /** Takes item i; false when it is taken already or outside the range. */
  allocate(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.size || this.has(i)) return false;
    this.bits[i >> 3]! |= 1 << (i & 7);
    return true;
  }

  release(i: number): void {
    if (i >= 0 && i < this.size) this.bits[i >> 3]! &= ~(1 << (i & 7));
  }

  /** How many items are taken. */
  count(): number {
    let n = 0;
    for (const byte of this.bits) for (let b = byte; b; b &= b - 1) n++;
    return n;
  }

  /** The taken items, in order. */
  *allocated(): Generator<number> {
    for (let i = 0; i < this.size; i++) if (this.has(i)) yield i;
  }

  /** Takes a free item (upper band first) and returns it; undefined when the range is full. */
  allocateNext(staticBand: number, random: () => number = Math.random): number | undefined {
    const band = Math.min(Math.max(staticBand, 0), this.size);
    const found = this.scan(band, this.size, random) ?? this.scan(0, band, random);
    if (found !== undefined) this.allocate(found);
    return found;
  }

  /** A free item in [from, to), scanning from a random start and wrapping around. */
  private scan(from: number, to: number, random: () => number): number | undefined {
    const n = to - from;
    if (n <= 0) return undefined;
    const start = Math.floor(random() * n) % n;
    for (let k = 0; k < n; k++) {
      const i = from + ((start + k) % n);
      if (!this.has(i)) return i;
    }
    return undefined;
  }
}

/** Kubernetes' static band size: min(max(min, size / divisor), max). */
export function staticBandSize(size: number, min: number, divisor: number, max: number): number {
  return Math.min(Math.max(min, Math.floor(size / divisor)), max);
}
