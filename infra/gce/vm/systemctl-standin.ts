// A stand-in for systemctl in tests of the install scripts (no systemd runs on the test machine):
// it records each call and, for `restart UNIT`, starts the unit's ExecStart as systemd would
// (drop-ins in UNIT.d/*.conf merged, EnvironmentFile, ${VAR} expanded, LoadCredential= files
// copied into ${CREDENTIALS_DIRECTORY}) with every absolute path moved under the test's root
// folder. Only `restart` of a unit listed in KUBELAB_STANDIN_START runs it; ExecStartPre is not
// run (allow-pod-traffic.sh changes iptables; its test uses a namespace).
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const MOVED = ["/usr/local/bin/", "/opt/kubelab/", "/etc/kubelab/", "/var/lib/kubelab-server/", "/var/lib/kubelab/", "/srv/git/"];

/** Prefixes the VM paths in a word with root, as if root were `/`. */
export function underRoot(root: string, word: string): string {
  let out = word;
  for (const p of MOVED) out = out.split(p).join(path.join(root, p) + "/");
  return out.replace(/([^:])\/\/+/g, "$1/"); // not the // of a URL
}

/** The variables of the unit's EnvironmentFile(s), which systemd hands to the process. */
export function unitEnvironment(root: string, unitText: string): Record<string, string> {
  const text = unitText.replace(/\\\n\s*/g, "");
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^EnvironmentFile=-?(.*)$/gm)) {
    const file = underRoot(root, m[1].trim());
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const kv = line.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
      if (kv) env[kv[1]] = kv[2];
    }
  }
  return env;
}

/** The unit file followed by its drop-ins (UNIT.d/*.conf in name order), as systemd reads them. */
export function unitWithDropIns(root: string, unit: string): string {
  const dir = path.join(root, "etc/systemd/system");
  const dropIns = path.join(dir, `${unit}.d`);
  const confs = existsSync(dropIns) ? readdirSync(dropIns).filter((f) => f.endsWith(".conf")).sort() : [];
  return [readFileSync(path.join(dir, unit), "utf8"), ...confs.map((f) => readFileSync(path.join(dropIns, f), "utf8"))].join("\n");
}

/** Copies each LoadCredential=NAME:PATH file (PATH under root) to credentials/NAME, as systemd does at start. */
export function loadCredentials(root: string, unitText: string, credentials: string): void {
  rmSync(credentials, { recursive: true, force: true });
  mkdirSync(credentials, { recursive: true, mode: 0o700 });
  for (const m of unitText.matchAll(/^LoadCredential=([^:\n]+):(.*)$/gm)) {
    copyFileSync(underRoot(root, m[2].trim()), path.join(credentials, m[1].trim()));
  }
}

/** The words of ExecStart after systemd's expansion, paths moved under root; an empty ExecStart= resets. */
export function execStartArgv(root: string, unitText: string, credentials = "/etc/kubelab"): string[] {
  const text = unitText.replace(/\\\n\s*/g, "");
  const env: Record<string, string> = { ...unitEnvironment(root, unitText), CREDENTIALS_DIRECTORY: credentials };
  const line = [...text.matchAll(/^ExecStart=(.*)$/gm)].map((m) => m[1].trim()).at(-1);
  if (!line) throw new Error("the unit has no ExecStart");
  return line.split(/\s+/).filter(Boolean).map((w) => underRoot(root, w.replace(/\$\{(\w+)\}/g, (_m, k: string) => {
    if (!(k in env)) throw new Error(`ExecStart uses \${${k}}, which no EnvironmentFile sets`);
    return env[k];
  })));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

async function main(argv: string[]): Promise<void> {
  const root = process.env.KUBELAB_ROOT!;
  const state = process.env.KUBELAB_STANDIN_STATE!;
  appendFileSync(path.join(state, "calls.log"), argv.join(" ") + "\n");
  const unit = argv[argv.length - 1];
  const started = (process.env.KUBELAB_STANDIN_START ?? "").split(",").includes(unit);
  const pidFile = path.join(state, `${unit}.pid`);
  if (argv[0] === "is-active" && started) {
    // Like systemd right after a restart: active unless the process already died.
    await new Promise((r) => setTimeout(r, 1000));
    if (!existsSync(pidFile) || !alive(Number(readFileSync(pidFile, "utf8")))) process.exitCode = 3;
    return;
  }
  if (argv[0] !== "restart" || !started) return;
  await stop(pidFile);
  const unitText = unitWithDropIns(root, unit);
  const credentials = path.join(state, `${unit}.credentials`);
  loadCredentials(root, unitText, credentials);
  const [program, ...args] = execStartArgv(root, unitText, credentials);
  const log = openSync(path.join(state, `${unit}.log`), "a");
  const env = { ...process.env, ...unitEnvironment(root, unitText) };
  const child = spawn(program, args, { detached: true, stdio: ["ignore", log, log], env });
  writeFileSync(pidFile, String(child.pid));
  child.unref();
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main(process.argv.slice(2));
