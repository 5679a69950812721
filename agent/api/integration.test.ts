// The agent's memory of ConfigMaps and Secrets for when the API server cannot be reached: the
// last answer per name is served while the server is away, and names no pod reads any more fall
// out once more than its capacity are kept.
import { describe, expect, it } from "vitest";
import { ConnectionError } from "../../client/errors";
import { lastKnown } from "./integration";

const down = () => Promise.reject(new ConnectionError("GET: connect ECONNREFUSED", "network"));

describe("lastKnown", () => {
  it("serves the last answer while the server is unreachable, and fails for a name it never read", async () => {
    const read = lastKnown<{ data: string }>();
    expect(await read("ns/a", () => Promise.resolve({ data: "v1" }))).toEqual({ data: "v1" });
    expect(await read("ns/a", down)).toEqual({ data: "v1" });
    await expect(read("ns/b", down)).rejects.toBeInstanceOf(ConnectionError);
  });

  it("keeps at most its capacity, forgetting the name read longest ago", async () => {
    const read = lastKnown<string>(2);
    for (const k of ["a", "b"]) await read(k, () => Promise.resolve(k));
    await read("a", () => Promise.resolve("a2")); // a is now the most recent
    await read("c", () => Promise.resolve("c"));
    expect(await read("a", down)).toBe("a2");
    expect(await read("c", down)).toBe("c");
    await expect(read("b", down)).rejects.toBeInstanceOf(ConnectionError);
  });
});
