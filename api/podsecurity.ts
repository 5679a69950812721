// Pod Security Standards: the levels (privileged, baseline, restricted), their versions, the
// namespace labels that choose them, and the evaluation of a pod spec against one level and
// version, as Kubernetes' pod-security-admission library (k8s.io/pod-security-admission/api and
// policy) defines them for 1.32. Pure: a pod spec in, the violations out; the admission plugin
// that refuses, warns and audits is controlplane/apiserver/admission/podsecurity/.
import type { PodSpec } from "./core";
import type { ObjectMeta } from "./meta";
import * as c from "./podsecurity-checks";
import type { PodCheck, Violation } from "./podsecurity-checks";

export type { Violation } from "./podsecurity-checks";

export type Level = "privileged" | "baseline" | "restricted";
export const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];

/** "latest" or v1.<minor>. */
export type Version = "latest" | { minor: number };
export interface LevelVersion {
  level: Level;
  version: Version;
}
export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}
export type Mode = keyof Policy;
export const MODES: readonly Mode[] = ["enforce", "audit", "warn"];

export const LABEL_PREFIX = "pod-security.kubernetes.io/";
/** The newest version whose checks this module knows; "latest" and newer versions evaluate as it. */
export const MAX_MINOR = 32;

export const versionString = (v: Version): string => (v === "latest" ? "latest" : `v1.${v.minor}`);
/** "baseline:latest", as Kubernetes names a level and version in its messages. */
export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${versionString(lv.version)}`;

export function parseLevel(s: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(s) ? (s as Level) : undefined;
}

export function parseVersion(s: string): Version | undefined {
  if (s === "latest") return "latest";
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(s);
  return m ? { minor: Number(m[1]) } : undefined;
}

const rank = (l: Level): number => LEVELS.indexOf(l);
/** >0 when a is stricter than b. */
export const compareLevels = (a: Level, b: Level): number => rank(a) - rank(b);

export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean =>
  a.level === b.level && versionString(a.version) === versionString(b.version);

export const PRIVILEGED_POLICY: Policy = {
  enforce: { level: "privileged", version: "latest" },
  audit: { level: "privileged", version: "latest" },
  warn: { level: "privileged", version: "latest" },
};

export const fullyPrivileged = (p: Policy): boolean => MODES.every((m) => p[m].level === "privileged");

export interface LabelError {
  /** "metadata.labels[pod-security.kubernetes.io/enforce]" */
  field: string;
  value: string;
  message: string;
}

/**
 * The policy a namespace's labels choose over the defaults, and the label errors. As Kubernetes:
 * a bad enforce level enforces restricted (fail closed), bad audit and warn levels are privileged
 * (fail open), a bad version is latest; warn follows a stricter enforce level set without a warn
 * label, so that what is refused is also warned about on pod controllers.
 */
export function policyFromLabels(labels: Record<string, string> | undefined, defaults: Policy): { policy: Policy; errors: LabelError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: LabelError[] = [];
  if (!labels) return { policy, errors };
  const bad = (label: string, message: string) => errors.push({ field: `metadata.labels[${LABEL_PREFIX}${label}]`, value: labels[LABEL_PREFIX + label]!, message });
  let enforceLevelSet = false;
  for (const mode of MODES) {
    const level = labels[LABEL_PREFIX + mode];
    if (level !== undefined) {
      const parsed = parseLevel(level);
      if (!parsed) bad(mode, `must be one of ${LEVELS.join(", ")}`);
      policy[mode].level = parsed ?? (mode === "enforce" ? "restricted" : "privileged");
      if (mode === "enforce") enforceLevelSet = parsed !== undefined;
    }
    const version = labels[`${LABEL_PREFIX}${mode}-version`];
    if (version !== undefined) {
      const parsed = parseVersion(version);
      if (!parsed) bad(`${mode}-version`, `must be "latest" or "v1.x"`);
      policy[mode].version = parsed ?? "latest";
    }
  }
  const warnSet = labels[LABEL_PREFIX + "warn"] !== undefined;
  if (!warnSet && enforceLevelSet && compareLevels(policy.enforce.level, policy.warn.level) > 0) {
    policy.warn.level = policy.enforce.level;
    if (labels[LABEL_PREFIX + "warn-version"] === undefined) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors };
}

/** A control and its implementations by the first minor version they apply to. */
interface Check {
  id: string;
  level: "baseline" | "restricted";
  versions: Array<{ since: number; check: PodCheck; overrides?: string[] }>;
}

// IDs as Kubernetes names them: evaluation runs baseline then restricted checks, each in ID order.
const CHECKS: Check[] = [
  { id: "appArmorProfile", level: "baseline", versions: [{ since: 0, check: c.appArmorProfile }] },
  { id: "capabilities_baseline", level: "baseline", versions: [{ since: 0, check: c.capabilitiesBaseline }] },
  { id: "hostNamespaces", level: "baseline", versions: [{ since: 0, check: c.hostNamespaces }] },
  { id: "hostPathVolumes", level: "baseline", versions: [{ since: 0, check: c.hostPathVolumes }] },
  { id: "hostPorts", level: "baseline", versions: [{ since: 0, check: c.hostPorts }] },
  { id: "privileged", level: "baseline", versions: [{ since: 0, check: c.privileged }] },
  { id: "procMount", level: "baseline", versions: [{ since: 0, check: c.procMount }] },
  { id: "seLinuxOptions", level: "baseline", versions: [{ since: 0, check: c.seLinuxOptions_1_0 }, { since: 31, check: c.seLinuxOptions_1_31 }] },
  { id: "seccompProfile_baseline", level: "baseline", versions: [{ since: 0, check: c.seccompProfileBaseline_1_0 }, { since: 19, check: c.seccompProfileBaseline_1_19 }] },
  {
    id: "sysctls",
    level: "baseline",
    versions: [{ since: 0, check: c.sysctls_1_0 }, { since: 27, check: c.sysctls_1_27 }, { since: 29, check: c.sysctls_1_29 }, { since: 32, check: c.sysctls_1_32 }],
  },
  { id: "windowsHostProcess", level: "baseline", versions: [{ since: 0, check: c.windowsHostProcess }] },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [{ since: 8, check: c.allowPrivilegeEscalation_1_8 }, { since: 25, check: c.notOnWindows(c.allowPrivilegeEscalation_1_8) }],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { since: 22, check: c.capabilitiesRestricted_1_22, overrides: ["capabilities_baseline"] },
      { since: 25, check: c.notOnWindows(c.capabilitiesRestricted_1_22), overrides: ["capabilities_baseline"] },
    ],
  },
  { id: "restrictedVolumes", level: "restricted", versions: [{ since: 0, check: c.restrictedVolumes, overrides: ["hostPathVolumes"] }] },
  { id: "runAsNonRoot", level: "restricted", versions: [{ since: 0, check: c.runAsNonRoot }] },
  { id: "runAsUser", level: "restricted", versions: [{ since: 23, check: c.runAsUser }] },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { since: 19, check: c.seccompProfileRestricted_1_19, overrides: ["seccompProfile_baseline"] },
      { since: 25, check: c.notOnWindows(c.seccompProfileRestricted_1_19), overrides: ["seccompProfile_baseline"] },
    ],
  },
];

/** The checks of a level at a minor version, in evaluation order (memoized: built once per level and minor). */
const plans = new Map<string, PodCheck[]>();
function checksAt(level: "baseline" | "restricted", minor: number): PodCheck[] {
  const key = `${level}:${minor}`;
  let plan = plans.get(key);
  if (plan) return plan;
  const active = CHECKS.filter((ch) => level === "restricted" || ch.level === "baseline")
    .map((ch) => ({ ch, v: ch.versions.filter((v) => v.since <= minor).at(-1) }))
    .filter((x): x is { ch: Check; v: Check["versions"][number] } => x.v !== undefined);
  const overridden = new Set(active.flatMap((x) => x.v.overrides ?? []));
  plan = active.filter((x) => !overridden.has(x.ch.id)).map((x) => x.v.check);
  plans.set(key, plan);
  return plan;
}

/** What a pod (or pod template) violates at a level and version; [] when it is allowed. */
export function evaluatePod(lv: LevelVersion, meta: ObjectMeta | undefined, spec: PodSpec): Violation[] {
  if (lv.level === "privileged") return [];
  const minor = lv.version === "latest" ? MAX_MINOR : Math.min(lv.version.minor, MAX_MINOR);
  const out: Violation[] = [];
  for (const check of checksAt(lv.level, minor)) {
    const v = check(meta, spec);
    if (v) out.push(v);
  }
  return out;
}

/** `privileged (container "c" must not set ...), host namespaces (hostNetwork=true)`: Kubernetes' ForbiddenDetail. */
export function violationsDetail(violations: readonly Violation[]): string {
  return violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(", ");
}

/** `privileged, host namespaces`: Kubernetes' ForbiddenReason (used for existing pods on a label change). */
export function violationsReason(violations: readonly Violation[]): string {
  return violations.map((v) => v.reason).join(", ");
}
