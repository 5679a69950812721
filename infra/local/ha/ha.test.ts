// The lab's HA pieces that decide: --masters validated, the masters' addresses and URLs, the
// HAProxy configuration (checked by the real haproxy -c), the etcd client's flag checks.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { etcdClientProblem } from "../../../controlplane/storage/etcd-options";
import { haproxyConfig, HAPROXY_BINARY } from "./haproxy";
import { initialCluster, mastersPlan, mastersProblem } from "./topology";

describe("--masters", () => {
  it("accepts 1, 3, 5 and 7 and says why not otherwise", () => {
    for (const n of [1, 3, 5, 7]) expect(mastersProblem(n)).toBeUndefined();
    for (const n of [0, 2, 4, 9, Number.NaN]) expect(mastersProblem(n)).toMatch(/^--masters must be 1, 3, 5 or 7 .*majority/);
    expect(() => mastersPlan({ count: 2, apiPort: 6443, tls: true })).toThrow(/--masters must be/);
  });

  it("puts each master on its own loopback address with its etcd member's URLs", () => {
    const m = mastersPlan({ count: 3, apiPort: 6443, tls: true });
    expect(m.map((x) => [x.name, x.listen, x.clientUrl])).toEqual([
      ["master1", "127.0.10.1:6443", "https://127.0.10.1:2379"],
      ["master2", "127.0.10.2:6443", "https://127.0.10.2:2379"],
      ["master3", "127.0.10.3:6443", "https://127.0.10.3:2379"],
    ]);
    expect(initialCluster(m)).toBe("etcd1=https://127.0.10.1:2380,etcd2=https://127.0.10.2:2380,etcd3=https://127.0.10.3:2380");
  });
});

describe("HAProxy's configuration", () => {
  it("is valid for haproxy itself, balances TCP over every server and checks /readyz", () => {
    const cfg = haproxyConfig({ listen: "127.0.0.1:6443", statsSocket: "/tmp/x.sock", servers: [{ name: "master1", address: "127.0.10.1:6443" }, { name: "master2", address: "127.0.10.2:6443" }] });
    expect(cfg).toMatch(/http-check send meth GET uri \/readyz/);
    expect(cfg).toMatch(/server master2 127\.0\.10\.2:6443/);
    // Only while no server passes /readyz: every server that accepts connections (test/ha-haproxy.test.ts).
    expect(cfg).toMatch(/use_backend kube-apiservers if \{ nbsrv\(kube-apiservers\) gt 0 \}\n  default_backend kube-apiservers-reachable/);
    const dir = mkdtempSync(join(tmpdir(), "kubelab-haproxy-"));
    try {
      writeFileSync(join(dir, "haproxy.cfg"), cfg);
      expect(execFileSync(HAPROXY_BINARY, ["-c", "-f", join(dir, "haproxy.cfg")]).toString()).toMatch(/Configuration file is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("etcd client flags", () => {
  it("refuses what cannot work before connecting", () => {
    expect(etcdClientProblem({ endpoints: ["http://127.0.0.1:2379", "http://127.0.0.2:2379"] })).toBeUndefined();
    expect(etcdClientProblem({ endpoints: [] })).toMatch(/no etcd endpoint/);
    expect(etcdClientProblem({ endpoints: ["127.0.0.1:2379"] })).toMatch(/scheme must be http or https|not a URL/);
    expect(etcdClientProblem({ endpoints: ["https://127.0.0.1:2379"] })).toMatch(/--etcd-cafile is needed/);
    expect(etcdClientProblem({ endpoints: ["https://127.0.0.1:2379"], tls: { caFile: "ca.crt", certFile: "c.crt" } })).toMatch(/--etcd-certfile and --etcd-keyfile go together/);
  });
});
