// install-etcd.sh for real: three "masters" (each its own root folder) get their certificates
// from the first one's `pki`, write their etcd configuration with `member`, and the etcd they
// configured (/usr/bin/etcd, the same binary Debian's etcd-server installs on the VMs) forms a
// cluster on loopback with client and peer TLS; the kubelab-server drop-in names every member.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test/fixtures/wait";
import { etcdMemberHealthy } from "../../local/ha/etcd";

const SCRIPT = path.join(import.meta.dirname, "install-etcd.sh");
const UNIT = path.join(import.meta.dirname, "kubelab-server.service");
const IPS = ["127.0.93.1", "127.0.93.2", "127.0.93.3"];
const CLIENT_PORT = 32379;
const PEER_PORT = 32380;
const INITIAL = IPS.map((ip, i) => `m${i}=https://${ip}:${PEER_PORT}`).join(",");

let dir: string;
const members: ChildProcess[] = [];

function run(root: string, args: string[], input?: string) {
  const systemctl = path.join(dir, "systemctl");
  const r = spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", input, timeout: 60_000, env: { ...process.env, KUBELAB_ROOT: root, SYSTEMCTL: systemctl } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rootOf = (i: number) => path.join(dir, `master-${i}`);
const tlsOf = (i: number) => {
  const pki = path.join(rootOf(i), "etc/kubelab/etcd");
  return { caFile: path.join(pki, "ca.crt"), memberCert: path.join(pki, "member.crt"), memberKey: path.join(pki, "member.key"), clientCert: path.join(pki, "apiserver-etcd-client.crt"), clientKey: path.join(pki, "apiserver-etcd-client.key") };
};

/** The environment etcd gets from the unit's EnvironmentFile, as systemd would hand it over. */
function etcdEnv(i: number): Record<string, string> {
  const text = readFileSync(path.join(rootOf(i), "etc/kubelab/etcd/etcd.env"), "utf8");
  return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

let certs = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kubelab-gce-etcd-"));
  writeFileSync(path.join(dir, "systemctl"), `#!/bin/sh\necho "$@" >> ${dir}/systemctl.log\n`);
  chmodSync(path.join(dir, "systemctl"), 0o755);
  IPS.forEach((_, i) => mkdirSync(rootOf(i), { recursive: true }));
  const pki = run(rootOf(0), ["pki", "--ips", IPS.join(",")]);
  expect(pki.status, pki.stderr).toBe(0);
  certs = pki.stdout.trim();
  for (const [i, ip] of IPS.entries()) {
    const r = run(rootOf(i), ["member", "--name", `m${i}`, "--ip", ip, "--initial-cluster", INITIAL, "--server-unit", UNIT,
      "--client-port", String(CLIENT_PORT), "--peer-port", String(PEER_PORT), "--token", `kubelab-test-${process.pid}`], certs);
    expect(r.status, r.stderr).toBe(0);
    members.push(spawn("/usr/bin/etcd", [], { env: { ...process.env, ...etcdEnv(i) }, stdio: "ignore" }));
  }
});

afterAll(() => {
  for (const m of members) m.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("install-etcd.sh", () => {
  it("prints no key on stdout except inside the certificate archive, and makes it once", () => {
    expect(certs).toMatch(/^[A-Za-z0-9+/=]+$/);
    const again = run(rootOf(0), ["pki", "--ips", IPS.join(",")]);
    expect(again.stderr).not.toContain("generated");
    expect(readFileSync(path.join(rootOf(0), "etc/kubelab/etcd/member.sans"), "utf8").trim()).toBe(`${IPS.map((a) => `IP:${a}`).join(",")},IP:127.0.0.1,DNS:localhost`);
  });

  it("configures three members that form one cluster with client TLS, each answering for all", async () => {
    for (const [i, ip] of IPS.entries()) {
      await eventually(() => etcdMemberHealthy(`https://${ip}:${CLIENT_PORT}`, tlsOf(i)), 30_000, `member m${i} healthy`);
    }
    const t = tlsOf(1);
    const client = new Etcd3({
      hosts: IPS.map((ip) => `https://${ip}:${CLIENT_PORT}`),
      credentials: { rootCertificate: readFileSync(t.caFile), certChain: readFileSync(t.clientCert), privateKey: readFileSync(t.clientKey) },
    });
    try {
      await client.put("/kubelab/test").value("written-through-any-member");
      const members = await client.cluster.memberList({});
      expect(members.members.map((m) => m.name).sort()).toEqual(["m0", "m1", "m2"]);
      expect(members.members.every((m) => m.peerURLs.every((u) => u.startsWith("https://")))).toBe(true);
    } finally {
      client.close();
    }
    // Without a client certificate the members refuse (client-cert-auth): no way around the API.
    const plain = spawnSync("etcdctl", ["--endpoints", `https://${IPS[2]}:${CLIENT_PORT}`, "--cacert", t.caFile, "--dial-timeout", "3s", "get", "/kubelab/test"], { encoding: "utf8", env: { ...process.env, ETCDCTL_API: "3" }, timeout: 20_000 });
    expect(plain.status).not.toBe(0);
    const withCert = spawnSync("etcdctl", ["--endpoints", `https://${IPS[2]}:${CLIENT_PORT}`, "--cacert", t.caFile, "--cert", t.clientCert, "--key", t.clientKey, "get", "--print-value-only", "/kubelab/test"], { encoding: "utf8", env: { ...process.env, ETCDCTL_API: "3" }, timeout: 20_000 });
    expect(withCert.stdout.trim()).toBe("written-through-any-member");
  });

  it("points kubelab-server at every member with the client certificate, keeping the unit's flags", () => {
    const dropIn = readFileSync(path.join(rootOf(1), "etc/systemd/system/kubelab-server.service.d/etcd.conf"), "utf8");
    const execs = dropIn.split("\n").filter((l) => l.startsWith("ExecStart="));
    expect(execs[0]).toBe("ExecStart=");
    const line = execs[1];
    expect(line).toContain("/opt/kubelab/kubelab.mjs server");
    expect(line).toContain("--token-auth-file ${CREDENTIALS_DIRECTORY}/tokens.csv");
    expect(line).toContain("--pod-security-defaults");
    expect(line).toContain(`--store etcd --etcd-servers ${IPS.map((ip) => `https://${ip}:${CLIENT_PORT}`).join(",")}`);
    expect(line).toContain("--etcd-certfile ${CREDENTIALS_DIRECTORY}/etcd-client.crt");
    expect(line).toContain(`--advertise-address ${IPS[1]}`);
    expect(dropIn).toContain("LoadCredential=etcd-client.key:/etc/kubelab/etcd/apiserver-etcd-client.key");
    expect(readFileSync(path.join(dir, "systemctl.log"), "utf8")).toContain("restart --no-block kubelab-etcd.service");
    // Run again with nothing of etcd's changed: the running member is left alone.
    const again = run(rootOf(1), ["member", "--name", "m1", "--ip", IPS[1], "--initial-cluster", INITIAL, "--server-unit", UNIT,
      "--client-port", String(CLIENT_PORT), "--peer-port", String(PEER_PORT), "--token", `kubelab-test-${process.pid}`], certs);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "systemctl.log"), "utf8").trim().split("\n").at(-1)).toBe("start --no-block kubelab-etcd.service");
  });

  it("refuses a member without the certificates on stdin, and hands the control plane's secrets over", () => {
    const bare = path.join(dir, "bare");
    mkdirSync(bare);
    const r = run(bare, ["member", "--name", "x", "--ip", "127.0.93.9", "--initial-cluster", "x=https://127.0.93.9:2380"], "");
    expect(r.status).not.toBe(0);
    const etc = path.join(rootOf(0), "etc/kubelab");
    for (const f of ["tokens.csv", "ca.crt", "ca.key", "service-account.key", "webhook-token", "kubelet-client-token", "tls.crt", "tls.key", "tls.san"]) writeFileSync(path.join(etc, f), `${f} of master 0\n`);
    const shared = run(rootOf(0), ["share"]);
    expect(shared.status, shared.stderr).toBe(0);
    const got = run(rootOf(2), ["receive"], shared.stdout);
    expect(got.status, got.stderr).toBe(0);
    expect(readFileSync(path.join(rootOf(2), "etc/kubelab/service-account.key"), "utf8")).toBe("service-account.key of master 0\n");
  });
});
