// Running git for git-sync: the environment (no prompts, credentials only through a temp key
// file or an http.extraHeader passed via GIT_CONFIG_* so they never reach argv or logs), error
// classification, redaction, and a binary-safe spawn for ls-tree / cat-file --batch.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Credentials from the GitRepository's Secret (keys as Flux names them). */
export interface GitAuth {
  /** SSH private key (PEM / OpenSSH). */
  identity?: string;
  /** known_hosts lines; required for ssh (an unknown host key is never trusted). */
  knownHosts?: string;
  username?: string;
  password?: string;
  /** HTTPS token (sent as the password of basic auth). */
  token?: string;
}

export type GitFailureReason =
  | "AuthenticationFailed"
  | "BranchNotFound"
  | "TagNotFound"
  | "CommitNotFound"
  | "RepositoryNotFound"
  | "Timeout"
  | "KnownHostsMissing"
  | "HostKeyVerificationFailed"
  | "GitOperationFailed";

export class GitSourceError extends Error {
  constructor(
    readonly reason: GitFailureReason,
    message: string,
  ) {
    super(message);
    this.name = "GitSourceError";
  }
}

/** Environment variables git-sync sets; simple-git's environment guard must allow them. */
export const GIT_ENV_KEYS = [
  "GIT_TERMINAL_PROMPT",
  "GIT_SSH_COMMAND",
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_KEY_0",
  "GIT_CONFIG_VALUE_0",
  "GIT_CONFIG_NOSYSTEM",
];

export interface GitEnv {
  env: Record<string, string>;
  /** Secrets that must never appear in messages. */
  secrets: string[];
  cleanup(): Promise<void>;
}

/** The environment for one git operation against url with auth. Call cleanup() after. */
export async function gitEnv(url: string, auth?: GitAuth): Promise<GitEnv> {
  const env: Record<string, string> = {};
  // A minimal environment: no ambient GIT_*, editors, pagers or askpass helpers.
  for (const k of ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  env.GIT_CONFIG_NOSYSTEM = "1";
  const secrets: string[] = [];
  let tempDir: string | undefined;
  if (isSshUrl(url)) {
    // The host key is pinned by the Secret's known_hosts, checked strictly: never accept-new,
    // never the user's or the system's known_hosts (which the next run would trust blindly).
    if (!auth?.knownHosts?.trim()) {
      throw new GitSourceError(
        "KnownHostsMissing",
        `refusing ssh to ${redact(url)} without a pinned host key: add known_hosts to the Secret named by spec.secretRef (e.g. the output of ssh-keyscan for the host)`,
      );
    }
    tempDir = await mkdtemp(join(tmpdir(), "kubelab-gitsync-ssh-"));
    const knownHosts = join(tempDir, "known_hosts");
    await writeFile(knownHosts, auth.knownHosts.endsWith("\n") ? auth.knownHosts : auth.knownHosts + "\n", { mode: 0o600 });
    const ssh = ["ssh", "-o BatchMode=yes", "-o StrictHostKeyChecking=yes", `-o UserKnownHostsFile=${knownHosts}`, "-o GlobalKnownHostsFile=/dev/null", "-o ConnectTimeout=15"];
    if (auth.identity) {
      const keyFile = join(tempDir, "identity");
      await writeFile(keyFile, auth.identity.endsWith("\n") ? auth.identity : auth.identity + "\n", { mode: 0o600 });
      ssh.push(`-i ${keyFile}`, "-o IdentitiesOnly=yes");
      secrets.push(auth.identity);
    }
    env.GIT_SSH_COMMAND = ssh.join(" ");
  }
  if (/^https?:\/\//i.test(url) && (auth?.token || auth?.password)) {
    const user = auth.username ?? (auth.token ? "git" : "");
    const pass = auth.token ?? auth.password ?? "";
    const basic = Buffer.from(`${user}:${pass}`).toString("base64");
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = "http.extraHeader";
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
    secrets.push(basic, pass);
  }
  return {
    env,
    secrets,
    cleanup: async () => {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

export function isSshUrl(url: string): boolean {
  return /^ssh:\/\//i.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);
}

/** Removes credentials embedded in URLs and any known secret from a message. */
export function redact(message: string, secrets: string[] = []): string {
  let out = message.replace(/(\w+:\/\/)[^/@\s]+@/g, "$1***@");
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}

/** Turns a failed git call into a GitSourceError with a typed reason and a short message. */
export function classifyGitError(err: unknown, url: string, secrets: string[] = []): GitSourceError {
  if (err instanceof GitSourceError) return err;
  const raw = String((err as Error)?.message ?? err);
  const text = redact(raw, secrets);
  const where = redact(url, secrets);
  if (/block timeout reached|timed out|ETIMEDOUT/i.test(raw) || (err as { plugin?: string })?.plugin === "timeout") {
    return new GitSourceError("Timeout", `git timed out talking to ${where}`);
  }
  const fatal = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const line = fatal.find((l) => /^(fatal|error|remote):/i.test(l)) ?? fatal[0] ?? "git failed";
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i.test(text)) {
    return new GitSourceError("HostKeyVerificationFailed", `the ssh host key of ${where} is not the one in the Secret's known_hosts: ${line}`);
  }
  if (/Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied|HTTP (401|403)|returned error: 40[13]|Invalid username or password|publickey/i.test(text)) {
    return new GitSourceError("AuthenticationFailed", `authentication to ${where} failed: ${line}`);
  }
  if (/does not appear to be a git repository|repository .* not found|Repository not found|No such file or directory|not found: did you run git update-server-info|HTTP 404|returned error: 404/i.test(text)) {
    return new GitSourceError("RepositoryNotFound", `repository ${where} not found: ${line}`);
  }
  return new GitSourceError("GitOperationFailed", `git failed for ${where}: ${line}`);
}

export interface RunGitOptions {
  cwd: string;
  env: Record<string, string>;
  input?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs git and returns stdout as a Buffer (binary safe); rejects with stderr on failure. */
export function runGit(args: string[], opts: RunGitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    const onAbort = () => child.kill("SIGKILL");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.on("error", () => {});
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (timedOut) return reject(new GitSourceError("Timeout", `git ${args[0]} timed out after ${opts.timeoutMs} ms`));
      if (code !== 0) return reject(new Error(Buffer.concat(err).toString("utf8") || `git ${args[0]} exited with ${code}`));
      resolve(Buffer.concat(out));
    });
    child.stdin.end(opts.input ?? "");
  });
}
