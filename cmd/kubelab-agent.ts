// The kubelab CLI with the agent alone: what a worker runs (`kubelab.mjs agent` there, as on a
// master). Its bundle (dist/kubelab-agent.mjs) holds none of the control plane, git-sync or the
// lab (nor zod or undici): 1.5 MB of source instead of 4.5 MB, and less resident memory for an agent, since
// V8 neither holds nor parses the rest and shared modules are bundled for the agent's imports only.
import { runKubelab } from "./main";

await runKubelab({
  agent: async () => (await import("../agent/cmd")).registerAgentCommand,
});
