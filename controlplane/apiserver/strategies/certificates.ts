// CertificateSigningRequests (pkg/registry/certificates/certificates/strategy.go): the server, not
// the client, says who asked (spec.username/uid/groups/extra from the request's user); the spec is
// immutable; the main resource changes neither spec nor status, `approval` only the conditions
// (Approved/Denied), `status` only the rest (the certificate, Failed) and never Approved/Denied.
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from "../../../api/certificates";
import type { KObject, ResourceType } from "../../../api/resource";
import { genericStrategy, type Strategy } from "./strategy";

const APPROVAL_TYPES = new Set(["Approved", "Denied"]);

export function certificateSigningRequestStrategy(rt: ResourceType): Strategy {
  const generic = genericStrategy(rt);
  return {
    ...generic,
    async admit(obj, old, attrs) {
      if (old) return;
      const csr = obj as unknown as CertificateSigningRequest;
      const user = attrs?.user as { name: string; uid?: string; groups: readonly string[]; extra?: Record<string, string[]> } | undefined;
      delete csr.spec.username;
      delete csr.spec.uid;
      delete csr.spec.groups;
      delete csr.spec.extra;
      if (!user) return;
      csr.spec.username = user.name;
      if (user.uid) csr.spec.uid = user.uid;
      csr.spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length) csr.spec.extra = structuredClone(user.extra);
    },
    prepareForUpdate(nextObj, oldObj, subresource) {
      const next = nextObj as unknown as CertificateSigningRequest;
      const old = oldObj as unknown as CertificateSigningRequest;
      next.spec = structuredClone(old.spec);
      if (subresource === "status") {
        const kept = (old.status?.conditions ?? []).filter((c) => APPROVAL_TYPES.has(c.type));
        const rest = (next.status?.conditions ?? []).filter((c) => !APPROVAL_TYPES.has(c.type));
        next.status = { ...next.status, conditions: stamp([...kept, ...rest], old) };
      } else if (subresource === "approval") {
        const certificate = old.status?.certificate;
        next.status = { ...next.status, conditions: stamp(next.status?.conditions ?? [], old) };
        if (certificate) next.status.certificate = certificate;
        else delete next.status.certificate;
      } else {
        if (old.status) next.status = structuredClone(old.status);
        else delete next.status;
      }
      if (next.status && !next.status.conditions?.length) delete next.status.conditions;
      return next as unknown as KObject;
    },
  };
}

/** populateConditionTimestamps: a new or changed condition gets lastUpdateTime (and lastTransitionTime when its status moved). */
function stamp(conditions: CertificateSigningRequestCondition[], old: CertificateSigningRequest): CertificateSigningRequestCondition[] {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return conditions.map((c) => {
    const before = (old.status?.conditions ?? []).find((o) => o.type === c.type);
    const out = { ...c };
    out.lastUpdateTime ??= now;
    if (!out.lastTransitionTime) out.lastTransitionTime = before && before.status === c.status ? (before.lastTransitionTime ?? now) : now;
    return out;
  });
}
