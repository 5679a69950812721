// `npm run bench [-- api|scheduler|agent|gitsync|lab|network|auth|crd ...]`: runs the named benchmarks (all when
// none is named) and prints a table per benchmark.
import { printTable, type BenchRow } from "./table";

const suites: Record<string, () => Promise<BenchRow[]>> = {
  api: async () => (await import("./api")).benchApi(),
  // The read path: get p99 under load, whole lists, RSS (BENCH_READ_BASELINE=<checkout> for A/B).
  "api-read": async () => (await import("./api-read")).benchApiRead(),
  scheduler: async () => (await import("./scheduler")).benchScheduler(),
  agent: async () => (await import("./agent")).benchAgent(),
  gitsync: async () => (await import("./gitsync")).benchGitsync(),
  lab: async () => (await import("./lab")).benchLab(),
  network: async () => (await import("./network")).benchNetwork(),
  auth: async () => (await import("./auth")).benchAuth(),
  crd: async () => (await import("./crd")).benchCrd(),
  workloads: async () => (await import("./workloads")).benchWorkloads(),
  rbac: async () => (await import("./rbac")).benchRbac(),
  streams: async () => (await import("./streams")).benchStreams(),
  // The kubectl top rows of the streams issue (100 hollow nodes with synthetic usage); meant to join `streams`.
  top: async () => (await import("./streams-top")).benchTop(),
  ha: async () => (await import("./ha")).benchHa(),
  memory: async () => (await import("./memory")).benchMemory(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(suites);
let failed = false;
// Some waits inside the suites rest on unref'd handles (detached lab processes): keep the loop up.
const keepAlive = setInterval(() => undefined, 1000);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown benchmark ${name}; choose from: ${Object.keys(suites).join(", ")}`);
    process.exit(2);
  }
  try {
    printTable(`bench ${name}`, await suite());
  } catch (e) {
    failed = true;
    console.error(`bench ${name} failed:`, e);
  }
}
clearInterval(keepAlive);
process.exit(failed ? 1 : 0);
