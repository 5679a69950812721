// The shapes the client speaks in: object metadata, lists, and the options of each verb.
import type { RequestOptions, QueryValue, TransportOptions } from "./transport";

/** What every API object has, loosely enough that zod-inferred types fit. */
export interface ObjectWithMeta {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface GetOptions extends RequestOptions {
  resourceVersion?: string;
}

export interface WriteOptions extends RequestOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface RawOptions extends RequestOptions {
  query?: Record<string, QueryValue>;
  contentType?: string;
  accept?: string;
}

export interface ApiClientOptions extends TransportOptions {}
