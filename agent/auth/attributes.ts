// What a request to the agent's main port asks for, as the kubelet's webhook authorizer names it
// (pkg/kubelet/server/auth.go): the verb from the HTTP method, and the subresource of the node
// from the path (/stats, /metrics, /logs; everything else, exec and containerLogs included, is
// nodes/proxy). Pure.

export interface NodeAttributes {
  verb: string;
  resource: "nodes";
  subresource: string;
  name: string;
}

const VERBS: Record<string, string> = { GET: "get", HEAD: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };

/** The subresource a path is authorized as: the first segment decides, as the kubelet's does. */
export function nodeSubresource(pathname: string): string {
  const first = pathname.split("/").filter(Boolean)[0] ?? "";
  if (first === "stats") return "stats";
  if (first === "metrics") return "metrics";
  if (first === "logs") return "log";
  if (first === "spec") return "spec";
  return "proxy";
}

export function nodeAttributes(method: string, pathname: string, nodeName: string): NodeAttributes {
  return { verb: VERBS[method] ?? method.toLowerCase(), resource: "nodes", subresource: nodeSubresource(pathname), name: nodeName };
}

/** Paths every caller may reach without credentials (the kubelet's /healthz). */
export function isOpenPath(pathname: string): boolean {
  return pathname === "/healthz";
}
