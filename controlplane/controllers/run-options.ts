// How the controller manager runs a controller: a logger, how many workers, and the registry its
// reconcile and work-queue metrics go to (the process's one registry, so they reach /metrics).
import type { ControllerOptions } from "../../client";

export type ControllerRunOptions = Partial<Pick<ControllerOptions, "logger" | "workers" | "metrics">>;
