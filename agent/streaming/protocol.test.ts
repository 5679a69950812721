import { describe, expect, it } from "vitest";
import { DockerDemuxer } from "./demux";
import { negotiate, outcomeMessage, outcomeStatus, parseResize } from "./protocol";

describe("remote command protocol", () => {
  it("picks the newest version the client offers", () => {
    expect(negotiate(new Set(["v4.channel.k8s.io", "v5.channel.k8s.io"]))).toBe("v5.channel.k8s.io");
    expect(negotiate(new Set(["v4.channel.k8s.io", "base64.channel.k8s.io"]))).toBe("v4.channel.k8s.io");
    expect(negotiate(new Set(["base64.channel.k8s.io"]))).toBeUndefined();
  });

  it("reports exit codes as the kubelet's Status, which kubectl exits with", () => {
    expect(outcomeStatus({ exitCode: 0 })).toEqual({ metadata: {}, status: "Success" });
    expect(outcomeStatus({ exitCode: 3, command: ["sh", "-c", "exit 3"] })).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
    // v2/v3 have no Status: an error's text, nothing for success.
    expect(outcomeMessage("v2.channel.k8s.io", { exitCode: 0 })).toBeUndefined();
    expect(outcomeMessage("v3.channel.k8s.io", { error: "boom" })?.toString()).toBe("boom");
  });

  it("reads resize messages and refuses junk", () => {
    expect(parseResize(Buffer.from('{"Width":100,"Height":30}'))).toEqual({ width: 100, height: 30 });
    for (const junk of ["", "{", '{"Width":-1,"Height":2}', '{"Width":"1","Height":2}', "null", "[]"]) expect(parseResize(Buffer.from(junk))).toBeUndefined();
  });

  it("undoes Docker's framing across chunk boundaries", () => {
    const frame = (t: number, s: string) => {
      const b = Buffer.alloc(8 + s.length);
      b[0] = t;
      b.writeUInt32BE(s.length, 4);
      b.write(s, 8);
      return b;
    };
    const all = Buffer.concat([frame(1, "out"), frame(2, "err"), frame(1, "more")]);
    const got: string[] = [];
    const d = new DockerDemuxer((t, p) => got.push(`${t}:${p}`));
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    expect(got).toEqual(["1:out", "2:err", "1:more"]);
  });
});
