import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, isDuration, parseDuration, parseDurationNs } from "./duration";

const ns = 1n;
const us = 1000n * ns;
const ms = 1000n * us;
const s = 1000n * ms;
const m = 60n * s;
const h = 60n * m;

describe("parseDuration: Go's time.ParseDuration", () => {
  // The cases of Go's own parseDurationTests (src/time/time_test.go) that JavaScript strings can hold.
  const valid: [string, bigint][] = [
    ["0", 0n], ["5s", 5n * s], ["30s", 30n * s], ["1478s", 1478n * s],
    ["-5s", -5n * s], ["+5s", 5n * s], ["-0", 0n], ["+0", 0n],
    ["5.0s", 5n * s], ["5.6s", 5n * s + 600n * ms], ["5.s", 5n * s], [".5s", 500n * ms],
    ["1.0s", s], ["1.00s", s], ["1.004s", s + 4n * ms], ["1.0040s", s + 4n * ms], ["100.00100s", 100n * s + ms],
    ["10ns", 10n * ns], ["11us", 11n * us], ["12µs", 12n * us], ["12μs", 12n * us], ["13ms", 13n * ms],
    ["14s", 14n * s], ["15m", 15n * m], ["16h", 16n * h],
    ["3h30m", 3n * h + 30n * m], ["10.5s4m", 4n * m + 10n * s + 500n * ms], ["-2m3.4s", -(2n * m + 3n * s + 400n * ms)],
    ["1h2m3s4ms5us6ns", h + 2n * m + 3n * s + 4n * ms + 5n * us + 6n * ns], ["39h9m14.425s", 39n * h + 9n * m + 14n * s + 425n * ms],
    ["52763797000ns", 52763797000n], ["0.100000000000000000000h", 6n * m],
    ["0.830103483285477580700h", 49n * m + 48n * s + 372539827n * ns],
    ["9007199254740993ns", 9007199254740993n], ["9223372036854775807ns", 9223372036854775807n],
    ["9223372036854775.807us", 9223372036854775807n], ["9223372036s854ms775us807ns", 9223372036854775807n],
    ["-9223372036854775808ns", -9223372036854775808n], ["-9223372036854775.808us", -9223372036854775808n],
    ["-2562047h47m16.854775808s", -9223372036854775808n],
  ];
  it.each(valid)("parses %s", (text, want) => {
    expect(parseDurationNs(text)).toBe(want);
  });

  it("returns milliseconds for setTimeout: the docs' examples 300ms, -1.5h, 2h45m, 1h10m10s, 1µs", () => {
    expect(parseDuration("300ms")).toBe(300);
    expect(parseDuration("-1.5h")).toBe(-5_400_000);
    expect(parseDuration("2h45m")).toBe(9_900_000);
    expect(parseDuration("1h10m10s") / 1000).toBe(4210);
    expect(parseDuration("1µs")).toBe(0.001);
    expect(parseDuration("1us")).toBe(0.001);
  });

  const invalid: [string, string][] = [
    ["", 'time: invalid duration ""'],
    ["3", 'time: missing unit in duration "3"'],
    ["-", 'time: invalid duration "-"'],
    ["s", 'time: invalid duration "s"'],
    [".", 'time: invalid duration "."'],
    ["-.", 'time: invalid duration "-."'],
    [".s", 'time: invalid duration ".s"'],
    ["+.s", 'time: invalid duration "+.s"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["1h 30m", 'time: unknown unit "h " in duration "1h 30m"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
    ["9223372036854775.808us", 'time: invalid duration "9223372036854775.808us"'],
    ["9223372036854ms775us808ns", 'time: invalid duration "9223372036854ms775us808ns"'],
    ["-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'],
  ];
  it.each(invalid)("rejects %j with Go's message", (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
    expect(isDuration(text)).toBe(false);
  });

  it("reads a bare number as seconds only when asked to", () => {
    expect(() => parseDuration("10")).toThrow('time: missing unit in duration "10"');
    expect(parseDuration("10", { bareSeconds: true })).toBe(10_000);
    expect(parseDuration("1.5", { bareSeconds: true })).toBe(1500);
    expect(parseDuration("1h30m", { bareSeconds: true })).toBe(5_400_000);
    expect(isDuration("abc", { bareSeconds: true })).toBe(false);
  });
});

describe("formatDuration: Go's Duration.String", () => {
  it.each([
    [0, "0s"], [0.000001, "1ns"], [0.0011, "1.1µs"], [2.2, "2.2ms"], [3300, "3.3s"], [4 * 60_000 + 5000, "4m5s"],
    [4 * 60_000 + 5001, "4m5.001s"], [5 * 3_600_000 + 6 * 60_000 + 7001, "5h6m7.001s"], [8 * 60_000 + 0.000001, "8m0.000000001s"],
    [3_600_000, "1h0m0s"], [-1500, "-1.5s"], [5_400_000, "1h30m0s"],
  ])("prints %d ms as %s", (value, text) => {
    expect(formatDuration(value)).toBe(text);
  });

  it("round-trips: what it prints parses back to the same value", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => {
        expect(parseDuration(formatDuration(n))).toBe(n);
      }),
      { seed: 18, numRuns: 2000 },
    );
  });

  it("never throws anything but its own error on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const v = parseDuration(text);
          expect(Number.isFinite(v)).toBe(true);
        } catch (err) {
          expect((err as Error).name).toBe("DurationError");
        }
      }),
      { seed: 18, numRuns: 5000 },
    );
  });
});

describe("GitRepository spec.interval", () => {
  const repo = (interval: string) => ({
    apiVersion: "gitops.kubelab.io/v1alpha1",
    kind: "GitRepository",
    metadata: { name: "apps" },
    spec: { url: "https://example.com/a.git", interval },
  });

  it("accepts Go durations, 1h30m included", async () => {
    const { gitrepositories } = await import("./index");
    for (const d of ["30s", "1h30m", "1.5m", "500ms"]) expect(gitrepositories.validate(repo(d), "Strict").errors).toEqual([]);
  });

  it("refuses a bare number and a negative duration", async () => {
    const { gitrepositories } = await import("./index");
    for (const d of ["10", "-1m", "1d"]) {
      expect(gitrepositories.validate(repo(d), "Strict").errors).toMatchObject([{ field: "spec.interval", reason: "FieldValueInvalid" }]);
    }
  });
});
