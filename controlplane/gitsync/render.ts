// The first two phases of a run, which only read: the source (credentials from the Secret, the
// cache, the revision resolved with ls-remote) and the render (fetch exactly that commit, read
// its manifests, resolve each object's resource and stamp ownership). Each returns what it found;
// parse and mapping errors are part of the result, git failures are thrown (GitSourceError).
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { GitRepository, SyncError } from "../../api/gitops";
import { ignoreNotFound, secrets, type ApiClient } from "../../client";
import { isForbidden, prepareObjects, type PreparedObject } from "./apply";
import { GitSourceError, type GitAuth } from "./git";
import type { RestMapper } from "./mapper";
import { posix } from "node:path";
import { isKustomizeDir, KUSTOMIZATION_FILES, renderKustomization } from "./kustomize";
import { findDuplicates, normalizeRepoPath, readManifests, type ReadOptions, type ReadResult, type Snapshot } from "./manifests";
import { sourceLabelValue } from "./plan";
import { GitSource, type GitReference, type ResolvedRevision } from "./source";

export interface SourceResult {
  source: GitSource;
  ref: GitReference;
  /** The revision the remote's ref points at now. */
  resolved: ResolvedRevision;
}

export interface RenderResult {
  /** The revision actually read (newer than resolved if the branch moved during the fetch). */
  fetched: ResolvedRevision;
  objects: PreparedObject[];
  /** Files that did not parse, kinds the server does not serve. */
  errors: SyncError[];
}

export interface SourceOptions {
  client: ApiClient;
  cacheDir: string;
  gitTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Opens the repository's git source and resolves its ref. */
export async function resolveSource(repo: GitRepository, opts: SourceOptions): Promise<SourceResult> {
  const ns = repo.metadata.namespace!;
  const name = repo.metadata.name!;
  const ref: GitReference = repo.spec.ref ? { ...repo.spec.ref } : { branch: repo.spec.branch };
  const auth = await credentials(repo, opts.client, opts.signal);
  const source = new GitSource({ url: repo.spec.url, dir: cachePath(opts.cacheDir, ns, name, repo.spec.url), auth, timeoutMs: opts.gitTimeoutMs, signal: opts.signal });
  return { source, ref, resolved: await source.resolve(ref) };
}

export interface RenderTarget {
  /** Namespace of the GitRepository (the default for namespaced objects without one). */
  namespace: string;
  name: string;
  paths?: string[];
}

/** Fetches the resolved commit and turns its manifests into the objects a sync applies. */
export async function renderRevision(src: SourceResult, target: RenderTarget, mapper: RestMapper): Promise<RenderResult> {
  const fetched = await src.source.fetch(src.resolved, src.ref);
  const snapshot = await src.source.snapshot(fetched.sha);
  const read = await readPaths(snapshot, {
    paths: target.paths,
    namespaceOf: (o) => {
      const r = mapper.cached(o.apiVersion, o.kind);
      return r && !r.namespaced ? undefined : (o.metadata.namespace ?? target.namespace);
    },
  });
  const prepared = await prepareObjects(read.manifests, mapper, { defaultNamespace: target.namespace, source: sourceLabelValue(target.namespace, target.name), sha: fetched.sha });
  return { fetched, objects: prepared.objects, errors: [...read.errors, ...prepared.errors] };
}

/**
 * The manifests of the selected paths: a path holding a kustomization is rendered as
 * `kubectl kustomize` renders it; the other paths are read as plain YAML, as before.
 */
export async function readPaths(snapshot: Snapshot, opts: ReadOptions): Promise<ReadResult> {
  const paths = opts.paths?.length ? opts.paths : [""];
  const kustomized = paths.filter((p) => {
    const dir = normalizeRepoPath(p);
    return dir !== undefined && isKustomizeDir(snapshot, dir);
  });
  const plain = paths.filter((p) => !kustomized.includes(p));
  const out: ReadResult = plain.length ? notKustomizations(await readManifests(snapshot, { ...opts, paths: plain })) : { manifests: [], errors: [] };
  if (kustomized.length === 0) return out;
  for (const p of kustomized) {
    const r = await renderKustomization(snapshot, normalizeRepoPath(p)!);
    out.manifests.push(...r.manifests);
    out.errors.push(...r.errors);
  }
  // Plain paths were checked among themselves; now across everything (two overlays of one base).
  const known = new Set(out.errors.filter((e) => e.reason === "DuplicateObject").map((e) => `${e.file}:${e.line}`));
  out.errors.push(...findDuplicates(out.manifests, opts.namespaceOf).filter((e) => !known.has(`${e.file}:${e.line}`)));
  return out;
}

/**
 * A kustomization file met while reading a plain directory is not an object to apply: say how to
 * render it instead of reporting it as a broken manifest.
 */
function notKustomizations(read: ReadResult): ReadResult {
  const isKustomization = (file?: string) => file !== undefined && KUSTOMIZATION_FILES.includes(posix.basename(file));
  const files = new Set([...read.manifests.map((m) => m.file), ...read.errors.map((e) => e.file)].filter(isKustomization) as string[]);
  if (files.size === 0) return read;
  return {
    manifests: read.manifests.filter((m) => !isKustomization(m.file)),
    errors: [
      ...read.errors.filter((e) => !isKustomization(e.file)),
      ...[...files].map((file) => ({ file, line: 1, reason: "KustomizationNotRendered", message: `${file} is a kustomization inside a plain directory: put ${posix.dirname(file)} in spec.paths to render it` })),
    ],
  };
}

async function credentials(repo: GitRepository, client: ApiClient, signal?: AbortSignal): Promise<GitAuth | undefined> {
  const ref = repo.spec.secretRef?.name;
  if (!ref) return undefined;
  const secret = await client
    .get<{ metadata?: { name?: string }; data?: Record<string, string> }>(secrets, repo.metadata.namespace, ref, { signal })
    .catch(ignoreNotFound)
    .catch((err: unknown) => {
      // Read as the repository's ServiceAccount (identity.ts): it must be allowed to get it.
      throw isForbidden(err) ? new GitSourceError("AuthenticationFailed", `secret ${repo.metadata.namespace}/${ref} (spec.secretRef): ${(err as Error).message}`) : err;
    });
  if (!secret) throw new GitSourceError("AuthenticationFailed", `secret ${repo.metadata.namespace}/${ref} (spec.secretRef) not found`);
  return authFromSecret(secret.data ?? {});
}

/** Credentials from a Secret's data (base64): identity/known_hosts, username/password, token. */
export function authFromSecret(data: Record<string, string>): GitAuth {
  const get = (k: string) => (data[k] !== undefined ? Buffer.from(data[k]!, "base64").toString("utf8") : undefined);
  return { identity: get("identity"), knownHosts: get("known_hosts"), username: get("username"), password: get("password"), token: get("token") };
}

/** One bare cache per GitRepository and URL (a changed URL starts a fresh cache). */
function cachePath(cacheDir: string, ns: string, name: string, url: string): string {
  const h = createHash("sha256").update(url).digest("hex").slice(0, 12);
  return join(cacheDir, ns, name, h);
}
