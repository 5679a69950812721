// `kubelab`: one CLI, as k3s ships one binary. Each subcommand lives beside the code it runs and
// is registered here; heavy modules load only when their subcommand runs.
import { Command } from "commander";
import { registerServerCommand } from "../controlplane/cmd";
import { registerAgentCommand } from "../agent/cmd";
import { registerLabCommand } from "../infra/local/cmd";
import { registerGitopsCommand } from "../controlplane/gitsync/cmd";

const program = new Command("kubelab")
  .description("A small, real, Kubernetes-style cluster: API server, controllers, agent, git-sync, lab")
  .version(process.env.KUBELAB_VERSION ?? "0.1.0")
  .showHelpAfterError();

registerServerCommand(program);
registerAgentCommand(program);
registerLabCommand(program);
registerGitopsCommand(program);

await program.parseAsync(process.argv);
