// The RBAC kinds' strategy: the generic one, plus privilege escalation prevention at admission
// (authz/escalation.ts), where Kubernetes' policybased storage wraps the generic registry.
import type { AnyBinding, AnyRole } from "../../../api/rbac";
import type { ResourceType } from "../../../api/resource";
import { checkBindingWrite, checkRoleWrite, type EscalationCheck } from "../authz/escalation";
import { genericStrategy, type Strategy } from "./strategy";

export function rbacStrategy(rt: ResourceType, escalation: EscalationCheck): Strategy {
  const base = genericStrategy(rt);
  const isBinding = rt.kind.endsWith("Binding");
  return {
    ...base,
    async admit(obj, old, attrs) {
      await base.admit(obj, old, attrs);
      if (isBinding) checkBindingWrite(escalation, attrs?.user, obj as unknown as AnyBinding, old as unknown as AnyBinding | undefined);
      else checkRoleWrite(escalation, attrs?.user, obj as unknown as AnyRole, old as unknown as AnyRole | undefined);
    },
  };
}
