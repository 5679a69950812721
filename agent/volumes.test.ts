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
import { VolumeNotReadyError } from "./pv-volume";
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

describe("volume types", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "kubelab-vol-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("refuses a volume type the node cannot serve instead of mounting an empty directory", async () => {
    const { pod: p, container } = pod([{ name: "share", nfs: { server: "nfs.example", path: "/exports" } }], [{ name: "share", mountPath: "/data" }]);
    await expect(containerBinds(root, p, container, config)).rejects.toThrow('volume "share": type nfs is not supported by this node');
    expect(existsSync(podDir(root, "uid-1"))).toBe(false);
  });

  it("writes downwardAPI and projected files (labels as key=\"value\" lines)", async () => {
    const { pod: p, container } = pod(
      [
        { name: "info", downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }, { path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
        { name: "all", projected: { sources: [{ configMap: { name: "c" } }, { downwardAPI: { items: [{ path: "ns", fieldRef: { fieldPath: "metadata.namespace" } }] } }] } },
      ],
      [{ name: "info", mountPath: "/info" }, { name: "all", mountPath: "/all" }],
    );
    p.metadata.labels = { b: "2", a: "1" };
    const binds = await containerBinds(root, p, container, config);
    const volumes = join(podDir(root, "uid-1"), "volumes");
    expect(binds).toEqual([`${join(volumes, "info")}:/info:ro`, `${join(volumes, "all")}:/all:ro`]);
    expect(readFileSync(join(volumes, "info", "name"), "utf8")).toBe("p");
    expect(readFileSync(join(volumes, "info", "labels"), "utf8")).toBe('a="1"\nb="2"');
    expect(files(join(volumes, "all"))).toEqual(["key", "ns"]);
  });

  it("waits (VolumeNotReadyError) while a claim is not bound, then mounts its PV's directory", async () => {
    const { pod: p, container } = pod([{ name: "data", persistentVolumeClaim: { claimName: "db" } }], [{ name: "data", mountPath: "/data" }]);
    const pvPath = join(root, "storage", "pvc-1");
    let phase = "Pending";
    const claims = {
      ...config,
      getPersistentVolumeClaim: async () => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "db" }, spec: { volumeName: phase === "Bound" ? "pvc-1" : undefined }, status: { phase } }),
      getPersistentVolume: async () => ({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pvc-1" }, spec: { local: { path: pvPath } } }),
    };
    const err = await containerBinds(root, p, container, claims).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VolumeNotReadyError);
    expect((err as Error).message).toBe('persistentvolumeclaim "db" is not bound yet');
    phase = "Bound";
    expect(await containerBinds(root, p, container, claims)).toEqual([`${pvPath}:/data`]);
    expect(existsSync(pvPath)).toBe(true);
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
