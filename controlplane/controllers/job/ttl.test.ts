import { describe, expect, it } from "vitest";
import { rfc3339 } from "../../../api/time";
import { T0 } from "../testing";
import { batchFixture, newJob } from "./testing";
import { TTLAfterFinishedController } from "./ttl";

describe("TTL-after-finished controller", () => {
  it("deletes a finished Job ttlSecondsAfterFinished after it finished, its pods first (Foreground)", async () => {
    const job = newJob("done", { ttlSecondsAfterFinished: 30 });
    job.status = { completionTime: rfc3339(T0), conditions: [{ type: "Complete", status: "True", lastTransitionTime: rfc3339(T0) }] };
    const f = batchFixture([job]);
    const c = new TTLAfterFinishedController({ client: f.client, jobInformer: f.jobInformer, clock: f.clock });

    f.clock.advance(10_000);
    expect(await c.sync("default/done")).toEqual({ requeueAfter: 20_000 });
    expect(f.client.deleted).toEqual([]);

    f.clock.advance(20_000);
    await c.sync("default/done");
    expect(f.client.deleted.map((d) => [d.name, d.options.propagationPolicy])).toEqual([["done", "Foreground"]]);
  });

  it("leaves running Jobs and Jobs without a TTL alone", async () => {
    const running = newJob("running", { ttlSecondsAfterFinished: 0 });
    const kept = newJob("kept");
    kept.status = { conditions: [{ type: "Failed", status: "True", lastTransitionTime: rfc3339(T0) }] };
    const f = batchFixture([running, kept]);
    const c = new TTLAfterFinishedController({ client: f.client, jobInformer: f.jobInformer, clock: f.clock });
    f.clock.advance(3600_000);
    await c.sync("default/running");
    await c.sync("default/kept");
    expect(f.client.writes()).toEqual([]);
  });
});
