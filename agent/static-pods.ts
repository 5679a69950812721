// Static pods: manifests in --pod-manifest-path, read at start, on every change (fs.watch) and
// every 20 s. Each becomes a pod named <name>-<nodeName> whose uid is a hash of its manifest, so a
// changed file is a new pod; the agent runs them even without an API server.
import { createHash } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { parseAllDocuments } from "yaml";
import type { Pod } from "./types";

export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";

function defaultContainer(c: Record<string, unknown>): Record<string, unknown> {
  const image = String(c.image ?? "");
  const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "latest");
  return {
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: tag === "latest" ? "Always" : "IfNotPresent",
    ...c,
  };
}

/** Where a static pod came from: kubernetes.io/config.source, as the kubelet names its sources. */
export type StaticPodOrigin = "file" | "http";

/** One manifest document -> the static pod the agent runs (Kubernetes' defaults applied). `file`
 *  is the file's path or the URL: it goes into the uid, so the same pod from two places is two pods. */
export function staticPodFromManifest(doc: unknown, nodeName: string, file: string, origin: StaticPodOrigin = "file"): Pod {
  const obj = doc as Pod;
  if (!obj || typeof obj !== "object" || obj.kind !== "Pod") throw new Error(`${file}: not a Pod manifest`);
  if (!obj.metadata?.name) throw new Error(`${file}: metadata.name is required`);
  if (!Array.isArray(obj.spec?.containers) || obj.spec.containers.length === 0) {
    throw new Error(`${file}: spec.containers is required`);
  }
  const namespace = obj.metadata.namespace ?? "default";
  const name = `${obj.metadata.name}-${nodeName}`;
  const hash = createHash("md5")
    .update(JSON.stringify({ spec: obj.spec, metadata: { ...obj.metadata, namespace } }))
    .update(nodeName)
    .update(file)
    .digest("hex");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...obj.metadata,
      name,
      namespace,
      uid: hash,
      annotations: {
        ...obj.metadata.annotations,
        [CONFIG_HASH_ANNOTATION]: hash,
        [CONFIG_SOURCE_ANNOTATION]: origin,
        [CONFIG_SEEN_ANNOTATION]: new Date().toISOString(),
      },
    },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      ...obj.spec,
      containers: obj.spec.containers.map((c) => defaultContainer(c as unknown as Record<string, unknown>)) as unknown as Pod["spec"]["containers"],
      nodeName,
    } as Pod["spec"],
    status: {},
  };
}

/** A manifest's text -> its static pods: one Pod, a v1 List/PodList of Pods, or several YAML
 *  documents of either (the kubelet reads a Pod or a PodList; several documents are kubelab's
 *  addition). Throws on the first bad document, so a half-valid text changes nothing. */
export function staticPodsFromText(text: string, nodeName: string, file: string, origin: StaticPodOrigin = "file"): Pod[] {
  const pods: Pod[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as { kind?: string; items?: unknown } | null;
    if (value == null) continue;
    if (typeof value === "object" && (value.kind === "List" || value.kind === "PodList")) {
      if (!Array.isArray(value.items)) throw new Error(`${file}: a ${value.kind} needs items`);
      for (const item of value.items) pods.push(staticPodFromManifest(item, nodeName, file, origin));
    } else {
      pods.push(staticPodFromManifest(value, nodeName, file, origin));
    }
  }
  return pods;
}

/** Parsed manifests by path, reused while the file's size and mtime stay the same. */
export type ManifestCache = Map<string, { stamp: string; pods: Pod[] }>;

export async function readManifestDir(dir: string, nodeName: string, log: Logger, cache: ManifestCache = new Map()): Promise<Pod[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.(ya?ml|json)$/.test(n) && !n.startsWith(".")).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const pods: Pod[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const file = join(dir, name);
    seen.add(file);
    try {
      const info = await stat(file);
      const stamp = `${info.size}:${info.mtimeMs}`;
      const cached = cache.get(file);
      if (cached && cached.stamp === stamp) {
        pods.push(...cached.pods);
        continue;
      }
      const parsed = staticPodsFromText(await readFile(file, "utf8"), nodeName, file);
      cache.set(file, { stamp, pods: parsed });
      pods.push(...parsed);
    } catch (err) {
      cache.delete(file);
      log.warn({ file, err: (err as Error).message }, "could not read static pod manifest");
    }
  }
  for (const file of cache.keys()) if (!seen.has(file)) cache.delete(file);
  return pods;
}

/** Watches the folder and calls onPods with the folder's full set whenever it may have changed. */
export class StaticPodSource {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private readonly cache: ManifestCache = new Map();

  constructor(
    private readonly dir: string,
    private readonly nodeName: string,
    private readonly rescanMs: number,
    private readonly log: Logger,
    private readonly onPods: (pods: Pod[]) => void,
  ) {}

  async start(): Promise<void> {
    await this.scan();
    try {
      this.watcher = watch(this.dir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.scan(), 100);
      });
      this.watcher.on("error", () => undefined);
    } catch (err) {
      this.log.warn({ dir: this.dir, err: (err as Error).message }, "cannot watch the manifest folder; rescanning only");
    }
    this.timer = setInterval(() => void this.scan(), this.rescanMs);
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  async scan(): Promise<void> {
    try {
      this.onPods(await readManifestDir(this.dir, this.nodeName, this.log, this.cache));
    } catch (err) {
      this.log.warn({ dir: this.dir, err: (err as Error).message }, "static pod scan failed");
    }
  }
}
