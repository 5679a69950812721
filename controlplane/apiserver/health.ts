// /healthz, /livez and /readyz as kube-apiserver serves them (k8s.io/apiserver's healthz package):
// each runs its named checks; all passing is 200 "ok" (with ?verbose one "[+]name ok" line per
// check and "<endpoint> check passed"); any failing is 500 listing every check, a failed one as
// "[-]name failed: reason withheld" (the endpoints are public), and "<endpoint> check failed".
// ?exclude=name leaves a check out; /<endpoint>/<name> runs one check ("internal server error:
// <why>" when it fails). /livez does not ask the store: a server whose etcd is gone is not helped
// by a restart; /readyz does, so a load balancer takes that server out until etcd answers.
import type { Store } from "../storage/store";

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects with why not. */
  check(): Promise<void>;
}

export type HealthEndpoint = "healthz" | "livez" | "readyz";

export interface HealthChecks {
  healthz: HealthCheck[];
  livez: HealthCheck[];
  readyz: HealthCheck[];
}

export interface HealthReply {
  code: number;
  body: string;
}

const ping: HealthCheck = { name: "ping", check: async () => {} };

/** How long the store check waits for an answer (Kubernetes' etcd check: 2 s). */
export const STORE_CHECK_TIMEOUT_MS = 2000;

/** The store answers a read that needs its quorum (etcd: a linearizable range) within the timeout. */
export function storeCheck(store: Pick<Store, "currentRevision">, timeoutMs = STORE_CHECK_TIMEOUT_MS): HealthCheck {
  return {
    name: "etcd",
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the store did not answer within ${timeoutMs / 1000}s`)), timeoutMs);
      });
      try {
        await Promise.race([store.currentRevision(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The checks of each endpoint: ping everywhere, the store on /healthz and /readyz (not /livez). */
export function healthChecks(store?: Pick<Store, "currentRevision">): HealthChecks {
  const stored = store ? [storeCheck(store)] : [];
  return { healthz: [ping, ...stored], livez: [ping], readyz: [ping, ...stored] };
}

/** The endpoint and, for /<endpoint>/<check>, the check a path names; undefined when it is neither. */
export function healthPath(pathname: string): { endpoint: HealthEndpoint; check?: string } | undefined {
  const m = pathname.match(/^\/(healthz|livez|readyz)(?:\/([^/]+))?$/);
  return m ? { endpoint: m[1] as HealthEndpoint, check: m[2] } : undefined;
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Runs one endpoint's checks (or the one it names) as kube-apiserver answers them. */
export async function runHealth(checks: HealthCheck[], endpoint: HealthEndpoint, one: string | undefined, query: URLSearchParams): Promise<HealthReply | undefined> {
  if (one !== undefined) {
    const check = checks.find((c) => c.name === one);
    if (!check) return undefined;
    try {
      await check.check();
      return { code: 200, body: "ok" };
    } catch (e) {
      return { code: 500, body: `internal server error: ${why(e)}\n` };
    }
  }
  const excluded = new Set(query.getAll("exclude"));
  const run = checks.filter((c) => !excluded.has(c.name));
  const results = await Promise.all(run.map(async (c) => c.check().then(() => undefined, (e: unknown) => why(e))));
  const lines = run.map((c, i) => (results[i] === undefined ? `[+]${c.name} ok` : `[-]${c.name} failed: reason withheld`));
  const unknown = [...excluded].filter((n) => !checks.some((c) => c.name === n));
  if (unknown.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${unknown.map((n) => `"${n}"`).join(",")}`);
  const out = lines.map((l) => `${l}\n`).join("");
  if (results.some((r) => r !== undefined)) return { code: 500, body: `${out}${endpoint} check failed\n` };
  return { code: 200, body: query.has("verbose") ? `${out}${endpoint} check passed\n` : "ok" };
}
