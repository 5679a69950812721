// `kubelab`: one CLI, as k3s ships one binary. Each subcommand lives beside the code it runs and
// is registered here; heavy modules load only when their subcommand runs. The version is the
// package's own (esbuild inlines the JSON into the bundle).
import { Command } from "commander";
import pkg from "../package.json" with { type: "json" };
import { registerServerCommand } from "../controlplane/cmd";
import { registerAgentCommand } from "../agent/cmd";
import { registerLabCommand } from "../infra/local/cmd";
import { registerGitopsCommand } from "../controlplane/gitsync/cmd";
import { runCli } from "./cli";
import { installFatalHandlers } from "./fatal";

installFatalHandlers();

const program = new Command("kubelab")
  .description("A small, real, Kubernetes-style cluster: API server, controllers, agent, git-sync, lab")
  .version(pkg.version);

registerServerCommand(program);
registerAgentCommand(program);
registerLabCommand(program);
registerGitopsCommand(program);

await runCli(program, process.argv);
