// The authorization API the server answers itself (Kubernetes' pkg/registry/authorization):
// SelfSubjectAccessReview (may I?), SubjectAccessReview (may they?), LocalSubjectAccessReview (may
// they, in this namespace? for namespace admins) and SelfSubjectRulesReview
// (what may I do in this namespace?): `kubectl auth can-i` and `can-i --list`. Each is a POST
// answered with its status filled in, from the same authorizer that judges every request, so
// what can-i says is what the server then does. Nothing is stored.
import {
  localsubjectaccessreviews,
  selfsubjectaccessreviews,
  selfsubjectrulesreviews,
  subjectaccessreviews,
  type ResourceAttributes,
  type SelfSubjectAccessReview,
  type SelfSubjectRulesReview,
  type SubjectAccessReview,
} from "../../../api/authorization";
import type { KObject, ResourceType } from "../../../api/resource";
import { rfc3339 } from "../../../api/time";
import { badRequest, invalid } from "../errors";
import { requestInfo, type Filter, type RequestContext } from "../filter";
import { decodeBody, readBody } from "../request";
import { methodNotAllowed } from "../resource-request";
import { ANONYMOUS } from "./attributes";
import { nonResourceAttributes, resourceAttributes, type Attributes, type Authorizer, type RuleResolver, type UserInfo } from "./authorizer";

const GROUP = "authorization.k8s.io";

/** The attributes a review asks about. */
function reviewAttributes(user: UserInfo, spec: { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: { path?: string; verb?: string } }): Attributes {
  const ra = spec.resourceAttributes;
  if (ra) {
    return { ...resourceAttributes(user, { verb: ra.verb ?? "", apiGroup: ra.group ?? "", apiVersion: ra.version ?? "", resource: ra.resource ?? "", subresource: ra.subresource ?? "", namespace: ra.namespace ?? "", name: ra.name ?? "" }) };
  }
  return nonResourceAttributes(user, spec.nonResourceAttributes?.verb ?? "", spec.nonResourceAttributes?.path ?? "");
}

function accessStatus(authorizer: Authorizer, a: Attributes) {
  const r = authorizer.authorize(a);
  return { allowed: r.decision === "Allow", ...(r.decision === "Deny" ? { denied: true } : {}), ...(r.reason ? { reason: r.reason } : {}) };
}

/** Parse and validate a review body (reviews have no name: a stand-in satisfies ObjectMeta). */
function parseReview<T>(rt: ResourceType, body: unknown, namespace?: string): T {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("the request body must be a JSON object");
  const obj = { apiVersion: `${GROUP}/v1`, kind: rt.kind, ...(body as object) } as KObject;
  obj.metadata = { ...(obj.metadata ?? {}), name: "review" };
  // A namespaced review is the URL's namespace's (Kubernetes: "must match namespace").
  if (namespace !== undefined) {
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) throw badRequest(`metadata.namespace must match namespace: ${namespace}`);
    obj.metadata.namespace = namespace;
  }
  // The status is the server's answer; whatever the client sent there is dropped.
  delete obj.status;
  const res = rt.validate(obj, "Strict");
  if (res.errors.length || !res.object) throw invalid(rt.kind, rt.group, "", res.errors);
  const out = res.object;
  delete out.metadata.name;
  out.metadata.creationTimestamp = rfc3339();
  return out as T;
}

export interface ReviewConfig {
  authorizer: Authorizer & RuleResolver;
  maxBodyBytes: number;
}

export function withAuthorizationReviews(c: ReviewConfig): Filter {
  const answers: Record<string, (user: UserInfo, body: unknown, namespace?: string) => unknown> = {
    localsubjectaccessreviews: (_user, body, namespace) => {
      const r = parseReview<SubjectAccessReview>(localsubjectaccessreviews, body, namespace);
      const who: UserInfo = { name: r.spec.user ?? "", uid: r.spec.uid ?? "", groups: r.spec.groups ?? [], ...(r.spec.extra ? { extra: r.spec.extra } : {}) };
      return { ...r, status: accessStatus(c.authorizer, reviewAttributes(who, r.spec)) };
    },
    selfsubjectaccessreviews: (user, body) => {
      const r = parseReview<SelfSubjectAccessReview>(selfsubjectaccessreviews, body);
      return { ...r, status: accessStatus(c.authorizer, reviewAttributes(user, r.spec)) };
    },
    subjectaccessreviews: (_user, body) => {
      const r = parseReview<SubjectAccessReview>(subjectaccessreviews, body);
      const who: UserInfo = { name: r.spec.user ?? "", uid: r.spec.uid ?? "", groups: r.spec.groups ?? [], ...(r.spec.extra ? { extra: r.spec.extra } : {}) };
      return { ...r, status: accessStatus(c.authorizer, reviewAttributes(who, r.spec)) };
    },
    selfsubjectrulesreviews: (user, body) => {
      const r = parseReview<SelfSubjectRulesReview>(selfsubjectrulesreviews, body);
      if (!r.spec.namespace) throw badRequest("no namespace on request");
      const rules = c.authorizer.rulesFor(user, r.spec.namespace);
      return { ...r, status: { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete, ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}) } };
    },
  };
  const post = async (ctx: RequestContext, answer: (user: UserInfo, body: unknown, namespace?: string) => unknown, namespace?: string): Promise<void> => {
    const method = ctx.req.method ?? "GET";
    if (method !== "POST") throw methodNotAllowed(method);
    const raw = await readBody(ctx.req, c.maxBodyBytes);
    if (raw.length === 0) throw badRequest("the request body is empty");
    ctx.reply(201, answer(ctx.user ?? ANONYMOUS, decodeBody(raw, ctx.req.headers["content-type"]), namespace));
  };
  return (next) => (ctx) => {
    const rp = requestInfo(ctx).resource;
    // Only the local review is namespaced; the others are cluster-wide.
    if (rp && rp.group === GROUP && rp.version === "v1" && !rp.name && Boolean(rp.namespace) === (rp.plural === "localsubjectaccessreviews")) {
      const answer = Object.hasOwn(answers, rp.plural) ? answers[rp.plural] : undefined;
      if (answer) return post(ctx, answer, rp.namespace);
    }
    return next(ctx);
  };
}
