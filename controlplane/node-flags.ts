// How node runs `kubelab server`: `MALLOC_ARENA_MAX=2 node <SERVER_NODE_FLAGS> kubelab.mjs server ...`
// on a master VM (infra/gce/vm/kubelab-server.service, which units.test.ts holds to these) and in
// the benchmarks that measure the server (npm run bench -- api, memory, scheduler). The local lab
// runs its server with LAB_SERVER_NODE_FLAGS instead (infra/local/lab.ts). The agent's are in
// agent/node-flags.ts.
//
// At 11,000 pods the server's live V8 heap is about 46 MB (a heap snapshot); the objects' JSON
// text, another 64 MB, lies in buffers off the heap (apiserver/watchcache/cache.ts). With V8's
// defaults the server's RSS was 309-376 MB (four runs of `npm run bench -- memory`), of which the
// V8 heap committed 120-188 MB and the other threads' memory (glibc's malloc arenas, mostly, and
// their stacks) 29-40 MB. These cut both:
//  - `--heap-growing-percent=50`: after a full GC, V8 lets the old generation grow to 1.5x what
//    survived before it marks again. Left to itself it picks up to 4x when GC is fast next to the
//    program, so how much garbage the heap held when measured was luck: committed 102-108 MB in
//    eight runs with it. No change in CPU per create or per bound pod showed (api and
//    scheduler benches, side by side, within their run-to-run spread).
//  - MALLOC_ARENA_MAX=2: V8's helper threads, libuv's pool and the SQLite checkpoint worker
//    malloc from one shared arena instead of one each, and glibc gives little of a thread's
//    arena back: 29-40 MB became 13-15.
// Both: 243-250 MB in five runs, against the 300 MB target.

/** V8 flags a master runs the server with (before the script on node's command line). */
export const SERVER_NODE_FLAGS: readonly string[] = ["--heap-growing-percent=50"];

/** Environment a master runs the server with (glibc reads MALLOC_ARENA_MAX only at start). */
export const SERVER_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/**
 * The local lab's server: V8's memory-saving mode (a smaller young generation than the default
 * 16 MB semi-spaces, smaller old-generation growth steps) and no V8 helper threads (whose malloc
 * arenas keep freed GC work space resident, as with the agent). An idle server: about 100 MB
 * instead of 131-138. On one machine beside Docker and the agents, an idle small cluster's
 * footprint counts for more than the API's peak write rate (these cost a fifth more CPU per
 * write).
 */
export const LAB_SERVER_NODE_FLAGS: readonly string[] = ["--optimize-for-size", "--single-threaded"];
