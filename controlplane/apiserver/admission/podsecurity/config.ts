// How Pod Security admission is configured (Kubernetes' PodSecurityConfiguration: the defaults for
// namespaces without labels, and the exemptions), and the flag syntax that sets it:
//   --pod-security-defaults enforce=baseline,warn=restricted[:v1.31],audit=...
//   --pod-security-exempt-namespaces, --pod-security-exempt-usernames,
//   --pod-security-exempt-runtime-classes (comma-separated).
import { MODES, parseLevel, parseVersion, PRIVILEGED_POLICY, type Mode, type Policy } from "../../../../api/podsecurity";

export interface PodSecurityExemptions {
  usernames: string[];
  namespaces: string[];
  runtimeClasses: string[];
}

export interface PodSecurityConfig {
  /** The policy of a namespace without pod-security.kubernetes.io labels. */
  defaults: Policy;
  exemptions: PodSecurityExemptions;
}

/** Kubernetes' own default: everything privileged, nothing exempt. */
export const KUBERNETES_POD_SECURITY: PodSecurityConfig = {
  defaults: PRIVILEGED_POLICY,
  exemptions: { usernames: [], namespaces: [], runtimeClasses: [] },
};

/** What the lab and GCE run: baseline enforced, restricted warned, kube-system exempt. */
export const LAB_POD_SECURITY_DEFAULTS = "enforce=baseline,warn=restricted";

/** "enforce=baseline,warn=restricted:v1.31" as a Policy (modes not named stay privileged:latest). */
export function parsePodSecurityDefaults(text: string): Policy {
  const policy: Policy = structuredClone(PRIVILEGED_POLICY);
  const seen = new Set<Mode>();
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=([a-z]+)(?::(.+))?$/.exec(part);
    const mode = m?.[1] as Mode | undefined;
    if (!m || !mode || !MODES.includes(mode)) throw new Error(`${JSON.stringify(part)}: expected MODE=LEVEL[:VERSION] with MODE one of ${MODES.join(", ")}`);
    if (seen.has(mode)) throw new Error(`${mode} is given twice`);
    seen.add(mode);
    const level = parseLevel(m[2]!);
    if (!level) throw new Error(`${JSON.stringify(part)}: level must be one of privileged, baseline, restricted`);
    const version = m[3] === undefined ? "latest" : parseVersion(m[3]);
    if (!version) throw new Error(`${JSON.stringify(part)}: version must be "latest" or "v1.x"`);
    policy[mode] = { level, version };
  }
  return policy;
}

/** The --pod-security-* flags' values (comma-separated lists) as a configuration; errors name the flag. */
export function podSecurityFromFlags(f: { defaults: string; exemptNamespaces: string; exemptUsernames: string; exemptRuntimeClasses: string }): PodSecurityConfig {
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  let defaults: Policy;
  try {
    defaults = parsePodSecurityDefaults(f.defaults);
  } catch (e) {
    throw new Error(`invalid value ${JSON.stringify(f.defaults)} for --pod-security-defaults: ${(e as Error).message}`);
  }
  return {
    defaults,
    exemptions: { namespaces: list(f.exemptNamespaces), usernames: list(f.exemptUsernames), runtimeClasses: list(f.exemptRuntimeClasses) },
  };
}
