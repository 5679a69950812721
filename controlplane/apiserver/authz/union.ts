// The union authorizer (authorizerfactory's union.New): the modes of --authorization-mode asked in
// order; the first Allow or Deny decides, NoOpinions pass on with their reasons collected; when
// every mode has no opinion the request is denied with those reasons.
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesInfo, UserInfo } from "./authorizer";
import { NO_OPINION } from "./authorizer";

/** The modes --authorization-mode names (Kubernetes' spellings). */
export const AUTHORIZATION_MODES = ["AlwaysAllow", "AlwaysDeny", "Node", "RBAC"] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];
export const DEFAULT_AUTHORIZATION_MODES: AuthorizationMode[] = ["Node", "RBAC"];

export const alwaysAllow: Authorizer & RuleResolver = {
  authorize: () => ({ decision: "Allow", reason: "" }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], resourceNames: [] }],
    nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
    incomplete: false,
    evaluationError: "",
  }),
};

export const alwaysDeny: Authorizer & RuleResolver = {
  authorize: () => ({ decision: "Deny", reason: "Everything is forbidden." }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: "" }),
};

/** "--authorization-mode Node,RBAC" into modes, each known and named once. */
export function parseAuthorizationModes(flag: string): AuthorizationMode[] {
  const modes = flag.split(",").map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error("--authorization-mode: at least one mode is required");
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) {
      throw new Error(`--authorization-mode: unknown mode ${JSON.stringify(m)}; known: ${AUTHORIZATION_MODES.join(", ")}`);
    }
  }
  if (new Set(modes).size !== modes.length) throw new Error(`--authorization-mode: a mode is named twice in ${JSON.stringify(flag)}`);
  return modes as AuthorizationMode[];
}

export class UnionAuthorizer implements Authorizer, RuleResolver {
  constructor(private readonly authorizers: readonly (Authorizer & Partial<RuleResolver>)[]) {}

  authorize(a: Attributes): AuthorizationResult {
    let reasons: string[] | undefined;
    for (const authz of this.authorizers) {
      const r = authz.authorize(a);
      if (r.decision !== "NoOpinion") return r;
      if (r.reason) (reasons ??= []).push(r.reason);
    }
    return reasons ? { decision: "NoOpinion", reason: reasons.join(", ") } : NO_OPINION;
  }

  /** The rules of every mode that can list them, concatenated (unionAuthzRulesHandler). */
  rulesFor(user: UserInfo, namespace: string): RulesInfo {
    const out: RulesInfo = { resourceRules: [], nonResourceRules: [], incomplete: false, evaluationError: "" };
    const errors: string[] = [];
    for (const authz of this.authorizers) {
      // A mode that cannot list rules grants nothing it could list (the Node authorizer, for
      // everyone but nodes: Kubernetes' says "complete" then, and "incomplete" for nodes).
      if (!authz.rulesFor) continue;
      const r = authz.rulesFor(user, namespace);
      out.resourceRules.push(...r.resourceRules);
      out.nonResourceRules.push(...r.nonResourceRules);
      out.incomplete ||= r.incomplete;
      if (r.evaluationError) errors.push(r.evaluationError);
    }
    out.evaluationError = errors.join(", ");
    return out;
  }
}
