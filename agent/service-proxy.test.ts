import { connect, createServer, type Server } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../test/fixtures/wait";
import { ServiceProxy, setKernelServesNodePorts } from "./service-proxy";
import { freePort } from "./testing";
import type { Endpoints, Service } from "../api/core";

// The NodePort proxy listens on the node's address for every pod and every client: a client that
// resets or sends garbage, a dead backend, or a backend port no socket can have, ends that one
// connection and never the proxy. Real listeners and sockets on loopback.

const ADDRESS = "127.0.0.43";

function service(name: string, nodePort: number): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort, protocol: "TCP" }] } };
}
function endpoints(name: string, backends: Array<[string, number]>): Endpoints {
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name, namespace: "default" },
    subsets: backends.map(([ip, port]) => ({ addresses: [{ ip }], ports: [{ port }] })),
  };
}

/** Connects, writes, and returns what came back before the connection closed. */
function exchange(port: number, data: string | Buffer, opts: { reset?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: ADDRESS, port });
    let out = "";
    socket.setTimeout(3000, () => socket.destroy());
    socket.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.endsWith("\n")) socket.end();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(out));
    socket.on("connect", () => {
      socket.write(data);
      if (opts.reset) socket.resetAndDestroy();
    });
  });
}

describe("NodePort proxy", () => {
  let proxy: ServiceProxy;
  let echo: Server;
  let echoPort: number;
  let nodePort: number;

  beforeAll(async () => {
    echo = createServer((s) => {
      s.on("error", () => undefined);
      s.on("data", (c: Buffer) => s.write(`echo:${c.toString().trim()}\n`));
    });
    echoPort = await new Promise<number>((r) => echo.listen(0, ADDRESS, () => r((echo.address() as { port: number }).port)));
    nodePort = await freePort(ADDRESS);
    proxy = new ServiceProxy(ADDRESS, pino({ level: "silent" }));
  });
  afterAll(() => {
    proxy?.stop();
    echo?.close();
  });

  it("keeps forwarding through resets, garbage, dead and impossible backends", async () => {
    const deadPort = await freePort(ADDRESS);
    proxy.replaceServices([service("web", nodePort), service("bad-port", 70_000)]);
    await eventually(() => proxy.listening().includes(nodePort), 5000, "node port open");

    // Round robin over: a refused port, a port number out of range, and the echo server.
    proxy.replaceEndpoints([endpoints("web", [[ADDRESS, deadPort], [ADDRESS, 99_999], [ADDRESS, echoPort]])]);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await exchange(nodePort, `hello${i}\n`));
    expect(answers.filter((a) => a.startsWith("echo:")).length).toBe(2);
    expect(answers.filter((a) => a === "").length).toBe(4);

    proxy.replaceEndpoints([endpoints("web", [[ADDRESS, echoPort]])]);
    for (let i = 0; i < 20; i++) await exchange(nodePort, Buffer.from([0, 255, 13, 10, i]), { reset: i % 2 === 0 });
    expect(await exchange(nodePort, "still there\n")).toBe("echo:still there\n");
  });

  it("closes clients of a service without ready endpoints and serves them once there are", async () => {
    proxy.replaceEndpoints([]);
    expect(await exchange(nodePort, "anyone?\n")).toBe("");
    proxy.upsertEndpoints(endpoints("web", [[ADDRESS, echoPort]]));
    expect(await exchange(nodePort, "now\n")).toBe("echo:now\n");
  });

  it("closes its listeners while the kernel serves the address's NodePorts, and reopens them when it stops", async () => {
    proxy.replaceServices([service("web", nodePort)]);
    await eventually(() => proxy.listening().includes(nodePort), 5000, "node port open");
    setKernelServesNodePorts(ADDRESS, true);
    await eventually(() => proxy.listening().length === 0, 5000, "userspace listener closed");
    setKernelServesNodePorts("127.0.0.44", false); // another node's address: nothing changes here
    expect(proxy.listening()).toEqual([]);
    setKernelServesNodePorts(ADDRESS, false);
    await eventually(() => proxy.listening().includes(nodePort), 5000, "userspace listener back");
  });
});
