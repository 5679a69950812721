// Node ports from Kubernetes' default --service-node-port-range, 30000-32767.
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export function inNodePortRange(port: number): boolean {
  return port >= NODE_PORT_MIN && port <= NODE_PORT_MAX;
}

/** A random port of the range that `used` does not hold; undefined when all are taken. */
export function pickNodePort(used: ReadonlySet<number>, random: () => number = Math.random): number | undefined {
  if (used.size >= NODE_PORT_MAX - NODE_PORT_MIN + 1) return undefined;
  let port: number;
  do port = NODE_PORT_MIN + Math.floor(random() * (NODE_PORT_MAX - NODE_PORT_MIN + 1));
  while (used.has(port));
  return port;
}
