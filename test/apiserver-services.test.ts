// Services get a cluster IP and node ports from the API server, keep them across re-applies, and
// a node port can be had only once.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";
import { kubectlFor } from "./fixtures/kubectl";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;
beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
});
afterAll(async () => {
  await server?.stop();
});

const jsonpath = (what: string, path: string) => kubectl.ok(["get", what, "-o", `jsonpath=${path}`]);

describe("Service addresses", () => {
  it("allocates a node port for the seed's NodePort Service and keeps it when applied again", async () => {
    const file = join(REPO_ROOT, "examples/seed/nginx-service.yaml");
    await kubectl.ok(["apply", "-f", file]);
    const port = Number(await jsonpath("svc/nginx-service", "{.spec.ports[0].nodePort}"));
    expect(port).toBeGreaterThanOrEqual(30000);
    expect(port).toBeLessThanOrEqual(32767);
    expect(await jsonpath("svc/nginx-service", "{.spec.clusterIP}")).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(await kubectl.ok(["apply", "-f", file])).toContain("unchanged");
    expect(Number(await jsonpath("svc/nginx-service", "{.spec.ports[0].nodePort}"))).toBe(port);
    const table = await kubectl.ok(["get", "svc", "nginx-service"]);
    expect(table).toMatch(new RegExp(`nginx-service\\s+NodePort\\s+10\\.96\\.\\S+\\s+<none>\\s+8000:${port}/TCP`));
  });

  it("allocates node ports when a patch adds a port or turns a ClusterIP Service into a NodePort one", async () => {
    await kubectl.ok(["create", "service", "clusterip", "plain", "--tcp=80:80", "--dry-run=client", "-o", "yaml"]).then((y) => kubectl.ok(["apply", "-f", "-"], y));
    await kubectl.ok(["patch", "svc", "plain", "-p", '{"spec":{"type":"NodePort"}}']);
    expect(Number(await jsonpath("svc/plain", "{.spec.ports[0].nodePort}"))).toBeGreaterThanOrEqual(30000);
    await kubectl.ok(["patch", "svc", "plain", "--type=json", "-p", '[{"op":"add","path":"/spec/ports/-","value":{"name":"b","port":81}}]']);
    expect(Number(await jsonpath("svc/plain", "{.spec.ports[1].nodePort}"))).toBeGreaterThanOrEqual(30000);
  });

  it("refuses a node port that another Service has", async () => {
    const taken = await jsonpath("svc/nginx-service", "{.spec.ports[0].nodePort}");
    const manifest = `apiVersion: v1\nkind: Service\nmetadata:\n  name: thief\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports:\n  - port: 80\n    nodePort: ${taken}\n`;
    const r = await kubectl.run(["apply", "-f", "-"], manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`spec.ports[0].nodePort: Invalid value: ${taken}: provided port is already allocated`);
  });
});
