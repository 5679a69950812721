// withImpersonation: `kubectl --as bob --as-group devs` (Impersonate-User, Impersonate-Group,
// Impersonate-Uid, Impersonate-Extra-<key> headers), as Kubernetes' WithImpersonation: every
// impersonated value must be allowed to the real user by the "impersonate" verb (users, groups,
// serviceaccounts, uids and userextras/<key>), and the request then goes on as the impersonated
// user, the headers removed. A refusal is the same 403 as any other, naming what was impersonated.
import type { IncomingHttpHeaders } from "node:http";
import { ANONYMOUS, resourceAttributes, type Attributes, type Authorizer, type UserInfo } from "../authz";
import { forbidden } from "../authz/forbidden";
import { badRequest } from "../errors";
import type { Filter } from "../filter";

const SA_PREFIX = "system:serviceaccount:";
const EXTRA_PREFIX = "impersonate-extra-";

interface Impersonation {
  user?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The impersonation headers, or undefined when there are none (the common case, checked cheaply).
 * Pass `req.headersDistinct`: Node joins a repeated unknown header with ", ", which would make
 * `--as-group a --as-group b` one group "a, b".
 */
export function impersonationOf(headers: IncomingHttpHeaders | NodeJS.Dict<string[]>): Impersonation | undefined {
  let any = false;
  for (const k in headers) if (k.startsWith("impersonate-")) any = true;
  if (!any) return undefined;
  const extra: Record<string, string[]> = {};
  for (const k in headers) {
    if (k.startsWith(EXTRA_PREFIX)) extra[decodeURIComponent(k.slice(EXTRA_PREFIX.length))] = values(headers[k]);
  }
  return { user: values(headers["impersonate-user"])[0], groups: values(headers["impersonate-group"]), uid: values(headers["impersonate-uid"])[0], extra };
}

/** What the real user must be allowed to impersonate, each as "impersonate" attributes. */
export function impersonationChecks(real: UserInfo, imp: Impersonation): Attributes[] {
  const checks: Attributes[] = [];
  const name = imp.user!;
  if (name.startsWith(SA_PREFIX)) {
    const [ns, sa] = name.slice(SA_PREFIX.length).split(":");
    checks.push(resourceAttributes(real, { verb: "impersonate", resource: "serviceaccounts", namespace: ns, name: sa }));
  } else {
    checks.push(resourceAttributes(real, { verb: "impersonate", resource: "users", name }));
  }
  for (const g of imp.groups) checks.push(resourceAttributes(real, { verb: "impersonate", resource: "groups", name: g }));
  if (imp.uid !== undefined) checks.push(resourceAttributes(real, { verb: "impersonate", apiGroup: "authentication.k8s.io", resource: "uids", name: imp.uid }));
  for (const [key, vals] of Object.entries(imp.extra)) {
    for (const v of vals) checks.push(resourceAttributes(real, { verb: "impersonate", apiGroup: "authentication.k8s.io", resource: "userextras", subresource: key, name: v }));
  }
  return checks;
}

/** The user the request goes on as: a ServiceAccount's groups added, and system:authenticated. */
export function impersonatedUser(imp: Impersonation): UserInfo & { uid: string; groups: string[] } {
  const name = imp.user!;
  const groups = [...imp.groups];
  if (name.startsWith(SA_PREFIX)) {
    const ns = name.slice(SA_PREFIX.length).split(":")[0]!;
    for (const g of ["system:serviceaccounts", `system:serviceaccounts:${ns}`]) if (!groups.includes(g)) groups.push(g);
  }
  if (name !== ANONYMOUS.name && !groups.includes("system:authenticated") && !groups.includes("system:unauthenticated")) groups.push("system:authenticated");
  return { name, uid: imp.uid ?? "", groups, ...(Object.keys(imp.extra).length ? { extra: imp.extra } : {}) };
}

function validate(imp: Impersonation): void {
  if (imp.user) return;
  const asked = [...imp.groups.map((g) => `Impersonate-Group: ${g}`), ...(imp.uid !== undefined ? [`Impersonate-Uid: ${imp.uid}`] : []), ...Object.keys(imp.extra).map((k) => `Impersonate-Extra-${k}`)];
  throw badRequest(`requested [${asked.join(" ")}] without impersonating a user`);
}

/** Without an authorizer (no authentication), impersonation is taken as asked. */
export function withImpersonation(authorizer: Authorizer | undefined): Filter {
  return (next) => (ctx) => {
    const imp = impersonationOf(ctx.req.headersDistinct);
    if (!imp) return next(ctx);
    try {
      validate(imp);
      const real = ctx.user ?? ANONYMOUS;
      for (const a of impersonationChecks(real, imp)) {
        const r = authorizer?.authorize(a);
        if (r && r.decision !== "Allow") throw forbidden(a, r.reason);
      }
      ctx.user = impersonatedUser(imp);
      for (const k of Object.keys(ctx.req.headers)) if (k.startsWith("impersonate-")) delete ctx.req.headers[k];
    } catch (e) {
      return Promise.reject(e);
    }
    return next(ctx);
  };
}
