// core/v1 ServiceAccount: an identity for processes that run in pods. Its tokens are not stored
// in it (Kubernetes 1.24+ issues bound tokens through the TokenRequest subresource instead).
import { z } from "zod";
import { defineResource } from "./define";
import { ObjectMeta, typeMeta } from "./meta";
import { LocalObjectReference } from "./corev1/scheduling";
import { ObjectReference } from "./corev1/service";

const id = (name: string, description: string) => ({ id: `io.k8s.api.core.v1.${name}`, description });

export const ServiceAccount = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    automountServiceAccountToken: z
      .boolean()
      .optional()
      .describe("AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted. Can be overridden at the pod level."),
    secrets: z.array(ObjectReference).optional().describe("Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
    imagePullSecrets: z.array(LocalObjectReference).optional().describe("ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount."),
  })
  .meta(id("ServiceAccount", "ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity; a principal that can be authenticated and authorized; a set of secrets"));
export type ServiceAccount = z.infer<typeof ServiceAccount>;

/** Served at /api/v1/namespaces/<ns>/serviceaccounts; its token subresource is TokenRequest. */
export const serviceaccounts = defineResource<ServiceAccount>({
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  namespaced: true,
  shortNames: ["sa"],
  schema: ServiceAccount,
});
