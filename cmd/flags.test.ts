import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { checkFlagValues, parseDurationFlag, parsePortFlag, parseQuantityFlag, UsageError } from "./flags";

function command(args: string[]): Command {
  const cmd = new Command("agent")
    .exitOverride()
    .option("--sync-frequency <duration>", "", "10s")
    .option("--max-pods <n>", "", "110")
    .option("--port <port>", "", "10250")
    .option("--self-heal <bool>", "", "true")
    .option("--memory <quantity>")
    .option("--node-name <name>");
  return cmd.parse(args, { from: "user" });
}

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("no UsageError");
};

describe("typed flag placeholders", () => {
  it("accept well-formed values and the defaults", () => {
    expect(() => checkFlagValues(command(["--sync-frequency", "1h30m", "--max-pods", "0.5", "--port", "0", "--memory", "4Gi", "--node-name", "../x"]))).not.toThrow();
    expect(() => checkFlagValues(command([]))).not.toThrow();
  });

  it("name the flag, the value and what is allowed", () => {
    expect(problem(() => checkFlagValues(command(["--sync-frequency", "10"])))).toBe(
      'invalid value "10" for --sync-frequency: time: missing unit in duration "10"; use a Go duration such as 500ms, 10s, 1m30s or 1h',
    );
    expect(problem(() => checkFlagValues(command(["--max-pods", "1e3"])))).toContain("must be a non-negative number");
    expect(problem(() => checkFlagValues(command(["--port", "-1"])))).toContain("from 0 to 65535");
    expect(problem(() => checkFlagValues(command(["--self-heal", "yes"])))).toContain("must be true or false");
    expect(problem(() => checkFlagValues(command(["--memory", "-1Gi"])))).toContain("non-negative quantity");
    expect(problem(() => checkFlagValues(command(["--memory", " 4Gi"])))).toContain("non-negative quantity");
  });
});

describe("flag value parsers", () => {
  it("read Go durations in milliseconds, bare seconds only when the flag says so", () => {
    expect(parseDurationFlag("1m30s", "--x")).toBe(90_000);
    expect(parseDurationFlag("40", "--x", { bareSeconds: true })).toBe(40_000);
    expect(problem(() => parseDurationFlag("-1s", "--x"))).toContain("must not be negative");
    expect(parseDurationFlag("500ms", "--x")).toBe(500);
  });

  it("read ports and quantities", () => {
    expect(parsePortFlag("6443")).toBe(6443);
    expect(problem(() => parsePortFlag("65536"))).toContain("from 0 to 65535");
    expect(problem(() => parsePortFlag("80.5"))).toContain("from 0 to 65535");
    expect(parseQuantityFlag("1Gi")).toBe(2 ** 30);
  });
});
