// `pulumi preview` of a new stack: nothing exists yet, so addresses, ids and command outputs are
// unknown. The program must still register the whole graph without touching those values.
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { eventually } from "../../test/fixtures/wait";

const created: { type: string; name: string }[] = [];
pulumi.runtime.setMocks({
  newResource(args) {
    created.push({ type: args.type, name: args.name });
    // A preview returns no id and only the inputs: every computed output stays unknown.
    return { id: undefined as unknown as string, state: args.inputs };
  },
  call: (args) => args.inputs,
}, "kubelab", "preview", true);

const dir = mkdtempSync(path.join(tmpdir(), "kubelab-preview-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("registers the whole lab in a preview, where addresses and command outputs are unknown", async () => {
  pulumi.runtime.setAllConfig({
    "gcp:region": "us-central1",
    "gcp:zone": "us-central1-b",
    "kubelab:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 me@laptop",
    "kubelab:sshPrivateKey": "not-a-key",
    "kubelab:sshSourceRanges": "203.0.113.7/32",
    "kubelab:apiSourceRanges": "203.0.113.7/32",
  }, ["kubelab:sshPrivateKey"]);
  const bundlePath = path.join(dir, "kubelab.mjs");
  const agentBundlePath = path.join(dir, "kubelab-agent.mjs");
  const nativeModulesPath = path.join(dir, "native.tar.gz");
  writeFileSync(bundlePath, "x");
  writeFileSync(agentBundlePath, "x");
  writeFileSync(nativeModulesPath, "x");
  const { createCluster } = await import("./program");
  createCluster("kubelab", { bundlePath, agentBundlePath, nativeModulesPath });
  // Default 2 workers: 6 network + 13 master + 9 per worker and the bootstrap token made for it
  // on the master, plus the component.
  const total = 6 + 13 + 2 * (9 + 1) + 1;
  await eventually(() => created.length >= total, 10_000, `${total} registrations`);
  const count = (t: string) => created.filter((c) => c.type === t).length;
  expect(count("gcp:compute/instance:Instance")).toBe(3);
  expect(count("gcp:compute/route:Route")).toBe(2);
  expect(created.length).toBe(total);
});
