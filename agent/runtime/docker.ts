// The container runtime: the only place that talks to Docker (through dockerode). The agent
// re-lists it every second (PLEG-style) and trusts what it sees; inspect results are cached per
// container and state, so a quiet node costs one list call per relist.
import Docker from "dockerode";
import type { Readable } from "node:stream";
import { PassThrough } from "node:stream";
import { ConcurrencyLimiter } from "../../client/limiter";
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_GRACE,
  LABEL_HASH,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_SOURCE,
  SANDBOX_CONTAINER_NAME,
} from "./labels";
import { demuxBuffer, streamEnd } from "./streams";

export type RuntimeState = "created" | "running" | "exited" | "unknown";

export interface RuntimeContainer {
  id: string;
  /** Docker's name without the leading slash. */
  dockerName: string;
  podUid: string;
  podName: string;
  podNamespace: string;
  /** Container name in the pod spec; "POD" for the sandbox. */
  container: string;
  isSandbox: boolean;
  attempt: number;
  hash?: string;
  gracePeriodSeconds: number;
  source: string;
  state: RuntimeState;
  image: string;
  imageID: string;
  /** Unix seconds. */
  created: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  error?: string;
  /** The sandbox's IP on its Docker network. */
  ip?: string;
}

export interface DockerRuntimeOptions {
  nodeName: string;
  /** DOCKER_HOST style: unix:///var/run/docker.sock or tcp://host:port. */
  dockerHost?: string;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";
const MAX_PARALLEL_STARTS = Number(process.env.KUBELAB_AGENT_PARALLEL_STARTS ?? 8);

function dockerFromHost(host: string | undefined): Docker {
  if (!host) return new Docker();
  if (host.startsWith("unix://")) return new Docker({ socketPath: host.slice("unix://".length) });
  const url = new URL(host.replace(/^tcp:/, "http:"));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: "http" });
}

function normalState(state: string): RuntimeState {
  if (state === "running" || state === "restarting" || state === "paused") return "running";
  if (state === "created") return "created";
  if (state === "exited" || state === "dead") return "exited";
  return "unknown";
}

export class DockerRuntime {
  readonly docker: Docker;
  private readonly nodeName: string;
  private readonly inspectCache = new Map<string, { key: string; value: Partial<RuntimeContainer> }>();

  constructor(opts: DockerRuntimeOptions) {
    this.docker = dockerFromHost(opts.dockerHost);
    this.nodeName = opts.nodeName;
  }

  private versionCache?: { value: string; at: number };

  /** Docker's version (cached for 5 minutes: the node status asks every 10 s). */
  async version(): Promise<string> {
    if (this.versionCache && Date.now() - this.versionCache.at < 300_000) return this.versionCache.value;
    const v = await this.docker.version();
    this.versionCache = { value: v.Version, at: Date.now() };
    return v.Version;
  }

  /** Every container this node's agent made (running or not), with details from inspect. */
  async list(): Promise<RuntimeContainer[]> {
    const raw = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_NODE}=${this.nodeName}`] },
    });
    const seen = new Set<string>();
    const result = await Promise.all(
      raw.map(async (c) => {
        seen.add(c.Id);
        const labels = c.Labels ?? {};
        const container = labels[LABEL_CONTAINER_NAME] ?? "";
        const base: RuntimeContainer = {
          id: c.Id,
          dockerName: (c.Names?.[0] ?? "").replace(/^\//, ""),
          podUid: labels[LABEL_POD_UID] ?? "",
          podName: labels[LABEL_POD_NAME] ?? "",
          podNamespace: labels[LABEL_POD_NAMESPACE] ?? "",
          container,
          isSandbox: container === SANDBOX_CONTAINER_NAME,
          attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
          hash: labels[LABEL_HASH],
          gracePeriodSeconds: Number(labels[LABEL_GRACE] ?? 30),
          source: labels[LABEL_SOURCE] ?? "api",
          state: normalState(c.State),
          image: c.Image,
          imageID: c.ImageID,
          created: c.Created,
        };
        // We never restart a container in place, so its state names one inspect result.
        const details = await this.details(c.Id, c.State);
        return { ...base, ...details };
      }),
    );
    for (const id of this.inspectCache.keys()) if (!seen.has(id)) this.inspectCache.delete(id);
    return result;
  }

  private async details(id: string, key: string): Promise<Partial<RuntimeContainer>> {
    const cached = this.inspectCache.get(id);
    if (cached && cached.key === key) return cached.value;
    try {
      const info = await this.docker.getContainer(id).inspect();
      const networks = Object.values(info.NetworkSettings?.Networks ?? {});
      const value: Partial<RuntimeContainer> = {
        startedAt: info.State.StartedAt && info.State.StartedAt !== ZERO_TIME ? info.State.StartedAt : undefined,
        finishedAt: info.State.FinishedAt && info.State.FinishedAt !== ZERO_TIME ? info.State.FinishedAt : undefined,
        exitCode: info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        error: info.State.Error || undefined,
        ip: (info.NetworkSettings as { IPAddress?: string })?.IPAddress || networks.find((n) => n.IPAddress)?.IPAddress || undefined,
      };
      this.inspectCache.set(id, { key, value });
      return value;
    } catch {
      return {};
    }
  }

  /**
   * Makes sure the Docker network the pods join exists; with a subnet (the node's pod CIDR) a
   * missing one is created as a bridge on it, as the GCE workers need (each node's pod CIDR is
   * routed to it by the VPC). Returns the subnet the network actually has.
   */
  async ensureNetwork(name: string, subnet?: string): Promise<string | undefined> {
    const existing = await this.docker.getNetwork(name).inspect().catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404) return undefined;
      throw err;
    });
    if (existing) return existing.IPAM?.Config?.[0]?.Subnet;
    if (!subnet) throw new Error(`Docker network "${name}" does not exist (give --pod-cidr to create it)`);
    const base = subnet.split("/")[0]!.split(".").map(Number);
    const gateway = `${base[0]}.${base[1]}.${base[2]}.${(base[3] ?? 0) + 1}`;
    await this.docker.createNetwork({
      Name: name,
      Driver: "bridge",
      CheckDuplicate: true,
      IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: gateway }] },
      Labels: { [LABEL_NODE]: this.nodeName, "io.kubelab.managed": "true" },
    });
    return subnet;
  }

  async ipOf(id: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const networks = Object.values(info.NetworkSettings?.Networks ?? {});
      return (info.NetworkSettings as { IPAddress?: string })?.IPAddress || networks.find((n) => n.IPAddress)?.IPAddress || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Calls onEvent for every lifecycle event of this node's containers (create, start, die,
   * destroy...), reconnecting after a broken stream. Returns a function that stops it and a
   * flag telling whether the stream is connected (so the relist may slow down).
   */
  watchEvents(onEvent: (action: string) => void): { stop(): void; connected(): boolean } {
    let stopped = false;
    let connected = false;
    let current: NodeJS.ReadableStream | undefined;
    const connect = (): void => {
      if (stopped) return;
      this.docker.getEvents(
        { filters: { type: ["container"], label: [`${LABEL_NODE}=${this.nodeName}`] } },
        (err: Error | null, stream?: NodeJS.ReadableStream) => {
          if (err || !stream) {
            connected = false;
            setTimeout(connect, 1000).unref?.();
            return;
          }
          if (stopped) {
            (stream as unknown as { destroy(): void }).destroy();
            return;
          }
          current = stream;
          connected = true;
          onEvent("connected");
          let buffer = "";
          stream.on("data", (chunk: Buffer) => {
            buffer += chunk.toString();
            let nl: number;
            while ((nl = buffer.indexOf("\n")) >= 0) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              try {
                onEvent((JSON.parse(line) as { Action?: string }).Action ?? "");
              } catch {
                onEvent("unknown");
              }
            }
          });
          const reconnect = (): void => {
            if (current !== stream) return;
            connected = false;
            current = undefined;
            setTimeout(connect, 1000).unref?.();
          };
          stream.on("end", reconnect);
          stream.on("error", reconnect);
          stream.on("close", reconnect);
        },
      );
    };
    connect();
    return {
      stop: () => {
        stopped = true;
        connected = false;
        (current as unknown as { destroy?(): void } | undefined)?.destroy?.();
      },
      connected: () => connected,
    };
  }

  /** The image's id when present locally, else undefined. */
  async imageId(ref: string): Promise<{ id: string; user: string } | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return { id: info.Id, user: info.Config?.User ?? "" };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async pull(ref: string, timeoutMs = 60_000): Promise<void> {
    const pulling = new Promise<void>((resolve, reject) => {
      this.docker.pull(ref, {}, (err: Error | null, stream?: NodeJS.ReadableStream) => {
        if (err || !stream) return reject(err ?? new Error("no pull stream"));
        this.docker.modem.followProgress(stream, (done: Error | null, events: Array<{ error?: string }>) => {
          const failed = events?.find((e) => e.error);
          if (done) reject(done);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        });
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`pulling ${ref} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([pulling, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Creates and starts a container; returns its id. Removes a leftover of the same name.
   *  At most a few at a time: a burst of 100 pods is faster when dockerd is not thrashing. */
  async run(opts: Docker.ContainerCreateOptions): Promise<string> {
    return this.starts.run(() => this.createAndStart(opts));
  }

  private readonly starts = new ConcurrencyLimiter(MAX_PARALLEL_STARTS);

  private async createAndStart(opts: Docker.ContainerCreateOptions): Promise<string> {
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(opts);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409 || !opts.name) throw err;
      await this.remove(opts.name);
      container = await this.docker.createContainer(opts);
    }
    try {
      await container.start();
    } catch (err) {
      // Keep the created container: its state (and Docker's error) is what status reports.
      throw err;
    }
    return container.id;
  }

  /** SIGTERM, wait up to gracePeriodSeconds, then SIGKILL (Docker's stop does exactly that). */
  async stop(id: string, gracePeriodSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.round(gracePeriodSeconds)) });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw err;
    }
  }

  async kill(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill();
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 409 && code !== 404 && code !== 304) throw err;
    }
  }

  async remove(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).remove({ force: true, v: true });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw err;
    }
    this.inspectCache.delete(idOrName);
  }

  /** Runs a command in a running container; resolves with its exit code and output. */
  async exec(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    let output = "";
    out.on("data", (chunk: Buffer) => {
      if (output.length < 10_000) output += chunk.toString();
    });
    this.docker.modem.demuxStream(stream, out, out);
    await streamEnd(stream, timeoutMs, `command timed out after ${timeoutMs} ms`);
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output };
  }

  /** Docker logs of one container, demuxed into one stream of bytes. */
  async logs(
    id: string,
    opts: { follow: boolean; tail?: number; timestamps: boolean; since?: number },
  ): Promise<Readable> {
    const container = this.docker.getContainer(id);
    const out = new PassThrough();
    const base = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps,
      tail: opts.tail ?? ("all" as unknown as number),
      since: opts.since ?? 0,
    };
    if (opts.follow) {
      const stream = (await container.logs({ ...base, follow: true })) as NodeJS.ReadableStream;
      this.docker.modem.demuxStream(stream, out, out);
      stream.on("end", () => out.end());
      stream.on("error", (err: Error) => out.destroy(err));
      out.on("close", () => (stream as Readable).destroy());
    } else {
      const buffer = (await container.logs({ ...base, follow: false })) as Buffer;
      out.end(demuxBuffer(buffer));
    }
    return out;
  }

  /** One sample; oneShot skips Docker's one-second wait for a second CPU sample. */
  async stats(id: string, oneShot = false): Promise<Docker.ContainerStats | undefined> {
    try {
      const opts = oneShot ? ({ stream: false, "one-shot": true } as { stream: false }) : { stream: false as const };
      return await this.docker.getContainer(id).stats(opts);
    } catch {
      return undefined;
    }
  }
}
