// The request pipeline, as kube-apiserver's DefaultBuildHandlerChain has it: an ordered list of
// filters around the handler that serves the request. What a filter is, and its contract, is in
// filter.ts (which filters import; this module imports them).
//
// To add a filter: one file in ./filters/ exporting `withSomething(config): Filter`, and one line
// in defaultHandlerChain below, at its place in the order.
import type { Logger } from "pino";
import { withAuthentication, type AuthenticationFilterConfig } from "./authn/filter";
import { withAuthenticationEndpoints, type AuthenticationEndpointsConfig } from "./authn/endpoints";
import { withAuthorizationReviews, type ReviewConfig } from "./authz/reviews";
import type { Filter } from "./filter";
import { withAuthorization } from "./filters/authorization";
import { withImpersonation } from "./filters/impersonation";
import { withMetricsApi, type MetricsApiConfig } from "./metrics-api/filter";
import { withAutoscalingV1, type AutoscalingV1Config } from "./autoscaling-v1/filter";
import type { RequestMetrics } from "./metrics";
import {
  withExtraRoutes,
  withPanicRecovery,
  withRequestInfo,
  withRequestMetrics,
  type ExtraHandler,
} from "./base-filters";
import {
  withMaxInFlightLimit,
  withQueryParamCheck,
  withRequestTimeout,
  withURLCheck,
  withWatchLimits,
  withWriteTurns,
  type FilterMetrics,
  type ServerLimits,
} from "./filters";

export interface ChainConfig {
  logger: Logger;
  metrics: RequestMetrics;
  /** The authenticators (authn/); undefined when the server does not authenticate. */
  authentication?: AuthenticationFilterConfig;
  /** TokenRequest, TokenReview, SelfSubjectReview (authn/endpoints.ts). */
  authenticationEndpoints: AuthenticationEndpointsConfig;
  /** The union of --authorization-mode; undefined when every request is allowed (no authentication). */
  authorizer?: ReviewConfig["authorizer"];
  /** What (Self)SubjectAccessReview and SelfSubjectRulesReview answer from (authz/reviews.ts). */
  authorizationReviews: ReviewConfig;
  extraHandlers: ExtraHandler[];
  /** metrics.k8s.io from the metrics store (metrics-api/); undefined when not served. */
  metricsApi?: MetricsApiConfig;
  /** autoscaling/v1 HorizontalPodAutoscalers as views of the v2 ones (autoscaling-v1/); undefined when not served. */
  autoscalingV1?: AutoscalingV1Config;
  /** --max-requests-inflight and the other limits (filters/limits.ts), and where they count. */
  limits: ServerLimits;
  filterMetrics: FilterMetrics;
}

/**
 * The filters in order, outermost first. Metrics come before recovery so that every answer,
 * failures and refusals included, is counted with the code it went out with.
 */
export function defaultHandlerChain(c: ChainConfig): Filter[] {
  return [
    withRequestMetrics(c.metrics),
    withPanicRecovery(c.logger),
    withURLCheck(),
    withRequestInfo(),
    withQueryParamCheck(),
    withRequestTimeout(c.limits, c.filterMetrics),
    withAuthentication(c.authentication),
    withImpersonation(c.authorizer),
    withMaxInFlightLimit(c.limits, c.filterMetrics),
    // After max-inflight, as kube-apiserver has it (authentication, impersonation, APF, authorization).
    withAuthorization(c.authorizer),
    withWriteTurns(),
    withWatchLimits(c.limits, c.filterMetrics),
    withExtraRoutes(c.extraHandlers),
    withAuthenticationEndpoints(c.authenticationEndpoints),
    withAuthorizationReviews(c.authorizationReviews),
    withMetricsApi(c.metricsApi),
    ...(c.autoscalingV1 ? [withAutoscalingV1(c.autoscalingV1)] : []),
  ];
}
