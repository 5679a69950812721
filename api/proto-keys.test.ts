// Keys named __proto__, constructor and prototype, as JSON.parse hands them to the API: they never
// reach a prototype, and they either survive as the user's own data or are refused with a 422.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configmaps, deployments, pods, secrets } from "./index";
import { escapeKey, restoreKeys, unescapeKey } from "./proto-keys";

const dangerous = ["__proto__", "constructor", "prototype", "\0__proto__", "toString", "hasOwnProperty"];
const keyArb = fc.oneof(fc.constantFrom(...dangerous), fc.stringMatching(/^[a-z][a-z0-9._-]{0,8}$/));

/** A JSON object text with these entries: JSON.parse makes every key, __proto__ too, an own key. */
const objectText = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
const stringMap = fc.array(fc.tuple(keyArb, fc.string({ maxLength: 8 }).map((v) => JSON.stringify(v))), { maxLength: 6 });
const anyValue: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ maxLength: 6 }).map((v) => JSON.stringify(v)),
    fc.integer().map(String),
    fc.constant("null"),
    fc.array(fc.tuple(keyArb, tie("value") as fc.Arbitrary<string>), { maxLength: 3 }).map(objectText),
  ),
})).value;

const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

/** Every object in the tree is a plain object or an array with the usual prototype. */
function plainEverywhere(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(plainEverywhere);
  if (v && typeof v === "object") return Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(plainEverywhere);
  return true;
}

describe("__proto__, constructor and prototype keys", () => {
  it("keep a ConfigMap's data key __proto__ as the user's own data, as Kubernetes does", () => {
    const body = JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"__proto__":"v","constructor":"w","prototype":"p"}}');
    const r = configmaps.validate(body, "Strict");
    expect(r.errors).toEqual([]);
    const data = (r.object as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data)).toEqual(["__proto__", "constructor", "prototype"]);
    expect(Object.getOwnPropertyDescriptor(data, "__proto__")?.value).toBe("v");
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(r.object)).data).toEqual(body.data);
  });

  it("merge a Secret's stringData key __proto__ into data as its own key", () => {
    const body = JSON.parse('{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"__proto__":"x","a":"y"}}');
    const r = secrets.validate(body, "Strict");
    expect(r.errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(r.object)).data).toEqual(JSON.parse('{"__proto__":"eA==","a":"eQ=="}'));
  });

  it("refuse an object hidden under __proto__ where a string belongs, and __proto__ as a label key", () => {
    const data = configmaps.validate(JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"__proto__":{"polluted":"yes"}}}'), "Strict");
    expect(data.errors).toMatchObject([{ field: "data[__proto__]", reason: "FieldValueTypeInvalid" }]);
    const label = configmaps.validate(JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"__proto__":"x"}}}'), "Strict");
    expect(label.errors).toMatchObject([{ field: "metadata.labels", reason: "FieldValueInvalid" }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("report __proto__ in a typed object as the unknown field it is, instead of reading through it", () => {
    const body = JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"__proto__":{"name":"evil"}},"spec":{"containers":[{"name":"a","image":"b"}]}}');
    expect(pods.validate(body, "Strict").errors).toEqual([{ reason: "FieldValueUnknown", field: "metadata.__proto__", message: 'unknown field "metadata.__proto__"' }]);
    expect(pods.validate(body, "Ignore").errors).toMatchObject([{ field: "metadata.name", reason: "FieldValueRequired" }]);
  });

  it("never touch Object.prototype and never change a key, for any object through parse and defaults (property)", () => {
    const before = prototypeNames();
    fc.assert(
      fc.property(stringMap, stringMap, anyValue, anyValue, (labels, data, extra, volumeSource) => {
        const cm = JSON.parse(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","annotations":${objectText(labels)}},"data":${objectText(data)}}`);
        const r = configmaps.validate(cm, "Strict");
        if (r.object) {
          const out = r.object as unknown as { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } };
          // Every key survives as own data with its value (a repeated key: the last one, as JSON.parse keeps).
          expect(out.data ?? {}).toEqual(cm.data);
          expect(Object.keys(out.data ?? {})).toEqual(Object.keys(cm.data));
          expect(Object.keys(out.metadata.annotations ?? {})).toEqual(Object.keys(cm.metadata.annotations));
        } else {
          expect(r.errors.length).toBeGreaterThan(0);
        }
        const pod = JSON.parse(
          `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":${objectText(labels)}},"spec":{"nodeSelector":${objectText(labels)},"containers":[{"name":"a","image":"b","x":${extra}}],"volumes":[{"name":"v","csi":${volumeSource}}]}}`,
        );
        for (const mode of ["Strict", "Warn", "Ignore"] as const) {
          const p = pods.validate(pod, mode);
          expect(p.object !== undefined || p.errors.length > 0).toBe(true);
          if (p.object) expect(plainEverywhere(p.object)).toBe(true);
        }
        const d = deployments.validate(JSON.parse(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":${objectText(labels)}},"template":{"metadata":{"labels":${objectText(labels)}},"spec":{"containers":[{"name":"a","image":"b"}]}}}}`), "Strict");
        if (d.object) expect(plainEverywhere(d.object)).toBe(true);
        expect(prototypeNames()).toEqual(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { seed: 10, numRuns: 400 },
    );
  });

  it("escape one-to-one, so a key that looks escaped is kept too", () => {
    for (const k of ["__proto__", "\0__proto__", "\0\0__proto__", "a", "__proto__x"]) expect(unescapeKey(escapeKey(k))).toBe(k);
    const restored = restoreKeys(JSON.parse('{"\\u0000__proto__":{"\\u0000\\u0000__proto__":1}}')) as Record<string, Record<string, number>>;
    expect(Object.keys(restored)).toEqual(["__proto__"]);
    expect(Object.keys(Object.getOwnPropertyDescriptor(restored, "__proto__")!.value)).toEqual(["\0__proto__"]);
  });
});
