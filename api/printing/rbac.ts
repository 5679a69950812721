// Tables of the RBAC kinds as Kubernetes 1.32 prints them (printRole, printClusterRole,
// printRoleBinding, printClusterRoleBinding in pkg/printers/internalversion): roles show when they
// were made, bindings their role and, with -o wide, their subjects by kind.
import type { AnyBinding } from "../rbac";
import type { KObject } from "../resource";
import { age, ageCol, col, nameCol, wide, type Printer } from "./columns";

const createdAtCol = col("Created At", "date", ageCol.description);

/** creationTimestamp in RFC 3339, UTC (Time.UTC().Format(time.RFC3339)). */
function createdAt(o: KObject): string {
  const t = o.metadata.creationTimestamp;
  return t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z") : "";
}

const rolePrinter: Printer = { columns: [nameCol, createdAtCol], cells: (o) => [o.metadata.name, createdAt(o)] };

/** Users, groups and "namespace/name" service accounts (rbac.SubjectsStrings). */
function subjectsStrings(b: AnyBinding): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of b.subjects ?? []) {
    if (s.kind === "User") users.push(s.name);
    else if (s.kind === "Group") groups.push(s.name);
    else if (s.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}/${s.name}`);
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")];
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      nameCol,
      col("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."),
      ageCol,
      col("Users", "string", `Users in the ${what}`, wide),
      col("Groups", "string", `Groups in the ${what}`, wide),
      col("ServiceAccounts", "string", `ServiceAccounts in the ${what}`, wide),
    ],
    cells: (o, now) => {
      const b = o as unknown as AnyBinding;
      return [o.metadata.name, `${b.roleRef.kind}/${b.roleRef.name}`, age(o, now), ...subjectsStrings(b)];
    },
  };
}

export const rbacPrinters: Record<string, Printer> = {
  roles: rolePrinter,
  clusterroles: rolePrinter,
  rolebindings: bindingPrinter("roleBinding"),
  clusterrolebindings: bindingPrinter("clusterRoleBinding"),
};
