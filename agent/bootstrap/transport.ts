// The node's connection to the API server with a client certificate that can change under it
// (the kubelet's certificate.UpdateTransport): every call goes through the transport of the
// current certificate; when the rotation has a new one, calls made from then on use new
// connections with it, while calls already running (watches) finish on the old ones, whose idle
// connections the HTTP engine (client/http-engine.ts) closes by itself. One per kubeconfig in the
// process, so every client of the agent (pods, node status, the service proxy, DNS, the main
// port's reviews) changes at once.
import { connectionFromKubeconfig, type Connection } from "../../client/kubeconfig";
import { RestClient, type ApiClient } from "../../client/rest";
import { Transport, type HttpRequest, type Impersonation, type OpenStream } from "../../client/transport";

export class RotatingTransport extends Transport {
  private current?: Transport;

  /** Calls from now on authenticate with `connection` (a new certificate and key). */
  use(connection: Connection): void {
    this.current = new Transport(connection);
  }

  override call(req: HttpRequest): ReturnType<Transport["call"]> {
    return this.current ? this.current.call(req) : super.call(req);
  }

  override stream(req: HttpRequest): Promise<OpenStream> {
    return this.current ? this.current.stream(req) : super.stream(req);
  }

  override impersonating(as: Impersonation): Transport {
    return this.current ? this.current.impersonating(as) : super.impersonating(as);
  }
}

const transports = new Map<string, RotatingTransport>();

/** The process's one transport for this kubeconfig (read at the first call). */
export function nodeTransport(kubeconfig: string): RotatingTransport {
  let t = transports.get(kubeconfig);
  if (!t) transports.set(kubeconfig, (t = new RotatingTransport(connectionFromKubeconfig(kubeconfig))));
  return t;
}

/** The agent's API client: through the node's rotating transport with a kubeconfig, else plain --server. */
export function nodeApiClient(cfg: { kubeconfig?: string; server?: string }): ApiClient {
  if (cfg.kubeconfig) return new RestClient(nodeTransport(cfg.kubeconfig));
  if (cfg.server) return new RestClient({ server: cfg.server });
  throw new Error("the agent needs --kubeconfig or --server to talk to an API server");
}
