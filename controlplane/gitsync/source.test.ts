import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTestRepo, startGitDaemon, startGitHttpServer, startSilentServer, type TestRepo } from "../../test/fixtures/git";
import { readManifests } from "./manifests";
import { GitSource, GitSourceError, shaOfRevision } from "./source";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function repo(): Promise<TestRepo> {
  const r = await createTestRepo();
  cleanups.push(() => r.cleanup());
  return r;
}
function cacheDir(): string {
  const d = mkdtempSync(join(tmpdir(), "gitsync-cache-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return join(d, "default", "lab");
}
const cm = (name: string, value = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${value}"\n`;

/** The repo over git daemon, so that fetches really transfer objects (file:// borrows them). */
async function served(r: TestRepo): Promise<string> {
  const daemon = await startGitDaemon(r.root);
  cleanups.push(() => daemon.stop());
  return daemon.url("repo.git");
}

async function namesAt(source: GitSource, sha: string, paths?: string[]) {
  const { manifests, errors } = await readManifests(await source.snapshot(sha), { paths });
  return { names: manifests.map((m) => m.object.metadata.name), errors };
}

describe("git source", () => {
  it("resolves a branch with ls-remote and reads exactly that commit, fetching only when it moved", async () => {
    const r = await repo();
    const first = await r.commit({ "apps/a.yaml": cm("a") });
    const source = new GitSource({ url: await served(r), dir: cacheDir() });
    const rev = await source.resolve({ branch: "main" });
    expect(rev).toEqual({ sha: first, refName: "main", revision: `main@sha1:${first}` });
    expect((await source.fetch(rev, { branch: "main" })).fetched).toBe(true);
    expect((await source.fetch(rev, { branch: "main" })).fetched).toBe(false);

    const second = await r.commit({ "apps/b.yaml": cm("b") });
    const rev2 = await source.resolve({ branch: "main" });
    expect(rev2.sha).toBe(second);
    await source.fetch(rev2, { branch: "main" });
    expect((await namesAt(source, second)).names).toEqual(["a", "b"]);
    expect(shaOfRevision(rev2.revision)).toBe(second);
  });

  it("reads a repository on this machine without a fetch (refs read directly, objects borrowed)", async () => {
    const r = await repo();
    const sha = await r.commit({ "a.yaml": cm("a") });
    const source = new GitSource({ url: r.url, dir: cacheDir() });
    const rev = await source.resolve({});
    expect(rev.revision).toBe(`main@sha1:${sha}`);
    expect((await source.fetch(rev, {})).fetched).toBe(false);
    expect((await namesAt(source, sha)).names).toEqual(["a"]);
    const { git } = await import("../../test/fixtures/git");
    await git(["pack-refs", "--all"], r.bare);
    expect((await source.resolve({ branch: "main" })).sha).toBe(sha);
    await expect(source.resolve({ branch: "gone" })).rejects.toMatchObject({ reason: "BranchNotFound" });
  });

  it("follows the remote's default branch, tags and pinned commits", async () => {
    const r = await repo();
    const c1 = await r.commit({ "a.yaml": cm("a") });
    const { git } = await import("../../test/fixtures/git");
    await git(["tag", "-a", "v1", "-m", "v1"], r.work);
    await git(["push", "--quiet", "origin", "v1"], r.work);
    const c2 = await r.commit({ "b.yaml": cm("b") });
    const source = new GitSource({ url: r.url, dir: cacheDir() });
    expect(await source.resolve({})).toMatchObject({ sha: c2, revision: `main@sha1:${c2}` });
    const tag = await source.resolve({ tag: "v1" });
    expect(tag).toMatchObject({ sha: c1, revision: `v1@sha1:${c1}` });
    await source.fetch(tag, { tag: "v1" });
    expect((await namesAt(source, c1)).names).toEqual(["a"]);
    const pinned = await source.resolve({ commit: c1 });
    await source.fetch(pinned, { commit: c1 });
    expect(pinned.revision).toBe(`sha1:${c1}`);
  });

  it("survives a force-push that rewrote history", async () => {
    const r = await repo();
    await r.commit({ "a.yaml": cm("a") });
    const dir = cacheDir();
    const source = new GitSource({ url: await served(r), dir });
    await source.fetch(await source.resolve({ branch: "main" }), { branch: "main" });
    const rewritten = await r.forcePush({ "z.yaml": cm("z") });
    const rev = await source.resolve({ branch: "main" });
    expect(rev.sha).toBe(rewritten);
    await source.fetch(rev, { branch: "main" });
    expect((await namesAt(source, rewritten)).names).toEqual(["z"]);
  });

  it("says clearly when the branch was deleted", async () => {
    const r = await repo();
    await r.commit({ "a.yaml": cm("a") });
    await r.commit({ "a.yaml": cm("a", "2") }, "on feature", "feature");
    const source = new GitSource({ url: r.url, dir: cacheDir() });
    await source.resolve({ branch: "feature" });
    await r.deleteBranch("feature");
    const err = await source.resolve({ branch: "feature" }).catch((e) => e);
    expect(err).toBeInstanceOf(GitSourceError);
    expect(err.reason).toBe("BranchNotFound");
    expect(err.message).toContain('branch "feature" not found');
  });

  it("removes a stale lock file left by a killed git", async () => {
    const r = await repo();
    await r.commit({ "a.yaml": cm("a") });
    const dir = cacheDir();
    const source = new GitSource({ url: await served(r), dir });
    await source.fetch(await source.resolve({ branch: "main" }), { branch: "main" });
    writeFileSync(join(dir, "index.lock"), "");
    writeFileSync(join(dir, "shallow.lock"), "");
    mkdirSync(join(dir, "refs", "kubelab"), { recursive: true });
    writeFileSync(join(dir, "refs", "kubelab", "fetched.lock"), "");
    const next = await r.commit({ "b.yaml": cm("b") });
    await source.fetch(await source.resolve({ branch: "main" }), { branch: "main" });
    expect((await namesAt(source, next)).names).toEqual(["a", "b"]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });

  it("gives up on a git server that does not answer, with a Timeout", async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.stop());
    const source = new GitSource({ url: `git://127.0.0.1:${silent.port}/repo.git`, dir: cacheDir(), timeoutMs: 500 });
    const started = Date.now();
    const err = await source.resolve({ branch: "main" }).catch((e) => e);
    expect(err.reason).toBe("Timeout");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("reads over git daemon", async () => {
    const r = await repo();
    const sha = await r.commit({ "apps/a.yaml": cm("a"), "other/b.yaml": cm("b") });
    const daemon = await startGitDaemon(r.root);
    cleanups.push(() => daemon.stop());
    const source = new GitSource({ url: daemon.url("repo.git"), dir: cacheDir() });
    const rev = await source.resolve({ branch: "main" });
    expect(rev.sha).toBe(sha);
    await source.fetch(rev, { branch: "main" });
    expect((await namesAt(source, sha, ["apps"])).names).toEqual(["a"]);
  });

  it("authenticates over HTTP with a token and reports bad credentials without leaking them", async () => {
    const r = await repo();
    const sha = await r.commit({ "a.yaml": cm("a") });
    const http = await startGitHttpServer(r.root, { auth: { username: "git", password: "s3cret-token" } });
    cleanups.push(() => http.stop());
    const good = new GitSource({ url: http.url("repo.git"), dir: cacheDir(), auth: { token: "s3cret-token" } });
    const rev = await good.resolve({ branch: "main" });
    await good.fetch(rev, { branch: "main" });
    expect((await namesAt(good, sha)).names).toEqual(["a"]);

    const bad = new GitSource({ url: http.url("repo.git"), dir: cacheDir(), auth: { username: "git", password: "wrong-password" } });
    const err = await bad.resolve({ branch: "main" }).catch((e) => e);
    expect(err.reason).toBe("AuthenticationFailed");
    expect(err.message).not.toContain("wrong-password");
    const none = await new GitSource({ url: http.url("repo.git"), dir: cacheDir() }).resolve({ branch: "main" }).catch((e) => e);
    expect(none.reason).toBe("AuthenticationFailed");
  });

  it("reads symlinks inside the tree and refuses those that leave it", async () => {
    const r = await repo();
    const sha = await r.commit({ "real/a.yaml": cm("a"), "apps/link.yaml": { symlink: "../real/a.yaml" }, "apps/evil.yaml": { symlink: "../../../../etc/passwd" } });
    const source = new GitSource({ url: r.url, dir: cacheDir() });
    await source.fetch(await source.resolve({ branch: "main" }), { branch: "main" });
    const { names, errors } = await namesAt(source, sha, ["apps"]);
    expect(names).toEqual(["a"]);
    expect(errors.map((e) => [e.file, e.reason])).toEqual([["apps/evil.yaml", "SymlinkOutsideRepository"]]);
  });
});

describe("git source and option injection", () => {
  it("never runs a command hidden in a URL or ref that looks like a git option", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gitsync-inject-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const r = await repo();
    await r.commit({ "a.yaml": cm("a") });
    const cases = [
      { url: `--upload-pack=touch ${join(dir, "upload-pack")}`, ref: { branch: "main" } },
      { url: `--exec=touch ${join(dir, "exec")}`, ref: { branch: "main" } },
      { url: `--exec=touch ${join(dir, "exec-head")}`, ref: {} },
      { url: `--exec=touch ${join(dir, "exec-tag")}`, ref: { tag: "v1" } },
      { url: r.url, ref: { tag: `--exec=touch ${join(dir, "tag")}` } },
    ];
    for (const c of cases) {
      const source = new GitSource({ url: c.url, dir: cacheDir() });
      await expect(source.resolve(c.ref)).rejects.toBeInstanceOf(GitSourceError);
      if (c.url === r.url) continue; // a local repository's objects are borrowed: nothing to fetch
      const sha = "0".repeat(40);
      await expect(source.fetch({ sha, refName: "main", revision: `main@sha1:${sha}` }, c.ref)).rejects.toBeInstanceOf(GitSourceError);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("git source over ssh", () => {
  it("authenticates with the Secret's identity and known_hosts, and refuses a wrong key", async () => {
    const { startSshServer } = await import("../../test/fixtures/git");
    const r = await repo();
    const sha = await r.commit({ "a.yaml": cm("over-ssh") });
    const sshd = await startSshServer();
    cleanups.push(() => sshd.stop());
    const source = new GitSource({ url: sshd.url(r.bare), dir: cacheDir(), auth: { identity: sshd.clientKey, knownHosts: sshd.knownHosts } });
    const rev = await source.resolve({ branch: "main" });
    expect(rev.sha).toBe(sha);
    expect((await source.fetch(rev, { branch: "main" })).fetched).toBe(true);
    expect((await namesAt(source, sha)).names).toEqual(["over-ssh"]);

    const { execFileSync } = await import("node:child_process");
    const other = mkdtempSync(join(tmpdir(), "other-key-"));
    cleanups.push(() => rmSync(other, { recursive: true, force: true }));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(other, "k")]);
    const { readFileSync } = await import("node:fs");
    const wrong = new GitSource({ url: sshd.url(r.bare), dir: cacheDir(), auth: { identity: readFileSync(join(other, "k"), "utf8"), knownHosts: sshd.knownHosts } });
    const err = await wrong.resolve({ branch: "main" }).catch((e) => e);
    expect(err.reason).toBe("AuthenticationFailed");
    expect(err.message).not.toContain("PRIVATE KEY");

    // No known_hosts: refused before connecting. Another host's key: refused by ssh.
    const unpinned = new GitSource({ url: sshd.url(r.bare), dir: cacheDir(), auth: { identity: sshd.clientKey } });
    await expect(unpinned.resolve({ branch: "main" })).rejects.toMatchObject({ reason: "KnownHostsMissing" });
    const otherHost = `[127.0.0.1]:${sshd.port} ${readFileSync(join(other, "k.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ")}\n`;
    const changed = new GitSource({ url: sshd.url(r.bare), dir: cacheDir(), auth: { identity: sshd.clientKey, knownHosts: otherHost } });
    await expect(changed.resolve({ branch: "main" })).rejects.toMatchObject({ reason: "HostKeyVerificationFailed" });
  });
});
