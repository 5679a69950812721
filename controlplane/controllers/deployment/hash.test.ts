import { describe, expect, it } from "vitest";
import { computeHash, equalIgnoreHash } from "./hash";

const template = { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.14.2" }] } };

describe("pod-template-hash", () => {
  it("is stable, at most 10 chars of the safe alphabet, and changes with the template", () => {
    const h = computeHash(template as never);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(JSON.parse(JSON.stringify(template)))).toBe(h);
    const other = { ...template, spec: { containers: [{ name: "nginx", image: "nginx:1.16.1" }] } };
    expect(computeHash(other as never)).not.toBe(h);
    expect(computeHash(template as never, 1)).not.toBe(h);
  });
  it("ignores key order and the hash label itself", () => {
    const reordered = { spec: { containers: [{ image: "nginx:1.14.2", name: "nginx" }] }, metadata: { labels: { "pod-template-hash": "x", app: "nginx" } } };
    expect(computeHash(reordered as never)).toBe(computeHash(template as never));
    expect(equalIgnoreHash(reordered as never, template as never)).toBe(true);
  });
});
