// authorization.k8s.io/v1: SubjectAccessReview, SelfSubjectAccessReview and SelfSubjectRulesReview,
// the create-only "virtual" kinds `kubectl auth can-i` (and --list) posts. Nothing is stored: the
// API server answers each with its status filled in (controlplane/apiserver/authz/reviews.ts).
import { z } from "zod";
import { defineResource } from "./define";
import { ObjectMeta, typeMeta } from "./meta";
import type { FieldCause } from "./resource";
import { fieldError } from "./validation";

export const AUTHORIZATION_GROUP = "authorization.k8s.io";

const str = (d: string) => z.string().optional().describe(d);

export const ResourceAttributes = z
  .strictObject({
    namespace: str("Namespace is the namespace of the action being requested."),
    verb: str("Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  \"*\" means all."),
    group: str("Group is the API Group of the Resource.  \"*\" means all."),
    version: str("Version is the API Version of the Resource.  \"*\" means all."),
    resource: str("Resource is one of the existing resource types.  \"*\" means all."),
    subresource: str("Subresource is one of the existing resource types.  \"\" means none."),
    name: str("Name is the name of the resource being requested for a \"get\" or deleted for a \"delete\". \"\" (empty) means all."),
    fieldSelector: z.record(z.string(), z.unknown()).optional(),
    labelSelector: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "io.k8s.api.authorization.v1.ResourceAttributes", description: "ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface" });
export type ResourceAttributes = z.infer<typeof ResourceAttributes>;

export const NonResourceAttributes = z
  .strictObject({ path: str("Path is the URL path of the request"), verb: str("Verb is the standard HTTP verb") })
  .meta({ id: "io.k8s.api.authorization.v1.NonResourceAttributes", description: "NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface" });

export const SubjectAccessReviewStatus = z
  .strictObject({
    allowed: z.boolean().describe("Allowed is required. True if the action would be allowed, false otherwise."),
    denied: z.boolean().optional().describe("Denied is optional. True if the action would be denied, otherwise false."),
    reason: str("Reason is optional.  It indicates why a request was allowed or denied."),
    evaluationError: str("EvaluationError is an indication that some error occurred during the authorization check."),
  })
  .meta({ id: "io.k8s.api.authorization.v1.SubjectAccessReviewStatus", description: "SubjectAccessReviewStatus" });
export type SubjectAccessReviewStatus = z.infer<typeof SubjectAccessReviewStatus>;

const attributes = {
  resourceAttributes: ResourceAttributes.optional().describe("ResourceAuthorizationAttributes describes information for a resource access request"),
  nonResourceAttributes: NonResourceAttributes.optional().describe("NonResourceAttributes describes information for a non-resource access request"),
};

export const SubjectAccessReview = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta,
    spec: z.strictObject({
      ...attributes,
      user: str("User is the user you're testing for."),
      groups: z.array(z.string()).optional().describe("Groups is the groups you're testing for."),
      extra: z.record(z.string(), z.array(z.string())).optional(),
      uid: str("UID information about the requesting user."),
    }).meta({ id: "io.k8s.api.authorization.v1.SubjectAccessReviewSpec", description: "SubjectAccessReviewSpec is a description of the access request." }),
    status: SubjectAccessReviewStatus.optional(),
  })
  .meta({ id: "io.k8s.api.authorization.v1.SubjectAccessReview", description: "SubjectAccessReview checks whether or not a user or group can perform an action." });
export type SubjectAccessReview = z.infer<typeof SubjectAccessReview>;

export const SelfSubjectAccessReview = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta,
    spec: z.strictObject(attributes).meta({ id: "io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec", description: "SelfSubjectAccessReviewSpec is a description of the access request." }),
    status: SubjectAccessReviewStatus.optional(),
  })
  .meta({ id: "io.k8s.api.authorization.v1.SelfSubjectAccessReview", description: "SelfSubjectAccessReview checks whether or the current user can perform an action." });
export type SelfSubjectAccessReview = z.infer<typeof SelfSubjectAccessReview>;

const ruleList = z.array(z.string());
export const SelfSubjectRulesReview = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta,
    spec: z.strictObject({ namespace: str("Namespace to evaluate rules for. Required.") })
      .meta({ id: "io.k8s.api.authorization.v1.SelfSubjectRulesReviewSpec", description: "SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview." }),
    status: z.strictObject({
      resourceRules: z.array(z.strictObject({ verbs: ruleList, apiGroups: ruleList.optional(), resources: ruleList.optional(), resourceNames: ruleList.optional() })),
      nonResourceRules: z.array(z.strictObject({ verbs: ruleList, nonResourceURLs: ruleList.optional() })),
      incomplete: z.boolean(),
      evaluationError: z.string().optional(),
    }).optional(),
  })
  .meta({ id: "io.k8s.api.authorization.v1.SelfSubjectRulesReview", description: "SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace." });
export type SelfSubjectRulesReview = z.infer<typeof SelfSubjectRulesReview>;

/** ValidateSubjectAccessReviewSpec: exactly one kind of attributes; a SubjectAccessReview names someone. */
function validateAttributes(spec: { resourceAttributes?: unknown; nonResourceAttributes?: unknown }): FieldCause[] {
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    return [fieldError.invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "cannot be specified in combination with resourceAttributes")];
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    return [fieldError.invalid("spec.resourceAttributes", spec.resourceAttributes ?? null, "exactly one of nonResourceAttributes or resourceAttributes must be specified")];
  }
  return [];
}

const reviewResource = { group: AUTHORIZATION_GROUP, version: "v1", namespaced: false, verbs: ["create"] };

export const subjectaccessreviews = defineResource<SubjectAccessReview>({
  ...reviewResource,
  kind: "SubjectAccessReview",
  plural: "subjectaccessreviews",
  schema: SubjectAccessReview,
  validateObject: validateSubjectAccessReview,
});

function validateSubjectAccessReview(r: SubjectAccessReview): FieldCause[] {
  const out = validateAttributes(r.spec);
  if (!r.spec.user && !r.spec.groups?.length) out.push(fieldError.invalid("spec.user", r.spec.user ?? "", "at least one of user or group must be specified"));
  return out;
}

export const selfsubjectaccessreviews = defineResource<SelfSubjectAccessReview>({
  ...reviewResource,
  kind: "SelfSubjectAccessReview",
  plural: "selfsubjectaccessreviews",
  schema: SelfSubjectAccessReview,
  validateObject: (r) => validateAttributes(r.spec),
});

export const selfsubjectrulesreviews = defineResource<SelfSubjectRulesReview>({
  ...reviewResource,
  kind: "SelfSubjectRulesReview",
  plural: "selfsubjectrulesreviews",
  schema: SelfSubjectRulesReview,
});

/** A SubjectAccessReview in a namespace, for those who may not ask cluster-wide (namespace admins). */
export const LocalSubjectAccessReview = SubjectAccessReview.meta({ id: "io.k8s.api.authorization.v1.LocalSubjectAccessReview", description: "LocalSubjectAccessReview checks whether or not a user or group can perform an action in a given namespace." });
export type LocalSubjectAccessReview = SubjectAccessReview;

/** ValidateLocalSubjectAccessReview: about resources of its own namespace only. */
export const localsubjectaccessreviews = defineResource<LocalSubjectAccessReview>({
  ...reviewResource,
  namespaced: true,
  kind: "LocalSubjectAccessReview",
  plural: "localsubjectaccessreviews",
  schema: LocalSubjectAccessReview,
  validateObject(r) {
    const out = validateSubjectAccessReview(r);
    if (r.spec.nonResourceAttributes) out.push(fieldError.invalid("spec.nonResourceAttributes", r.spec.nonResourceAttributes, "disallowed on this kind of request"));
    const ns = r.spec.resourceAttributes?.namespace;
    if (r.spec.resourceAttributes && ns !== r.metadata.namespace) out.push(fieldError.invalid("spec.resourceAttributes.namespace", ns ?? "", "must match metadata.namespace"));
    return out;
  },
});

/** The review kinds: served (discovery, create) but never stored or listed. */
export const authorizationReviewResources = [localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews];
