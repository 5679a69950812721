// Pod Security admission (Kubernetes' PodSecurity plugin, k8s.io/pod-security-admission/admission):
// per namespace, the levels its pod-security.kubernetes.io labels (or the configured defaults)
// choose for three modes:
// - enforce: a pod that violates the level is refused (403, Kubernetes' message);
// - warn: the client gets a warning (kubectl prints it), for pods and for the pod templates of
//   Deployments, ReplicaSets, Jobs, CronJobs and the other pod controllers;
// - audit: the violation is logged (kubelab has no audit log; the log line carries Kubernetes'
//   audit annotation key, pod-security.kubernetes.io/audit-violations).
// Pod templates are only warned about and audited, never refused, as in Kubernetes: the pods they
// make are what enforce judges. Exempt namespaces, users and runtime classes skip every mode.
import type { Logger } from "pino";
import type { Pod, PodSpec } from "../../../../api/core";
import type { ObjectMeta } from "../../../../api/meta";
import {
  evaluatePod,
  fullyPrivileged,
  levelVersionString,
  policyFromLabels,
  violationsDetail,
  type LabelError,
  type LevelVersion,
  type Policy,
  type Violation,
} from "../../../../api/podsecurity";
import type { KObject } from "../../../../api/resource";
import { ApiError } from "../../errors";
import type { AdmissionAttributes } from "../attributes";
import type { PodSecurityConfig } from "./config";
import { namespaceWarnings, type NamespaceLike } from "./namespace";

export interface PodSecurityDeps {
  getNamespace(name: string): Promise<NamespaceLike | undefined>;
  listPods(namespace: string): Promise<Array<KObject & Pod>>;
  logger?: Logger;
}

/** A pod or a pod controller's template, and where it comes from (for messages and the audit log). */
export interface PodSecuritySubject {
  resource: string;
  namespace: string;
  name: string;
  meta: ObjectMeta | undefined;
  spec: PodSpec;
}

/** Pod subresources the plugin does not look at (Kubernetes' ignoredPodSubresources). */
const IGNORED_POD_SUBRESOURCES = new Set(["exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"]);

export class PodSecurityAdmission {
  constructor(
    readonly config: PodSecurityConfig,
    private readonly deps: PodSecurityDeps,
  ) {}

  /** A pod create or update: enforced, warned and audited. */
  async validatePod(pod: KObject & Pod, old: (KObject & Pod) | undefined, attrs: AdmissionAttributes): Promise<void> {
    if (attrs.subresource && IGNORED_POD_SUBRESOURCES.has(attrs.subresource)) return;
    if (old && !imagesChanged(pod.spec, old.spec)) return;
    const subject = { resource: "pods", namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", meta: pod.metadata, spec: pod.spec };
    await this.evaluate(subject, attrs, true);
  }

  /** A pod controller's create or update: its template is warned about and audited. */
  async validatePodController(subject: PodSecuritySubject, attrs: AdmissionAttributes): Promise<void> {
    if (attrs.subresource) return;
    await this.evaluate(subject, attrs, false);
  }

  /** A namespace create or update: bad labels are 422; a stricter enforce level warns about existing pods. */
  async validateNamespace(ns: NamespaceLike, old: NamespaceLike | undefined, attrs: AdmissionAttributes): Promise<void> {
    if (attrs.subresource) return;
    for (const w of await namespaceWarnings(this, ns, old, (n) => this.deps.listPods(n))) attrs.warn(w);
  }

  policyOf(labels: Record<string, string> | undefined): { policy: Policy; errors: LabelError[] } {
    return policyFromLabels(labels, this.config.defaults);
  }

  exemptNamespace = (ns: string): boolean => ns !== "" && this.config.exemptions.namespaces.includes(ns);
  exemptRuntimeClass = (rc: string | undefined): boolean => Boolean(rc) && this.config.exemptions.runtimeClasses.includes(rc!);
  private exemptUser = (name: string | undefined): boolean => Boolean(name) && this.config.exemptions.usernames.includes(name!);

  private async evaluate(s: PodSecuritySubject, attrs: AdmissionAttributes, enforce: boolean): Promise<void> {
    if (this.exemptNamespace(s.namespace) || this.exemptUser(attrs.user?.name) || this.exemptRuntimeClass(s.spec.runtimeClassName)) return;
    const ns = await this.deps.getNamespace(s.namespace);
    // A pod in a namespace that does not exist fails the registry's own check; nothing to judge.
    if (!ns) return;
    const { policy, errors } = this.policyOf(ns.metadata.labels);
    if (errors.length === 0 && (enforce ? fullyPrivileged(policy) : policy.warn.level === "privileged" && policy.audit.level === "privileged")) return;
    if (errors.length) this.deps.logger?.warn({ namespace: s.namespace, error: errors.map((e) => `${e.field}: ${e.message}`).join("; ") }, "Failed to parse PodSecurity policy labels");
    const results = new Map<string, Violation[]>();
    const check = (lv: LevelVersion) => {
      const key = levelVersionString(lv);
      if (!results.has(key)) results.set(key, evaluatePod(lv, s.meta, s.spec));
      return results.get(key)!;
    };
    if (enforce) {
      const violations = check(policy.enforce);
      if (violations.length) {
        this.audit(s, attrs, policy.audit, check(policy.audit));
        throw new ApiError(403, "Forbidden", `${s.resource} "${s.name}" is forbidden: violates PodSecurity "${levelVersionString(policy.enforce)}": ${violationsDetail(violations)}`, {
          name: s.name,
          kind: s.resource,
        });
      }
    }
    this.audit(s, attrs, policy.audit, check(policy.audit));
    const warn = check(policy.warn);
    if (warn.length) attrs.warn(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${violationsDetail(warn)}`);
  }

  private audit(s: PodSecuritySubject, attrs: AdmissionAttributes, lv: LevelVersion, violations: Violation[]): void {
    if (!violations.length || !this.deps.logger) return;
    this.deps.logger.info(
      {
        resource: s.resource,
        namespace: s.namespace,
        name: s.name,
        operation: attrs.operation,
        user: attrs.user?.name,
        "pod-security.kubernetes.io/audit-violations": `would violate PodSecurity "${levelVersionString(lv)}": ${violationsDetail(violations)}`,
      },
      "pod security audit violation",
    );
  }
}

/** Kubernetes re-checks a pod update only when a container image changes (nothing else security-relevant may). */
function imagesChanged(spec: PodSpec, old: PodSpec): boolean {
  const images = (s: PodSpec) => [...(s.initContainers ?? []).map((c) => c.image), "|", ...s.containers.map((c) => c.image)].join("\n");
  return images(spec) !== images(old);
}
