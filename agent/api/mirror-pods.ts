// Mirror pods: each static pod shows in the API server as a pod of the same name (<name>-<node>)
// with the kubernetes.io/config.mirror annotation and the Node as owner. A missing mirror is
// created, a stale or deleted one replaced, one whose static pod is gone deleted.
import type { Logger } from "pino";
import { isAlreadyExists, isNotFound } from "../../client/errors";
import type { ApiClient } from "../../client/rest";
import { nodes, pods } from "../../client/resources";
import { MIRROR_ANNOTATION, isMirrorPod } from "../pod-manager";
import { CONFIG_HASH_ANNOTATION } from "../static-pods";
import type { Pod } from "../types";

export class MirrorPodManager {
  /** namespace/name -> mirror pod as the server has it. */
  private readonly mirrors = new Map<string, Pod>();
  private nodeUid?: string;
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private ready = false;

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly staticPods: () => Pod[],
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.reconcile(), 10_000);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  replace(all: Pod[]): void {
    this.mirrors.clear();
    for (const pod of all) if (isMirrorPod(pod)) this.mirrors.set(key(pod), pod);
    this.ready = true;
    this.reconcile();
  }

  upsert(pod: Pod): void {
    if (!isMirrorPod(pod)) return;
    this.mirrors.set(key(pod), pod);
    if (pod.metadata.deletionTimestamp) this.reconcile();
  }

  remove(pod: Pod): void {
    if (!isMirrorPod(pod)) return;
    if (this.mirrors.get(key(pod))?.metadata.uid === pod.metadata.uid) this.mirrors.delete(key(pod));
    this.reconcile();
  }

  reconcile(): void {
    if (!this.ready) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.doReconcile()
      .catch((err: Error) => this.log.warn({ err: err.message }, "mirror pod sync failed"))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.reconcile();
        }
      });
  }

  private async doReconcile(): Promise<void> {
    const wanted = new Map(this.staticPods().map((p) => [key(p), p]));
    for (const [k, mirror] of this.mirrors) {
      const pod = wanted.get(k);
      const stale = !pod || mirror.metadata.annotations?.[MIRROR_ANNOTATION] !== pod.metadata.uid;
      if (stale || mirror.metadata.deletionTimestamp) {
        await this.deleteMirror(mirror);
        this.mirrors.delete(k);
      }
    }
    for (const [k, pod] of wanted) {
      if (this.mirrors.has(k)) continue;
      const created = await this.createMirror(pod);
      if (created) this.mirrors.set(k, created);
    }
  }

  private async deleteMirror(mirror: Pod): Promise<void> {
    try {
      await this.client.delete(pods, mirror.metadata.namespace, mirror.metadata.name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: mirror.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
    }
  }

  private async createMirror(pod: Pod): Promise<Pod | undefined> {
    if (!this.nodeUid) {
      try {
        this.nodeUid = (await this.client.get(nodes, undefined, this.nodeName)).metadata.uid;
      } catch {
        // the Node is not registered yet: create without owner, fixed on the next mirror
      }
    }
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...meta } = pod.metadata;
    const body: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        ...meta,
        annotations: { ...pod.metadata.annotations, [MIRROR_ANNOTATION]: pod.metadata.uid, [CONFIG_HASH_ANNOTATION]: pod.metadata.uid },
        ...(this.nodeUid
          ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: this.nodeUid, controller: true }] }
          : {}),
      } as unknown as Pod["metadata"],
      spec: pod.spec,
    };
    try {
      const created = await this.client.create<Pod>(pods, pod.metadata.namespace, body);
      this.log.info({ pod: key(pod) }, "mirror pod created");
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) return undefined; // the informer will tell us what is there
      throw err;
    }
  }
}

function key(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}
