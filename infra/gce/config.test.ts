// Stack config of the GCE lab: defaults, and errors that name the key a user must fix.
import { describe, expect, it } from "vitest";
import { StackConfigError, isCidr, parseClusterConfig } from "./config";

const minimal = {
  region: "europe-west3",
  zone: "europe-west3-a",
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 me@laptop",
  sshSourceRanges: ["203.0.113.7/32"],
  apiSourceRanges: ["203.0.113.7/32", "198.51.100.0/24"],
};

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseClusterConfig(raw);
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("stack config", () => {
  it("defaults to 2 e2-standard-2 workers on Debian 12, NodePorts open, SSH and API as given", () => {
    const c = parseClusterConfig(minimal);
    expect(c.workerCount).toBe(2);
    expect(c.masterMachineType).toBe("e2-standard-2");
    expect(c.workerMachineType).toBe("e2-standard-2");
    expect(c.image).toBe("debian-cloud/debian-12");
    expect(c.sshSourceRanges).toEqual(["203.0.113.7/32"]);
    expect(c.apiSourceRanges).toEqual(["203.0.113.7/32", "198.51.100.0/24"]);
    expect(c.nodePortSourceRanges).toEqual(["0.0.0.0/0"]);
    expect(c.podCidrBase).toBe("10.200");
    expect(c.sshUser).toBe("kubelab");
    expect(c.gitUrl).toBeUndefined();
  });

  it("names every bad key at once", () => {
    expect(problems({ ...minimal, workerCount: 0, nodePortSourceRanges: ["1.2.3.4"], zone: "nowhere" })).toEqual([
      "gcp:zone (or kubelab:zone) must be a GCE zone like europe-west3-a, got \"nowhere\"",
      "kubelab:workerCount must be between 1 and 20, got 0",
      "kubelab:nodePortSourceRanges[0] must be an IPv4 CIDR like 203.0.113.0/24, got \"1.2.3.4\"",
    ]);
  });

  it("rejects a worker count that is not a whole number, and a key that is not an SSH key", () => {
    expect(problems({ ...minimal, workerCount: 2.5 }).join()).toContain("kubelab:workerCount");
    expect(problems({ ...minimal, sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" })).toEqual([
      "kubelab:sshPublicKey must be an OpenSSH public key line (ssh-ed25519 AAAA... comment), got \"-----BEGIN OPENSSH PRIVATE KEY-----\"",
    ]);
    expect(problems({ ...minimal, kubelabVersion: "0.1.0; rm -rf /" })).toEqual(["kubelab:kubelabVersion must be a version like 0.1.0, got \"0.1.0; rm -rf /\""]);
    expect(problems({ ...minimal, sshSourceRanges: [] })).toEqual(["kubelab:sshSourceRanges needs at least one CIDR, got []"]);
  });

  it("has no default for who may reach SSH and the API: each missing range is named, with how to set it", () => {
    const { sshSourceRanges: _s, apiSourceRanges: _a, ...open } = minimal;
    expect(problems(open)).toEqual([
      'kubelab:sshSourceRanges is required: set it to the addresses allowed to SSH to the VMs (and to push to git), e.g. pulumi config set kubelab:sshSourceRanges "$(curl -s ifconfig.me)/32" (0.0.0.0/0 allows everyone)',
      'kubelab:apiSourceRanges is required: set it to the addresses allowed to reach the API server on port 6443, e.g. pulumi config set kubelab:apiSourceRanges "$(curl -s ifconfig.me)/32" (0.0.0.0/0 allows everyone)',
    ]);
    expect(problems({ ...minimal, apiSourceRanges: undefined }).join()).toMatch(/^kubelab:apiSourceRanges is required/);
  });

  it("accepts 0.0.0.0/0 when a user asks for it explicitly", () => {
    const c = parseClusterConfig({ ...minimal, sshSourceRanges: ["0.0.0.0/0"], apiSourceRanges: ["0.0.0.0/0"] });
    expect(c.sshSourceRanges).toEqual(["0.0.0.0/0"]);
    expect(c.apiSourceRanges).toEqual(["0.0.0.0/0"]);
  });

  it("knows an IPv4 CIDR when it sees one", () => {
    for (const ok of ["0.0.0.0/0", "10.240.0.0/24", "203.0.113.7/32"]) expect(isCidr(ok), ok).toBe(true);
    for (const bad of ["10.0.0.0/33", "256.1.1.1/8", "10.0.0/8", "10.0.0.0", "01.2.3.4/8", "::/0", " 10.0.0.0/8"]) expect(isCidr(bad), bad).toBe(false);
  });

  it("takes masterCount 1 (the default), 3, 5 or 7, and several masters only with a shared git repository", () => {
    expect(parseClusterConfig(minimal).masterCount).toBe(1);
    for (const n of [3, 5, 7]) expect(parseClusterConfig({ ...minimal, masterCount: n, gitUrl: "https://example.com/lab.git" }).masterCount).toBe(n);
    for (const bad of [0, 2, 4, 9, 3.5, "three"]) {
      expect(problems({ ...minimal, masterCount: bad, gitUrl: "https://example.com/lab.git" }), String(bad)).toEqual([
        `kubelab:masterCount must be 1, 3, 5 or 7 (etcd needs a majority of its members: an even count adds no tolerance), got ${JSON.stringify(bad)}`,
      ]);
    }
    expect(problems({ ...minimal, masterCount: 5 })).toEqual([
      "kubelab:gitUrl is required when kubelab:masterCount is 5: the git-sync leader may run on any master, so it needs a repository every master reaches (e.g. https://github.com/you/lab.git)",
    ]);
  });
});
