// The pods this node must run, from its two sources (the kubelet's pod manager): API pods (an
// informer with spec.nodeName=<me>) and static pods (the manifest folder). Every change names the
// pod uids it touched, so the kubelet can wake their workers; it holds no status.
import type { Pod } from "./types";

export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined;
}

export class PodManager {
  private readonly apiPods = new Map<string, Pod>();
  private readonly staticPods = new Map<string, Pod>();
  /** The API source has listed once (or there is none): only then are unknown pods orphans. */
  apiSourceReady = false;
  staticSourceReady = false;

  constructor(
    /** Called for every uid whose desired pod appeared, changed or went away. */
    private readonly changed: (uid: string) => void,
    private readonly onStaticPods?: () => void,
  ) {}

  /** Replaces the whole set of API pods (after a list). Mirror pods are not pods to run. */
  setApiPods(pods: Pod[]): void {
    const next = new Map(pods.filter((p) => !isMirrorPod(p)).map((p) => [p.metadata.uid, p]));
    const gone = [...this.apiPods.keys()].filter((uid) => !next.has(uid));
    this.apiPods.clear();
    for (const [uid, pod] of next) this.apiPods.set(uid, pod);
    this.apiSourceReady = true;
    for (const uid of [...gone, ...next.keys()]) this.changed(uid);
  }

  upsertApiPod(pod: Pod): void {
    if (isMirrorPod(pod)) return;
    this.apiPods.set(pod.metadata.uid, pod);
    this.changed(pod.metadata.uid);
  }

  removeApiPod(uid: string): void {
    if (this.apiPods.delete(uid)) this.changed(uid);
  }

  setStaticPods(pods: Pod[]): void {
    const next = new Map(pods.map((p) => [p.metadata.uid, p]));
    const touched = [...this.staticPods.keys()].filter((uid) => !next.has(uid));
    for (const [uid, pod] of next) {
      const before = this.staticPods.get(uid);
      if (!before || JSON.stringify(before) !== JSON.stringify(pod)) touched.push(uid);
    }
    this.staticPods.clear();
    for (const [uid, pod] of next) this.staticPods.set(uid, pod);
    this.staticSourceReady = true;
    for (const uid of touched) this.changed(uid);
    this.onStaticPods?.();
  }

  desired(uid: string): Pod | undefined {
    return this.staticPods.get(uid) ?? this.apiPods.get(uid);
  }

  staticPodList(): Pod[] {
    return [...this.staticPods.values()];
  }

  /** Static pods first, then API pods. */
  all(): Pod[] {
    return [...this.staticPods.values(), ...this.apiPods.values()];
  }

  uids(): string[] {
    return [...this.apiPods.keys(), ...this.staticPods.keys()];
  }

  counts(): { static: number; api: number } {
    return { static: this.staticPods.size, api: this.apiPods.size };
  }

  /** A pod by namespace and name (mirror names resolve to static pods). */
  find(namespace: string, name: string): Pod | undefined {
    return this.all().find((pod) => pod.metadata.namespace === namespace && pod.metadata.name === name);
  }
}
