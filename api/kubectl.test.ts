// The API types as the real kubectl sees them through a running kubelab server: explain from
// /openapi/v3, strict field validation, the seed manifests' defaults, and server-side tables.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "../test/fixtures/kubectl";
import { startTestServer, type TestServer } from "../test/fixtures/server";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const seedPod = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.7.9
    ports:
    - containerPort: 80
`;

describe("kubectl against the API types", () => {
  it("explains pod.spec.containers with field types and descriptions", async () => {
    const out = await kubectl.ok(["explain", "pod.spec.containers"]);
    expect(out).toContain("FIELD: containers <[]Container>");
    expect(out).toContain("List of containers belonging to the pod.");
    expect(out).toMatch(/image\s+<string>\n\s+Container image name\./);
    expect(out).toMatch(/ports\s+<\[\]ContainerPort>/);
  });

  it("explains kubelab's own GitRepository", async () => {
    const out = await kubectl.ok(["explain", "gitrepositories.spec"]);
    expect(out).toContain("GROUP:      gitops.kubelab.io");
    expect(out).toMatch(/interval\s+<string>\n\s+How often to check the repository/);
  });

  it("creates the seed Pod with Kubernetes' defaults visible in -o yaml", async () => {
    await kubectl.ok(["create", "-f", "-"], seedPod);
    const pod = JSON.parse(await kubectl.ok(["get", "pod", "nginx", "-o", "json"]));
    expect(pod.spec.restartPolicy).toBe("Always");
    expect(pod.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(pod.spec.containers[0].ports[0].protocol).toBe("TCP");
  });

  it("rejects an unknown field the way Kubernetes does", async () => {
    const r = await kubectl.run(["create", "-f", "-"], seedPod.replace("name: nginx\nspec:", "name: typo\nspec:\n  restartPolicee: Always"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.restartPolicee"');
  });

  it("rejects a bad name with the field path and Kubernetes' message", async () => {
    const r = await kubectl.run(["create", "-f", "-"], seedPod.replace("name: nginx\nspec:", "name: Nginx\nspec:"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Pod "Nginx" is invalid: metadata.name: Invalid value: "Nginx": a lowercase RFC 1123 subdomain');
  });

  it("prints the pods table with READY, STATUS, RESTARTS and the wide columns", async () => {
    const out = await kubectl.ok(["get", "pods", "-o", "wide"]);
    const [header, row] = out.trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
    expect(row).toMatch(/^nginx\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$/);
  });
});
