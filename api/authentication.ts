// authentication.k8s.io/v1: TokenRequest (the body of serviceaccounts/<name>/token), TokenReview
// and SelfSubjectReview. None is stored: the server answers each from the request.
import { z } from "zod";
import { ObjectMeta, Time, typeMeta } from "./meta";

const id = (name: string, description: string) => ({ id: `io.k8s.api.authentication.v1.${name}`, description });

/** Who a request was made by (Kubernetes' user.Info as the API shows it). */
export const UserInfo = z
  .strictObject({
    username: z.string().optional().describe("The name that uniquely identifies this user among all active users."),
    uid: z.string().optional().describe("A unique value that identifies this user across time."),
    groups: z.array(z.string()).optional().describe("The names of groups this user is a part of."),
    extra: z.record(z.string(), z.array(z.string())).optional().describe("Any additional information provided by the authenticator."),
  })
  .meta(id("UserInfo", "UserInfo holds the information about the user needed to implement the user.Info interface."));
export type UserInfo = z.infer<typeof UserInfo>;

export const BoundObjectReference = z
  .strictObject({
    kind: z.string().optional().describe("Kind of the referent. Valid kinds are 'Pod' and 'Secret'."),
    apiVersion: z.string().optional().describe("API version of the referent."),
    name: z.string().optional().describe("Name of the referent."),
    uid: z.string().optional().describe("UID of the referent."),
  })
  .meta(id("BoundObjectReference", "BoundObjectReference is a reference to an object that a token is bound to."));
export type BoundObjectReference = z.infer<typeof BoundObjectReference>;

export const TokenRequest = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.optional(),
    spec: z
      .strictObject({
        audiences: z.array(z.string()).optional().describe("Audiences are the intendend audiences of the token."),
        expirationSeconds: z.number().int().optional().describe("ExpirationSeconds is the requested duration of validity of the request."),
        boundObjectRef: BoundObjectReference.optional().describe("BoundObjectRef is a reference to an object that the token will be bound to."),
      })
      .meta(id("TokenRequestSpec", "TokenRequestSpec contains client provided parameters of a token request.")),
    status: z
      .strictObject({ token: z.string(), expirationTimestamp: Time })
      .meta(id("TokenRequestStatus", "TokenRequestStatus is the result of a token request."))
      .optional(),
  })
  .meta(id("TokenRequest", "TokenRequest requests a token for a given service account."));
export type TokenRequest = z.infer<typeof TokenRequest>;

export const TokenReview = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.optional(),
    spec: z
      .strictObject({
        token: z.string().optional().describe("Token is the opaque bearer token."),
        audiences: z.array(z.string()).optional().describe("Audiences is a list of the identifiers that the resource server presented with the token identifies as."),
      })
      .meta(id("TokenReviewSpec", "TokenReviewSpec is a description of the token authentication request.")),
    status: z
      .strictObject({
        authenticated: z.boolean().optional(),
        user: UserInfo.optional(),
        audiences: z.array(z.string()).optional(),
        error: z.string().optional(),
      })
      .meta(id("TokenReviewStatus", "TokenReviewStatus is the result of the token authentication request."))
      .optional(),
  })
  .meta(id("TokenReview", "TokenReview attempts to authenticate a token to a known user."));
export type TokenReview = z.infer<typeof TokenReview>;

export const SelfSubjectReview = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.optional(),
    status: z
      .strictObject({ userInfo: UserInfo.optional() })
      .meta(id("SelfSubjectReviewStatus", "SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user."))
      .optional(),
  })
  .meta(id("SelfSubjectReview", "SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request."));
export type SelfSubjectReview = z.infer<typeof SelfSubjectReview>;
