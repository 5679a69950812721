// The contract between the API types (this folder) and the API server, git-sync and clients:
// one ResourceType per served resource. The zod schema is the single source of truth: the
// TypeScript type, validation, defaults and the OpenAPI document all come from it.
import type { z } from "zod";

/** One field error, as it appears in a 422 Status's details.causes. */
export interface FieldCause {
  /** Kubernetes cause reasons: FieldValueInvalid, FieldValueRequired, FieldValueNotSupported,
   *  FieldValueDuplicate, FieldValueTooLong, FieldValueForbidden, FieldValueTypeInvalid, FieldValueUnknown. */
  reason: string;
  message: string;
  /** Path as Kubernetes prints it: "spec.replicas", "spec.template.spec.containers[0].image". */
  field: string;
}

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface ValidateResult<T = KObject> {
  /** The defaulted object; present only when errors is empty. */
  object?: T;
  errors: FieldCause[];
  /** Warnings for the Warning header (unknown fields under fieldValidation=Warn). */
  warnings: string[];
}

/** Any API object: what travels over HTTP and sits in the store. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMetaLike;
  [key: string]: unknown;
}

export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  managedFields?: unknown[];
  [key: string]: unknown;
}

export type Subresource = "status" | "scale" | "binding" | "log" | "proxy" | "ephemeralcontainers" | "approval" | "exec" | "attach" | "portforward";

export interface ResourceType {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural used in URLs: "pods", "deployments". */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Verbs advertised in discovery. */
  verbs: string[];
  subresources: Subresource[];
  /** Strict zod schema of the whole object (apiVersion, kind, metadata, spec, status...). */
  schema: z.ZodType;
  /**
   * Dereferenced JSON schema (OpenAPI 3 flavour, no $ref) of the whole object, with
   * "x-kubernetes-patch-merge-key" / "x-kubernetes-patch-strategy" on lists that Kubernetes
   * merges by key, and "x-kubernetes-group-version-kind" at the top. Used for /openapi/v3,
   * `kubectl explain`, and strategic merge patch.
   */
  jsonSchema: Record<string, unknown>;
  /**
   * Parse a full object body: unknown fields handled per fieldValidation, then schema and
   * semantic validation (names, label syntax, ports...), then Kubernetes' defaults applied.
   * Server-set metadata (uid, resourceVersion, creationTimestamp, generation) is not required.
   */
  validate(obj: unknown, fieldValidation: FieldValidation): ValidateResult;
  /** Extra checks on update: immutable fields (e.g. Deployment selector, most of a Pod's spec). */
  validateUpdate(newObj: KObject, oldObj: KObject): FieldCause[];
  /** Does a change from old to new bump metadata.generation? (spec changes do; status/metadata don't). */
  specChanged?(newObj: KObject, oldObj: KObject): boolean;
  /** Fields that the field selector may use, beyond metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
}
