// Entry point of the agent alone (what the esbuild bundle for workers starts from): the same
// `agent` subcommand as `kubelab agent`, without the control plane's modules.
import { Command } from "commander";
import { registerAgentCommand } from "./cmd";

const program = new Command("kubelab").showHelpAfterError();
registerAgentCommand(program);
await program.parseAsync(process.argv);
