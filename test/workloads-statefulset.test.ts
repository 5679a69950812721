import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removePodNetworks } from "../agent/network/teardown";
import { startTestAgent, type TestAgent } from "../agent/testing";
import { ensureImages } from "./fixtures/docker";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

// A StatefulSet on a real `kubelab server` and two real agents on Docker, driven with the real
// kubectl: stable names and claims (each pod appends its start to /data/log on its own volume, so
// the log shows the data survived), scale down and up, a rolling update in reverse ordinal order,
// rollout status/history/undo, and per-pod DNS through the headless Service.
const id = randomBytes(3).toString("hex");
const NS = `sts-${id}`;
const CLUSTER_CIDR = "10.253.0.0/16";

const manifest = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: ${NS}}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: kubelab/busybox:1.36
        command: ["sh", "-c", "echo start $(hostname) >> /data/log; trap 'exit 0' TERM; while :; do sleep 1; done"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 16Mi}}
`;

const client = `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: kubelab/busybox:1.36
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
`;

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

describe("a StatefulSet on a real cluster", () => {
  let server: TestServer;
  let agents: TestAgent[] = [];
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    await ensureImages();
    server = await startTestServer({ secure: true, args: ["--cluster-cidr", CLUSTER_CIDR] });
    kubectl = kubectlFor(server.kubeconfig);
    const nodes = [`sa-${id}`, `sb-${id}`];
    agents = await Promise.all(
      nodes.map((nodeName, i) =>
        startTestAgent({ address: `127.0.0.${75 + i}`, nodeName, kubeconfig: server.kubeconfig, args: ["--node-status-update-frequency", "1s", "--network", `kubelab-${nodeName}`, "--cluster-cidr", CLUSTER_CIDR] }),
      ),
    );
    await kubectl.ok(["create", "namespace", NS]);
    for (const a of agents) await eventually(async () => (await kubectl.run(["get", "node", a.nodeName])).code === 0, 30_000, "node registered");
    await kubectl.ok(["apply", "-f", "-"], manifest + "---\n" + client);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.cleanup()));
    await removePodNetworks(agents.map((a) => a.nodeName));
    await server?.stop();
  });

  const pod = async (name: string): Promise<PodJson | undefined> => {
    const r = await kubectl.run(["-n", NS, "get", "pod", name, "-o", "json"]);
    return r.code === 0 ? (JSON.parse(r.stdout) as PodJson) : undefined;
  };
  const isReady = (p: PodJson | undefined) => !!p && !p.metadata.deletionTimestamp && !!p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  /** The log on the claim's volume, read from the node's directory behind its PV. */
  const volumeLog = async (claim: string) => {
    const pvc = JSON.parse(await kubectl.ok(["-n", NS, "get", "pvc", claim, "-o", "json"]));
    const pv = JSON.parse(await kubectl.ok(["get", "pv", pvc.spec.volumeName, "-o", "json"]));
    return { pv: pv.metadata.name as string, log: readFileSync(join(pv.spec.local.path, "log"), "utf8") };
  };
  const rollout = (...args: string[]) => kubectl.ok(["-n", NS, "rollout", ...args, "sts/web", ...(args[0] === "status" ? ["--timeout=60s"] : [])]);

  it("runs <sts>-0 and <sts>-1 on claims of their own, shown by kubectl get sts and rollout status", async () => {
    expect(await rollout("status")).toMatch(/partitioned roll out complete: 2 new pods have been updated/);
    expect(await kubectl.ok(["-n", NS, "get", "sts", "web"])).toMatch(/^NAME\s+READY\s+AGE\nweb\s+2\/2\s+\S+\n$/);
    const claims = JSON.parse(await kubectl.ok(["-n", NS, "get", "pvc", "-o", "json"])).items.map((c: { metadata: { name: string }; status: { phase: string } }) => `${c.metadata.name}:${c.status.phase}`);
    expect(claims.sort()).toEqual(["data-web-0:Bound", "data-web-1:Bound"]);
    for (const n of [0, 1]) expect((await volumeLog(`data-web-${n}`)).log).toBe(`start web-${n}\n`);
    const described = await kubectl.ok(["-n", NS, "describe", "sts", "web"]);
    expect(described).toMatch(/Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Volume Claims:\s*\n\s+Name:\s+data/);
    expect(await kubectl.ok(["explain", "statefulset.spec.podManagementPolicy"])).toMatch(/FIELD: podManagementPolicy <string>/);
  });

  it("refuses a bad StatefulSet with the field and Kubernetes' message", async () => {
    const bad = manifest.split("---\n")[1]!.replace("name: web,", "name: bad,").replace("replicas: 2", "replicas: 2\n  podManagementPolicy: Random");
    const r = await kubectl.run(["apply", "-f", "-"], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`The StatefulSet "bad" is invalid: spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`);
  });

  it("brings a deleted <sts>-0 back under its name, on its node, with its data", async () => {
    const before = (await pod("web-0"))!;
    await kubectl.ok(["-n", NS, "delete", "pod", "web-0", "--wait=false"]);
    const after = await eventually(async () => {
      const p = await pod("web-0");
      return p && p.metadata.uid !== before.metadata.uid && isReady(p) ? p : undefined;
    }, 30_000, "web-0 recreated and Ready");
    expect(after.spec.nodeName).toBe(before.spec.nodeName);
    await eventually(async () => (await volumeLog("data-web-0")).log === "start web-0\nstart web-0\n", 10_000, "the second start in the kept log");
  });

  it("keeps <sts>-1's claim and data when scaled to 1 and back", async () => {
    const { pv } = await volumeLog("data-web-1");
    await kubectl.ok(["-n", NS, "scale", "sts", "web", "--replicas=1"]);
    await eventually(async () => !(await pod("web-1")), 30_000, "web-1 gone");
    expect((await kubectl.run(["-n", NS, "get", "pvc", "data-web-1"])).code).toBe(0);
    await kubectl.ok(["-n", NS, "scale", "sts", "web", "--replicas=2"]);
    await eventually(async () => isReady(await pod("web-1")), 30_000, "web-1 back");
    await eventually(async () => {
      const now = await volumeLog("data-web-1");
      return now.pv === pv && now.log === "start web-1\nstart web-1\n";
    }, 10_000, "web-1's old volume with its first start");
  });

  it("rolls an update out from the highest ordinal down; rollout history and undo work", async () => {
    const uids = { "web-0": (await pod("web-0"))!.metadata.uid, "web-1": (await pod("web-1"))!.metadata.uid };
    await kubectl.ok(["-n", NS, "patch", "sts", "web", "-p", '{"spec":{"template":{"metadata":{"annotations":{"release":"2"}}}}}']);
    // Watch the replacements happen: web-1 must be replaced while web-0 is still the old pod.
    const replaced: string[] = [];
    await eventually(async () => {
      for (const name of ["web-1", "web-0"] as const) {
        const p = await pod(name);
        if (!replaced.includes(name) && (!p || p.metadata.uid !== uids[name] || p.metadata.deletionTimestamp)) replaced.push(name);
      }
      return replaced.length === 2;
    }, { timeoutMs: 40_000, intervalMs: 100, what: "both pods replaced" });
    expect(replaced).toEqual(["web-1", "web-0"]);
    expect(await rollout("status")).toMatch(/partitioned roll out complete: 2 new pods have been updated/);
    const history = await rollout("history");
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    expect(await rollout("history", "--revision=1")).not.toMatch(/release/);
    expect(await rollout("undo")).toMatch(/statefulset.apps\/web rolled back/);
    await eventually(async () => {
      const sts = JSON.parse(await kubectl.ok(["-n", NS, "get", "sts", "web", "-o", "json"]));
      return sts.spec.template.metadata.annotations?.release === undefined && sts.status.updateRevision === sts.status.currentRevision && sts.status.readyReplicas === 2;
    }, 40_000, "rolled back to revision 1's template");
    expect(await rollout("history")).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);
    // Events are written a moment after what they report (off the controller's path).
    const events = await eventually(async () => {
      const text = await kubectl.ok(["-n", NS, "get", "events", "--field-selector", "involvedObject.name=web,involvedObject.kind=StatefulSet", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]);
      return text.includes("delete Pod web-1 in StatefulSet web successful") && text;
    }, 20_000, "the StatefulSet's events");
    expect(events).toContain("create Pod web-0 in StatefulSet web successful");
    expect(events).toContain("create Claim data-web-1 Pod web-1 in StatefulSet web success");
    expect(events).toContain("delete Pod web-1 in StatefulSet web successful");
  });

  it("gives each pod its DNS name <pod>.<service>.<namespace>.svc.cluster.local", async () => {
    const target = (await eventually(async () => (isReady(await pod("web-1")) ? pod("web-1") : undefined), 20_000, "web-1 Ready"))!;
    const c = await eventually(async () => {
      const p = await pod("client");
      return isReady(p) ? p : undefined;
    }, 30_000, "client Ready");
    const name = `web-1.web.${NS}.svc.cluster.local`;
    await eventually(() => {
      let out = "";
      try {
        out = execFileSync("docker", ["exec", `k8s_c_client_${NS}_${c.metadata.uid}_0`, "nslookup", "-type=a", name], { encoding: "utf8" });
      } catch (err) {
        out = String((err as { stdout?: string }).stdout ?? "");
      }
      return out.includes(`Address: ${target.status.podIP}`);
    }, 20_000, `${name} resolving to ${target.status.podIP}`);
  });

  it("keeps DaemonSet revisions too: kubectl rollout history and undo ds", async () => {
    const ds = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: hist, namespace: ${NS}}
spec:
  selector: {matchLabels: {app: hist}}
  template:
    metadata: {labels: {app: hist}}
    spec:
      nodeSelector: {kubelab.io/no-such-node: "true"}
      containers: [{name: c, image: kubelab/busybox:1.36}]
`;
    await kubectl.ok(["apply", "-f", "-"], ds);
    const history = () => kubectl.ok(["-n", NS, "rollout", "history", "ds/hist"]);
    await eventually(async () => /CHANGE-CAUSE\n1\s+<none>\n\s*$/.test(await history()), 10_000, "revision 1");
    await kubectl.ok(["-n", NS, "patch", "ds", "hist", "-p", '{"spec":{"template":{"metadata":{"annotations":{"release":"2"}}}}}']);
    await eventually(async () => /CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n\s*$/.test(await history()), 10_000, "revision 2");
    expect(await kubectl.ok(["-n", NS, "rollout", "undo", "ds/hist"])).toMatch(/daemonset.apps\/hist rolled back/);
    await eventually(async () => /CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n\s*$/.test(await history()), 10_000, "revision 1 renumbered 3");
    expect(await kubectl.ok(["-n", NS, "get", "ds", "hist", "-o", "jsonpath={.spec.template.metadata.annotations}"])).toBe("");
  });

  it("deletes its pods and revisions with it and keeps the claims (whenDeleted: Retain)", async () => {
    await kubectl.ok(["-n", NS, "delete", "sts", "web", "--wait=false"]);
    await eventually(async () => JSON.parse(await kubectl.ok(["-n", NS, "get", "pods,controllerrevisions", "-l", "app=web", "-o", "json"])).items.length === 0, 30_000, "pods and revisions gone");
    const claims = JSON.parse(await kubectl.ok(["-n", NS, "get", "pvc", "-o", "json"])).items.map((c: { metadata: { name: string } }) => c.metadata.name);
    expect(claims.sort()).toEqual(["data-web-0", "data-web-1"]);
  });
});
