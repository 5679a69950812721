// The node (V8) flags a node runs the agent with: `node <AGENT_NODE_FLAGS> kubelab.mjs agent ...`
// on a worker (infra/gce/vm/kubelab-agent.service, which units.test.ts holds to this list), in the
// local lab (infra/local/lab.ts) and in `npm run bench -- agent`. The agent's live heap is about
// 20 MB; most of the rest of its RSS is headroom, which these cut:
//  - a 1 MB young generation (the default grows to 16 MB semi-spaces);
//  - V8 without its helper threads (GC marking and sweeping, optimizing compiles run on the main
//    thread): each helper thread's malloc arena kept ~12 MB of freed GC work space resident (glibc
//    returns little of a thread arena), so an idle agent sat at about 88 MB or, by luck, 76; single
//    threaded it sits at 76-77. An idle agent's GC work is a few ms now and then.
export const AGENT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--single-threaded"];
