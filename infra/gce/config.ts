// Stack configuration of the GCE lab: read once, validated with zod, and every error names the
// stack key (`kubelab:workerCount must be ...`) before a single resource exists.
import pkg from "../../package.json" with { type: "json" };
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** A key of the stack config, as `pulumi config set` spells it. */
type Key = string;

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n  ${problems.join("\n  ")}`);
    this.name = "StackConfigError";
  }
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && String(Number(p)) === p);
}

/** True for an IPv4 CIDR like `203.0.113.0/24` (host bits may be set, as GCE accepts them). */
export function isCidr(s: string): boolean {
  const m = s.match(/^([^/]+)\/(\d{1,2})$/);
  return m !== null && isIPv4(m[1]) && Number(m[2]) <= 32;
}

const cidr = z.string().refine(isCidr, { message: "must be an IPv4 CIDR like 203.0.113.0/24" });
const cidrList = z.array(cidr).min(1, { message: "needs at least one CIDR" });
const name = z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a lowercase GCE name" });

/** The masterCount values: etcd tolerates (n-1)/2 lost members. */
export const MASTER_COUNTS = [1, 3, 5, 7];
const MASTER_COUNT_MESSAGE = "must be 1, 3, 5 or 7 (etcd needs a majority of its members: an even count adds no tolerance)";

const ClusterFields = z.object({
  project: z.string().min(1).optional(),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, { message: "must be a GCE region like europe-west3" }),
  zone: z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, { message: "must be a GCE zone like europe-west3-a" }),
  workerCount: z.number().int().min(1).max(20),
  /** 1: one master on SQLite; 3, 5 or 7: an etcd cluster on the masters behind a load balancer. */
  masterCount: z.number({ error: MASTER_COUNT_MESSAGE }).refine((n) => MASTER_COUNTS.includes(n), { message: MASTER_COUNT_MESSAGE }),
  masterMachineType: name,
  workerMachineType: name,
  image: z.string().min(1),
  bootDiskSizeGb: z.number().int().min(10).max(500),
  sshSourceRanges: cidrList,
  apiSourceRanges: cidrList,
  nodePortSourceRanges: cidrList,
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: "must be a Linux user name" })
    .refine((u) => u !== "root", { message: "must not be root (GCE refuses root logins through metadata keys)" }),
  sshPublicKey: z.string().regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, {
    message: "must be an OpenSSH public key line (ssh-ed25519 AAAA... comment)",
  }),
  gitUrl: z.string().regex(/^[^\s'"]+$/, { message: "must be a git URL without spaces or quotes" }).optional(),
  kubelabVersion: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,62}$/, { message: "must be a version like 0.1.0" }),
  podCidrBase: z.string().regex(/^\d{1,3}\.\d{1,3}$/, { message: "must be the first two octets, like 10.200" })
    .refine((s) => isIPv4(`${s}.0.0`), { message: "must be the first two octets of an IPv4 address" }),
});

// git-sync runs on whichever master leads: a repository on one master's disk would be empty on
// the others, so several masters read the lab's manifests from a repository they all reach.
export const ClusterConfig = ClusterFields.superRefine((c, ctx) => {
  if (c.masterCount > 1 && c.gitUrl === undefined) {
    ctx.addIssue({ code: "custom", path: ["gitUrl"], message: `is required when kubelab:masterCount is ${c.masterCount}: the git-sync leader may run on any master, so it needs a repository every master reaches (e.g. https://github.com/you/lab.git)` });
  }
});
export type ClusterConfig = z.infer<typeof ClusterConfig>;

/** What the program needs besides the validated plain values: the SSH private key, a secret. */
export interface StackConfig extends ClusterConfig {
  sshPrivateKey: pulumi.Output<string>;
}

/** Raw values as they come from `pulumi config` (strings or parsed JSON), before validation. */
export interface RawConfig {
  [key: string]: unknown;
}

const fieldKey: Record<string, Key> = {
  project: "gcp:project",
  region: "gcp:region (or kubelab:region)",
  zone: "gcp:zone (or kubelab:zone)",
};

function keyOf(path: PropertyKey[]): Key {
  const field = String(path[0] ?? "");
  const base = fieldKey[field] ?? `kubelab:${field}`;
  return path.length > 1 ? `${base}[${path.slice(1).map(String).join("].[")}]` : base;
}

/** Keys without a default, and how to set them: who may reach the VMs is the user's decision. */
const howToSet: Record<string, string> = {
  sshSourceRanges: "set it to the addresses allowed to SSH to the VMs (and to push to git)",
  apiSourceRanges: "set it to the addresses allowed to reach the API server on port 6443",
};

function required(field: string, key: Key): string {
  const how = howToSet[field];
  if (!how) return `${key} is required`;
  return `${key} is required: ${how}, e.g. pulumi config set ${key} "$(curl -s ifconfig.me)/32" (0.0.0.0/0 allows everyone)`;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  const key = keyOf(issue.path);
  const got = issue.path.reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown> | undefined)?.[p], input);
  if (issue.code === "too_small" || issue.code === "too_big") {
    const f = String(issue.path[0]);
    if (f === "workerCount" || f === "bootDiskSizeGb") {
      const bounds = f === "workerCount" ? "1 and 20" : "10 and 500";
      return `${key} must be between ${bounds}, got ${JSON.stringify(got)}`;
    }
  }
  if (issue.code === "custom" && issue.message.startsWith("is required when")) return `${key} ${issue.message}`;
  if (got === undefined) return required(String(issue.path[0]), key);
  return `${key} ${issue.message.startsWith("must") || issue.message.startsWith("needs") ? issue.message : `is invalid: ${issue.message}`}, got ${JSON.stringify(got)}`;
}

/**
 * Validates raw stack values and fills in defaults; throws StackConfigError naming each bad key.
 * sshSourceRanges and apiSourceRanges have no default (an open SSH or API port must be asked for).
 */
export function parseClusterConfig(raw: RawConfig): ClusterConfig {
  const input = {
    workerCount: 2,
    masterCount: 1,
    masterMachineType: "e2-standard-2",
    workerMachineType: "e2-standard-2",
    image: "debian-cloud/debian-12",
    bootDiskSizeGb: 20,
    nodePortSourceRanges: ["0.0.0.0/0"],
    sshUser: "kubelab",
    kubelabVersion: pkg.version,
    podCidrBase: "10.200",
    ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
  };
  const parsed = ClusterConfig.safeParse(input);
  if (!parsed.success) throw new StackConfigError(parsed.error.issues.map((i) => describe(i, input)));
  return parsed.data;
}

function numberOrString(cfg: pulumi.Config, key: string): unknown {
  const s = cfg.get(key);
  if (s === undefined) return undefined;
  const n = Number(s);
  return s.trim() !== "" && Number.isFinite(n) ? n : s;
}

function list(cfg: pulumi.Config, key: string): unknown {
  const s = cfg.get(key);
  if (s === undefined) return undefined;
  if (s.trim().startsWith("[")) {
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  }
  return s.split(",").map((x) => x.trim()).filter(Boolean);
}

/** Reads `kubelab:*` (and `gcp:project|region|zone`) from the stack; validates before any resource. */
export function loadStackConfig(): StackConfig {
  const kubelab = new pulumi.Config("kubelab");
  const gcp = new pulumi.Config("gcp");
  const raw: RawConfig = {
    project: gcp.get("project") ?? kubelab.get("project"),
    region: kubelab.get("region") ?? gcp.get("region"),
    zone: kubelab.get("zone") ?? gcp.get("zone"),
    workerCount: numberOrString(kubelab, "workerCount"),
    masterCount: numberOrString(kubelab, "masterCount"),
    masterMachineType: kubelab.get("masterMachineType"),
    workerMachineType: kubelab.get("workerMachineType"),
    image: kubelab.get("image"),
    bootDiskSizeGb: numberOrString(kubelab, "bootDiskSizeGb"),
    sshSourceRanges: list(kubelab, "sshSourceRanges"),
    apiSourceRanges: list(kubelab, "apiSourceRanges"),
    nodePortSourceRanges: list(kubelab, "nodePortSourceRanges"),
    sshUser: kubelab.get("sshUser"),
    sshPublicKey: kubelab.get("sshPublicKey")?.trim(),
    gitUrl: kubelab.get("gitUrl"),
    kubelabVersion: kubelab.get("kubelabVersion"),
    podCidrBase: kubelab.get("podCidrBase"),
  };
  const problems: string[] = [];
  let config: ClusterConfig | undefined;
  try {
    config = parseClusterConfig(raw);
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw e;
    problems.push(...e.problems);
  }
  const privateKey = kubelab.getSecret("sshPrivateKey");
  if (privateKey === undefined) problems.push("kubelab:sshPrivateKey is required (set it with `pulumi config set --secret kubelab:sshPrivateKey < ~/.ssh/id_ed25519`)");
  if (problems.length > 0 || !config || !privateKey) throw new StackConfigError(problems);
  return { ...config, sshPrivateKey: privateKey };
}
