// Server-side printing: the meta.k8s.io/v1 Table columns and cells Kubernetes 1.32 gives
// `kubectl get` (pkg/printers/internalversion). Cells always include the -o wide columns
// (priority 1), as the API server's table convertor does; kubectl hides them without -o wide.
import type { Deployment, ReplicaSet } from "./apps";
import type { Lease } from "./coordination";
import type { ConfigMap, Endpoints, Event, Namespace, Node, Secret, Service } from "./core";
import type { GitRepository } from "./gitops";
import { formatLabelSelector } from "./meta";
import { age, ageCol, col, containerCells, containersCol, imagesCol, nameCol, wide, type ColumnDefinition, type Printer } from "./printing/columns";
import { timestampSince } from "./printing/duration";
import { batchPrinters } from "./printing/batch";
import { daemonSetPrinters } from "./apps-daemonset";
import { statefulSetPrinters } from "./apps-statefulset";
import { controllerRevisionPrinters } from "./apps-controllerrevision";
import { networkingPrinters } from "./printing/networking";
import { storagePrinters } from "./printing/storage";
import { rbacPrinters } from "./printing/rbac";
import { certificatePrinters } from "./certificates";
import { autoscalingPrinters } from "./autoscaling-printer";
import { podCells } from "./printing/pod";
import type { KObject, ResourceType } from "./resource";

export type { ColumnDefinition } from "./printing/columns";
export { humanDuration, timestampSince } from "./printing/duration";
export { summarizePod } from "./printing/pod";

export interface PrintedTable {
  columnDefinitions: ColumnDefinition[];
  rows: { cells: unknown[]; object: KObject }[];
}

export interface PrintOptions {
  noHeaders?: boolean;
  /** The clock for AGE columns; defaults to the current time. */
  now?: Date;
}


/** "app=nginx" as labels.FormatLabels prints a map (sorted keys), "<none>" when empty. */
function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(",") : "<none>";
}

/** A selector as labels.Selector.String() prints it: "" when empty. */
function selectorString(sel: Deployment["spec"]["selector"] | undefined): string {
  const s = formatLabelSelector(sel);
  return s === "<none>" ? "" : s;
}

/** "80/TCP", "80:30080/TCP", comma-separated. */
function formatServicePorts(svc: Service): string {
  const ports = svc.spec.ports ?? [];
  const s = ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`)).join(",");
  return s || "<none>";
}

function serviceExternalIP(svc: Service): string {
  const external = svc.spec.externalIPs ?? [];
  switch (svc.spec.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return external.length ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || "").filter(Boolean);
      const all = [...lb, ...external];
      return all.length ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return svc.spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (s: string) => {
    if (list.length === max) more = true;
    else list.push(s);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if ((ss.ports ?? []).length === 0) {
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ss.ports ?? []) {
      count += addresses.length;
      for (const a of addresses) add(a.ip.includes(":") ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
    }
  }
  const joined = list.join(",");
  if (more) return `${joined} + ${count - max} more...`;
  return joined || "<none>";
}

function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

const nodeAddress = (node: Node, type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";

function eventCells(ev: Event, now: Date): unknown[] {
  let first = timestampSince(ev.firstTimestamp, now);
  if (!ev.firstTimestamp) first = timestampSince(ev.eventTime, now);
  let last = ev.lastTimestamp ? timestampSince(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = timestampSince(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) count = 1;
  const kind = (ev.involvedObject.kind ?? "").toLowerCase();
  const target = ev.involvedObject.name ? `${kind}/${ev.involvedObject.name}` : kind;
  const component = ev.source?.component || ev.reportingComponent || "";
  const host = ev.source?.host || ev.reportingInstance || "";
  const source = [component, host].filter(Boolean).join(", ");
  return [last, ev.type ?? "", ev.reason ?? "", target, ev.involvedObject.fieldPath ?? "", source, (ev.message ?? "").trim(), first, count, ev.metadata.name];
}

function gitRepositoryCells(repo: GitRepository, now: Date): unknown[] {
  const ready = (repo.status?.conditions ?? []).find((c) => c.type === "Ready");
  const ref = repo.spec.ref;
  const branch = ref?.branch ?? (ref?.tag ? `tag:${ref.tag}` : ref?.commit ? `commit:${ref.commit.slice(0, 12)}` : repo.spec.branch ?? "");
  return [repo.metadata.name, repo.spec.url, branch, repo.status?.lastAppliedRevision ?? "", ready?.status ?? "Unknown", ready?.message ?? "", age(repo, now)];
}

const printers: Record<string, Printer> = {
  pods: {
    columns: [
      nameCol,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
      ageCol,
      col("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", wide),
      col("Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.", wide),
      col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", wide),
      col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", wide),
    ],
    cells: (o, now) => podCells(o as never, now),
  },
  deployments: {
    columns: [
      nameCol,
      col("Ready", "string", "Number of the pod with ready state"),
      col("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
      col("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
      ageCol,
      containersCol,
      imagesCol,
      col("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", wide),
    ],
    cells(o, now) {
      const d = o as Deployment;
      const s = d.status ?? {};
      return [d.metadata.name, `${s.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0, age(d, now), ...containerCells(d.spec.template), selectorString(d.spec.selector)];
    },
  },
  replicasets: {
    columns: [
      nameCol,
      col("Desired", "integer", "Replicas is the number of desired replicas."),
      col("Current", "integer", "Replicas is the most recently observed number of replicas."),
      col("Ready", "integer", "The number of ready replicas for this replica set."),
      ageCol,
      containersCol,
      imagesCol,
      col("Selector", "string", "Selector is a label query over pods that should match the replica count.", wide),
    ],
    cells(o, now) {
      const rs = o as ReplicaSet;
      const s = rs.status;
      return [rs.metadata.name, rs.spec.replicas ?? 1, s?.replicas ?? 0, s?.readyReplicas ?? 0, age(rs, now), ...containerCells(rs.spec.template), selectorString(rs.spec.selector)];
    },
  },
  nodes: {
    columns: [
      nameCol,
      col("Status", "string", "The status of the node"),
      col("Roles", "string", "The roles of the node"),
      ageCol,
      col("Version", "string", "Kubelet Version reported by the node."),
      col("Internal-IP", "string", "List of addresses reachable to the node.", wide),
      col("External-IP", "string", "List of addresses reachable to the node.", wide),
      col("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", wide),
      col("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", wide),
      col("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", wide),
    ],
    cells(o, now) {
      const n = o as Node;
      const info = n.status?.nodeInfo;
      return [
        n.metadata.name,
        nodeStatus(n),
        nodeRoles(n),
        age(n, now),
        info?.kubeletVersion ?? "",
        nodeAddress(n, "InternalIP"),
        nodeAddress(n, "ExternalIP"),
        info?.osImage || "<unknown>",
        info?.kernelVersion || "<unknown>",
        info?.containerRuntimeVersion || "<unknown>",
      ];
    },
  },
  services: {
    columns: [
      nameCol,
      col("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
      col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
      col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
      col("Port(s)", "string", "The list of ports that are exposed by this service."),
      ageCol,
      col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", wide),
    ],
    cells(o, now) {
      const s = o as Service;
      const clusterIP = s.spec.clusterIPs?.[0] || s.spec.clusterIP || "<none>";
      return [s.metadata.name, s.spec.type ?? "ClusterIP", clusterIP, serviceExternalIP(s), formatServicePorts(s), age(s, now), formatLabels(s.spec.selector)];
    },
  },
  endpoints: {
    columns: [nameCol, col("Endpoints", "string", "The set of all endpoints is the union of all subsets."), ageCol],
    cells: (o, now) => [o.metadata.name, formatEndpoints(o as Endpoints), age(o, now)],
  },
  namespaces: {
    columns: [nameCol, col("Status", "string", "The status of the namespace"), ageCol],
    cells: (o, now) => [o.metadata.name, (o as Namespace).status?.phase ?? "", age(o, now)],
  },
  configmaps: {
    columns: [nameCol, col("Data", "string", "Data contains the configuration data."), ageCol],
    cells(o, now) {
      const cm = o as ConfigMap;
      return [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)];
    },
  },
  secrets: {
    columns: [
      nameCol,
      col("Type", "string", "Used to facilitate programmatic handling of secret data."),
      col("Data", "string", "Data contains the secret data."),
      ageCol,
    ],
    cells(o, now) {
      const s = o as Secret;
      return [s.metadata.name, s.type ?? "Opaque", Object.keys(s.data ?? {}).length, age(s, now)];
    },
  },
  events: {
    columns: [
      col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
      col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col("Object", "string", "The object that this event is about."),
      col("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.", wide),
      col("Source", "string", "The component reporting this event. Should be a short machine understandable string.", wide),
      col("Message", "string", "A human-readable description of the status of this operation."),
      col("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", wide),
      col("Count", "string", "The number of times this event has occurred.", wide),
      { ...nameCol, priority: 1 },
    ],
    cells: (o, now) => eventCells(o as Event, now),
  },
  leases: {
    columns: [nameCol, col("Holder", "string", "The holder of the lease"), ageCol],
    cells: (o, now) => [o.metadata.name, (o as Lease).spec?.holderIdentity ?? "", age(o, now)],
  },
  gitrepositories: {
    columns: [
      nameCol,
      col("URL", "string", "URL of the git repository."),
      col("Branch", "string", "Branch (or tag/commit) followed."),
      col("Revision", "string", "The last revision applied successfully."),
      col("Ready", "string", "Status of the Ready condition."),
      col("Status", "string", "Message of the Ready condition."),
      ageCol,
    ],
    cells: (o, now) => gitRepositoryCells(o as GitRepository, now),
  },
  ...networkingPrinters,
  ...batchPrinters,
  ...daemonSetPrinters,
  ...statefulSetPrinters,
  ...controllerRevisionPrinters,
  ...storagePrinters,
  ...rbacPrinters,
  ...certificatePrinters,
  ...autoscalingPrinters,
};

/** The groups whose plurals the printers above are keyed by (no two of them share a plural). */
const printerGroups = new Set(["", "apps", "batch", "coordination.k8s.io", "discovery.k8s.io", "networking.k8s.io", "gitops.kubelab.io", "storage.k8s.io", "rbac.authorization.k8s.io", "certificates.k8s.io", "autoscaling"]);

const fallback: Printer = { columns: [nameCol, ageCol], cells: (o, now) => [o.metadata.name, age(o, now)] };

/** The Table's column definitions and one row per object (the server wraps row objects). */
export function printTable(resource: ResourceType, objects: KObject[], opts: PrintOptions = {}): PrintedTable {
  const printer = printerGroups.has(resource.group) ? (printers[resource.plural] ?? fallback) : fallback;
  const now = opts.now ?? new Date();
  return {
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({ cells: printer.cells(object, now), object })),
  };
}
