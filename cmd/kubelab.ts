// `kubelab`: one CLI, as k3s ships one binary (cmd/main.ts). Workers run a build of it with the
// agent alone (cmd/kubelab-agent.ts).
import { runKubelab } from "./main";

await runKubelab({
  server: async () => (await import("../controlplane/cmd")).registerServerCommand,
  agent: async () => (await import("../agent/cmd")).registerAgentCommand,
  lab: async () => (await import("../infra/local/cmd")).registerLabCommand,
  gitops: async () => (await import("../controlplane/gitsync/cmd")).registerGitopsCommand,
});
