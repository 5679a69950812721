// The node port range (Kubernetes' default --service-node-port-range, 30000-32767).
import { staticBandSize } from "./bitmap";

export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export class NodePortRange {
  readonly size: number;
  /** Ports below base + staticBand are only handed out when asked for, or when the rest is full. */
  readonly staticBand: number;

  constructor(
    readonly base: number = NODE_PORT_MIN,
    readonly max: number = NODE_PORT_MAX,
  ) {
    if (!Number.isInteger(base) || !Number.isInteger(max) || base < 1 || max > 65535 || max < base) {
      throw new Error(`service node port range ${base}-${max}: want two ports, low-high`);
    }
    this.size = max - base + 1;
    this.staticBand = staticBandSize(this.size, 16, 32, 128);
  }

  get text(): string {
    return `${this.base}-${this.max}`;
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port <= this.max;
  }
}

export function inNodePortRange(port: number): boolean {
  return port >= NODE_PORT_MIN && port <= NODE_PORT_MAX;
}
