import type { Command } from "commander";

export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description("run the node agent (kubelet) for one node")
    .action(() => {
      throw new Error("kubelab agent: not built yet");
    });
}
