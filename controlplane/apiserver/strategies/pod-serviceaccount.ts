// The ServiceAccount admission for pods (Kubernetes' plugin/pkg/admission/serviceaccount): a new
// pod runs as spec.serviceAccountName, "default" unless it names one; and, when the server can
// issue tokens, unless automountServiceAccountToken is false on the pod (or, when the pod does not
// say, on its ServiceAccount), it gets the projected volume kube-api-access-<5 chars> (a bound
// token, the cluster CA and its namespace) mounted read-only in every container at
// /var/run/secrets/kubernetes.io/serviceaccount. Mirror pods are left alone, as Kubernetes does.
import { randomInt } from "node:crypto";
import type { Container, Pod, Volume } from "../../../api/core";
import type { KObject, ResourceType } from "../../../api/resource";
import type { ServiceAccount } from "../../../api/serviceaccount";

/** The registry's read (not the Registry type: the registry imports the strategies). */
interface ObjectReader {
  getShared(rt: ResourceType, ns: string | undefined, name: string): Promise<Readonly<KObject> | undefined>;
}

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const TOKEN_VOLUME_PREFIX = "kube-api-access-";
/** The kubelet's token lifetime for this volume: 1 h plus 7 s, a value a token from here is known by. */
export const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

export interface ServiceAccountAdmission {
  /** The server signs tokens (--service-account-signing-key-file): pods get the token volume. */
  mountTokens: boolean;
  /** The pod's ServiceAccount, undefined when it does not exist (yet). */
  serviceAccount(namespace: string, name: string): Promise<Pick<ServiceAccount, "automountServiceAccountToken"> | undefined>;
}

/** On create: the pod's ServiceAccount name, and its token volume and mounts. */
export async function admitServiceAccount(pod: Pod, admission: ServiceAccountAdmission | undefined): Promise<void> {
  if (!pod.spec || pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
  const name = pod.spec.serviceAccountName || pod.spec.serviceAccount || "default";
  pod.spec.serviceAccountName = name;
  pod.spec.serviceAccount = name;
  if (!admission?.mountTokens || pod.spec.automountServiceAccountToken === false) return;
  if (pod.spec.automountServiceAccountToken === undefined) {
    // A ServiceAccount that does not exist yet (its namespace was just made) mounts as "default"
    // would: Kubernetes refuses the pod instead, which kubelab's callers would have to retry.
    const sa = await admission.serviceAccount(pod.metadata.namespace ?? "default", name);
    if (sa?.automountServiceAccountToken === false) return;
  }
  mountTokenVolume(pod);
}

/** Adds the token volume (or reuses one the pod has) and mounts it where no container mounts one. */
export function mountTokenVolume(pod: Pod, suffix = randomSuffix()): void {
  const spec = pod.spec;
  spec.volumes ??= [];
  let volume = spec.volumes.find(isTokenVolume);
  if (!volume) {
    volume = tokenVolume(`${TOKEN_VOLUME_PREFIX}${suffix}`);
    spec.volumes.push(volume);
  }
  const mount = { name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
  const containers: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  for (const c of containers) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { ...mount }];
  }
}

/** The volume exactly as Kubernetes 1.32 projects it. */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

function isTokenVolume(v: Volume): boolean {
  return v.name.startsWith(TOKEN_VOLUME_PREFIX) && (v.projected?.sources ?? []).some((s) => s.serviceAccountToken);
}

/** Kubernetes' name generator alphabet (no vowels, no look-alikes). */
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
function randomSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** The admission reading ServiceAccounts from the server's registry (made after the strategies). */
export function registryServiceAccountAdmission(mountTokens: boolean, registry: () => ObjectReader, typeOfKind: (kind: string) => ResourceType): ServiceAccountAdmission {
  return {
    mountTokens,
    serviceAccount: async (ns, name) => (await registry().getShared(typeOfKind("ServiceAccount"), ns, name)) as (KObject & ServiceAccount) | undefined,
  };
}
