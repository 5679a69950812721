// Everything of the agent that talks to the API server: the Node and its Lease, the pods bound to
// this node (an informer with fieldSelector spec.nodeName=<me>), status writes, deleting pods
// whose containers are gone, mirror pods, events, ConfigMaps/Secrets for env and volumes, and
// the Services/Endpoints that feed the NodePort proxy. While the API server is away every loop
// retries with back-off and the pods keep running.
import type { Logger } from "pino";
import { ConnectionError, ignoreNotFound, isConflict, isNotFound } from "../../client/errors";
import { Informer } from "../../client/informer";
import { stripManagedFields } from "../../client/reflector";
import type { ApiClient } from "../../client/rest";
import { nodeApiClient } from "../bootstrap/transport";
import type { SharedInformers } from "../../client/informer-factory";
import { configmaps, pods, secrets } from "../../client/resources";
import type { ApiIntegration } from "../agent";
import type { AgentConfig } from "../config";
import type { VolumeSources } from "../volumes";
import { ServiceAccountTokens } from "../volumes-projected";
import type { Kubelet } from "../kubelet";
import { isMirrorPod } from "../pod-manager";
import type { DockerRuntime } from "../runtime/docker";
import { claimSource, startPvReclaimer } from "../pv-reclaimer";
import { ServiceProxy } from "../service-proxy";
import type { ConfigMap, Secret } from "../../api/core";
import type { Pod } from "../types";
import { EventRecorder } from "./events";
import { MirrorPodManager } from "./mirror-pods";
import { NodeStatusManager } from "./node-status";
import { StatusWriter } from "./status-writer";

/** The node's client (its certificate rotates under it: ../bootstrap/transport.ts). */
export function apiClientFor(cfg: AgentConfig): ApiClient {
  return nodeApiClient(cfg);
}

function getOrUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  return call().catch(ignoreNotFound);
}

/** ConfigMaps (and, apart, Secrets) a node remembers for when the API server is away. */
const LAST_KNOWN_CAPACITY = 1000;

/**
 * Reads through a memory of the last answer per key, served while the API server cannot be
 * reached (the kubelet's cached ConfigMap and Secret managers do the same): a pod's container
 * restarts with its volumes and env while the control plane is down.
 */
export function lastKnown<T>(capacity = LAST_KNOWN_CAPACITY): (key: string, call: () => Promise<T>) => Promise<T | undefined> {
  // In the order last read: names that pods stopped using (hash-suffixed ConfigMaps of every
  // rollout) fall out once more than `capacity` are kept, so the memory stays bounded.
  const seen = new Map<string, T | undefined>();
  return async (key, call) => {
    try {
      const v = await getOrUndefined(call);
      seen.delete(key);
      seen.set(key, v);
      if (seen.size > capacity) seen.delete(seen.keys().next().value!);
      return v;
    } catch (e) {
      if (e instanceof ConnectionError && seen.has(key)) return seen.get(key);
      throw e;
    }
  };
}

export function apiIntegration(cfg: AgentConfig, runtime: DockerRuntime, log: Logger): ApiIntegration {
  const client = apiClientFor(cfg);
  const abort = new AbortController();
  const statusWriter = new StatusWriter(client, log);
  const recorder = new EventRecorder(client, cfg.nodeName, log);
  const proxy = new ServiceProxy(cfg.address, log);
  let kubelet: Kubelet | undefined;
  let mirrors: MirrorPodManager | undefined;
  let nodeStatus: NodeStatusManager | undefined;
  const loops: Array<Promise<void>> = [];

  // Projected ServiceAccount tokens come from TokenRequest and are refreshed in place (../volumes-projected.ts).
  const tokens = new ServiceAccountTokens({ client, rootDir: cfg.rootDir, log });
  const configMap = lastKnown<ConfigMap>();
  const secret = lastKnown<Secret>();
  const config: VolumeSources = {
    getConfigMap: (ns, name) => configMap(`${ns}/${name}`, () => client.get<ConfigMap>(configmaps, ns, name)),
    getSecret: (ns, name) => secret(`${ns}/${name}`, () => client.get<Secret>(secrets, ns, name)),
    projection: tokens.projection,
    // Claims and volumes for pvc mounts (../pv-reclaimer.ts).
    ...claimSource(client),
  };

  return {
    config,
    hooks: {
      onStatus: (pod, status) => statusWriter.write(pod, status),
      onTerminated: async (pod) => {
        try {
          await client.delete(pods, pod.metadata.namespace, pod.metadata.name, {
            gracePeriodSeconds: 0,
            preconditions: { uid: pod.metadata.uid },
          });
          log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, "pod deleted");
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      },
      event: (pod, type, reason, message) => recorder.record(pod, type, reason, message),
      onStaticPods: () => mirrors?.reconcile(),
      onPodGone: (namespace, name) => statusWriter.drop(namespace, name),
    },
    async start(k: Kubelet, informers: SharedInformers) {
      kubelet = k;
      kubelet.podManager.apiSourceReady = false;
      nodeStatus = new NodeStatusManager({
        cfg,
        client,
        log,
        dockerVersion: () => runtime.version(),
        port: () => cfg.port,
      });
      nodeStatus.start();
      mirrors = new MirrorPodManager(client, cfg.nodeName, () => k.podManager.staticPodList(), log);
      mirrors.start();
      loops.push(watchPods({ client, cfg, log, kubelet: k, mirrors, statusWriter, signal: abort.signal }));
      watchServices(informers, proxy);
      startPvReclaimer({ client, nodeName: cfg.nodeName, rootDir: cfg.rootDir, log, signal: abort.signal });
    },
    async stop() {
      abort.abort();
      tokens.stop();
      nodeStatus?.stop();
      mirrors?.stop();
      statusWriter.stop();
      proxy.stop();
      await Promise.allSettled(loops);
    },
  };
}

interface PodWatch {
  client: ApiClient;
  cfg: AgentConfig;
  log: Logger;
  kubelet: Kubelet;
  mirrors: MirrorPodManager;
  statusWriter: StatusWriter;
  signal: AbortSignal;
}

/** The pods bound to this node: API pods to the kubelet, mirror pods to their manager. Resolves
 *  after the first list (only then may containers of unknown pods be treated as orphans). */
async function watchPods({ client, cfg, log, kubelet, mirrors, statusWriter, signal }: PodWatch): Promise<void> {
  // The agent writes only pods' status (a patch), never a cached pod back: no managedFields kept.
  const podInformer = new Informer<Pod>({ client, resource: pods, fieldSelector: `spec.nodeName=${cfg.nodeName}`, logger: log, transform: stripManagedFields });
  const upsertPod = (p: Pod): void => {
    statusWriter.observe(p);
    if (isMirrorPod(p)) mirrors.upsert(p);
    else kubelet.podManager.upsertApiPod(p);
  };
  podInformer.addEventHandler({
    onAdd: upsertPod,
    onUpdate: (_old, p) => upsertPod(p),
    onDelete: (p) => {
      statusWriter.forget(p);
      if (isMirrorPod(p)) mirrors.remove(p);
      else kubelet.podManager.removeApiPod(p.metadata.uid);
    },
  });
  podInformer.start(signal);
  if (!(await podInformer.waitForSync(signal))) return;
  kubelet.podManager.setApiPods(podInformer.list());
  mirrors.replace(podInformer.list());
}

/** Services and Endpoints (the node's shared caches) feed the NodePort proxy. */
function watchServices(informers: SharedInformers, proxy: ServiceProxy): void {
  informers.services().addEventHandler({
    onAdd: (s) => proxy.upsertService(s),
    onUpdate: (_old, s) => proxy.upsertService(s),
    onDelete: (s) => proxy.removeService(s),
  });
  informers.endpoints().addEventHandler({
    onAdd: (e) => proxy.upsertEndpoints(e),
    onUpdate: (_old, e) => proxy.upsertEndpoints(e),
    onDelete: (e) => proxy.removeEndpoints(e),
  });
}
