// The git side of a sync: resolve the branch/tag/commit to a SHA with `ls-remote` (cheap, no
// fetch), fetch into a bare cache repository only when that SHA is not there yet, and read
// exactly that commit's tree (ls-tree + cat-file --batch): one snapshot per run, no worktree.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { classifyGitError, GIT_ENV_KEYS, gitEnv, GitSourceError, runGit, type GitAuth } from "./git";
import type { Snapshot, SnapshotEntry } from "./manifests";

export { GitSourceError, type GitAuth } from "./git";

export interface GitReference {
  branch?: string;
  tag?: string;
  commit?: string;
}

export interface ResolvedRevision {
  sha: string;
  /** Branch or tag name ("main", "v1.2"); undefined for a bare commit. */
  refName?: string;
  /** Flux-style: "main@sha1:<sha>", "v1.2@sha1:<sha>", "sha1:<sha>". */
  revision: string;
}

export interface GitSourceOptions {
  url: string;
  /** Cache directory of this GitRepository (a bare repository is kept there). */
  dir: string;
  auth?: GitAuth;
  /** Kill a git process that has been silent this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const FETCH_REF = "refs/kubelab/fetched";
const locks = new Map<string, Promise<unknown>>();

export function formatRevision(refName: string | undefined, sha: string): string {
  return refName ? `${refName}@sha1:${sha}` : `sha1:${sha}`;
}

/** The SHA of a revision string ("main@sha1:abc" -> "abc"). */
export function shaOfRevision(revision: string | undefined): string | undefined {
  return revision?.match(/sha1:([0-9a-f]{7,40})$/)?.[1];
}

export class GitSource {
  private readonly timeoutMs: number;

  constructor(private readonly opts: GitSourceOptions) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** Resolves the reference to a SHA on the remote with `git ls-remote` (no objects transferred). */
  async resolve(ref: GitReference): Promise<ResolvedRevision> {
    if (!ref.commit && !ref.tag) {
      // A repository on this machine: read its refs directly (what ls-remote would do, without a process).
      const local = localGitDir(this.opts.url);
      if (local) {
        const found = await resolveLocalRef(local, ref.branch);
        if (found === null) throw new GitSourceError("BranchNotFound", `branch ${JSON.stringify(ref.branch ?? "HEAD")} not found in ${this.safeUrl()} (deleted or never pushed)`);
        if (found) return found;
      }
    }
    if (ref.commit) {
      if (!/^[0-9a-f]{40}$/i.test(ref.commit)) throw new GitSourceError("CommitNotFound", `ref.commit must be a full 40-character SHA, got ${ref.commit}`);
      return { sha: ref.commit.toLowerCase(), refName: ref.branch, revision: formatRevision(ref.branch, ref.commit.toLowerCase()) };
    }
    // "--" before the URL and refs: whatever the spec says, git reads them as a repository and
    // patterns, never as options (`--upload-pack=...`, `--exec=...` would run a command).
    const args = ref.tag
      ? ["--", this.opts.url, `refs/tags/${ref.tag}`, `refs/tags/${ref.tag}^{}`]
      : ref.branch
        ? ["--", this.opts.url, `refs/heads/${ref.branch}`]
        : ["--symref", "--", this.opts.url, "HEAD"];
    const out = await this.withGit((git) => git.listRemote(args));
    const lines = out.split("\n").map((l) => l.trim()).filter(Boolean);
    if (ref.tag) {
      const peeled = lines.find((l) => l.endsWith(`refs/tags/${ref.tag}^{}`)) ?? lines.find((l) => l.endsWith(`refs/tags/${ref.tag}`));
      if (!peeled) throw new GitSourceError("TagNotFound", `tag ${JSON.stringify(ref.tag)} not found in ${this.safeUrl()}`);
      const sha = objectId(peeled.split(/\s+/)[0]);
      return { sha, refName: ref.tag, revision: formatRevision(ref.tag, sha) };
    }
    if (ref.branch) {
      const line = lines.find((l) => l.endsWith(`\trefs/heads/${ref.branch}`) || l.split(/\s+/)[1] === `refs/heads/${ref.branch}`);
      if (!line) throw new GitSourceError("BranchNotFound", `branch ${JSON.stringify(ref.branch)} not found in ${this.safeUrl()} (deleted or never pushed)`);
      const sha = objectId(line.split(/\s+/)[0]);
      return { sha, refName: ref.branch, revision: formatRevision(ref.branch, sha) };
    }
    const symref = lines.find((l) => l.startsWith("ref:"));
    const head = lines.find((l) => !l.startsWith("ref:") && /\sHEAD$/.test(l));
    if (!head) throw new GitSourceError("BranchNotFound", `${this.safeUrl()} has no HEAD (empty repository?)`);
    const sha = objectId(head.split(/\s+/)[0]);
    const refName = symref?.match(/ref:\s*refs\/heads\/(\S+)\s+HEAD/)?.[1] ?? "HEAD";
    return { sha, refName, revision: formatRevision(refName, sha) };
  }

  /**
   * Makes sure the commit is in the cache, fetching only when it is not. Returns the revision
   * actually available (if the branch moved again during the fetch, the newer commit).
   */
  async fetch(resolved: ResolvedRevision, ref: GitReference): Promise<ResolvedRevision & { fetched: boolean }> {
    return this.serialized(async () => {
      await this.prepareCache();
      // A local repository's objects are borrowed: the SHA read from its refs is there already.
      if (localGitDir(this.opts.url) && !ref.commit) return { ...resolved, fetched: false };
      if (await this.hasCommit(resolved.sha)) return { ...resolved, fetched: false };
      const refspec = ref.tag
        ? `+refs/tags/${ref.tag}:${FETCH_REF}`
        : ref.commit
          ? `+refs/heads/*:refs/kubelab/heads/*`
          : `+refs/heads/${resolved.refName && resolved.refName !== "HEAD" ? resolved.refName : "*"}:${resolved.refName && resolved.refName !== "HEAD" ? FETCH_REF : "refs/kubelab/heads/*"}`;
      const shallow = !ref.commit ? ["--depth=1"] : [];
      await this.withGit((git) => git.raw(["fetch", "--force", "--no-tags", "--no-write-fetch-head", ...shallow, "--", this.opts.url, refspec]));
      if (await this.hasCommit(resolved.sha)) return { ...resolved, fetched: true };
      if (ref.commit) throw new GitSourceError("CommitNotFound", `commit ${resolved.sha} not found on any branch of ${this.safeUrl()}`);
      // The branch moved (or was force-pushed) between ls-remote and fetch: take what we got.
      const sha = (await this.withGit((git) => git.raw(["rev-parse", "--verify", "--end-of-options", `${FETCH_REF}^{commit}`]))).trim();
      return { sha, refName: resolved.refName, revision: formatRevision(resolved.refName, sha), fetched: true };
    });
  }

  /** The tree of exactly this commit. */
  async snapshot(sha: string): Promise<Snapshot> {
    const { env } = await gitEnv("file:///");
    const run = (args: string[], input?: string) =>
      runGit(args, { cwd: this.opts.dir, env, input, timeoutMs: this.timeoutMs, signal: this.opts.signal }).catch((err: unknown) => {
        throw classifyGitError(err, this.opts.url);
      });
    const listing = await run(["ls-tree", "-r", "-l", "-z", "--full-tree", "--end-of-options", sha]);
    const entries: SnapshotEntry[] = [];
    const objects = new Map<string, string>();
    for (const rec of listing.toString("utf8").split("\0")) {
      if (!rec) continue;
      const tab = rec.indexOf("\t");
      const [mode, type, object, size] = rec.slice(0, tab).split(/\s+/);
      const path = rec.slice(tab + 1);
      const kind = mode === "120000" ? "symlink" : type === "commit" ? "submodule" : "file";
      entries.push({ path, type: kind, size: size === "-" ? 0 : Number(size) });
      objects.set(path, object!);
    }
    return {
      entries,
      read: async (paths) => {
        const ids = [...new Set(paths.map((p) => objects.get(p)).filter((x): x is string => Boolean(x)))];
        const blobs = ids.length ? parseCatFileBatch(await run(["cat-file", "--batch"], ids.join("\n") + "\n")) : new Map<string, Buffer>();
        const out = new Map<string, Buffer>();
        for (const p of paths) {
          const blob = blobs.get(objects.get(p) ?? "");
          if (blob) out.set(p, blob);
        }
        return out;
      },
    };
  }

  /** Subject of the commit (for messages); "" when unknown. */
  async commitSubject(sha: string): Promise<string> {
    try {
      return (await this.withGit((git) => git.raw(["log", "-1", "--format=%s", "--end-of-options", sha, "--"]))).trim();
    } catch {
      return "";
    }
  }

  /** The commit's subject line and author, for notifications (undefined when git cannot tell). */
  async commitInfo(sha: string): Promise<{ sha: string; message: string; author: string } | undefined> {
    try {
      const out = await this.withGit((git) => git.raw(["log", "-1", "--format=%an <%ae>%x00%s", "--end-of-options", sha]));
      const [author, message] = out.replace(/\n$/, "").split("\0");
      return { sha, message: message ?? "", author: author ?? "" };
    } catch {
      return undefined;
    }
  }

  private async hasCommit(sha: string): Promise<boolean> {
    try {
      await this.withGit((git) => git.raw(["cat-file", "-e", "--end-of-options", `${sha}^{commit}`]));
      return true;
    } catch {
      return false;
    }
  }

  /** Creates the bare cache repository; removes lock files a killed git left behind. */
  private async prepareCache(): Promise<void> {
    const dir = this.opts.dir;
    if (!existsSync(join(dir, "HEAD"))) {
      await mkdir(dir, { recursive: true });
      await this.withGit((git) => git.raw(["init", "--bare", "--quiet"]));
    } else {
      await removeStaleLocks(dir);
    }
    // A repository on this machine lends its objects (git alternates): no copy, no fetch.
    const local = localGitDir(this.opts.url);
    const alternates = join(dir, "objects", "info", "alternates");
    if (local && !existsSync(alternates)) {
      await mkdir(join(dir, "objects", "info"), { recursive: true });
      await writeFile(alternates, join(local, "objects") + "\n");
    }
  }

  private async withGit<T>(op: (git: SimpleGit) => Promise<T>): Promise<T> {
    const auth = await gitEnv(this.opts.url, this.opts.auth);
    try {
      const dir = existsSync(this.opts.dir) ? this.opts.dir : process.cwd();
      const git = simpleGit({
        baseDir: dir,
        timeout: { block: this.timeoutMs },
        allowEnvironment: GIT_ENV_KEYS,
        unsafe: { allowUnsafeSshCommand: true, allowUnsafeConfigEnvCount: true } as never,
        ...(this.opts.signal ? { abort: this.opts.signal } : {}),
      }).env(auth.env);
      return await op(git);
    } catch (err) {
      throw classifyGitError(err, this.opts.url, auth.secrets);
    } finally {
      await auth.cleanup();
    }
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(this.opts.dir) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    locks.set(this.opts.dir, next);
    void next.finally(() => {
      if (locks.get(this.opts.dir) === next) locks.delete(this.opts.dir);
    }).catch(() => {});
    return next;
  }

  private safeUrl(): string {
    return this.opts.url.replace(/(\w+:\/\/)[^/@\s]+@/g, "$1***@");
  }
}

/** A SHA-1 (or SHA-256) object id from git's output; anything else is refused, never passed on to git. */
function objectId(word: string | undefined): string {
  if (word && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(word)) return word;
  throw new GitSourceError("GitOperationFailed", `the remote answered with an invalid object id ${JSON.stringify(word?.slice(0, 80))}`);
}

/** The git directory of a file:// URL (bare, or a work tree's .git), when it is on this machine. */
export function localGitDir(url: string): string | undefined {
  if (!/^file:\/\//i.test(url)) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (existsSync(join(path, ".git", "HEAD"))) path = join(path, ".git");
  if (!existsSync(join(path, "HEAD")) || !existsSync(join(path, "objects")) || existsSync(join(path, "reftable"))) return undefined;
  return path;
}

/**
 * Reads a branch (or HEAD's branch) from a local git dir's loose refs or packed-refs.
 * null: no such branch; undefined: cannot tell (fall back to ls-remote).
 */
export async function resolveLocalRef(gitDir: string, branch?: string): Promise<ResolvedRevision | null | undefined> {
  let refName = branch;
  if (!refName) {
    const head = (await readFile(join(gitDir, "HEAD"), "utf8").catch(() => "")).trim();
    const m = head.match(/^ref:\s*refs\/heads\/(.+)$/);
    if (!m) return /^[0-9a-f]{40}$/.test(head) ? { sha: head, refName: "HEAD", revision: formatRevision("HEAD", head) } : undefined;
    refName = m[1]!;
  }
  if (refName.includes("..")) return undefined;
  const full = `refs/heads/${refName}`;
  const loose = (await readFile(join(gitDir, full), "utf8").catch(() => "")).trim();
  if (/^[0-9a-f]{40}$/.test(loose)) return { sha: loose, refName, revision: formatRevision(refName, loose) };
  if (loose.startsWith("ref:")) return undefined;
  const packed = await readFile(join(gitDir, "packed-refs"), "utf8").catch(() => "");
  for (const line of packed.split("\n")) {
    const [sha, name] = line.trim().split(" ");
    if (name === full && sha && /^[0-9a-f]{40}$/.test(sha)) return { sha, refName, revision: formatRevision(refName, sha) };
  }
  return null;
}

/** Lock files in a git dir (index.lock, shallow.lock, refs/**.lock...): stale when no git of ours runs there. */
export async function removeStaleLocks(gitDir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string, depth: number) => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      if (name.endsWith(".lock")) {
        await rm(p, { force: true });
        removed.push(p);
      } else if (depth > 0 && (dir === gitDir ? name === "refs" : true)) {
        const s = await stat(p).catch(() => undefined);
        if (s?.isDirectory()) await walk(p, depth - 1);
      }
    }
  };
  await walk(gitDir, 6);
  return removed;
}

/** Parses `git cat-file --batch` output: "<oid> <type> <size>\n<content>\n" per object. */
export function parseCatFileBatch(out: Buffer): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  let i = 0;
  while (i < out.length) {
    const nl = out.indexOf(0x0a, i);
    if (nl < 0) break;
    const header = out.subarray(i, nl).toString("utf8").split(" ");
    i = nl + 1;
    if (header[1] === "missing" || header.length < 3) continue;
    const size = Number(header[2]);
    blobs.set(header[0]!, out.subarray(i, i + size));
    i += size + 1;
  }
  return blobs;
}
