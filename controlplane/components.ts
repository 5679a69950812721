// The control loops that run inside `kubelab server` beside the API server: scheduler,
// controllers and git-sync. They reach the API server only over HTTP, like any client.
import type { Logger } from "pino";
import type { ExtraHandler } from "./apiserver/server";
import type { ServerOptions } from "./server";

export interface ComponentContext {
  apiUrl: string;
  token?: string;
  caData?: string;
  options: ServerOptions;
  logger: Logger;
  signal: AbortSignal;
  addHandler(h: ExtraHandler): void;
}

/** Starts what is enabled; returns the functions that stop them. */
export async function startComponents(_ctx: ComponentContext): Promise<Array<() => Promise<void> | void>> {
  return [];
}
