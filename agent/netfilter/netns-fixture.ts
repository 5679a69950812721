// For tests and the bench: a small "host" of network namespaces on real netfilter. One namespace
// plays the host (where the nodes' tables live, with a bridge per node as the lab has), and each
// pod is a namespace on a veth into its node's bridge, running an HTTP server that answers
// "<pod name> <client address>". Everything is named with a unique prefix and removed by destroy().
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CurlResult {
  /** curl's exit code: 0 answered, 7 refused, 28 timed out. */
  code: number;
  body: string;
}

const SERVER = `
const http = require("node:http");
const name = process.argv[1];
const host = process.argv[2] || "0.0.0.0";
const ports = (process.argv[3] || "8080,8081").split(",").map(Number);
for (const port of ports) http.createServer((q, s) => s.end(name + " " + q.socket.remoteAddress.replace(/^::ffff:/, ""))).listen(port, host);
console.log("listening");
`;

export class NetnsHost {
  readonly host: string;
  private readonly namespaces: string[] = [];
  private readonly servers: ChildProcess[] = [];
  private links = 0;

  constructor(readonly prefix: string) {
    this.host = `${prefix}-host`;
  }

  async exec(ns: string, argv: string[]): Promise<string> {
    const { stdout } = await run("ip", ["netns", "exec", ns, ...argv], { maxBuffer: 64 << 20 });
    return stdout;
  }

  async start(): Promise<void> {
    await this.addNamespace(this.host);
    await this.exec(this.host, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    // A default route, so a ClusterIP nobody translated is forwarded (and can be rejected) as on a real host.
    await this.exec(this.host, ["ip", "link", "add", "dflt", "type", "veth", "peer", "name", "dflt-peer"]);
    await this.exec(this.host, ["ip", "link", "set", "dflt-peer", "up"]);
    await this.exec(this.host, ["ip", "addr", "add", "192.0.2.1/24", "dev", "dflt"]);
    await this.exec(this.host, ["ip", "link", "set", "dflt", "up"]);
    await this.exec(this.host, ["ip", "route", "add", "default", "via", "192.0.2.2"]);
  }

  /** A node's bridge with its gateway address (e.g. "10.244.1.1/24"). */
  async addBridge(bridge: string, gatewayCidr: string): Promise<void> {
    await this.exec(this.host, ["ip", "link", "add", bridge, "type", "bridge"]);
    await this.exec(this.host, ["ip", "addr", "add", gatewayCidr, "dev", bridge]);
    await this.exec(this.host, ["ip", "link", "set", bridge, "up"]);
  }

  /** A pod namespace on `bridge` with address ip/24 and its HTTP servers on 8080 and 8081. */
  async addPod(name: string, bridge: string, ip: string, gateway: string): Promise<void> {
    const ns = `${this.prefix}-${name}`;
    await this.addNamespace(ns);
    const n = this.links++;
    const [outer, inner] = [`${this.prefix.slice(0, 8)}${n}h`, `${this.prefix.slice(0, 8)}${n}p`];
    await this.exec(this.host, ["ip", "link", "add", outer, "type", "veth", "peer", "name", inner]);
    await this.exec(this.host, ["ip", "link", "set", inner, "netns", ns]);
    await this.exec(this.host, ["ip", "link", "set", outer, "master", bridge, "up"]);
    // Hairpin: a pod reaching its own Service is DNATed back to the port it came in on (with
    // br_netfilter the bridge does that translation), which a bridge port refuses by default.
    await this.exec(this.host, ["ip", "link", "set", outer, "type", "bridge_slave", "hairpin", "on"]);
    await this.exec(ns, ["ip", "addr", "add", `${ip}/24`, "dev", inner]);
    await this.exec(ns, ["ip", "link", "set", inner, "up"]);
    await this.exec(ns, ["ip", "route", "add", "default", "via", gateway]);
    await this.serve(ns, name);
  }

  /** The HTTP server answering "<name> <client>" in a namespace, on address and ports. */
  async serve(ns: string, name: string, address = "0.0.0.0", ports = [8080, 8081]): Promise<void> {
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", SERVER, name, address, ports.join(",")], { stdio: ["ignore", "pipe", "ignore"] });
    this.servers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once("data", () => resolve());
      child.once("exit", (c) => reject(new Error(`server ${name} exited with ${c}`)));
    });
  }

  /** A client outside every pod CIDR (as a machine on the node's network): ip/24 on a veth to the host, which has hostIp. */
  async addOutside(name: string, ip: string, hostIp: string): Promise<string> {
    const ns = `${this.prefix}-${name}`;
    await this.addNamespace(ns);
    const [outer, inner] = [`${this.prefix.slice(0, 8)}xh`, `${this.prefix.slice(0, 8)}xp`];
    await this.exec(this.host, ["ip", "link", "add", outer, "type", "veth", "peer", "name", inner]);
    await this.exec(this.host, ["ip", "link", "set", inner, "netns", ns]);
    await this.exec(this.host, ["ip", "addr", "add", `${hostIp}/24`, "dev", outer]);
    await this.exec(this.host, ["ip", "link", "set", outer, "up"]);
    await this.exec(ns, ["ip", "addr", "add", `${ip}/24`, "dev", inner]);
    await this.exec(ns, ["ip", "link", "set", inner, "up"]);
    await this.exec(ns, ["ip", "route", "add", "default", "via", hostIp]);
    return ns;
  }

  podNs(name: string): string {
    return `${this.prefix}-${name}`;
  }

  /** GET url from a namespace (a pod's, or the host's). */
  async curl(ns: string, url: string, timeoutSeconds = 2): Promise<CurlResult> {
    try {
      return { code: 0, body: await this.exec(ns, ["curl", "-s", "--max-time", String(timeoutSeconds), url]) };
    } catch (err) {
      return { code: (err as { code?: number }).code ?? -1, body: "" };
    }
  }

  /** Which pods answer url from ns over `tries` requests (names, as a set). */
  async answers(ns: string, url: string, tries: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < tries; i++) {
      const r = await this.curl(ns, url);
      out.add(r.code === 0 ? r.body.split(" ")[0]! : `curl:${r.code}`);
    }
    return out;
  }

  async destroy(): Promise<void> {
    for (const s of this.servers) s.kill("SIGKILL");
    for (const ns of this.namespaces.reverse()) await run("ip", ["netns", "del", ns]).catch(() => undefined);
  }

  private async addNamespace(ns: string): Promise<void> {
    await run("ip", ["netns", "del", ns]).catch(() => undefined);
    await run("ip", ["netns", "add", ns]);
    this.namespaces.push(ns);
    await this.exec(ns, ["ip", "link", "set", "lo", "up"]);
  }
}
