// Who made a request, as every authenticator reports it and every later step (authorization,
// impersonation, SelfSubjectReview) reads it from ctx.user: Kubernetes' user.Info. The one
// definition of the shape; import it from here.

export interface UserInfo {
  /** "admin", "system:serviceaccount:default:default", a certificate's CN. */
  name: string;
  /** Stable across renames; "" where the authenticator knows none (x509, anonymous). */
  uid: string;
  groups: string[];
  /** What the authenticator adds (the pod a ServiceAccount token is bound to, ...). */
  extra?: Record<string, string[]>;
}

export const ALL_AUTHENTICATED = "system:authenticated";
export const ALL_UNAUTHENTICATED = "system:unauthenticated";
export const ANONYMOUS_USER = "system:anonymous";

/** The user of a request that presented no credentials where that is allowed. */
export const anonymousUser: UserInfo = Object.freeze({ name: ANONYMOUS_USER, uid: "", groups: [ALL_UNAUTHENTICATED] }) as UserInfo;

/** Every authenticated user is in system:authenticated (Kubernetes' AuthenticatedGroupAdder). */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS_USER || user.groups.includes(ALL_AUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}
