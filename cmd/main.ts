// The kubelab CLI's one body, for both entry points: cmd/kubelab.ts (every subcommand: what
// masters, the lab and developers run) and cmd/kubelab-agent.ts (the agent alone: what workers
// run, bundled without the control plane). Each subcommand lives beside the code it runs; a
// command line that names a subcommand loads only that subcommand's module (an agent never
// evaluates the control plane's or git-sync's modules, whatever they import at their top); help,
// an unknown or a missing subcommand load them all. The version is the package's own (esbuild
// inlines the JSON into the bundle).
import { Command } from "commander";
import pkg from "../package.json" with { type: "json" };
import { runCli } from "./cli";
import { installFatalHandlers } from "./fatal";

export type Register = (program: Command) => void;

/** Subcommands by name, each loading its module; in the order `kubelab --help` lists them. */
export type Subcommands = Record<string, () => Promise<Register>>;

export async function runKubelab(subcommands: Subcommands): Promise<void> {
  installFatalHandlers();
  const program = new Command("kubelab")
    .description("A small, real, Kubernetes-style cluster: API server, controllers, agent, git-sync, lab")
    .version(pkg.version);
  // commander has no options before the subcommand but --help and --version: the first word is it.
  const named = process.argv.slice(2).find((a) => !a.startsWith("-"));
  const wanted = named !== undefined && Object.hasOwn(subcommands, named) ? [named] : Object.keys(subcommands);
  for (const register of await Promise.all(wanted.map((name) => subcommands[name]!()))) register(program);
  await runCli(program, process.argv);
}
