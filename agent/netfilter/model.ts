// The shape of one node's nftables table, as the renderers build it and the executor applies it:
// a list of named objects (chains, maps, sets), each a declaration and its contents. Keeping the
// objects apart (instead of one text) is what lets a change rewrite only the objects that changed
// (as kube-proxy's nftables mode does), so an endpoint becoming ready costs a few lines, not the
// whole table. Pure data; text comes from render.ts.

export type NftKind = "chain" | "map" | "set";

export interface NftObject {
  kind: NftKind;
  /** Unique per kind within the table; an nft identifier (letters, digits, / - _ .). */
  name: string;
  /** What goes first inside the braces: "type nat hook prerouting priority dstnat - 1; policy accept;"
   *  for a base chain, "type ipv4_addr; flags dynamic,timeout; timeout 10800s;" for a set, "" for
   *  a regular chain. */
  spec: string;
  /** Rules of a chain, or elements of a map/set ("10.96.0.1 . tcp . 80 : goto svc-..."). */
  items: string[];
  /** Set whose elements the kernel fills (session affinity): never flushed by an update. */
  kernelFilled?: boolean;
}

/** The node's table: `table ip <name>` holding the objects, in declaration order. */
export interface Ruleset {
  table: string;
  objects: NftObject[];
}

/** What a node's rules are about (its own pods and its own addresses only). */
export interface NodeFacts {
  nodeName: string;
  /** The node's address (InternalIP): NodePorts are served on it. */
  address: string;
  /** The node's pod CIDR: the pods whose traffic this table handles. */
  podCIDR: string;
  /** The node's address on its pod network (the bridge gateway): pods reach NodePorts and DNS there. */
  gateway: string;
}

/** nft identifiers: [A-Za-z][A-Za-z0-9/_.-]*; anything else becomes "_". */
export function nftIdentifier(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9/_.-]/g, "_");
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `n${cleaned}`;
}

/** The table of a node: one per node, so agents sharing one host's netfilter never touch each other's. */
export function tableName(nodeName: string): string {
  return nftIdentifier(`kubelab-${nodeName}`);
}

export const TABLE_PREFIX = "kubelab-";
