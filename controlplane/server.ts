// `kubelab server`: the API server with its store, plus the scheduler, the controllers and
// git-sync, in one process (as k3s runs its control plane). Each part talks to the API server
// only through its HTTP API.
import { join } from "node:path";
import { readFileSync } from "node:fs";
import pino, { type Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { resourceTypes } from "../api";
import { startApiServer, type ApiServer, type ExtraHandler } from "./apiserver/server";
import { SqliteStore } from "./storage/sqlite";
import type { Store } from "./storage/store";
import { writeKubeconfig } from "./kubeconfig";
import { loadTokenFile } from "./apiserver/authn/token-file";
import type { ServerOptions } from "./options";
import { startNodeAuthorizer } from "./apiserver/authz/node-graph-sync";

export type { ServerOptions } from "./options";

export interface RunningServer {
  api: ApiServer;
  stop(): Promise<void>;
}

export async function openStore(opts: Pick<ServerOptions, "storeBackend" | "etcdEndpoints" | "etcdTLS" | "dataDir">): Promise<Store> {
  if (opts.storeBackend === "etcd") {
    const { EtcdStore } = await import("./storage/etcd");
    return new EtcdStore({ endpoints: opts.etcdEndpoints ?? ["http://127.0.0.1:2379"], tls: opts.etcdTLS });
  }
  return new SqliteStore(join(opts.dataDir, "state.db"));
}

export async function runServer(opts: ServerOptions, logger: Logger = pino({ level: opts.logLevel ?? "info" })): Promise<RunningServer> {
  const store = await openStore(opts);
  const extraHandlers: ExtraHandler[] = [];
  // The process's one metrics registry: the API server serves it on /metrics, and the
  // controllers, scheduler and git-sync record into it.
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // Mode Node's graph of what each node's pods use (authz/node*.ts): kept only when requests are authenticated.
  const authenticating = Boolean(opts.tokenAuthFile || opts.authentication?.clientCAFile);
  const node = authenticating ? await startNodeAuthorizer(store, resourceTypes, logger.child({ component: "apiserver" })) : undefined;
  const api = await startApiServer({
    nodeAuthorizer: node?.authorizer,
    metrics,
    store,
    types: resourceTypes,
    listen: opts.listen,
    tlsCertFile: opts.tlsCertFile,
    tlsKeyFile: opts.tlsPrivateKeyFile,
    tokenAuthFile: opts.tokenAuthFile,
    kubeletClientTokenFile: opts.kubeletClientTokenFile,
    authentication: opts.authentication,
    limits: opts.limits,
    podSecurity: opts.podSecurity,
    metricsServer: opts.metricResolutionMs === 0 ? undefined : { resolutionMs: opts.metricResolutionMs },
    authorizationModes: opts.authorizationModes,
    advertiseAddress: opts.advertiseAddress,
    identityLease: opts.identityLease,
    serviceAllocation: { serviceClusterIPRange: opts.serviceClusterIPRange, serviceNodePortRange: opts.serviceNodePortRange },
    logger: logger.child({ component: "apiserver" }),
    extraHandlers,
    defaultNotReadyTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
    defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
  });
  const localUrl = api.url.replace("://0.0.0.0", "://127.0.0.1").replace("://[::]", "://127.0.0.1");
  const token = opts.tokenAuthFile ? loadTokenFile(opts.tokenAuthFile).tokens[0] : undefined;
  if (opts.writeKubeconfig) {
    writeKubeconfig(opts.writeKubeconfig, {
      server: opts.kubeconfigServer ?? localUrl,
      token,
      caFile: opts.tlsCertFile,
    });
  }
  const controller = new AbortController();
  const stops: Array<() => Promise<void> | void> = [];
  const components = await import("./components");
  stops.push(...(await components.startComponents({
    apiUrl: localUrl,
    token,
    componentTokens: api.componentTokens,
    caData: opts.tlsCertFile ? readFileSync(opts.tlsCertFile).toString("base64") : undefined,
    options: opts,
    logger,
    metrics,
    signal: controller.signal,
    addHandler: (h) => extraHandlers.push(h),
  })));
  return {
    api,
    stop: async () => {
      controller.abort();
      for (const s of stops.reverse()) await s();
      await api.close();
      node?.stop();
      await store.close();
    },
  };
}
