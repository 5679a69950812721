// Health of applied objects, kstatus-like and pure: a Deployment is Healthy once its rollout is
// complete, Progressing while it rolls, Degraded when the rollout failed or exceeded its
// deadline, Suspended while paused. Other kinds are Healthy once they exist.

export type HealthStatus = "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing";

export interface Health {
  status: HealthStatus;
  /** CamelCase reason: RolloutComplete, ProgressDeadlineExceeded, ... */
  reason: string;
  message: string;
}

interface DeploymentLike {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number; paused?: boolean };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export function deploymentHealth(d: DeploymentLike): Health {
  const name = d.metadata?.name ?? "";
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  if (d.spec?.paused) return { status: "Suspended", reason: "Paused", message: `Deployment ${name} is paused` };
  const progressing = st.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return { status: "Degraded", reason: "ProgressDeadlineExceeded", message: progressing.message || `Deployment ${name} exceeded its progress deadline` };
  }
  const failure = st.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure) {
    return { status: "Degraded", reason: failure.reason || "ReplicaFailure", message: failure.message || `Deployment ${name} cannot create pods` };
  }
  const generation = d.metadata?.generation ?? 0;
  if ((st.observedGeneration ?? 0) < generation) {
    return { status: "Progressing", reason: "ObservedGenerationLag", message: `Deployment ${name}: waiting for the controller to observe generation ${generation}` };
  }
  const updated = st.updatedReplicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const total = st.replicas ?? 0;
  if (updated < want) {
    return { status: "Progressing", reason: "RolloutInProgress", message: `Deployment ${name}: ${updated} of ${want} replicas updated` };
  }
  if (total > updated) {
    return { status: "Progressing", reason: "RolloutInProgress", message: `Deployment ${name}: ${total - updated} old replicas pending termination` };
  }
  if (available < want) {
    return { status: "Progressing", reason: "RolloutInProgress", message: `Deployment ${name}: ${available} of ${want} replicas available` };
  }
  return { status: "Healthy", reason: "RolloutComplete", message: `Deployment ${name}: ${want} replicas available` };
}

interface PodLike {
  metadata?: { name?: string };
  status?: { phase?: string; reason?: string; message?: string };
}

function podHealth(p: PodLike): Health {
  const name = p.metadata?.name ?? "";
  const phase = p.status?.phase;
  if (phase === "Failed") return { status: "Degraded", reason: p.status?.reason || "PodFailed", message: p.status?.message || `Pod ${name} failed` };
  if (phase === "Running" || phase === "Succeeded") return { status: "Healthy", reason: phase, message: `Pod ${name} is ${phase}` };
  return { status: "Progressing", reason: phase || "Pending", message: `Pod ${name} is ${phase || "Pending"}` };
}

/** Health of one live object (undefined = it does not exist). */
export function objectHealth(kind: string, live: unknown): Health {
  if (live === undefined || live === null) return { status: "Missing", reason: "NotFound", message: `${kind} not found` };
  if (kind === "Deployment") return deploymentHealth(live as DeploymentLike);
  if (kind === "Pod") return podHealth(live as PodLike);
  return { status: "Healthy", reason: "Current", message: `${kind} exists` };
}

const RANK: Record<HealthStatus, number> = { Healthy: 0, Suspended: 1, Progressing: 2, Missing: 3, Degraded: 4 };

/** The worst of several (Degraded > Missing > Progressing > Suspended > Healthy); messages of the worst joined. */
export function aggregateHealth(items: Array<{ ref: string; health: Health }>): Health {
  if (items.length === 0) return { status: "Healthy", reason: "NoObjects", message: "no objects to check" };
  let worst: HealthStatus = "Healthy";
  for (const i of items) if (RANK[i.health.status] > RANK[worst]) worst = i.health.status;
  const bad = items.filter((i) => i.health.status === worst);
  if (worst === "Healthy") return { status: "Healthy", reason: "AllHealthy", message: `${items.length} objects healthy` };
  const shown = bad.slice(0, 3).map((i) => i.health.message);
  const more = bad.length > 3 ? ` (and ${bad.length - 3} more)` : "";
  return { status: worst, reason: bad[0]!.health.reason, message: shown.join("; ") + more };
}
