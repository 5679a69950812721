import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { writeKubeconfig } from "./kubeconfig";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

describe("writeKubeconfig", () => {
  it("writes a token only the owner can read, in a folder only the owner can enter", () => {
    dir = mkdtempSync(join(tmpdir(), "kubelab-kubeconfig-"));
    const file = join(dir, "new/sub/kubeconfig");
    writeKubeconfig(file, { server: "https://127.0.0.1:6443", token: "secret" });
    expect(mode(file)).toBe(0o600);
    expect(mode(join(dir, "new"))).toBe(0o700);
    expect(mode(join(dir, "new/sub"))).toBe(0o700);
    expect(parse(readFileSync(file, "utf8")).users[0].user).toEqual({ token: "secret" });
  });

  it("replaces a world-readable kubeconfig with a 0600 one and leaves no temporary file", () => {
    dir = mkdtempSync(join(tmpdir(), "kubelab-kubeconfig-"));
    const file = join(dir, "kubeconfig");
    writeFileSync(file, "old");
    chmodSync(file, 0o644);
    writeKubeconfig(file, { server: "http://127.0.0.1:6443" });
    expect(mode(file)).toBe(0o600);
    expect(parse(readFileSync(file, "utf8")).clusters[0].cluster).toEqual({ server: "http://127.0.0.1:6443", "insecure-skip-tls-verify": true });
    expect(readdirSync(dir)).toEqual(["kubeconfig"]);
  });
});
