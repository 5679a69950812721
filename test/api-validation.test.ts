// Validation a user meets through kubectl: volume paths that would leave their volume are refused
// with 422 and Kubernetes' field errors, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
});
afterAll(async () => {
  await server?.stop();
});

const manifest = `
apiVersion: v1
kind: Pod
metadata:
  name: escape
spec:
  volumes:
  - name: conf
    configMap:
      name: conf
      items:
      - key: a
        path: ../ab/x
  containers:
  - name: app
    image: kubelab/web:1
    volumeMounts:
    - name: conf
      mountPath: /conf
      subPath: ../..
`;

describe("volume paths through kubectl", () => {
  it("refuses an item path and a subPath with '..' as Kubernetes does, and creates nothing", async () => {
    const r = await kubectl.run(["apply", "-f", "-"], manifest);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Pod "escape" is invalid');
    expect(r.stderr).toContain(`spec.volumes[0].configMap.items[0].path: Invalid value: "../ab/x": must not contain '..'`);
    expect(r.stderr).toContain(`spec.containers[0].volumeMounts[0].subPath: Invalid value: "../..": must not contain '..'`);
    const get = await kubectl.run(["get", "pod", "escape"]);
    expect(get.stderr).toContain('pods "escape" not found');
  });

  it("answers 422 Invalid with the field in the Status causes", async () => {
    const body = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "abs" },
      spec: { containers: [{ name: "app", image: "kubelab/web:1", volumeMounts: [{ name: "v", mountPath: "/v", subPathExpr: "/$(POD_NAME)" }] }], volumes: [{ name: "v", emptyDir: {} }] },
    };
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(422);
    const status = (await res.json()) as { reason: string; details: { causes: { field: string; message: string }[] } };
    expect(status.reason).toBe("Invalid");
    expect(status.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec.containers[0].volumeMounts[0].subPathExpr", message: 'Invalid value: "/$(POD_NAME)": must be a relative path' },
    ]);
  });
});
