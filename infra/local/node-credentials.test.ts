import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dropNodeTokens, nodeCredentialArgs, writeBootstrapKubeconfig } from "./node-credentials";

describe("lab node credentials", () => {
  it("gives the workers one bootstrap kubeconfig carrying only the bootstrap token, and each agent its own files", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-node-cred-"));
    const admin = join(dir, "kubeconfig");
    writeFileSync(admin, "apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: 'https://127.0.0.1:6443', certificate-authority: /ca.crt}}]\nusers: [{name: admin, user: {token: admintoken}}]\ncontexts: [{name: lab, context: {cluster: lab, user: admin}}]\ncurrent-context: lab\n");
    const file = writeBootstrapKubeconfig(dir, "abcdef.0123456789abcdef", admin);
    const config = parse(readFileSync(file, "utf8")) as { users: unknown[]; contexts: Array<{ context: { user: string } }>; clusters: Array<{ cluster: { server: string } }> };
    expect(config.users).toEqual([{ name: "system:bootstrap:abcdef", user: { token: "abcdef.0123456789abcdef" } }]);
    expect(config.contexts[0]!.context.user).toBe("system:bootstrap:abcdef");
    expect(config.clusters[0]!.cluster.server).toBe("https://127.0.0.1:6443");
    expect(readFileSync(file, "utf8")).not.toContain("admintoken");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(nodeCredentialArgs(dir, "worker1", file)).toEqual([
      "--bootstrap-kubeconfig", file,
      "--kubeconfig", join(dir, "nodes", "worker1.kubeconfig"),
      "--cert-dir", join(dir, "agents", "worker1", "pki"),
    ]);
  });

  it("drops the per-node tokens an older lab put into the token file, keeping the admin's first", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-node-cred-"));
    const tokenFile = join(dir, "token-auth.csv");
    writeFileSync(tokenFile, 'admintoken,admin,admin,"system:masters"\nt1,system:node:worker1,node-worker1,"system:nodes"\nt2,system:node:worker2,node-worker2,"system:nodes"\n', { mode: 0o644 });
    dropNodeTokens(tokenFile);
    expect(readFileSync(tokenFile, "utf8")).toBe('admintoken,admin,admin,"system:masters"\n');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  });
});
