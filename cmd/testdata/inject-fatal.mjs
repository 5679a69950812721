// Preloaded (node --import) into a real `kubelab` process by cmd/fatal.test.ts: on SIGUSR2 it
// registers a cleanup through cmd/fatal.ts, then makes the failure KUBELAB_TEST_FATAL names
// escape every handler, as a bug in a component would.
import { writeSync } from "node:fs";

process.on("SIGUSR2", async () => {
  const fatal = await import(new URL("../fatal.ts", import.meta.url).href);
  fatal.onFatal(() => writeSync(2, "cleanup ran\n"));
  if (process.env.KUBELAB_TEST_FATAL === "rejection") void Promise.reject(new RangeError("injected rejection"));
  else setImmediate(() => { throw new TypeError("injected exception"); });
});
