// What a user sees after a mistake on the command line: one line that says what is wrong and what
// is allowed, exit code 2, never a stack trace. Real `kubelab` processes.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { reportActionError } from "./cli";
import { UsageError } from "./flags";
import { REPO_ROOT, run, type Exited } from "./testdata/run";

const version = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, "utf8")).version as string;

function expectOneUsageLine(r: Exited, ...parts: string[]): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe("kubelab usage errors", () => {
  it("refuses an unknown flag, naming it and where the flags are listed", async () => {
    const r = await run(["server", "--bogus"]);
    expectOneUsageLine(r, "kubelab server: unknown option '--bogus'", "see 'kubelab server --help'");
  });

  it("refuses a duration that is not a Go duration, saying what one looks like", async () => {
    const r = await run(["agent", "--node-name", "n1", "--sync-frequency", "xyz"]);
    expectOneUsageLine(r, 'invalid value "xyz" for --sync-frequency', 'time: invalid duration "xyz"', "500ms, 10s, 1m30s");
  });

  it("refuses a bare number where a duration needs a unit, as Go's flags do", async () => {
    const r = await run(["server", "--node-monitor-grace-period", "40"]);
    expectOneUsageLine(r, 'invalid value "40" for --node-monitor-grace-period', 'time: missing unit in duration "40"');
  });

  it("refuses a bad number and a bad port", async () => {
    expectOneUsageLine(await run(["lab", "up", "--workers", "two"]), 'kubelab lab up: invalid value "two" for --workers', "non-negative number");
    expectOneUsageLine(await run(["agent", "--node-name", "n1", "--read-only-port", "70000"]), "--read-only-port", "from 0 to 65535");
  });

  it("refuses an unknown subcommand, listing the ones there are", async () => {
    expectOneUsageLine(await run(["bogus"]), "kubelab: unknown command 'bogus'", "commands: server, agent, lab, gitops");
    expectOneUsageLine(await run(["lab", "bogus"]), "kubelab lab: unknown command 'bogus'", "commands: up, down, status");
  });

  it("refuses a missing required flag and a flag without its value", async () => {
    expectOneUsageLine(await run(["agent"]), "required option '--node-name <name>' not specified");
    expectOneUsageLine(await run(["server", "--listen"]), "option '--listen <host:port>' argument missing");
  });

  it("reports a subcommand's own refusal in one line without a stack", async () => {
    const r = await run(["server", "--store", "mysql"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([`kubelab server: invalid value "mysql" for --store: must be sqlite or etcd (see 'kubelab server --help')`]);
  });

  it("shows help when asked, with exit 0; without a subcommand, help and one line, with exit 2", async () => {
    const asked = await run(["help", "server"]);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain("Usage: kubelab server [options]");
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr.trimEnd().split("\n").at(-1)).toBe("kubelab: a command is required (commands: server, agent, lab, gitops; see 'kubelab --help')");
  });

  it("prints the version of package.json", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
});

describe("reportActionError", () => {
  const lab = new Command("kubelab").command("lab").command("up");
  const report = (err: unknown) => {
    const lines: string[] = [];
    return { code: reportActionError(lab, err, (l) => lines.push(l)), lines };
  };

  it("treats cmd's UsageError and commander's InvalidArgumentError as usage errors: exit 2", () => {
    expect(report(new UsageError("--workers must be at least 1"))).toEqual({ code: 2, lines: ["kubelab lab up: --workers must be at least 1 (see 'kubelab lab up --help')"] });
    expect(report(new InvalidArgumentError("--hollow needs --kubeconfig or --server")).code).toBe(2);
  });

  it("reports any other failure in one line with exit 1, and logs the stack only for what looks like a bug", () => {
    expect(report(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }))).toEqual({ code: 1, lines: ["kubelab lab up: connect ECONNREFUSED 127.0.0.1:6443"] });
    const bug = report(new TypeError("cannot read properties of undefined"));
    expect(bug.code).toBe(1);
    expect(bug.lines).toHaveLength(2);
    expect(JSON.parse(bug.lines[0]!)).toMatchObject({ level: 50, component: "lab up", err: { type: "TypeError" } });
    expect(bug.lines[1]).toBe("kubelab lab up: cannot read properties of undefined");
  });
});
