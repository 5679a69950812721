// Local images for machines that can never pull: everything is built `FROM scratch` around
// Debian's static busybox. Each image carries a label with the hash of what went into it, so a
// change to a definition (or to the busybox binary) rebuilds it; when every image is present and
// current, ensureImages() is a handful of inspects (well under a second).
//
// CLI: node --import tsx scripts/images/build.ts [--force]
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const BUSYBOX_PATH = "/bin/busybox";
export const HASH_LABEL = "io.kubelab.image-hash";

export const PAUSE_IMAGE = "kubelab/pause:3.10";
export const BUSYBOX_IMAGE = "kubelab/busybox:1.36";
export const WEB_V1_IMAGE = "kubelab/web:1";
export const WEB_V2_IMAGE = "kubelab/web:2";

export interface ImageDefinition {
  name: string;
  /** Extra files (path inside the image -> content). */
  files: Record<string, string>;
  /** Dockerfile lines after `FROM scratch` and the busybox COPY. */
  dockerfile: string[];
}

// The pause container only holds the pod's namespaces: PID 1 waits forever and exits 0 on
// SIGTERM/SIGINT (a shell trap runs while `wait` is interrupted).
const PAUSE_SCRIPT = `trap "exit 0" TERM INT; while :; do sleep 3600 & wait; done`;

// httpd as PID 1 would ignore SIGTERM (PID 1 has no default handlers): a shell stays PID 1, runs
// httpd in the foreground (-f) logging every request (-vv, to stderr: `docker logs` shows it) and
// stops it on SIGTERM, as nginx does.
const WEB_SERVER_SCRIPT = `trap 'kill $pid 2>/dev/null; exit 0' TERM INT
httpd -f -vv -h /www "$@" &
pid=$!
wait $pid
`;

function webImage(name: string, text: string): ImageDefinition {
  return {
    name,
    files: { "www/index.html": `${text}\n`, "bin/web-server": WEB_SERVER_SCRIPT },
    dockerfile: [
      "EXPOSE 80",
      `ENTRYPOINT ["/bin/sh", "/bin/web-server"]`,
      `CMD ["-p", "80"]`,
    ],
  };
}

export const IMAGES: ImageDefinition[] = [
  {
    name: PAUSE_IMAGE,
    files: {},
    dockerfile: [`ENTRYPOINT ["/bin/sh", "-c", ${JSON.stringify(PAUSE_SCRIPT)}]`],
  },
  { name: BUSYBOX_IMAGE, files: {}, dockerfile: [`CMD ["/bin/sh"]`] },
  webImage(WEB_V1_IMAGE, "kubelab web v1"),
  webImage(WEB_V2_IMAGE, "kubelab web v2"),
];

const BASE_FILES: Record<string, string> = {
  "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  "etc/group": "root:x:0:\nnogroup:x:65534:\n",
};

let busyboxDigest: string | undefined;
function busyboxHash(): string {
  busyboxDigest ??= createHash("sha256").update(readFileSync(BUSYBOX_PATH)).digest("hex");
  return busyboxDigest;
}

export function imageHash(def: ImageDefinition): string {
  return createHash("sha256")
    .update(busyboxHash())
    .update(JSON.stringify({ files: { ...BASE_FILES, ...def.files }, dockerfile: def.dockerfile }))
    .digest("hex")
    .slice(0, 16);
}

async function ensureBusyboxStatic(): Promise<void> {
  try {
    await run("dpkg-query", ["-W", "-f=${Status}", "busybox-static"]);
    if (existsSync(BUSYBOX_PATH)) return;
  } catch {
    // not installed
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update"], { env });
  await run("apt-get", ["install", "-y", "busybox-static"], { env });
}

async function currentHash(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("docker", [
      "image",
      "inspect",
      "--format",
      `{{ index .Config.Labels "${HASH_LABEL}" }}`,
      name,
    ]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function buildImage(def: ImageDefinition, hash: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "kubelab-image-"));
  try {
    const applets = (await run(BUSYBOX_PATH, ["--list"])).stdout.split("\n").filter(Boolean);
    await mkdir(join(dir, "rootfs/bin"), { recursive: true });
    await copyFile(BUSYBOX_PATH, join(dir, "rootfs/bin/busybox"));
    await chmod(join(dir, "rootfs/bin/busybox"), 0o755);
    for (const applet of applets) {
      if (applet === "busybox" || applet.includes("/")) continue;
      await symlink("busybox", join(dir, "rootfs/bin", applet));
    }
    for (const [path, content] of Object.entries({ ...BASE_FILES, ...def.files })) {
      const target = join(dir, "rootfs", path);
      await mkdir(join(target, ".."), { recursive: true });
      await writeFile(target, content);
    }
    await mkdir(join(dir, "rootfs/tmp"), { recursive: true });
    await chmod(join(dir, "rootfs/tmp"), 0o1777);
    await mkdir(join(dir, "rootfs/root"), { recursive: true });
    const dockerfile = [
      "FROM scratch",
      "COPY rootfs/ /",
      "ENV PATH=/bin",
      `LABEL ${HASH_LABEL}=${hash}`,
      ...def.dockerfile,
      "",
    ].join("\n");
    await writeFile(join(dir, "Dockerfile"), dockerfile);
    await run("docker", ["build", "-q", "-t", def.name, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface EnsureImagesOptions {
  force?: boolean;
  log?: (line: string) => void;
}

/** Builds every local image that is missing or out of date. Returns the names it built. */
export async function ensureImages(opts: EnsureImagesOptions = {}): Promise<string[]> {
  await ensureBusyboxStatic();
  const built: string[] = [];
  const states = await Promise.all(
    IMAGES.map(async (def) => ({ def, want: imageHash(def), have: await currentHash(def.name) })),
  );
  for (const { def, want, have } of states) {
    if (!opts.force && have === want) continue;
    opts.log?.(`building ${def.name} (${want})`);
    await buildImage(def, want);
    built.push(def.name);
  }
  return built;
}

if (process.argv[1] && /scripts[\\/]images[\\/]build\.ts$/.test(process.argv[1])) {
  const force = process.argv.includes("--force");
  const started = Date.now();
  ensureImages({ force, log: (line) => console.error(line) })
    .then((built) => {
      console.error(
        built.length ? `built ${built.join(", ")} in ${Date.now() - started} ms` : `images up to date (${Date.now() - started} ms)`,
      );
    })
    .catch((err: unknown) => {
      console.error(`images: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
