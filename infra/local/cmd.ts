import type { Command } from "commander";

export function registerLabCommand(program: Command): void {
  program
    .command("lab")
    .description("the local lab: the whole cluster on this machine")
    .action(() => {
      throw new Error("kubelab lab: not built yet");
    });
}
