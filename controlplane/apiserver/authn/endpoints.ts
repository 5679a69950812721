// The authentication API the server answers itself, after authentication (and whatever
// authorization follows it in the chain): authentication.k8s.io/v1 selfsubjectreviews and
// tokenreviews, and the serviceaccounts/<name>/token subresource (TokenRequest). Each is a POST
// that creates nothing in the store.
import { TokenReview } from "../../../api/authentication";
import { rfc3339 } from "../../../api/time";
import { ApiError, badRequest } from "../errors";
import { requestInfo, type Filter, type RequestContext } from "../filter";
import { decodeBody, readBody } from "../request";
import { methodNotAllowed } from "../resource-request";
import { createToken, type TokenRequestContext } from "../subresources/token";
import { reviewToken, selfSubjectReview, type TokenAuthenticators } from "./reviews";
import { anonymousUser } from "./user";

export interface AuthenticationEndpointsConfig extends TokenAuthenticators {
  /** Set when the server can sign tokens (--service-account-signing-key-file). */
  tokenRequest?: TokenRequestContext;
  maxBodyBytes: number;
}

const GROUP = "authentication.k8s.io";

export function withAuthenticationEndpoints(c: AuthenticationEndpointsConfig): Filter {
  return (next) => (ctx) => {
    const rp = requestInfo(ctx).resource;
    if (!rp) return next(ctx);
    if (rp.group === GROUP && rp.version === "v1" && !rp.namespace && !rp.name) {
      if (rp.plural === "selfsubjectreviews") return post(c, ctx, async () => selfSubjectReview(ctx.user ?? anonymousUser));
      if (rp.plural === "tokenreviews") return post(c, ctx, (body) => tokenReview(c, body));
    }
    if (rp.group === "" && rp.plural === "serviceaccounts" && rp.subresource === "token" && rp.namespace && rp.name) {
      const tr = c.tokenRequest;
      if (!tr) return Promise.reject(new ApiError(404, "NotFound", "the server could not find the requested resource (TokenRequest needs --service-account-signing-key-file)"));
      return post(c, ctx, (body) => createToken(tr, rp.namespace!, rp.name!, body));
    }
    return next(ctx);
  };
}

/** A POST whose decoded body `answer` turns into the 201 answer; any other method is 405. */
async function post(c: AuthenticationEndpointsConfig, ctx: RequestContext, answer: (body: unknown) => Promise<unknown>): Promise<void> {
  const method = ctx.req.method ?? "GET";
  if (method !== "POST") throw methodNotAllowed(method);
  const raw = await readBody(ctx.req, c.maxBodyBytes);
  const body = raw.length ? decodeBody(raw, ctx.req.headers["content-type"]) : {};
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("the request body must be a JSON object");
  ctx.reply(201, await answer(body));
}

async function tokenReview(c: TokenAuthenticators, body: unknown) {
  const parsed = TokenReview.safeParse({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: {}, ...(body as object) });
  if (!parsed.success) throw badRequest(`invalid TokenReview: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const spec = parsed.data.spec;
  if (!spec.token) throw new ApiError(422, "Invalid", 'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value: token must not be empty');
  return { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", metadata: { creationTimestamp: rfc3339() }, spec, status: await reviewToken(c, spec) };
}
