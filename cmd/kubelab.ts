// `kubelab`: one CLI, as k3s ships one binary. Each subcommand lives beside the code it runs and
// is registered here; heavy modules load only when their subcommand runs. A command line that
// names a subcommand loads only that subcommand's module (an agent never evaluates the control
// plane's or git-sync's modules, whatever they import at their top); help, an unknown or a
// missing subcommand load them all. The version is the package's own (esbuild inlines the JSON
// into the bundle).
import { Command } from "commander";
import pkg from "../package.json" with { type: "json" };
import { runCli } from "./cli";
import { installFatalHandlers } from "./fatal";

installFatalHandlers();

type Register = (program: Command) => void;

/** In the order `kubelab --help` lists them. */
const subcommands: Record<string, () => Promise<Register>> = {
  server: async () => (await import("../controlplane/cmd")).registerServerCommand,
  agent: async () => (await import("../agent/cmd")).registerAgentCommand,
  lab: async () => (await import("../infra/local/cmd")).registerLabCommand,
  gitops: async () => (await import("../controlplane/gitsync/cmd")).registerGitopsCommand,
};

const program = new Command("kubelab")
  .description("A small, real, Kubernetes-style cluster: API server, controllers, agent, git-sync, lab")
  .version(pkg.version);

// commander has no options before the subcommand but --help and --version: the first word is it.
const named = process.argv.slice(2).find((a) => !a.startsWith("-"));
const wanted = named !== undefined && Object.hasOwn(subcommands, named) ? [named] : Object.keys(subcommands);
for (const register of await Promise.all(wanted.map((name) => subcommands[name]!()))) register(program);

await runCli(program, process.argv);
