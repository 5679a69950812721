// The agent's main-port check, from its configuration: webhook mode (the kubelet's
// --authentication-token-webhook with --authorization-mode=Webhook) whenever the agent has an API
// server to ask, which is the default; AlwaysAllow only when asked for. A standalone agent (no API
// server) has no one to ask and serves its main port open, as a standalone kubelet does.
import type { Logger } from "pino";
import type { ApiClient } from "../../client/rest";
import type { AgentConfig } from "../config";
import type { AgentAuth } from "./gate";
import { WebhookAuth } from "./webhook";

export type { AgentAuth } from "./gate";
export { refusal } from "./gate";

export function mainPortAuth(cfg: AgentConfig, client: ApiClient | undefined, log: Logger): AgentAuth | undefined {
  if (!client) {
    log.info("no API server: the main port serves everyone (standalone mode)");
    return undefined;
  }
  if (cfg.authorizationMode === "AlwaysAllow") {
    log.warn("--authorization-mode=AlwaysAllow: anyone who reaches the main port may exec into this node's pods");
    return undefined;
  }
  return { webhook: new WebhookAuth(client), nodeName: cfg.nodeName, log };
}
