// The API server: the generic registry over the store, the handler chain (./handler-chain.ts)
// in front of the resource and non-resource handlers, one HTTP(S) listener, and history
// compaction. startApiServer wires these phases together; each is a function of its own.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Registry as MetricsRegistry } from "prom-client";
import type { KObject, ResourceType } from "../../api/resource";
import type { Store } from "../storage/store";
import { authenticationEndpointsConfig, buildAuthentication, registryBoundObjectGetter, type AuthenticationOptions } from "./authn";
import type { ExtraHandler } from "./base-filters";
import { startCompaction } from "./compaction";
import type { AuthorizationMode, Authorizer } from "./authz";
import type { EscalationCheck } from "./authz/escalation";
import { startAuthorization } from "./authz/setup";
import { addComponentTokens, type ComponentTokens } from "./bootstrap/rbac-components";
import { ApiError } from "./errors";
import { buildHandlerChain, newRequestContext, requestInfo, type Handler } from "./filter";
import { defaultHandlerChain } from "./handler-chain";
import { DEFAULT_LIMITS, filterMetrics, type ServerLimits } from "./filters";
import { listen } from "./listener";
import { ownMetricsRegistry, requestMetrics } from "./metrics";
import { nonResourceHandler } from "./non-resource";
import type { MetricsServerOptions } from "./metrics-api";
import { startExtraApis } from "./extra-apis";
import { Registry } from "./registry";
import { MAX_BODY_BYTES } from "./request";
import type { ResourceContext } from "./resource-request";
import { handleResource } from "./resources";
import { createStrategies } from "./strategies";
import { registryServiceAccountAdmission } from "./strategies/pod-serviceaccount";
import { customResources, type CustomResources } from "./crd";
import { registryPodSecurity, type PodSecurityConfig } from "./admission/podsecurity";
import { serviceAllocation, type ServiceAllocation, type ServiceAllocationOptions } from "./allocators";
import { advertiseAddress, splitHostPort } from "./bootstrap/advertise";
import { KubernetesServiceReconciler } from "./bootstrap/kubernetes-service";
import { startApiServerIdentity, type ApiServerIdentity, type IdentityLeaseFlags } from "./identity";
import { ensureDefaultStorageClass } from "./bootstrap/storageclass";
import { loadNodeClientCredential, withNodeClientToken } from "./subresources/node-proxy-credential";
import { serveUpgrades } from "./subresources/node-proxy-upgrade";

export type { ExtraHandler } from "./base-filters";

export interface ApiServerOptions {
  store: Store;
  types: ResourceType[];
  /** "127.0.0.1:6443"; port 0 picks a free one. */
  listen: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tokenAuthFile?: string;
  /** Client certificates, ServiceAccount tokens, anonymous access (authn/index.ts). */
  authentication?: AuthenticationOptions;
  /** --authorization-mode (default Node,RBAC when requests are authenticated, else AlwaysAllow). */
  authorizationModes?: AuthorizationMode[];
  /** The Node authorizer for mode Node (authz/node*.ts). */
  nodeAuthorizer?: Authorizer;
  maxBodyBytes?: number;
  logger: Logger;
  /** Keep this many revisions of history for watches; older ones are compacted. */
  historyRevisions?: number;
  compactIntervalMs?: number;
  bookmarkIntervalMs?: number;
  /** Routes other components mount; the array may grow after the server has started. */
  extraHandlers?: ExtraHandler[];
  /** DefaultTolerationSeconds admission (Kubernetes' flags of the same names; default 300). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /**
   * The process's one metrics registry, shared with the controllers, scheduler and git-sync.
   * The API server registers its own metrics there and serves the whole registry on /metrics;
   * Node's default metrics are the owner's to collect. Without one, the API server makes its own
   * registry with the default metrics in it.
   */
  metrics?: MetricsRegistry;
  /** Inflight caps, timeouts, watch buffer (filters/limits.ts); default: kube-apiserver's (DEFAULT_LIMITS). */
  limits?: ServerLimits;
  /** Service cluster IP and node port ranges, and how often their bitmaps are repaired. */
  serviceAllocation?: ServiceAllocationOptions;
  /** The address the kubernetes Service's endpoints list (--advertise-address); default: see bootstrap/advertise.ts. */
  advertiseAddress?: string;
  /** How often the kubernetes Service and its endpoints are reconciled (default 10 s). */
  kubernetesServiceIntervalMs?: number;
  /** The identity Lease's duration and renew interval (identity/lease.ts; kube-apiserver's 3600 s and 10 s). */
  identityLease?: IdentityLeaseFlags;
  /** Pod Security admission's defaults and exemptions; without, every namespace is privileged (Kubernetes' default). */
  podSecurity?: PodSecurityConfig;
  /** The metrics pipeline (metrics.k8s.io from every node's agent, ./metrics-api); undefined: not served. */
  metricsServer?: MetricsServerOptions;
  /** --kubelet-client-token-file: the token presented to node agents (default: random per process; node-proxy-credential.ts). */
  kubeletClientTokenFile?: string;
}

export interface ApiServer {
  url: string;
  registry: Registry;
  /** The registry /metrics serves (the one passed in, or the server's own). */
  metrics: MetricsRegistry;
  server: Server;
  /** The tokens of the in-process components' own users (with a token file only). */
  componentTokens?: ComponentTokens;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store, types, logger } = opts;
  const metrics = opts.metrics ?? ownMetricsRegistry();
  const allocation = serviceAllocation(store, types, logger, opts.serviceAllocation, metrics);
  const custom = customResources(store, types, logger.child({ component: "apiextensions" }));
  const escalation: EscalationCheck = {};
  const resources = resourceContext(opts, allocation, custom, escalation);
  const limits = opts.limits ?? DEFAULT_LIMITS;
  await ensureDefaultNamespaces(resources);
  await ensureDefaultStorageClass(resources.registry, types);
  const stopRepair = await allocation.startRepair();
  const stopCustom = await custom.start(resources.registry);

  const authentication = await buildAuthentication(
    { tokenAuthFile: opts.tokenAuthFile, ...opts.authentication },
    registryBoundObjectGetter(resources.registry, resources.typeOfKind),
  );
  const authorization = await startAuthorization({
    modes: opts.authorizationModes,
    authenticated: Boolean(authentication.filter),
    store,
    types,
    registry: resources.registry,
    logger: logger.child({ component: "authorization" }),
    node: opts.nodeAuthorizer,
    escalation,
  });
  const componentTokens = authentication.tokenFile && addComponentTokens(authentication.tokenFile);
  // After the component tokens: with no token file, the server's TokenReview still knows this one.
  authentication.tokenFile = withNodeClientToken(authentication.tokenFile, resources.nodeClient!);
  const extra = startExtraApis(opts, resources);
  let address = opts.listen;
  const handler = buildHandlerChain(
    defaultHandlerChain({
      logger,
      metrics: requestMetrics(metrics, custom.orServed(servedResources(types))),
      authentication: authentication.filter,
      authenticationEndpoints: authenticationEndpointsConfig(authentication, resources.registry, resources.typeOfKind, resources.maxBodyBytes),
      authorizer: authorization.authorizer,
      authorizationReviews: { authorizer: authorization.reviewer, maxBodyBytes: resources.maxBodyBytes },
      extraHandlers: opts.extraHandlers ?? [],
      ...extra.chain,
      limits,
      filterMetrics: filterMetrics(metrics),
    }),
    routeRequest(resources, nonResourceHandler({ types: [...types, ...extra.types], metrics, address: () => address, custom, store: opts.store })),
  );
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handler(newRequestContext(req, res)).catch((e: unknown) => {
      // The chain answers every error itself; this is only the last guard of the process.
      logger.error({ err: e }, "request failed outside the handler chain");
      res.destroy();
    });
  };
  const listening = await listen({ ...opts, clientCAFile: opts.authentication?.clientCAFile, limits }, onRequest);
  const upgrades = serveUpgrades(listening.server, onRequest);
  address = listening.address;
  const identity = apiServerIdentity(opts, resources, listening.address);
  const stopKubernetesService = kubernetesService(opts, resources, allocation, listening.address, identity).start();
  const stopCompaction = startCompaction(store, { historyRevisions: opts.historyRevisions, intervalMs: opts.compactIntervalMs }, logger);

  logger.info({ url: listening.url }, "API server listening");
  const { server, url } = listening;
  return {
    url, registry: resources.registry, metrics, server, componentTokens,
    close: async () => {
      stopCompaction();
      extra.stop();
      stopRepair();
      stopCustom();
      authorization.stop();
      stopKubernetesService();
      await identity.stop().catch(() => undefined);
      server.closeAllConnections();
      upgrades.closeAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The registry with its strategies, and the type lookups the resource handlers use. */
function resourceContext(opts: ApiServerOptions, allocation: ServiceAllocation, custom?: CustomResources, escalation: EscalationCheck = {}): ResourceContext {
  const { types, store } = opts;
  const typeOfKind = (kind: string) => {
    const t = types.find((x) => x.kind === kind);
    if (!t) throw new Error(`no resource type for kind ${kind}`);
    return t;
  };
  let registry: Registry | undefined;
  const strategies = createStrategies(types, allocation.allocator, {
    notReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
    unreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
    store,
    serviceAccounts: registryServiceAccountAdmission(Boolean(opts.authentication?.serviceAccountSigningKeyFile), () => registry!, typeOfKind),
    rbacEscalation: escalation,
    podSecurity: opts.podSecurity && registryPodSecurity(opts.podSecurity, () => registry!, typeOfKind, opts.logger.child({ admission: "PodSecurity" })),
  });
  registry = new Registry(store, strategies);
  return {
    registry,
    findType: (group, version, plural) => types.find((t) => t.group === group && t.version === version && t.plural === plural) ?? custom?.catalog.find(group, version, plural),
    typeOfKind,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    nodeClient: loadNodeClientCredential(opts.kubeletClientTokenFile),
  };
}

/** This server's identity Lease and master lease (identity/), which the kubernetes Service's endpoints follow. */
function apiServerIdentity(opts: ApiServerOptions, { registry }: ResourceContext, listening: string): ApiServerIdentity {
  const { host, port } = splitHostPort(listening);
  const self = { ip: advertiseAddress(host, opts.advertiseAddress), port };
  const logger = opts.logger.child({ controller: "apiserver-identity" });
  return startApiServerIdentity({ store: opts.store, registry, types: opts.types, self, reconcileIntervalMs: opts.kubernetesServiceIntervalMs, lease: opts.identityLease, logger });
}

function kubernetesService(opts: ApiServerOptions, { registry }: ResourceContext, allocation: ServiceAllocation, listening: string, identity: ApiServerIdentity) {
  const { host, port } = splitHostPort(listening);
  return new KubernetesServiceReconciler({
    registry,
    types: opts.types,
    clusterIP: allocation.allocator.ipRange.first(),
    self: { ip: advertiseAddress(host, opts.advertiseAddress), port },
    peers: identity.peers,
    intervalMs: opts.kubernetesServiceIntervalMs,
    logger: opts.logger.child({ controller: "kubernetes-service" }),
  });
}

/** The end of the chain: resource paths to the resource handlers, the rest to discovery & co. */
function routeRequest(resources: ResourceContext, nonResource: Handler): Handler {
  return (ctx) => (requestInfo(ctx).resource ? handleResource(resources, ctx) : nonResource(ctx));
}

async function ensureDefaultNamespaces({ registry, typeOfKind }: ResourceContext): Promise<void> {
  const namespaces = typeOfKind("Namespace");
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    if (await registry.tryGet(namespaces, undefined, name)) continue;
    const ns: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
    try {
      await registry.create(namespaces, undefined, ns, { fieldManager: "kubelab-apiserver" });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === "AlreadyExists")) throw e;
    }
  }
}

/** Is a resource name (plural, or plural/subresource) one of the served types'? */
function servedResources(types: readonly { plural: string }[]): (resource: string) => boolean {
  const plurals = new Set(types.map((t) => t.plural));
  return (resource) => plurals.has(resource.split("/")[0]!);
}
