// What an authorizer is, as Kubernetes' k8s.io/apiserver/pkg/authorization/authorizer has it: the
// attributes of one request (who, which verb, on what) in, a decision and a reason out. Every
// authorization mode (RBAC, Node, AlwaysAllow, AlwaysDeny) implements Authorizer; the union
// (union.ts) asks them in the order of --authorization-mode, and the first Allow or Deny wins.
//
// The contract: authorize is pure with respect to the request (it reads only its caches), never
// throws for a request it cannot judge (it says NoOpinion with a reason), and is fast: it runs
// on every request.

/** The user a request acts as: what authorizers read of authentication's user.Info (authn/user.ts). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: readonly string[];
  extra?: Record<string, string[]>;
}

/** authorizer.Attributes: everything a request asks permission for. */
export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, escalate, bind,
   *  impersonate...; for non-resource requests the lower-case HTTP method. */
  verb: string;
  isResourceRequest: boolean;
  /** Resource requests: "" is the core group. */
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** Non-resource requests: the URL path ("/healthz", "/apis"). */
  path: string;
  /** A list or watch's labelSelector, as Kubernetes 1.31's AuthorizeWithSelectors passes it ("" when none). */
  labelSelector?: string;
}

export type Decision = "Allow" | "Deny" | "NoOpinion";

export interface AuthorizationResult {
  decision: Decision;
  /** Why, for the 403's message and SubjectAccessReview status ("" when nothing to add). */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): AuthorizationResult;
}

/** One rule as SelfSubjectRulesReview reports them (a resolved PolicyRule). */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesInfo {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  /** True when the list may be incomplete (a mode that cannot list its rules, a missing role). */
  incomplete: boolean;
  evaluationError: string;
}

/** Authorizers that can list what a user may do in a namespace (authorizer.RuleResolver). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesInfo;
}

export const ALLOW: AuthorizationResult = Object.freeze({ decision: "Allow", reason: "" });
export const NO_OPINION: AuthorizationResult = Object.freeze({ decision: "NoOpinion", reason: "" });

/** Attributes of a resource request, defaults filled in (for tests, reviews and internal checks). */
export function resourceAttributes(user: UserInfo, a: Partial<Omit<Attributes, "user" | "isResourceRequest" | "path">> & { verb: string; resource: string }): Attributes {
  return {
    user,
    verb: a.verb,
    isResourceRequest: true,
    apiGroup: a.apiGroup ?? "",
    apiVersion: a.apiVersion ?? "",
    resource: a.resource,
    subresource: a.subresource ?? "",
    namespace: a.namespace ?? "",
    name: a.name ?? "",
    path: "",
    labelSelector: a.labelSelector ?? "",
  };
}

/** Attributes of a non-resource request (a URL path). */
export function nonResourceAttributes(user: UserInfo, verb: string, path: string): Attributes {
  return { user, verb, isResourceRequest: false, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path };
}
