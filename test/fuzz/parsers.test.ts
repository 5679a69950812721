// Properties of the API server's parsers and of the shared quantity and duration parsers: on any
// input they return a value or throw their own typed error (an ApiError carrying a Status for
// the API server's), never a TypeError, RangeError or URIError from deeper down.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isQuantity, parseQuantity } from "../../api/quantity";
import { DurationError, isDuration, parseDuration } from "../../api/duration";
import { ApiError } from "../../controlplane/apiserver/errors";
import { checkQueryParams } from "../../controlplane/apiserver/filters/query-params";
import { checkDecoded, decodeBody, parseResourcePath } from "../../controlplane/apiserver/request";
import { parseFieldSelector, parseLabelSelector } from "../../controlplane/apiserver/selectors";
import { assertForSeeds } from "./seeds";

const RUNS = 3_000;

/** Runs fn; fine when it returns or throws an ApiError with a 4xx Status; rethrows anything else. */
function apiErrorOrValue(fn: () => unknown): true {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError && e.code >= 400 && e.code < 500 && e.toStatus().kind === "Status") return true;
    throw e;
  }
  return true;
}

const pathChars = fc.constantFrom("a", "v1", "api", "apis", "namespaces", "default", "pods", "%", "%2F", "%zz", "%e0%a4%a", "/", "//", ".", "..", "status", "log", "~", "[", "\u0000", "é", "%00");
const pathLike = fc.oneof(fc.string({ unit: "grapheme", maxLength: 60 }), fc.array(pathChars, { maxLength: 10 }).map((p) => "/" + p.join("/")));

describe("request parsing", () => {
  it("parseResourcePath: a ResourcePath, undefined, or a 400", () => {
    assertForSeeds(fc.property(pathLike, (p) => apiErrorOrValue(() => parseResourcePath(p))), RUNS);
  });

  it("checkQueryParams: accepts well-formed numbers and refuses junk with 400", () => {
    const name = fc.constantFrom("limit", "timeoutSeconds", "gracePeriodSeconds", "tailLines", "sinceSeconds", "limitBytes", "resourceVersion", "timeout", "watch", "follow", "sinceTime", "other");
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.double().map(String), fc.constantFrom("1e309", "-1", "abc", "NaN", "Infinity", "0x10", "99999999999999999999", "", "5s", "-5s", "true", "1"));
    assertForSeeds(fc.property(fc.array(fc.tuple(name, value), { maxLength: 4 }), (pairs) => apiErrorOrValue(() => checkQueryParams(new URLSearchParams(pairs)))), RUNS);
    for (const bad of ["1e309", "-1", "abc", "1.5", "Infinity"]) {
      expect(() => checkQueryParams(new URLSearchParams({ limit: bad }))).toThrowError(expect.objectContaining({ code: 400 }));
    }
    expect(() => checkQueryParams(new URLSearchParams({ limit: "500", timeoutSeconds: "590", resourceVersion: "0", watch: "1", timeout: "32s" }))).not.toThrow();
  });

  it("decodeBody: a value or a 4xx for any bytes under any content type", () => {
    const type = fc.constantFrom("application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "text/plain", "", "application/json;charset=utf-8");
    const text = fc.oneof(fc.json(), fc.string(), fc.constantFrom("a: &a [*a]", "x: !!binary AAAA", "{\"__proto__\": {}}", "[".repeat(5000), "k8s\u0000garbage", "a: *b"));
    const bytes = fc.oneof(text.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from("k8s\u0000"), Buffer.from(b)])));
    assertForSeeds(fc.property(bytes, type, (b, t) => apiErrorOrValue(() => decodeBody(b, t))), RUNS);
  });

  it("checkDecoded: refuses __proto__ at any depth and very deep nesting", () => {
    expect(() => checkDecoded(JSON.parse('{"a":[{"b":{"__proto__":1}}]}'))).toThrowError(expect.objectContaining({ code: 422 }));
    expect(() => checkDecoded(JSON.parse("[".repeat(500) + "]".repeat(500)))).toThrowError(expect.objectContaining({ code: 400 }));
    expect(checkDecoded({ constructor: "c", prototype: { x: 1 } })).toEqual({ constructor: "c", prototype: { x: 1 } });
  });
});

describe("selectors", () => {
  const selectorChars = fc.constantFrom("a", "b", "=", "==", "!=", "!", ",", " ", "in", "notin", "(", ")", "x.y/z", "-", "__proto__", "constructor");
  const selector = fc.oneof(fc.string({ maxLength: 40 }), fc.array(selectorChars, { maxLength: 12 }).map((p) => p.join("")));

  it("label selectors: parsed or 400", () => {
    assertForSeeds(fc.property(selector, (s) => apiErrorOrValue(() => parseLabelSelector(s))), RUNS);
  });

  it("field selectors: parsed or 400", () => {
    assertForSeeds(fc.property(selector, (s) => apiErrorOrValue(() => parseFieldSelector(s, (f) => f === "metadata.name"))), RUNS);
  });
});

describe("quantities and durations", () => {
  const quantityLike = fc.oneof(fc.string({ maxLength: 16 }), fc.tuple(fc.double(), fc.constantFrom("", "m", "k", "Ki", "Mi", "Gi", "Ei", "e3", "E", "e309", "u", "n")).map(([n, u]) => `${n}${u}`));

  it("parseQuantity agrees with isQuantity and throws only its own error", () => {
    assertForSeeds(fc.property(quantityLike, (q) => {
      let value: number | undefined;
      try {
        value = parseQuantity(q);
      } catch (e) {
        if (!(e instanceof Error) || e.constructor !== Error || !/^invalid quantity/.test(e.message)) throw e;
      }
      expect(value === undefined ? false : Number.isFinite(value)).toBe(isQuantity(q));
      return true;
    }), RUNS);
  });

  const durationLike = fc.oneof(fc.string({ maxLength: 16 }), fc.tuple(fc.double(), fc.constantFrom("", "ns", "us", "µs", "ms", "s", "m", "h", "d", "x")).map(([n, u]) => `${n}${u}`), fc.constantFrom("1h30m", "9999999999h", "-0", "+5s", ".5s", "5.s", "."));

  it("parseDuration agrees with isDuration and throws only DurationError", () => {
    assertForSeeds(fc.property(durationLike, fc.boolean(), (d, bareSeconds) => {
      let ok = true;
      try {
        expect(Number.isFinite(parseDuration(d, { bareSeconds }))).toBe(true);
      } catch (e) {
        if (!(e instanceof DurationError)) throw e;
        ok = false;
      }
      expect(isDuration(d, { bareSeconds })).toBe(ok);
      return true;
    }), RUNS);
  });
});
