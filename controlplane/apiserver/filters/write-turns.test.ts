import { describe, expect, it } from "vitest";
import type { RequestContext } from "../filter";
import { withWriteTurns } from "./write-turns";

/** A request as the filter sees it: its method and what withRequestInfo found; `name` goes in req.url. */
const request = (name: string, method: string, verb: string, longRunning = false) =>
  ({ req: { method, url: name }, info: { url: new URL(`http://x/${name}`), verb, longRunning } }) as unknown as RequestContext;

/** One turn of the event loop, as the test sees it: its own setImmediate. */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe("write turns", () => {
  it("answers reads and long-running requests at once and starts writes in arrival order, two per turn", async () => {
    const started: string[] = [];
    const handler = withWriteTurns(2)(async (ctx) => {
      started.push(ctx.req.url!);
    });
    const done = [
      ...["write-0", "write-1", "write-2"].map((n) => handler(request(n, "POST", "create"))),
      handler(request("write-3", "PATCH", "patch")),
      handler(request("write-4", "DELETE", "delete")),
      handler(request("read", "GET", "get")),
      handler(request("exec", "POST", "create", true)),
    ];
    expect(started).toEqual(["read", "exec"]);
    await turn();
    expect(started).toEqual(["read", "exec", "write-0", "write-1"]);
    await turn();
    expect(started.length).toBe(6);
    await turn();
    expect(started).toEqual(["read", "exec", "write-0", "write-1", "write-2", "write-3", "write-4"]);
    await Promise.all(done);
  });

  it("holds no request once the queue is empty: a lone write starts in the next turn", async () => {
    let writes = 0;
    const handler = withWriteTurns(2)(async () => {
      writes++;
    });
    for (let i = 0; i < 3; i++) {
      const done = handler(request(`delete-${i}`, "DELETE", "delete"));
      await turn();
      expect(writes).toBe(i + 1);
      await done;
    }
  });
});
