// Pod Security admission as kubectl users meet it: the lab's defaults (baseline enforced,
// restricted warned, kube-system exempt) on the real `kubelab server`, driven by the real kubectl.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlFor } from "../../../../test/fixtures/kubectl";
import { startTestServer, type TestServer } from "../../../../test/fixtures/server";

const L = "pod-security.kubernetes.io/";
const IMAGE = "kubelab/busybox:1.36";

describe("Pod Security admission with kubectl", () => {
  let server: TestServer;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    server = await startTestServer({ args: ["--disable-controllers", "all", "--pod-security-defaults", "enforce=baseline,warn=restricted"] });
    kubectl = kubectlFor(server.kubeconfig);
  }, 60_000);
  afterAll(async () => server?.stop());

  it("refuses a privileged pod in a baseline namespace with Kubernetes' message", async () => {
    const r = await kubectl.run(["run", "priv", "--image", IMAGE, "--privileged", "--restart", "Never"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)',
    );
    expect((await kubectl.run(["get", "pod", "priv"])).code).not.toBe(0);
  });

  it("admits a baseline pod and kubectl prints the restricted warning", async () => {
    const r = await kubectl.run(["run", "plain", "--image", IMAGE, "--restart", "Never"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "plain" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "plain" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "plain" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "plain" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it("admits privileged pods in a privileged namespace and in exempt kube-system; labelling warns about them", async () => {
    await kubectl.ok(["create", "namespace", "psa-open"]);
    await kubectl.ok(["label", "namespace", "psa-open", `${L}enforce=privileged`, `${L}warn=privileged`]);
    const open = await kubectl.run(["run", "-n", "psa-open", "priv", "--image", IMAGE, "--privileged", "--restart", "Never"]);
    expect(open.code).toBe(0);
    expect(open.stderr).not.toContain("PodSecurity");
    expect((await kubectl.run(["run", "-n", "kube-system", "priv", "--image", IMAGE, "--privileged", "--restart", "Never"])).code).toBe(0);

    const stricter = await kubectl.run(["label", "namespace", "psa-open", `${L}enforce=baseline`, "--overwrite"]);
    expect(stricter.code).toBe(0);
    expect(stricter.stderr).toContain('Warning: existing pods in namespace "psa-open" violate the new PodSecurity enforce level "baseline:latest"');
    expect(stricter.stderr).toContain("Warning: priv: privileged");
    // The pod stays; only new ones are refused.
    expect(await kubectl.ok(["get", "pod", "-n", "psa-open", "priv", "-o", "name"])).toBe("pod/priv\n");
  });

  it("refuses a label that names no level, with the field", async () => {
    const r = await kubectl.run(["label", "namespace", "psa-open", `${L}enforce=strict`, "--overwrite"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`metadata.labels[${L}enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted`);
  });

  it("warns about a Deployment's privileged template without refusing it", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "priv-web" },
      spec: {
        selector: { matchLabels: { app: "priv-web" } },
        template: { metadata: { labels: { app: "priv-web" } }, spec: { containers: [{ name: "web", image: "kubelab/web:1", securityContext: { privileged: true } }] } },
      },
    };
    const r = await kubectl.run(["apply", "-f", "-"], JSON.stringify(deployment));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: would violate PodSecurity "restricted:latest": privileged (container "web" must not set securityContext.privileged=true), allowPrivilegeEscalation != false');
  });
});
