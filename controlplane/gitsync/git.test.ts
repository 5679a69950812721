import { existsSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyGitError, gitEnv, redact } from "./git";
import { authFromSecret } from "./render";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAfakekeymaterial\n-----END OPENSSH PRIVATE KEY-----";

describe("git credentials", () => {
  it("hands an SSH key to git through a 0600 temp file named in GIT_SSH_COMMAND, removed afterwards", async () => {
    const env = await gitEnv("ssh://git@127.0.0.1:2222/repo.git", { identity: KEY, knownHosts: "[127.0.0.1]:2222 ssh-ed25519 AAAA" });
    const keyFile = env.env.GIT_SSH_COMMAND!.match(/-i (\S+)/)![1]!;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, "utf8")).toBe(KEY + "\n");
    expect(env.env.GIT_SSH_COMMAND).toContain("StrictHostKeyChecking=yes");
    expect(env.env.GIT_SSH_COMMAND).toContain("GlobalKnownHostsFile=/dev/null");
    expect(env.env.GIT_SSH_COMMAND).not.toContain("accept-new");
    expect(env.env.GIT_SSH_COMMAND).not.toContain("AAAAfake");
    await env.cleanup();
    expect(existsSync(keyFile)).toBe(false);
  });

  it("refuses ssh without known_hosts instead of trusting whatever host key answers", async () => {
    for (const auth of [undefined, { identity: KEY }, { identity: KEY, knownHosts: "  \n" }]) {
      await expect(gitEnv("ssh://git@127.0.0.1:2222/repo.git", auth)).rejects.toMatchObject({ reason: "KnownHostsMissing", message: expect.stringContaining("known_hosts") });
      await expect(gitEnv("git@example.com:org/repo.git", auth)).rejects.toMatchObject({ reason: "KnownHostsMissing" });
    }
  });

  it("sends HTTPS credentials as an extra header through the environment, never in argv or the URL", async () => {
    const env = await gitEnv("https://example.com/repo.git", { token: "tok-123456" });
    expect(env.env).toMatchObject({ GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_TERMINAL_PROMPT: "0" });
    expect(env.env.GIT_CONFIG_VALUE_0).toBe(`Authorization: Basic ${Buffer.from("git:tok-123456").toString("base64")}`);
    expect(Object.keys(env.env).some((k) => /^GIT_/.test(k) && !["GIT_TERMINAL_PROMPT", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_NOSYSTEM"].includes(k))).toBe(false);
    await env.cleanup();
  });

  it("redacts credentials from messages and classifies failures", () => {
    expect(redact("fatal: unable to access 'https://user:pass@host/x.git/': 403", [])).toBe("fatal: unable to access 'https://***@host/x.git/': 403");
    expect(redact("token tok-123456 leaked", ["tok-123456"])).toBe("token *** leaked");
    expect(classifyGitError(new Error("fatal: Authentication failed for 'https://h/x.git/'"), "https://h/x.git").reason).toBe("AuthenticationFailed");
    expect(classifyGitError(new Error("git@h: Permission denied (publickey)."), "ssh://h/x.git").reason).toBe("AuthenticationFailed");
    expect(classifyGitError(new Error("Host key verification failed.\r\nfatal: Could not read from remote repository."), "ssh://h/x.git").reason).toBe("HostKeyVerificationFailed");
    expect(classifyGitError(new Error("fatal: '/nope' does not appear to be a git repository"), "file:///nope").reason).toBe("RepositoryNotFound");
  });

  it("reads the Secret keys Flux uses", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    expect(authFromSecret({ identity: b64(KEY), username: b64("u"), password: b64("p"), token: b64("t") })).toMatchObject({ identity: KEY, username: "u", password: "p", token: "t" });
  });
});
