import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureImages } from "../test/fixtures/docker";
import { eventually } from "../test/fixtures/wait";
import { ContainerConfigError, type ConfigSource } from "./env";
import { podManifest, startTestAgent, type TestAgent } from "./testing";
import type { Container, Volume } from "../api/core";
import type { Pod } from "./types";
import { isWithin, volumePathProblem } from "./volume-paths";
import { containerBinds, podDir } from "./volumes";

// Paths from the pod spec (configMap/secret items[].path, subPath) must stay inside their volume:
// refused with a CreateContainerConfigError message, and nothing is written outside.

const config: ConfigSource = {
  getConfigMap: async (_ns, name) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { key: "secret-ish" } }),
  getSecret: async () => undefined,
};

function pod(volumes: Volume[], mounts: Container["volumeMounts"]): { pod: Pod; container: Container } {
  const container: Container = { name: "app", image: "kubelab/busybox", volumeMounts: mounts };
  return {
    pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "uid-1" }, spec: { containers: [container], volumes } },
    container,
  };
}

/** Every file below dir (relative paths). */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("volume paths", () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "kubelab-vol-"));
    outside = join(root, "outside");
    mkdirSync(outside);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("writes configMap items inside the volume", async () => {
    const { pod: p, container } = pod([{ name: "cfg", configMap: { name: "c", items: [{ key: "key", path: "conf/app.conf" }] } }], [{ name: "cfg", mountPath: "/etc/app" }]);
    const [bind] = await containerBinds(root, p, container, config);
    const dir = join(podDir(root, "uid-1"), "volumes", "cfg");
    expect(bind).toBe(`${dir}:/etc/app:ro`);
    expect(readFileSync(join(dir, "conf/app.conf"), "utf8")).toBe("secret-ish");
  });

  it("refuses an item path that escapes into a sibling volume (../ab/x) and writes nothing", async () => {
    const volumes: Volume[] = [
      { name: "a", configMap: { name: "c", items: [{ key: "key", path: "ok" }, { key: "key", path: "../ab/x" }] } },
      { name: "ab", emptyDir: {} },
    ];
    const { pod: p, container } = pod(volumes, [{ name: "a", mountPath: "/a" }]);
    const err = await containerBinds(root, p, container, config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as Error).message).toBe(`invalid path in ConfigMap default/c "../ab/x": must not contain '..'`);
    expect(files(root)).toEqual([]);
  });

  it("refuses absolute item paths and subPaths, and subPaths with '..'", async () => {
    const abs = pod([{ name: "a", configMap: { name: "c", items: [{ key: "key", path: join(outside, "x") }] } }], [{ name: "a", mountPath: "/a" }]);
    await expect(containerBinds(root, abs.pod, abs.container, config)).rejects.toThrow(/must be a relative path/);
    for (const subPath of ["../../../outside", "x/../../y", outside]) {
      const up = pod([{ name: "scratch", emptyDir: {} }], [{ name: "scratch", mountPath: "/s", subPath }]);
      await expect(containerBinds(root, up.pod, up.container, config)).rejects.toBeInstanceOf(ContainerConfigError);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(files(root)).toEqual([]);
  });

  it("refuses a subPath through a symlink a container left in the volume", async () => {
    const dir = join(podDir(root, "uid-1"), "volumes", "scratch");
    mkdirSync(dir, { recursive: true });
    symlinkSync(outside, join(dir, "link"));
    for (const subPath of ["link", "link/new"]) {
      const { pod: p, container } = pod([{ name: "scratch", emptyDir: {} }], [{ name: "scratch", mountPath: "/s", subPath }]);
      await expect(containerBinds(root, p, container, config)).rejects.toThrow(/outside the volume/);
    }
    expect(readdirSync(outside)).toEqual([]);
    // A plain subPath is created inside the volume.
    const { pod: p, container } = pod([{ name: "scratch", emptyDir: {} }], [{ name: "scratch", mountPath: "/s", subPath: "data/db" }]);
    expect(await containerBinds(root, p, container, config)).toEqual([`${join(dir, "data/db")}:/s`]);
  });

  it("never lets an accepted path leave its base (property)", () => {
    const part = fc.constantFrom("a", "ab", "..", ".", "", "/", "b/..", "%2e%2e", "\\..");
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        const path = parts.join("/");
        if (volumePathProblem(path)) return;
        expect(isWithin("/vol/a", join("/vol/a", path))).toBe(true);
      }),
      { seed: 1018, numRuns: 2000 },
    );
  });
});

describe("volume paths on a running agent", () => {
  let agent: TestAgent;
  beforeAll(async () => {
    await ensureImages();
    agent = await startTestAgent({ address: "127.0.0.42" });
  }, 60_000);
  afterAll(async () => {
    await agent?.cleanup();
  });

  it("keeps a static pod whose subPath escapes waiting with CreateContainerConfigError, and writes nothing outside", async () => {
    // Static pods skip the API server's admission: the agent itself must refuse.
    writeFileSync(
      join(agent.manifestDir, "escape.json"),
      podManifest("escape", {
        volumes: [{ name: "scratch", emptyDir: {} }],
        containers: [
          { name: "app", image: "kubelab/busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "scratch", mountPath: "/s", subPath: "../../../../escaped" }] },
        ],
      }),
    );
    const waiting = await eventually(async () => {
      const p = (await agent.pods()).find((x) => x.metadata.name === `escape-${agent.nodeName}`);
      const w = p?.status?.containerStatuses?.[0]?.state.waiting;
      return w?.reason === "CreateContainerConfigError" ? w : undefined;
    }, 20_000, "CreateContainerConfigError");
    expect(waiting.message).toBe(`invalid subPath of volume mount "scratch" "../../../../escaped": must not contain '..'`);
    expect(existsSync(join(agent.rootDir, "..", "escaped"))).toBe(false);
    expect(existsSync(join(agent.rootDir, "escaped"))).toBe(false);
  });
});
