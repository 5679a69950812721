// The lab's git repository: a bare repo whose post-receive hook calls the git-sync webhook, so
// that `git push` is applied at once (the interval poll is the fallback).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RestClient, gitrepositories, isAlreadyExists, isNotFound, rolebindings, serviceaccounts } from "../../client";

const git = (args: string[], cwd?: string) =>
  execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }).toString();

export interface LabRepoOptions {
  dir: string;
  webhookUrl: string;
  webhookToken: string;
  /** CA of the lab's API (self-signed), which the hook's node trusts through NODE_EXTRA_CA_CERTS. */
  caFile?: string;
}

/** The bare repository (created with a first commit holding a README when missing). */
export function ensureLabRepo(opts: LabRepoOptions): { path: string; created: boolean } {
  const bare = join(opts.dir, "repo.git");
  const created = !existsSync(join(bare, "HEAD"));
  if (created) {
    git(["init", "--bare", "--initial-branch=main", bare]);
    commitTo(bare, "Start the lab repository", (work) =>
      writeFileSync(
        join(work, "README.md"),
        "# kubelab lab repository\n\nEvery .yaml/.yml/.json file here is applied to the lab on `git push`;\n" +
          "files you delete are pruned. See `kubectl get gitrepositories` for what happened.\n",
      ),
    );
  }
  writeHook(bare, opts.webhookUrl, opts.webhookToken, opts.caFile);
  return { path: bare, created };
}

/** Push the files of a folder as one commit (its post-receive hook tells git-sync). */
export function pushFolder(bare: string, from: string, message: string): void {
  commitTo(bare, message, (work) => cpSync(from, work, { recursive: true }));
}

function commitTo(bare: string, message: string, change: (work: string) => void): void {
  const work = mkdtempSync(join(tmpdir(), "kubelab-seed-"));
  try {
    git(["clone", "--quiet", bare, work]);
    if (!git(["branch", "--list", "main"], work).trim()) git(["checkout", "--quiet", "-b", "main"], work);
    change(work);
    git(["add", "-A"], work);
    git(["-c", "user.name=kubelab", "-c", "user.email=lab@kubelab.local", "commit", "--quiet", "-m", message], work);
    git(["push", "--quiet", "origin", "main"], work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The hook runs node (always present where the lab runs) to POST to the webhook. */
function writeHook(bare: string, url: string, token: string, caFile?: string): void {
  const hook = join(bare, "hooks", "post-receive");
  const ca = caFile ? `NODE_EXTRA_CA_CERTS=${JSON.stringify(caFile)} ` : "";
  const script = `#!/bin/sh
# Written by kubelab lab up: tell git-sync about the push so it applies it now.
${ca}exec ${JSON.stringify(process.execPath)} -e '
const url = process.argv[1], token = process.argv[2];
let body = "";
process.stdin.on("data", (c) => (body += c)).on("end", async () => {
  const [before, after, ref] = body.trim().split(/\\s+/);
  try {
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + token }, body: JSON.stringify({ before, after, ref }) });
    console.log("kubelab: git-sync " + (res.ok ? "notified, applying " + (after || "").slice(0, 7) : "webhook answered " + res.status));
  } catch (e) {
    console.log("kubelab: git-sync not reachable (" + e.message + "); it will pick the push up on its next interval");
  }
});' ${JSON.stringify(url)} ${JSON.stringify(token)}
`;
  // It holds the webhook token: readable by the lab's user only.
  writeFileSync(hook, script, { mode: 0o700 });
  chmodSync(hook, 0o700);
}

/** The lab repository's ServiceAccount: git-sync applies and prunes its objects as this account. */
export const LAB_REPO_ACCOUNT = { namespace: "default", name: "gitops-lab" } as const;

/**
 * Gives the lab's GitRepository (default/lab, made by the server from --gitops-repo) its own
 * ServiceAccount with `admin` on the namespaces it targets (only `default` in the examples), so
 * a push can do what that account may and nothing else. Widen it with more RoleBindings (README).
 */
export async function ensureLabRepoAccount(kubeconfig: string, namespaces: string[] = ["default"]): Promise<void> {
  const client = RestClient.fromKubeconfig(kubeconfig, { userAgent: "kubelab-lab" });
  const { namespace, name } = LAB_REPO_ACCOUNT;
  const create = (p: Promise<unknown>) => p.catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
  await create(client.create(serviceaccounts, namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } }));
  for (const ns of namespaces) {
    await create(client.create(rolebindings, ns, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${name}-admin`, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    }));
  }
  // git-sync creates default/lab once it leads: wait for it (a few seconds at most).
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.patch(gitrepositories, "default", "lab", { spec: { serviceAccountName: name } }, "merge");
      return;
    } catch (e) {
      if (!isNotFound(e) || Date.now() > deadline) throw e;
    }
    await sleep(500);
  }
}
