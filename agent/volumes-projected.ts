// The serviceAccountToken source of projected volumes, as the kubelet's token manager serves it:
// a token bound to the pod from the API server's TokenRequest (serviceaccounts/<name>/token),
// kept per pod and audience, and rewritten in the pod's volume before 80 % of its lifetime has
// passed (the kubelet's rule), for as long as the pod's volume directory exists.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { TokenRequest } from "../api/authentication";
import type { ApiClient } from "../client/rest";
import { resourcePath, serviceaccounts } from "../client/resources";
import { ContainerConfigError } from "./env";
import type { Pod } from "./types";
import type { ProjectionHook, VolumeProjection } from "./volume-downward";
import { containedPath } from "./volume-paths";

type TokenSource = NonNullable<VolumeProjection["serviceAccountToken"]>;

interface Token {
  token: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export interface ServiceAccountTokensOptions {
  client: ApiClient;
  /** The agent's --root-dir: volumes live in <root>/pods/<uid>/volumes/<name>. */
  rootDir: string;
  log: Logger;
  now?: () => number;
}

/** Refresh when this share of a token's lifetime has passed (the kubelet's 80 %). */
const REFRESH_AT = 0.8;
const RETRY_MS = 10_000;

/** Is a token past the point where the kubelet would fetch a new one? */
export function needsRefresh(t: Token, now: number): boolean {
  return now >= t.issuedAt + REFRESH_AT * (t.expiresAt - t.issuedAt);
}

export class ServiceAccountTokens {
  private readonly tokens = new Map<string, Token>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly o: ServiceAccountTokensOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The hook volumes.ts calls for each projected source (undefined: not a token source). */
  readonly projection: ProjectionHook = async (pod, source, mode) => {
    const sat = source.serviceAccountToken;
    if (!sat) return undefined;
    const t = await this.token(pod, sat);
    this.scheduleRefresh(pod, sat, mode, t);
    return [{ path: sat.path, content: Buffer.from(t.token), mode }];
  };

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** The pod's token for this source: the cached one unless it needs a refresh. */
  async token(pod: Pod, sat: TokenSource): Promise<Token> {
    const key = `${pod.metadata.uid}/${sat.audience ?? ""}/${sat.expirationSeconds ?? 3600}`;
    const cached = this.tokens.get(key);
    if (cached && !needsRefresh(cached, this.now())) return cached;
    const fresh = await this.request(pod, sat);
    this.tokens.set(key, fresh);
    return fresh;
  }

  private async request(pod: Pod, sat: TokenSource): Promise<Token> {
    const ns = pod.metadata.namespace;
    const sa = pod.spec.serviceAccountName || "default";
    const body: TokenRequest = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: {},
      spec: {
        ...(sat.audience ? { audiences: [sat.audience] } : {}),
        expirationSeconds: sat.expirationSeconds ?? 3600,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    const requested = this.now();
    let out: TokenRequest;
    try {
      out = await this.o.client.raw<TokenRequest>("POST", `${resourcePath(serviceaccounts, ns, sa)}/token`, body);
    } catch (e) {
      throw new ContainerConfigError(`failed to fetch token for service account ${ns}/${sa}: ${(e as Error).message}`);
    }
    const token = out.status?.token;
    const expiresAt = Date.parse(out.status?.expirationTimestamp ?? "");
    if (!token || Number.isNaN(expiresAt)) throw new ContainerConfigError(`the token request for service account ${ns}/${sa} returned no token`);
    return { token, issuedAt: requested, expiresAt };
  }

  /** Rewrites the token file before 80 % of the lifetime, while the pod's volume exists. */
  private scheduleRefresh(pod: Pod, sat: TokenSource, mode: number, t: Token): void {
    const volume = (pod.spec.volumes ?? []).find((v) => (v.projected?.sources ?? []).some((s) => s.serviceAccountToken?.path === sat.path));
    if (!volume || this.stopped) return;
    const dir = join(this.o.rootDir, "pods", pod.metadata.uid, "volumes", volume.name);
    const file = containedPath(dir, sat.path, `path in projected volume "${volume.name}"`);
    const delay = Math.max(1000, t.issuedAt + REFRESH_AT * (t.expiresAt - t.issuedAt) - this.now() + 1);
    this.arm(file, delay, async () => {
      if (!existsSync(dir)) return this.forget(pod);
      try {
        const next = await this.token(pod, sat);
        await writeAtomically(file, next.token, mode);
        this.o.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, file }, "service account token refreshed");
        this.scheduleRefresh(pod, sat, mode, next);
      } catch (e) {
        this.o.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: (e as Error).message }, "service account token refresh failed; retrying");
        this.arm(file, RETRY_MS, async () => this.scheduleRefresh(pod, sat, mode, { ...t, issuedAt: 0, expiresAt: 0 }));
      }
    });
  }

  private arm(file: string, delay: number, fire: () => Promise<void>): void {
    clearTimeout(this.timers.get(file));
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(file);
      void fire();
    }, delay);
    timer.unref();
    this.timers.set(file, timer);
  }

  private forget(pod: Pod): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${pod.metadata.uid}/`)) this.tokens.delete(key);
  }
}

/** Beside it, then renamed over it: a reader in the container never sees half a token. */
async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}
