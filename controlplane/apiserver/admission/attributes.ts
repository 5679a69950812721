// What an admission step knows of the write it judges beyond the object itself (a part of
// Kubernetes' admission.Attributes): the operation, the subresource, who asks, whether it is a
// dry run, and where its warnings go (they reach the client as `Warning: 299 - "..."` headers,
// which kubectl prints). The registry builds one per write and hands it to the kind's strategy.

/** The requesting user as admission sees it (authn's UserInfo fits it). */
export interface AdmissionUser {
  name: string;
  uid?: string;
  groups: readonly string[];
}

export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE";
  subresource?: string;
  /** Undefined when the server does not authenticate, or for the server's own writes. */
  user?: AdmissionUser;
  dryRun: boolean;
  warn(message: string): void;
}

/** A write's attributes from its options; warnings go into `warnings` (the response's Warning headers). */
export function admissionAttributes(
  operation: AdmissionAttributes["operation"],
  opts: { subresource?: string; user?: AdmissionUser; dryRun?: boolean },
  warnings: string[],
): AdmissionAttributes {
  return { operation, subresource: opts.subresource, user: opts.user, dryRun: Boolean(opts.dryRun), warn: (m) => warnings.push(m) };
}

/** Attributes for a write the server makes itself (no user, warnings dropped). */
export function internalAttributes(operation: AdmissionAttributes["operation"]): AdmissionAttributes {
  return { operation, dryRun: false, warn: () => {} };
}
