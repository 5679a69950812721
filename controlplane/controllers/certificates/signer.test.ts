import { describe, expect, it } from "vitest";
import { parseCSR } from "../../../api/certificates-csr";
import { makeCSR, newPrivateKey, nodeClientCSR } from "../../../client/csr";
import { validity } from "./authority";
import { kubeletClientProblem } from "./kubelet-client";
import { signerProblem } from "./signer";

const USAGES = ["digital signature", "key encipherment", "client auth"];
const key = newPrivateKey();

describe("kubelet client requests", () => {
  it("accept exactly CN=system:node:<name>, O=system:nodes with client usages", () => {
    expect(kubeletClientProblem(parseCSR(nodeClientCSR(key, "n1")), USAGES)).toBeUndefined();
    expect(kubeletClientProblem(parseCSR(nodeClientCSR(key, "n1")), ["client auth"])).toBeUndefined();
  });

  it("say what is wrong with anything else", () => {
    const csr = (cn: string, o: string[]) => parseCSR(makeCSR(key, { commonName: cn, organizations: o }));
    expect(kubeletClientProblem(csr("system:node:n1", ["system:masters"]), USAGES)).toBe("subject organization is not system:nodes");
    expect(kubeletClientProblem(csr("system:node:n1", ["system:nodes", "x"]), USAGES)).toBe("subject organization is not system:nodes");
    expect(kubeletClientProblem(csr("alice", ["system:nodes"]), USAGES)).toBe("subject common name does not begin with system:node:");
    expect(kubeletClientProblem(csr("system:node:", ["system:nodes"]), USAGES)).toBe("subject common name does not begin with system:node:");
    expect(kubeletClientProblem(csr("system:node:n1", ["system:nodes"]), ["server auth", "client auth"])).toMatch(/^usages did not match/);
    expect(kubeletClientProblem(csr("system:node:n1", ["system:nodes"]), ["digital signature"])).toMatch(/^usages did not match/);
  });

  it("kube-apiserver-client signs client usages for anyone but system:masters", () => {
    const csr = (o: string[]) => parseCSR(makeCSR(key, { commonName: "jane", organizations: o }));
    expect(signerProblem("kubernetes.io/kube-apiserver-client", csr(["dev"]), USAGES)).toBeUndefined();
    expect(signerProblem("kubernetes.io/kube-apiserver-client", csr(["system:masters"]), USAGES)).toMatch(/system:masters is not allowed/);
    expect(signerProblem("kubernetes.io/kube-apiserver-client", csr(["dev"]), ["server auth"])).toMatch(/invalid usage/);
    expect(signerProblem("kubernetes.io/kube-apiserver-client-kubelet", csr(["dev"]), USAGES)).toBe("subject organization is not system:nodes");
  });
});

describe("validity", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const caEnd = new Date("2030-01-01T00:00:00Z");
  it("backdates 5 minutes, and takes them off a long TTL's end but not a short one's", () => {
    expect(validity(now, 365 * 86400_000, caEnd)).toEqual({ notBefore: new Date("2025-12-31T23:55:00Z"), notAfter: new Date("2026-12-31T23:55:00Z") });
    expect(validity(now, 3600_000, caEnd)).toEqual({ notBefore: new Date("2025-12-31T23:55:00Z"), notAfter: new Date("2026-01-01T01:00:00Z") });
  });
  it("never outlives the CA", () => {
    expect(validity(now, 10 * 365 * 86400_000, caEnd).notAfter).toEqual(caEnd);
  });
});

describe("CSR parsing", () => {
  it("refuses a request whose signature does not hold", () => {
    const pem = nodeClientCSR(key, "n1");
    const der = Buffer.from(pem.split("\n").filter((l) => l && !l.startsWith("-----")).join(""), "base64");
    der[der.length - 5]! ^= 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCSR(tampered)).toThrow("crypto/rsa: verification error");
    expect(() => parseCSR(pem.replace(/CERTIFICATE REQUEST/g, "CERTIFICATE"))).toThrow("PEM block type must be CERTIFICATE REQUEST");
  });
});
