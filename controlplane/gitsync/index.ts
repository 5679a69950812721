// git-sync's entry point for `kubelab server`: starts the controller and returns what the server
// wires up: trigger(ns, name) for "sync now", the webhook handler for /hooks/gitops/..., stop().
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import type { GitRepository } from "../../api/gitops";
import { gitrepositories, isNotFound, secrets, type ApiClient } from "../../client";
import { GitSyncController } from "./controller";
import type { ReconcileResult } from "./reconcile";
import { createWebhookHandler, type WebhookHandler, type WebhookOptions } from "./webhook";
import { webhookHttpHandler, type WebhookLimits } from "./webhook-http";

export { ensureGitRepositoryFromFlag, parseGitopsFlag } from "./flag";
export { createWebhookHandler, handleGitopsWebhook, type WebhookHandler, type WebhookRequest, type WebhookResponse } from "./webhook";
export { webhookHttpHandler, MAX_WEBHOOK_BODY, WEBHOOK_BODY_TIMEOUT_MS, type WebhookLimits } from "./webhook-http";
export { GitSyncController } from "./controller";

export interface GitSyncOptions {
  client: ApiClient;
  logger?: Logger;
  /** Where the bare repository caches live (one per GitRepository). */
  cacheDir: string;
  signal?: AbortSignal;
  /**
   * Token for webhooks of repositories whose Secret has no `webhookToken` (the server's
   * --gitops-webhook-token-file). Without either, that repository's webhook refuses all calls.
   */
  defaultWebhookToken?: string;
  workers?: number;
  gitTimeoutMs?: number;
  healthPollMs?: number;
  /**
   * The process's prom-client registry (`kubelab server` passes its one registry): gitsync_*,
   * controller_runtime_* and workqueue_* metrics are registered there.
   */
  metrics?: Registry;
  /** Body size and time limits of the webhook (defaults: 1 MiB, 5 s). */
  webhookLimits?: WebhookLimits;
  onReconciled?: (key: string, result: ReconcileResult, durationMs: number) => void;
}

export interface GitSync {
  /** Reconcile namespace/name now. */
  trigger(namespace: string, name: string): void;
  /** POST /hooks/gitops/<namespace>/<name> as a request -> response function. */
  webhook: WebhookHandler;
  /** The same as an API server extra handler: (req, res, url) => handled. */
  httpHandler: ReturnType<typeof webhookHttpHandler>;
  controller: GitSyncController;
  /** Stops the controller and waits for the current reconciles to end. */
  stop(): Promise<void>;
}

export function startGitSync(opts: GitSyncOptions): GitSync {
  const logger = opts.logger ?? pino({ level: "silent" });
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort();
  if (opts.signal?.aborted) ctrl.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const controller = new GitSyncController({
    client: opts.client,
    cacheDir: opts.cacheDir,
    logger,
    workers: opts.workers,
    gitTimeoutMs: opts.gitTimeoutMs,
    healthPollMs: opts.healthPollMs,
    metrics: opts.metrics,
    onReconciled: opts.onReconciled,
  });
  const running = controller.run(ctrl.signal).catch((err) => logger.error({ err }, "git-sync stopped on an error"));
  const hookOptions: WebhookOptions = {
    trigger: (ns, name) => controller.trigger(ns, name),
    lookup: async (ns, name) => {
      let repo = controller.informer.get(`${ns}/${name}`);
      if (!repo) {
        try {
          repo = await opts.client.get<GitRepository>(gitrepositories, ns, name);
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      }
      let token: string | undefined;
      const secretName = repo.spec.secretRef?.name;
      if (secretName) {
        try {
          const secret = await opts.client.get<{ metadata?: object; data?: Record<string, string> }>(secrets, ns, secretName);
          const raw = secret.data?.webhookToken;
          if (raw) token = Buffer.from(raw, "base64").toString("utf8").trim();
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return { token: token ?? opts.defaultWebhookToken, branch: repo.spec.ref?.branch ?? repo.spec.branch };
    },
  };
  const webhook = createWebhookHandler(hookOptions);
  return {
    trigger: (ns, name) => controller.trigger(ns, name),
    webhook,
    httpHandler: webhookHttpHandler(hookOptions, opts.webhookLimits),
    controller,
    stop: async () => {
      ctrl.abort();
      opts.signal?.removeEventListener("abort", onAbort);
      await running;
    },
  };
}
