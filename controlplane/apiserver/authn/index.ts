// Authentication of the API server, built from its flags: the authenticators (request.ts), the
// filter that applies them (filter.ts), and what the TokenRequest, TokenReview and
// SelfSubjectReview endpoints need (the signer, the ServiceAccount token authenticator).
import type { ResourceType } from "../../../api/resource";
import type { Registry } from "../registry";
import type { AuthenticationEndpointsConfig } from "./endpoints";
import type { AuthenticationFilterConfig } from "./filter";
import { unionAuthenticator } from "./request";
import { loadSigningKey, loadVerificationKeys, publicHalf, type VerificationKey } from "./serviceaccount/keys";
import { ServiceAccountTokenAuthenticator, ServiceAccountTokenSigner, type BoundObjectGetter } from "./serviceaccount/tokens";
import { loadTokenFile, type TokenFile } from "./token-file";
import { BootstrapTokenAuthenticator, type BootstrapSecretGetter } from "./bootstrap-token";

export type { UserInfo } from "./user";
export { withAuthentication, ANONYMOUS_PATHS } from "./filter";
export { registryBoundObjectGetter } from "./getter";

/** kube-apiserver's issuer as kubeadm, kind and k3s set it. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

export interface AuthenticationOptions {
  /** --token-auth-file */
  tokenAuthFile?: string;
  /** --client-ca-file: the listener verifies client certificates against it; CN/O name the user. */
  clientCAFile?: string;
  /** --service-account-key-file (each may hold several PEM keys). */
  serviceAccountKeyFiles?: string[];
  /** --service-account-signing-key-file: makes TokenRequest available. */
  serviceAccountSigningKeyFile?: string;
  /** --service-account-issuer (default DEFAULT_SERVICE_ACCOUNT_ISSUER); the first signs. */
  serviceAccountIssuers?: string[];
  /** --api-audiences (default: the issuers). */
  apiAudiences?: string[];
  /** --anonymous-auth (default true). */
  anonymousAuth?: boolean;
  /** --enable-bootstrap-token-auth: Secrets of type bootstrap.kubernetes.io/token in kube-system authenticate. */
  enableBootstrapTokenAuth?: boolean;
}

export interface Authentication {
  /** The handler chain's filter config; undefined when no authenticator is configured. */
  filter?: AuthenticationFilterConfig;
  tokenFile?: TokenFile;
  /** Set when the server has ServiceAccount keys. */
  serviceAccountTokens?: ServiceAccountTokenAuthenticator;
  /** Set with --service-account-signing-key-file. */
  signer?: ServiceAccountTokenSigner;
  audiences: string[];
}

export async function buildAuthentication(o: AuthenticationOptions, getter: BoundObjectGetter & { bootstrapSecret?: BootstrapSecretGetter }): Promise<Authentication> {
  const issuers = o.serviceAccountIssuers?.length ? o.serviceAccountIssuers : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
  const audiences = o.apiAudiences?.length ? o.apiAudiences : issuers;
  const tokenFile = o.tokenAuthFile ? loadTokenFile(o.tokenAuthFile) : undefined;
  const keys: VerificationKey[] = await loadVerificationKeys(o.serviceAccountKeyFiles ?? []);
  let signer: ServiceAccountTokenSigner | undefined;
  if (o.serviceAccountSigningKeyFile) {
    signer = new ServiceAccountTokenSigner(await loadSigningKey(o.serviceAccountSigningKeyFile), issuers[0]!);
    const own = await publicHalf(o.serviceAccountSigningKeyFile);
    if (!keys.some((k) => k.kid === own.kid)) keys.push(own);
  }
  const serviceAccountTokens = keys.length ? new ServiceAccountTokenAuthenticator({ issuers, keys, audiences, getter }) : undefined;
  const clientCertificates = Boolean(o.clientCAFile);
  const bootstrapTokens = o.enableBootstrapTokenAuth && getter.bootstrapSecret ? new BootstrapTokenAuthenticator(getter.bootstrapSecret) : undefined;
  const any = clientCertificates || tokenFile || serviceAccountTokens || bootstrapTokens;
  return {
    filter: any ? { authenticate: unionAuthenticator({ clientCertificates, tokenFile, bootstrapTokens, serviceAccounts: serviceAccountTokens }), anonymous: o.anonymousAuth ?? true } : undefined,
    tokenFile,
    serviceAccountTokens,
    signer,
    audiences,
  };
}

/** What withAuthenticationEndpoints needs: the authenticators, and the signer with the registry. */
export function authenticationEndpointsConfig(
  a: Authentication,
  registry: Registry,
  typeOfKind: (kind: string) => ResourceType,
  maxBodyBytes: number,
): AuthenticationEndpointsConfig {
  return {
    tokenFile: a.tokenFile,
    serviceAccountTokens: a.serviceAccountTokens,
    audiences: a.audiences,
    maxBodyBytes,
    tokenRequest: a.signer ? { registry, typeOfKind, signer: a.signer, audiences: a.audiences } : undefined,
  };
}
