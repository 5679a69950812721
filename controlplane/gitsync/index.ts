// git-sync's entry point for `kubelab server`: starts the controller and returns what the server
// wires up: trigger(ns, name) for "sync now", the webhook handler for /hooks/gitops/..., stop().
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import type { GitRepository } from "../../api/gitops";
import { gitrepositories, ignoreNotFound, secrets, type ApiClient } from "../../client";
import { GitSyncController } from "./controller";
import type { ReconcileResult } from "./reconcile";
import { createWebhookHandler, type WebhookHandler, type WebhookOptions, type WebhookTarget } from "./webhook";
import { webhookHttpHandler, type WebhookLimits } from "./webhook-http";

export { ensureGitopsRepoAccount, ensureGitRepositoryFromFlag, GITOPS_REPO_ACCOUNT, parseGitopsFlag } from "./flag";
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
  /**
   * The ServiceAccount (in the repository's namespace) that a GitRepository without
   * spec.serviceAccountName acts as; default "default". git-sync never applies as itself.
   */
  defaultServiceAccount?: string;
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
    defaultServiceAccount: opts.defaultServiceAccount,
    onReconciled: opts.onReconciled,
  });
  const running = controller.run(ctrl.signal).catch((err) => logger.error({ err }, "git-sync stopped on an error"));
  const hookOptions: WebhookOptions = {
    trigger: (ns, name) => controller.trigger(ns, name),
    lookup: (ns, name) => webhookTarget(opts, controller, ns, name),
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

/** A GitRepository's webhook token (its Secret's webhookToken, else the server's) and branch. */
async function webhookTarget(opts: GitSyncOptions, controller: GitSyncController, ns: string, name: string): Promise<WebhookTarget | undefined> {
  const repo = controller.informer.get(`${ns}/${name}`) ?? (await opts.client.get<GitRepository>(gitrepositories, ns, name).catch(ignoreNotFound));
  if (!repo) return undefined;
  const secretName = repo.spec.secretRef?.name;
  // Read as the repository's account, like everything else it owns.
  const secret = secretName ? await controller.clientFor(repo).get<{ metadata?: object; data?: Record<string, string> }>(secrets, ns, secretName).catch(ignoreNotFound) : undefined;
  const raw = secret?.data?.webhookToken;
  const token = raw ? Buffer.from(raw, "base64").toString("utf8").trim() : undefined;
  return { token: token ?? opts.defaultWebhookToken, branch: repo.spec.ref?.branch ?? repo.spec.branch };
}
