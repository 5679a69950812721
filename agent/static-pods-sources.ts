// The static pod sources of one agent (the kubelet's PodConfig for its non-API sources): the
// manifest folder (./static-pods.ts) and the manifest URL (./manifest-url.ts) each report their
// full set; this merges them into the pod manager's one set of static pods. Pods posted to the
// agent's own API (./pod-api.ts) are files in the folder, so they come through the folder source.
import { mkdir } from "node:fs/promises";
import type { Logger } from "pino";
import type { AgentConfig } from "./config";
import { ManifestUrlSource } from "./manifest-url";
import type { PodManager } from "./pod-manager";
import { CONFIG_SEEN_ANNOTATION, StaticPodSource } from "./static-pods";
import type { Pod } from "./types";

export type StaticSourceName = "file" | "http";

/** The union of every source's last reported set. A source that has not reported yet counts as
 *  empty; only when all have reported are containers no source knows orphans (the kubelet's
 *  sourcesReady), so an agent restarted while its URL is down does not kill the URL's pods. */
export class StaticPodSet {
  private readonly bySource = new Map<StaticSourceName, Pod[] | undefined>();
  private seenAt = new Map<string, string>();

  constructor(private readonly publish: (pods: Pod[], allReported: boolean) => void) {}

  /** Adds a source; the returned function is how it reports its full set. */
  register(name: StaticSourceName): (pods: Pod[]) => void {
    this.bySource.set(name, undefined);
    return (pods) => {
      this.bySource.set(name, pods);
      this.emit();
    };
  }

  private emit(): void {
    const pods = [...this.bySource.values()].flatMap((p) => p ?? []);
    // The first-seen time of a pod stays what it was, so a rescan does not look like a change.
    const seen = new Map<string, string>();
    for (const pod of pods) {
      const annotations = (pod.metadata.annotations ??= {});
      const at = this.seenAt.get(pod.metadata.uid) ?? annotations[CONFIG_SEEN_ANNOTATION] ?? new Date().toISOString();
      annotations[CONFIG_SEEN_ANNOTATION] = at;
      seen.set(pod.metadata.uid, at);
    }
    this.seenAt = seen;
    this.publish(pods, [...this.bySource.values()].every((p) => p !== undefined));
  }
}

export interface StaticSources {
  /** Re-reads the folder now (after the agent's own API wrote to it). */
  rescanFolder(): Promise<void>;
  stop(): void;
}

/** Starts the folder and URL sources the config names and feeds the pod manager. */
export async function startStaticPodSources(cfg: AgentConfig, podManager: PodManager, log: Logger): Promise<StaticSources> {
  const set = new StaticPodSet((pods, allReported) => {
    podManager.setStaticPods(pods);
    podManager.staticSourceReady = allReported;
  });
  const folder = cfg.podManifestPath
    ? new StaticPodSource(cfg.podManifestPath, cfg.nodeName, cfg.staticPodRescanMs, log, set.register("file"))
    : undefined;
  const url = cfg.manifestUrl
    ? new ManifestUrlSource({
        url: cfg.manifestUrl,
        headers: cfg.manifestUrlHeaders ?? [],
        nodeName: cfg.nodeName,
        periodMs: cfg.httpCheckFrequencyMs ?? 20_000,
        log,
        onPods: set.register("http"),
      })
    : undefined;
  if (!folder && !url) podManager.setStaticPods([]);
  if (folder) {
    await mkdir(cfg.podManifestPath!, { recursive: true });
    await folder.start();
  }
  url?.start();
  return {
    rescanFolder: async () => folder?.scan(),
    stop() {
      folder?.stop();
      url?.stop();
    },
  };
}
