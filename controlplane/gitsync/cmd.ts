// `kubelab gitops diff`: prints what git-sync would change for a revision (created, changed with
// the fields, pruned), the same way the controller computes it. Exit 0: no changes, 1: changes,
// 2: errors (invalid manifests, git or API failures), as `flux diff` does. `-o json` prints the
// same plan as one JSON object (DiffResult plus a summary), with the same exit codes.
import { Option, type Command } from "commander";
import { RestClient } from "../../client";
import { display } from "./apply";
import { diffRevision, type DiffResult } from "./diff";
import { parseGitopsFlag } from "./flag";
import { locate } from "./manifests";

export function registerGitopsCommand(program: Command): void {
  const gitops = program.command("gitops").description("inspect git-sync (GitOps)");
  gitops
    .command("diff")
    .description("show what syncing a repository would change (exit 0: none, 1: changes, 2: errors)")
    .option("--kubeconfig <file>", "kubeconfig of the cluster", process.env.KUBECONFIG ?? `${process.env.HOME}/.kube/config`)
    .option("--repository <ns/name>", "the GitRepository whose inventory and ownership to use", "default/lab")
    .option("--repo <url[#branch[:path]]>", "diff this repository instead of the GitRepository's spec")
    .addOption(new Option("-o, --output <format>", "print the plan as text or as one JSON object").choices(["text", "json"]).default("text"))
    .action(async (o: { kubeconfig: string; repository: string; repo?: string; output: "text" | "json" }) => {
      try {
        const [namespace, name] = o.repository.includes("/") ? o.repository.split("/", 2) : ["default", o.repository];
        const flag = o.repo ? parseGitopsFlag(o.repo) : undefined;
        const result = await diffRevision({
          client: RestClient.fromKubeconfig(o.kubeconfig),
          namespace: namespace!,
          name: name!,
          url: flag?.url,
          branch: flag?.branch,
          paths: flag?.path ? [flag.path] : undefined,
        });
        process.stdout.write(o.output === "json" ? JSON.stringify(diffJson(result), null, 2) + "\n" : formatDiff(result));
        process.exitCode = result.errors.length ? 2 : result.created.length + result.changed.length + result.pruned.length > 0 ? 1 : 0;
      } catch (err) {
        const message = (err as Error).message;
        if (o.output === "json") process.stdout.write(JSON.stringify({ error: message }, null, 2) + "\n");
        else process.stderr.write(`error: ${message}\n`);
        process.exitCode = 2;
      }
    });
}

/** The plan as `-o json` prints it: the DiffResult with counts, stable for scripts. */
export function diffJson(r: DiffResult): DiffResult & { summary: { create: number; change: number; prune: number; unchanged: number; errors: number } } {
  return { ...r, summary: { create: r.created.length, change: r.changed.length, prune: r.pruned.length, unchanged: r.unchanged, errors: r.errors.length } };
}

export function formatDiff(r: DiffResult): string {
  const lines = [`revision ${r.revision}`];
  for (const e of r.errors) lines.push(`! ${locate(e) ? locate(e) + ": " : ""}${e.message}`);
  for (const c of r.created) lines.push(`+ ${c.ref.kind} ${display(c.ref)} (${c.at})`);
  for (const c of r.changed) lines.push(`~ ${c.ref.kind} ${display(c.ref)} (${c.at}): ${c.fields!.join(", ")}`);
  for (const p of r.pruned) lines.push(`- ${p.ref.kind} ${display(p.ref)}${r.pruneBlocked ? " (prune blocked)" : ""}`);
  if (r.pruneBlocked) lines.push(`prune blocked: ${r.pruneBlocked}`);
  lines.push(`${r.created.length} to create, ${r.changed.length} to change, ${r.pruned.length} to prune, ${r.unchanged} unchanged${r.errors.length ? `, ${r.errors.length} errors` : ""}`);
  return lines.join("\n") + "\n";
}
