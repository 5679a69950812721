// Static pods from --manifest-url, as the kubelet's staticPodURL source does it: GET the URL at
// once and then every --http-check-frequency (20 s), with the --manifest-url-header headers. A 200
// with a Pod, a v1 List/PodList or several YAML documents sets the source's pods (a pod no longer
// served goes away); an empty 200 body sets none. Anything else (unreachable, not 200, bad YAML,
// not a pod) is logged and the last good set stays, so a flaky server never stops pods.
import type { Logger } from "pino";
import { staticPodsFromText } from "./static-pods";
import type { Pod } from "./types";

/** The kubelet's limits: a 10 s request timeout and at most 10 MB of manifest. */
const TIMEOUT_MS = 10_000;
const MAX_BYTES = 10 * 1024 * 1024;

export type HeaderList = Array<[name: string, value: string]>;

/** One --manifest-url-header value: "Name:Value[,Name:Value...]" (the kubelet's colon-separated
 *  multimap: the first colon splits, names and values are trimmed, a name may repeat). */
export function parseManifestUrlHeader(flag: string): HeaderList {
  const headers: HeaderList = [];
  for (const pair of flag.split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf(":");
    if (at < 0) throw new Error(`malformed pair ${JSON.stringify(pair)}, expect Name:Value`);
    const name = pair.slice(0, at).trim();
    if (name === "") throw new Error(`malformed pair ${JSON.stringify(pair)}: the header name is empty`);
    headers.push([name, pair.slice(at + 1).trim()]);
  }
  return headers;
}

/** What one poll found: pods to set, or why the last set stays. */
export type PollResult = { pods: Pod[] } | { error: string; pods?: Pod[] };

/** Decides what a response means (pure, apart from the clock in the seen annotation). */
export function interpretResponse(url: string, status: number, statusText: string, body: string, nodeName: string): PollResult {
  if (status !== 200) return { error: `${url}: ${status} ${statusText}`.trim() };
  // Like the kubelet: an empty body is an empty set (the source has spoken), and worth a warning.
  if (body.length === 0) return { pods: [], error: `zero-length data received from ${url}` };
  try {
    return { pods: staticPodsFromText(body, nodeName, url, "http") };
  } catch (err) {
    return { error: `${url}: could not be read as pods: ${(err as Error).message}` };
  }
}

async function readBody(res: Response): Promise<string> {
  const length = Number(res.headers.get("content-length") ?? 0);
  if (length > MAX_BYTES) throw new Error(`manifest larger than ${MAX_BYTES} bytes`);
  const text = await res.text();
  if (Buffer.byteLength(text) > MAX_BYTES) throw new Error(`manifest larger than ${MAX_BYTES} bytes`);
  return text;
}

export interface ManifestUrlOptions {
  url: string;
  headers: HeaderList;
  nodeName: string;
  periodMs: number;
  log: Logger;
  onPods(pods: Pod[]): void;
}

export class ManifestUrlSource {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** The body of the last 200: the same bytes again change nothing (and are not re-reported). */
  private last?: { body: string; good: boolean };
  private failures = 0;

  constructor(private readonly opts: ManifestUrlOptions) {}

  start(): void {
    this.opts.log.info({ url: this.opts.url, headers: this.opts.headers.map(([n]) => n) }, "watching the manifest URL");
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async loop(): Promise<void> {
    await this.poll();
    if (!this.stopped) this.timer = setTimeout(() => void this.loop(), this.opts.periodMs);
  }

  /** One GET; never throws. */
  async poll(): Promise<void> {
    const { url, nodeName } = this.opts;
    let result: PollResult;
    try {
      const headers = new Headers();
      for (const [name, value] of this.opts.headers) headers.append(name, value);
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "follow" });
      const body = await readBody(res);
      // A bad body served again was already reported: say nothing until it changes.
      if (res.status === 200 && body.length > 0 && body === this.last?.body) return this.last.good ? this.succeeded() : undefined;
      result = interpretResponse(url, res.status, res.statusText, body, nodeName);
      if (res.status === 200) this.last = { body, good: !("error" in result) };
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      result = { error: `${url}: ${(err as Error).message}${cause ? ` (${cause})` : ""}` };
    }
    if (result.pods) this.opts.onPods(result.pods);
    if ("error" in result) this.failed(result.error);
    else this.succeeded();
  }

  private succeeded(): void {
    if (this.failures > 0) this.opts.log.info({ url: this.opts.url }, "read pods from the manifest URL again");
    this.failures = 0;
  }

  // As the kubelet: the first three failures in a row are warnings, the rest debug lines.
  private failed(error: string): void {
    const log = this.opts.log;
    if (this.failures < 3) log.warn({ err: error }, "failed to read pods from the manifest URL; keeping the last good set");
    else if (this.failures === 3) log.warn({ err: error }, "failed to read pods from the manifest URL; further failures are logged at debug level");
    else log.debug({ err: error }, "failed to read pods from the manifest URL");
    this.failures++;
  }
}
