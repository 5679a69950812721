import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ensureNodeTokens, writeNodeKubeconfig } from "./node-credentials";

describe("lab node credentials", () => {
  it("gives each worker its own node identity once, and a kubeconfig with only that token", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubelab-node-cred-"));
    const tokenFile = join(dir, "token-auth.csv");
    writeFileSync(tokenFile, 'admintoken,admin,admin,"system:masters"\n', { mode: 0o600 });
    const first = ensureNodeTokens(tokenFile, ["worker1", "worker2"]);
    const again = ensureNodeTokens(tokenFile, ["worker1", "worker2", "worker3"]);
    expect(again.get("worker1")).toBe(first.get("worker1"));
    expect(first.get("worker1")).not.toBe(first.get("worker2"));
    const lines = readFileSync(tokenFile, "utf8").trim().split("\n");
    expect(lines[0]).toBe('admintoken,admin,admin,"system:masters"'); // the admin token stays first
    expect(lines.slice(1).map((l) => l.split(",").slice(1).join(","))).toEqual([
      'system:node:worker1,node-worker1,"system:nodes"',
      'system:node:worker2,node-worker2,"system:nodes"',
      'system:node:worker3,node-worker3,"system:nodes"',
    ]);

    const admin = join(dir, "kubeconfig");
    writeFileSync(admin, "apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: 'https://127.0.0.1:6443', certificate-authority: /ca.crt}}]\nusers: [{name: admin, user: {token: admintoken}}]\ncontexts: [{name: lab, context: {cluster: lab, user: admin}}]\ncurrent-context: lab\n");
    const file = writeNodeKubeconfig(dir, "worker1", first.get("worker1")!, admin);
    const config = parse(readFileSync(file, "utf8")) as { users: unknown[]; contexts: Array<{ context: { user: string } }>; clusters: Array<{ cluster: { server: string } }> };
    expect(config.users).toEqual([{ name: "system:node:worker1", user: { token: first.get("worker1") } }]);
    expect(config.contexts[0]!.context.user).toBe("system:node:worker1");
    expect(config.clusters[0]!.cluster.server).toBe("https://127.0.0.1:6443");
    expect(readFileSync(file, "utf8")).not.toContain("admintoken");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  });
});
