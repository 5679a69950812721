import { describe, expect, it } from "vitest";
import { alreadyExists, badRequest } from "./errors";
import { GENERATE_NAME_ATTEMPTS, withNameRetries } from "./generate-name";

/** A create that collides `n` times, then succeeds; counts its calls. */
function collidingCreate(n: number) {
  let calls = 0;
  return {
    calls: () => calls,
    create: async () => {
      calls++;
      if (calls <= n) throw alreadyExists("pods", "", `web-${calls}`);
      return `created on attempt ${calls}`;
    },
  };
}

describe("generateName retries", () => {
  it("tries a fresh suffix after a collision on a generated name", async () => {
    const c = collidingCreate(3);
    await expect(withNameRetries({ metadata: { generateName: "web-" } }, c.create)).resolves.toBe("created on attempt 4");
  });

  it("answers AlreadyExists after 8 collisions, and at once for a name the client chose", async () => {
    const many = collidingCreate(100);
    await expect(withNameRetries({ metadata: { generateName: "web-" } }, many.create)).rejects.toMatchObject({ code: 409, reason: "AlreadyExists" });
    expect(many.calls()).toBe(GENERATE_NAME_ATTEMPTS);
    const named = collidingCreate(1);
    await expect(withNameRetries({ metadata: { name: "web", generateName: "web-" } }, named.create)).rejects.toMatchObject({ code: 409 });
    expect(named.calls()).toBe(1);
  });

  it("does not retry other failures", async () => {
    let calls = 0;
    const fail = async () => {
      calls++;
      throw badRequest("no");
    };
    await expect(withNameRetries({ metadata: { generateName: "web-" } }, fail)).rejects.toMatchObject({ code: 400 });
    expect(calls).toBe(1);
  });
});
