// The control loops that run inside `kubelab server` beside the API server: scheduler,
// controllers and git-sync. They reach the API server only over HTTP, like any client.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { gitrepositories, RestClient } from "../client";
import { CONTROLLER_NAMES } from "./controllers/names";
import type { ExtraHandler } from "./apiserver/server";
import type { ServerOptions } from "./server";

export interface ComponentContext {
  apiUrl: string;
  token?: string;
  caData?: string;
  options: ServerOptions;
  logger: Logger;
  /** The process's metrics registry (served on /metrics by the API server). */
  metrics: Registry;
  signal: AbortSignal;
  addHandler(h: ExtraHandler): void;
}

/** Everything --disable-controllers can name. */
export const COMPONENT_NAMES = [...CONTROLLER_NAMES, "gitsync"] as const;

export function isEnabled(disabled: string[], name: string): boolean {
  return !disabled.includes("all") && !disabled.includes(name);
}

/** Starts what is enabled; returns the functions that stop them. */
export async function startComponents(ctx: ComponentContext): Promise<Array<() => Promise<void> | void>> {
  const disabled = ctx.options.disableControllers;
  for (const name of disabled) {
    if (name !== "all" && !(COMPONENT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--disable-controllers: unknown name ${JSON.stringify(name)}; known: all, ${COMPONENT_NAMES.join(", ")}`);
    }
  }
  const client = new RestClient({ server: ctx.apiUrl, token: ctx.token, caData: ctx.caData }, { userAgent: "kubelab-controller-manager" });
  const stops: Array<() => Promise<void> | void> = [];

  if (CONTROLLER_NAMES.some((n) => isEnabled(disabled, n))) {
    // Loaded only when some controller runs, so `--disable-controllers all` needs none of them.
    const { startControllers } = await import("./controllers");
    const running = await startControllers({
      client,
      logger: ctx.logger.child({ component: "controller-manager" }),
      metrics: ctx.metrics,
      signal: ctx.signal,
      disabled: disabled.filter((n) => n !== "gitsync"),
      options: {
        nodeMonitorGracePeriodSeconds: ctx.options.nodeMonitorGracePeriodSeconds,
        defaultUnreachableTolerationSeconds: ctx.options.defaultUnreachableTolerationSeconds,
      },
    });
    stops.push(() => running.done);
  }

  if (isEnabled(disabled, "gitsync")) {
    const { startGitSync, ensureGitRepositoryFromFlag } = await import("./gitsync");
    const defaultWebhookToken = ctx.options.gitopsWebhookTokenFile
      ? readFileSync(ctx.options.gitopsWebhookTokenFile, "utf8").trim()
      : undefined;
    const gitsync = startGitSync({
      client: new RestClient({ server: ctx.apiUrl, token: ctx.token, caData: ctx.caData }, { userAgent: "kubelab-gitsync" }),
      logger: ctx.logger.child({ component: "gitsync" }),
      cacheDir: join(ctx.options.dataDir, "gitsync"),
      metrics: ctx.metrics,
      signal: ctx.signal,
      defaultWebhookToken,
    });
    ctx.addHandler(gitsync.httpHandler);
    stops.push(() => gitsync.stop());
    if (ctx.options.gitopsRepo) {
      const repo = await ensureGitRepositoryFromFlag(client, ctx.options.gitopsRepo);
      const selfHeal = ctx.options.gitopsSelfHeal ?? true;
      if ((repo.spec.selfHeal ?? true) !== selfHeal) {
        await client.patch(gitrepositories, "default", "lab", { spec: { selfHeal } }, "merge");
      }
    }
  }
  return stops;
}
