// What the node knows of the cluster's Services: the Services and Endpoints of every namespace
// (the agent's shared informers, which the NodePort and kernel proxies read too), which feed the node's cluster DNS (agent/dns) and the
// `<SVC>_SERVICE_HOST/_PORT` variables of its containers (service-env.ts).
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Endpoints, Service } from "../../api/core";
import type { Informer } from "../../client/informer";
import type { SharedInformers } from "../../client/informer-factory";
import type { ClusterDns } from "../dns";
import type { Pod } from "../types";
import { serviceEnvForPod } from "./service-env";

/** The kubelet's message when a container would start before the Services were read once. */
export const SERVICES_NOT_SYNCED = "services have not yet been read at least once, cannot construct envvars";

export class ClusterServices {
  readonly services: Informer<Service>;
  readonly endpoints: Informer<Endpoints>;
  private readonly abort = new AbortController();

  /** `informers`: started (and stopped) by their owner, the agent. */
  constructor(informers: SharedInformers, private readonly log: Logger) {
    this.services = informers.services();
    this.endpoints = informers.endpoints();
  }

  /** Ends the waits of serviceEnv. */
  stop(): void {
    this.abort.abort();
  }

  /**
   * The Service variables of a container of the pod. Waits up to waitMs for the first list of
   * Services (the agent has just started); undefined when it has still not come.
   */
  async serviceEnv(pod: Pod, waitMs = 5000): Promise<Map<string, string> | undefined> {
    if (!this.services.hasSynced()) {
      const timeout = AbortSignal.any([this.abort.signal, AbortSignal.timeout(waitMs)]);
      if (!(await this.services.waitForSync(timeout))) return undefined;
    }
    return serviceEnvForPod(pod, this.services.list());
  }

  /** The node's cluster DNS, on address:port (the pod bridge's gateway, port 53). Loaded here:
   *  a node without a pod bridge of its own never serves it. */
  async startDns(address: string, port: number, metrics?: Registry): Promise<ClusterDns> {
    const { startClusterDns } = await import("../dns");
    return startClusterDns({ services: this.services, endpoints: this.endpoints, listen: [{ address, port }], logger: this.log, metrics });
  }
}
