// The systemd units that go onto the VMs, checked by Debian's systemd-analyze, and their command
// lines checked against the real CLI's flags.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NODE_FLAGS } from "../../../agent/node-flags";
import { SERVER_ENVIRONMENT, SERVER_NODE_FLAGS } from "../../../controlplane/node-flags";

const VM = path.resolve(import.meta.dirname);
const UNITS = ["kubelab-server.service", "kubelab-agent.service"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kubelab-units-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The programs a unit starts exist only on the VMs: point them at executable stand-ins. */
function withStandIns(unit: string): string {
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const text = readFileSync(path.join(VM, unit), "utf8");
  return text.replace(/(Exec\w+=\+?)(\/\S+)/g, (_m, key: string, program: string) => {
    const standIn = path.join(bin, path.basename(program));
    writeFileSync(standIn, "#!/bin/sh\nexit 0\n");
    chmodSync(standIn, 0o755);
    return key + standIn;
  });
}

function verify(name: string, text: string): { status: number | null; output: string } {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  return { status: r.status, output: (r.stdout + r.stderr).trim() };
}

/** ExecStart as one line, continuation lines joined. */
function execStart(unit: string): string {
  const text = readFileSync(path.join(VM, unit), "utf8").replace(/\\\n\s*/g, "");
  return text.match(/^ExecStart=(.*)$/m)![1];
}

function cliHelp(sub: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", path.resolve(VM, "../../../cmd/kubelab.ts"), sub, "--help"], { encoding: "utf8" });
}

describe("systemd units", () => {
  for (const unit of UNITS) {
    it(`${unit} passes systemd-analyze verify without a warning`, () => {
      const r = verify(unit, withStandIns(unit));
      expect(r.output).toBe("");
      expect(r.status).toBe(0);
    });
  }

  it("the verifier catches a misspelt directive (so the check above can fail)", () => {
    const r = verify("kubelab-typo.service", withStandIns("kubelab-server.service").replace("ProtectHome=yes", "ProtectHom=yes"));
    expect(r.output).toContain("Unknown key 'ProtectHom'");
  });

  it("both services restart on failure and start at boot", () => {
    for (const unit of UNITS) {
      const text = readFileSync(path.join(VM, unit), "utf8");
      expect(text).toMatch(/^Restart=always$/m);
      expect(text).toMatch(/^WantedBy=multi-user.target$/m);
      expect(text).toMatch(/^NoNewPrivileges=yes$/m);
    }
  });

  it("the agent may reach Docker and starts after it", () => {
    const text = readFileSync(path.join(VM, "kubelab-agent.service"), "utf8");
    expect(text).toMatch(/^Requires=docker.service$/m);
    expect(text).toMatch(/^After=.*docker.service/m);
    expect(text).not.toMatch(/^(DynamicUser|PrivateDevices|RestrictAddressFamilies|ProtectSystem=strict)/m);
  });

  it("a worker runs the agent with the node flags every node does (agent/node-flags.ts)", () => {
    expect(execStart("kubelab-agent.service")).toMatch(new RegExp(`^/usr/local/bin/node ${AGENT_NODE_FLAGS.join(" ")} /opt/kubelab/kubelab.mjs agent `));
  });

  it("a master runs the server with the node flags and environment of controlplane/node-flags.ts", () => {
    expect(execStart("kubelab-server.service")).toMatch(new RegExp(`^/usr/local/bin/node ${SERVER_NODE_FLAGS.join(" ")} /opt/kubelab/kubelab.mjs server `));
    const text = readFileSync(path.join(VM, "kubelab-server.service"), "utf8");
    for (const [name, value] of Object.entries(SERVER_ENVIRONMENT)) expect(text).toMatch(new RegExp(`^Environment=${name}=${value}$`, "m"));
  });

  for (const [unit, sub] of [["kubelab-server.service", "server"], ["kubelab-agent.service", "agent"]] as const) {
    it(`${unit} runs \`kubelab ${sub}\` with flags the CLI knows`, () => {
      const line = execStart(unit);
      // Node's own flags (V8 heap settings) come before the script; kubelab's after it.
      expect(line).toMatch(new RegExp(`^/usr/local/bin/node (--[a-z-]+(=\\S+)? )*/opt/kubelab/kubelab.mjs ${sub} `));
      const flags = [...line.slice(line.indexOf("kubelab.mjs")).matchAll(/(--[a-z-]+)/g)].map((m) => m[1]);
      expect(flags.length).toBeGreaterThan(3);
      const help = cliHelp(sub);
      for (const f of flags) expect(help, f).toContain(`${f} `);
    });
  }
});
