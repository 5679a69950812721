import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startTestAgent, type ObservedPod, type TestAgent } from "../agent/testing";
import { interpretResponse, parseManifestUrlHeader } from "../agent/manifest-url";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// --manifest-url as the kubelet's staticPodURL: a local HTTP server hands the agent its static
// pods; they run, show on /pods and as mirror pods, follow the served text, survive a failing
// server, and go when no longer served.
const ADDRESS = "127.0.0.187";

const pod = (name: string, image = "kubelab/web:1", labels: Record<string, string> = {}) =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: ${JSON.stringify({ app: name, ...labels })}}
spec:
  containers:
  - {name: web, image: ${image}, imagePullPolicy: IfNotPresent}
`;

describe("static pods from --manifest-url", () => {
  let http: Server;
  let body = "";
  let status = 200;
  const requests: IncomingHttpHeaders[] = [];
  let server: TestServer;
  let agent: TestAgent;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    await ensureImages();
    http = createServer((req, res) => {
      requests.push(req.headers);
      res.writeHead(status, { "content-type": "application/yaml" }).end(body);
    });
    const port = await freePort(ADDRESS);
    await new Promise<void>((r) => http.listen(port, ADDRESS, r));
    server = await startTestServer({ secure: true });
    kubectl = kubectlFor(server.kubeconfig);
    agent = await startTestAgent({
      address: ADDRESS,
      server,
      args: [
        "--manifest-url", `http://${ADDRESS}:${port}/pods.yaml`,
        "--manifest-url-header", "X-Token:abc, X-Role:node",
        "--manifest-url-header", "X-Role:static",
        "--http-check-frequency", "300ms",
      ],
    });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await server?.stop();
    http?.close();
  });

  const served = (name: string) => async (): Promise<ObservedPod | undefined> =>
    (await agent.pods()).find((p) => p.metadata.name === `${name}-${agent.nodeName}`);
  const running = (name: string) => async () => {
    const p = await served(name)();
    return p?.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
  };
  /** n more GETs of the URL have been answered (what "the agent has looked again" means). */
  const polled = async (n: number) => {
    const from = requests.length;
    await eventually(() => requests.length >= from + n, 10_000, `${n} more polls of the URL`);
  };

  it("runs a served pod with the headers sent, shows it on /pods and as a mirror pod", async () => {
    body = pod("urlweb");
    const p = await eventually(running("urlweb"), 30_000, "urlweb Running");
    expect(p.metadata.annotations?.["kubernetes.io/config.source"]).toBe("http");
    expect(p.spec.nodeName).toBe(agent.nodeName);
    expect(requests.at(-1)?.["x-token"]).toBe("abc");
    // A name given twice is sent twice, in the order given (one line, comma-joined, over fetch).
    expect(requests.at(-1)?.["x-role"]).toBe("node, static");
    const mirror = await eventually(async () => {
      const r = await kubectl.run(["get", "pod", `urlweb-${agent.nodeName}`, "-o", "json"]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { metadata: { annotations: Record<string, string> } }) : undefined;
    }, 20_000, "mirror pod");
    expect(mirror.metadata.annotations["kubernetes.io/config.mirror"]).toBeTruthy();
    expect(mirror.metadata.annotations["kubernetes.io/config.source"]).toBe("http");
  });

  it("keeps the last good set while the URL answers 500 or bad YAML", async () => {
    const before = await eventually(running("urlweb"), 20_000, "urlweb Running");
    status = 500;
    await polled(3);
    expect((await served("urlweb")())?.metadata.uid).toBe(before.metadata.uid);
    status = 200;
    body = "kind: Pod\nmetadata: {name: [broken\n";
    await polled(3);
    expect((await served("urlweb")())?.metadata.uid).toBe(before.metadata.uid);
    expect(agent.logs()).toMatch(/failed to read pods from the manifest URL/);
  });

  it("follows a changed text: a List of two pods replaces the one, and an empty List removes them", async () => {
    const before = await eventually(running("urlweb"), 20_000, "urlweb Running");
    const v2 = { apiVersion: "v1", kind: "Pod", metadata: { name: "urlweb" }, spec: { containers: [{ name: "web", image: "kubelab/web:2", imagePullPolicy: "IfNotPresent" }] } };
    body = `apiVersion: v1
kind: List
items:
- ${JSON.stringify(v2)}
- {apiVersion: v1, kind: Pod, metadata: {name: urlsecond}, spec: {containers: [{name: web, image: "kubelab/web:1", imagePullPolicy: IfNotPresent}]}}
`;
    const changed = await eventually(async () => {
      const p = await running("urlweb")();
      return p && p.metadata.uid !== before.metadata.uid ? p : undefined;
    }, 30_000, "urlweb replaced by its new version");
    expect(changed.spec.containers[0]!.image).toBe("kubelab/web:2");
    await eventually(running("urlsecond"), 30_000, "urlsecond Running");

    body = "apiVersion: v1\nkind: List\nitems: []\n";
    await eventually(async () => !(await served("urlweb")()) && !(await served("urlsecond")()), 30_000, "both pods gone from /pods");
    await eventually(async () => (await kubectl.run(["get", "pod", `urlweb-${agent.nodeName}`])).code !== 0, 20_000, "mirror pod gone");
  });

  it("reads several YAML documents", async () => {
    body = `${pod("urldoc1")}---\n${pod("urldoc2")}`;
    await eventually(async () => (await served("urldoc1")()) && (await served("urldoc2")()), 20_000, "both documents' pods");
    body = pod("urldoc2");
    await eventually(async () => !(await served("urldoc1")()) && (await served("urldoc2")()), 20_000, "urldoc1 gone, urldoc2 kept");
  });
});

describe("manifest URL parsing", () => {
  it("parses --manifest-url-header as the kubelet's colon-separated multimap", () => {
    expect(parseManifestUrlHeader("a:hello, b:again,c: world:x")).toEqual([["a", "hello"], ["b", "again"], ["c", "world:x"]]);
    expect(() => parseManifestUrlHeader("novalue")).toThrow(/expect Name:Value/);
    expect(() => parseManifestUrlHeader(":v")).toThrow(/name is empty/);
  });

  it("turns an answer into pods or a reason to keep the last set", () => {
    expect(interpretResponse("u", 404, "Not Found", "", "n")).toEqual({ error: "u: 404 Not Found" });
    expect(interpretResponse("u", 200, "OK", "", "n")).toEqual({ pods: [], error: "zero-length data received from u" });
    expect(interpretResponse("u", 200, "OK", "kind: ConfigMap\nmetadata: {name: x}\n", "n")).toMatchObject({ error: expect.stringMatching(/not a Pod manifest/) });
    const ok = interpretResponse("u", 200, "OK", pod("p"), "n");
    expect("error" in ok).toBe(false);
    expect(ok.pods?.map((p) => p.metadata.name)).toEqual(["p-n"]);
  });
});
