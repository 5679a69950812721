// The node (V8) flags a node runs the agent with: `node <AGENT_NODE_FLAGS> kubelab.mjs agent ...`
// on a worker (infra/gce/vm/kubelab-agent.service, which units.test.ts holds to this list), in the
// local lab (infra/local/lab.ts) and in `npm run bench -- agent`. The agent's live heap is about
// 20 MB; most of the rest of its RSS is headroom, which these cut:
//  - a 1 MB young generation (the default grows to 16 MB semi-spaces);
//  - V8 without its helper threads (GC marking and sweeping, optimizing compiles run on the main
//    thread): a helper thread's malloc arena kept ~12 MB of freed work space resident (glibc
//    returns little of a thread arena; MALLOC_ARENA_MAX=1 shows the same), so an idle agent sat at
//    about 88 MB or, by luck, 76; single threaded it sits at 77, at the same CPU (Node 24, the
//    VMs' Node: 104 -> 91 MB). An idle agent's GC work is a few ms now and then.
export const AGENT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--single-threaded"];
