// Hollow agents: simulated nodes for tests and benchmarks (`kubelab agent --hollow`).
export { runHollowAgents, type HollowAgents, type HollowAgentsOptions } from "./agents";
export { DEFAULT_CAPACITY, type HollowCapacity } from "./node";
