// How the controller manager runs a controller: a logger, how many workers, and the registry its
// reconcile and work-queue metrics go to (the process's one registry, so they reach /metrics).
import type { RunControllerOptions } from "../../client";

export type ControllerRunOptions = Partial<Pick<RunControllerOptions, "logger" | "workers" | "metrics">>;
