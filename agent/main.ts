// Entry point of the agent alone (what the esbuild bundle for workers starts from): the same
// `agent` subcommand as `kubelab agent`, without the control plane's modules.
import { Command } from "commander";
import { registerAgentCommand } from "./cmd";

const program = new Command("kubelab").showHelpAfterError();
registerAgentCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A bad flag value is the user's mistake: one line and exit 2, no stack (by name: agent/run.ts
  // loads lazily and stays so).
  if ((err as Error).name !== "AgentFlagError") throw err;
  console.error(`kubelab agent: ${(err as Error).message}`);
  process.exit(2);
}
