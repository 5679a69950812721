// The real kubectl against a started `kubelab server`: the seed article's Pod and Deployment, the
// everyday verbs, and the errors kubectl shows for bad manifests.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestServer, type TestServer } from "./fixtures/server";
import { kubectlFor } from "./fixtures/kubectl";
import { eventually } from "./fixtures/wait";

const POD = join(REPO_ROOT, "examples/seed/nginx-pod.yaml");
const DEPLOYMENT = join(REPO_ROOT, "examples/seed/nginx-deployment.yaml");

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;
const work = mkdtempSync(join(tmpdir(), "kubelab-kubectl-"));

function writeManifest(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  // No controllers: this file is about the API itself, so nothing else changes the objects.
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
});

afterAll(async () => {
  await server?.stop();
});

describe("kubectl against the API server", () => {
  it("reports version 1.32 so the matching kubectl runs", async () => {
    const out = await kubectl.ok(["version", "-o", "json"]);
    const v = JSON.parse(out);
    expect(v.serverVersion.minor).toBe("32");
    expect(v.clientVersion.minor).toMatch(/^32/);
  });

  it("creates the seed's nginx Pod and prints it with the usual columns and defaults", async () => {
    expect(await kubectl.ok(["create", "-f", POD])).toContain("pod/nginx created");
    const table = await kubectl.ok(["get", "pods"]);
    const [header, row] = table.trim().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(row.split(/\s+/).slice(0, 4)).toEqual(["nginx", "0/1", "Pending", "0"]);
    const wide = await kubectl.ok(["get", "pods", "-o", "wide"]);
    expect(wide.split("\n")[0]).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    const yaml = await kubectl.ok(["get", "pod", "nginx", "-o", "yaml"]);
    expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    expect(yaml).toContain("restartPolicy: Always");
    expect(yaml).toContain("imagePullPolicy: IfNotPresent");
    expect(yaml).toContain("terminationGracePeriodSeconds: 30");
    expect(yaml).toContain("phase: Pending");
  });

  it("refuses to create the same Pod twice with AlreadyExists", async () => {
    const r = await kubectl.run(["create", "-f", POD]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (AlreadyExists): error when creating');
    expect(r.stderr).toContain('pods "nginx" already exists');
  });

  it("applies the seed's Deployment: created, unchanged, then configured on a new image", async () => {
    expect(await kubectl.ok(["apply", "-f", DEPLOYMENT])).toContain("deployment.apps/nginx-deployment created");
    expect(await kubectl.ok(["apply", "-f", DEPLOYMENT])).toContain("deployment.apps/nginx-deployment unchanged");
    const changed = writeManifest("deploy-v2.yaml", readFileSync(DEPLOYMENT, "utf8").replace("image: kubelab/web:1", "image: kubelab/web:2"));
    expect(await kubectl.ok(["apply", "-f", changed])).toContain("deployment.apps/nginx-deployment configured");
    const image = await kubectl.ok(["get", "deployment", "nginx-deployment", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
    expect(image).toBe("kubelab/web:2");
    const table = await kubectl.ok(["get", "deployments"]);
    expect(table.split("\n")[0].split(/\s+/)).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    expect(table).toMatch(/nginx-deployment\s+0\/3\s+0\s+0\s+/);
  });

  it("changes the template with `kubectl set image` and the replicas with `kubectl scale`", async () => {
    expect(await kubectl.ok(["set", "image", "deployment/nginx-deployment", "nginx=kubelab/web:1"])).toContain(
      "deployment.apps/nginx-deployment image updated",
    );
    expect(await kubectl.ok(["get", "deployment", "nginx-deployment", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}"])).toBe("kubelab/web:1 3");
    expect(await kubectl.ok(["scale", "deployment/nginx-deployment", "--replicas=5"])).toContain("deployment.apps/nginx-deployment scaled");
    expect(await kubectl.ok(["get", "deployment", "nginx-deployment", "-o", "jsonpath={.spec.replicas}"])).toBe("5");
  });

  it("server-side applies, and reports a conflict with another manager unless forced", async () => {
    const cm = (value: string) =>
      writeManifest(`cm-${value}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: ${value}\n`);
    expect(await kubectl.ok(["apply", "--server-side", "--field-manager=team-a", "-f", cm("blue")])).toContain("configmap/settings serverside-applied");
    const clash = await kubectl.run(["apply", "--server-side", "--field-manager=team-b", "-f", cm("green")]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain("conflict");
    expect(clash.stderr).toContain('"team-a"');
    expect(clash.stderr).toContain(".data.color");
    expect(await kubectl.ok(["get", "configmap", "settings", "-o", "jsonpath={.data.color}"])).toBe("blue");
    await kubectl.ok(["apply", "--server-side", "--field-manager=team-b", "--force-conflicts", "-f", cm("green")]);
    expect(await kubectl.ok(["get", "configmap", "settings", "-o", "jsonpath={.data.color}"])).toBe("green");
  });

  it("shows the field that is wrong in an invalid manifest", async () => {
    const bad = writeManifest(
      "bad.yaml",
      readFileSync(DEPLOYMENT, "utf8").replace("name: nginx-deployment", "name: Nginx_Deployment").replace("replicas: 3", "replicas: -1"),
    );
    const r = await kubectl.run(["apply", "-f", bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Deployment "Nginx_Deployment" is invalid');
    expect(r.stderr).toContain("metadata.name: Invalid value");
    expect(r.stderr).toContain("spec.replicas: Invalid value: -1");
    const unknown = writeManifest("unknown.yaml", readFileSync(POD, "utf8").replace("name: nginx\nspec:", "name: typo\nspec:\n  replicaz: 2"));
    const u = await kubectl.run(["create", "-f", unknown]);
    expect(u.code).not.toBe(0);
    expect(u.stderr).toContain('unknown field "spec.replicaz"');
    expect((await kubectl.run(["get", "pod", "typo"])).code).not.toBe(0);
  });

  it("prints changes made by another process while watching with `get pods -w`", async () => {
    const watcher = kubectl.spawn(["get", "pods", "-w"]);
    let out = "";
    watcher.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await eventually(() => out.includes("nginx"), 15_000, "the watch to print nginx");
      const other = writeManifest("watched.yaml", readFileSync(POD, "utf8").replace("name: nginx\n", "name: watched\n"));
      await kubectl.ok(["create", "-f", other]);
      await eventually(() => /watched\s+0\/1\s+Pending/.test(out), 15_000, "the watch to print the new pod");
    } finally {
      watcher.kill();
    }
  });

  it("deletes with `kubectl delete` and then reports NotFound", async () => {
    expect(await kubectl.ok(["delete", "pod", "nginx"])).toContain('pod "nginx" deleted');
    const r = await kubectl.run(["get", "pod", "nginx"]);
    expect(r.stderr).toContain('Error from server (NotFound): pods "nginx" not found');
  });

  it("explains fields from the OpenAPI document", async () => {
    const out = await kubectl.ok(["explain", "deployment.spec.replicas"]);
    expect(out).toContain("KIND:       Deployment");
    expect(out).toContain("replicas");
  });

  it("answers `get nodes`, `get namespaces` and `api-resources` from discovery", async () => {
    expect(await kubectl.ok(["get", "namespaces"])).toMatch(/default\s+Active/);
    const res = await kubectl.ok(["api-resources"]);
    expect(res).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(res).toMatch(/gitrepositories\s+gitrepo\s+gitops.kubelab.io\/v1alpha1\s+true\s+GitRepository/);
  });
});
