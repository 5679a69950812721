// The one check in front of the agent's main port, for plain requests and upgrades (exec, attach,
// port-forward) alike: /healthz is open; anything else needs a bearer token the API server vouches
// for (TokenReview) and permission for the node subresource it touches (SubjectAccessReview). The
// refusals read as the kubelet's: 401 Unauthorized, 403 with the user and attributes named.
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { isOpenPath, nodeAttributes } from "./attributes";
import type { WebhookAuth } from "./webhook";

export interface AgentAuth {
  webhook: WebhookAuth;
  nodeName: string;
  log?: Logger;
}

export interface Refusal {
  code: 401 | 403 | 500;
  message: string;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

/** undefined when the request may go on; otherwise what to answer. Never throws. */
export async function refusal(auth: AgentAuth | undefined, req: IncomingMessage, pathname: string): Promise<Refusal | undefined> {
  if (!auth || isOpenPath(pathname)) return undefined;
  const token = bearerToken(req);
  if (!token) return { code: 401, message: "Unauthorized" };
  try {
    const who = await auth.webhook.authenticate(token);
    if ("error" in who) return { code: 401, message: "Unauthorized" };
    const attrs = nodeAttributes(req.method ?? "GET", pathname, auth.nodeName);
    const decision = await auth.webhook.authorize(who.user, attrs);
    if (decision.allowed) return undefined;
    return {
      code: 403,
      message: `Forbidden (user=${who.user.username}, verb=${attrs.verb}, resource=${attrs.resource}, subresource(s)=[${attrs.subresource}])`,
    };
  } catch (err) {
    // The API server could not be asked: refuse, and say so in the log (the kubelet does the same).
    auth.log?.warn({ err: (err as Error).message }, "could not check a request to the main port with the API server");
    return { code: 500, message: `Authorization error: ${(err as Error).message}` };
  }
}
