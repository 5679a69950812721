import { Option, type Command } from "commander";

export function registerLabCommand(program: Command): void {
  const lab = program.command("lab").description("the local lab: the whole cluster on this machine, on the local Docker engine");
  lab
    .command("up")
    .description("start the server, the worker agents and the lab's git repository")
    .option("--workers <n>", "number of worker agents", "2")
    .option("--masters <n>", "1 (one server on SQLite), or 3, 5 or 7: an etcd cluster of that many members, that many servers, HAProxy in front", "1")
    .option("--cluster-cidr <cidr>", "range the workers' pod CIDRs come from, 10.244.0.0/16 unless given (a second lab on this machine needs another)")
    .option("--master-address <ip>", "with --masters > 1: loopback address of master1 and its etcd member, 127.0.10.1 unless given (the next ones count up)")
    .option("--dir <dir>", "lab directory (kubeconfig, repo.git, logs)", ".kubelab")
    .option("--port <port>", "API server port on 127.0.0.1", "6443")
    .option("--name-prefix <prefix>", "worker node names are PREFIX1, PREFIX2, ...", "worker")
    .option("--first-address <ip>", "loopback address of the first worker (the next ones count up)", "127.0.0.2")
    .option("--no-seed", "start with an empty lab repository instead of the example")
    .option("--node-monitor-grace-period <duration>", "how long a silent worker stays Ready", "10s")
    .option("--unreachable-toleration-seconds <n>", "how long pods stay on an unreachable worker", "10")
    .action(async (o: { workers: string; dir: string; port: string; seed: boolean; namePrefix: string; firstAddress: string; nodeMonitorGracePeriod: string; unreachableTolerationSeconds: string; masters: string; masterAddress?: string; clusterCidr?: string }) => {
      const { labUp } = await import("./lab");
      await labUp({
        dir: o.dir,
        workers: Number(o.workers),
        masters: Number(o.masters),
        masterAddress: o.masterAddress,
        clusterCidr: o.clusterCidr,
        port: Number(o.port),
        seed: o.seed,
        namePrefix: o.namePrefix,
        firstAddress: o.firstAddress,
        nodeMonitorGracePeriod: o.nodeMonitorGracePeriod,
        unreachableTolerationSeconds: Number(o.unreachableTolerationSeconds),
      });
    });
  lab
    .command("down")
    .description("stop everything the lab started and remove every container it made")
    .option("--dir <dir>", "lab directory", ".kubelab")
    .action(async (o: { dir: string }) => {
      const { labDown } = await import("./lab");
      await labDown(o.dir);
    });
  lab
    .command("status")
    .description("show what runs and whether it is healthy")
    .option("--dir <dir>", "lab directory", ".kubelab")
    .addOption(new Option("-o, --output <format>", "text, or json for scripts (the same information)").choices(["text", "json"]).default("text"))
    .action(async (o: { dir: string; output: "text" | "json" }) => {
      const { labStatus, statusLines } = await import("./status");
      const s = await labStatus(o.dir);
      process.stdout.write(o.output === "json" ? JSON.stringify(s, null, 2) + "\n" : statusLines(s).join("\n") + "\n");
      process.exitCode = s.healthy ? 0 : 1;
    });
}
