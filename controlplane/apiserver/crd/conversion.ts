// What custom resources go through on the way out, as apiextensions-apiserver decodes them from
// storage: conversion to the requested version (strategy None: only apiVersion changes) and the
// schema's defaults (a default added to the schema shows on objects stored before it). Replies
// (objects, lists, Tables) and watch events (the watch reads through views of the registry and
// the store that rewrite what they hand out); types that need neither keep the fast paths.
import type { KObject, ResourceType } from "../../../api/resource";
import type { Store, WatchEvent } from "../../storage/store";
import type { Registry } from "../registry";
import type { Reply } from "../resource-request";
import { customInfo } from "./custom-type";
import { applyDefaults } from "./prune";

interface Conversion {
  /** "example.com/": objects of any version of the group are converted. */
  group: string;
  to: string;
  kind: string;
  /** The version's schema when it has defaults to apply. */
  defaults?: Record<string, unknown>;
}

const withDefaults = new WeakMap<object, boolean>();

function hasDefaults(node: unknown): boolean {
  if (!node || typeof node !== "object") return false;
  let found = withDefaults.get(node);
  if (found === undefined) {
    const n = node as Record<string, unknown>;
    found = n.default !== undefined || Object.entries(n).some(([k, v]) => k !== "default" && k !== "enum" && k !== "example" && typeof v === "object" && hasDefaults(v));
    withDefaults.set(node, found);
  }
  return found;
}

/** What objects read through rt need; undefined when nothing (or not a custom type). */
export function conversionOf(rt: ResourceType): Conversion | undefined {
  const info = customInfo(rt);
  if (!info) return undefined;
  const to = `${rt.group}/${rt.version}`;
  const schema = info.version.schema?.openAPIV3Schema;
  const defaults = schema && hasDefaults(schema) ? schema : undefined;
  // With one version ever there is nothing to convert; with more, objects may be stored in any.
  const single = info.crd.spec.versions.length === 1 && (info.crd.status?.storedVersions ?? []).length <= 1;
  return single && info.storageApiVersion === to && !defaults ? undefined : { group: `${rt.group}/`, to, kind: rt.kind, defaults };
}

function convertObject(c: Conversion, obj: unknown): void {
  const o = obj as KObject | undefined;
  if (!o || typeof o !== "object" || o.kind !== c.kind || typeof o.apiVersion !== "string" || !o.apiVersion.startsWith(c.group)) return;
  o.apiVersion = c.to;
  if (c.defaults) applyDefaults(o, c.defaults);
}

/** Rewrites, in place, an object, a list or a Table of the storage version into the served one. */
export function convertOut(c: Conversion, body: unknown): unknown {
  // Some replies are the stored JSON text itself.
  if (typeof body === "string" && body.startsWith("{")) return convertOut(c, JSON.parse(body));
  if (!body || typeof body !== "object") return body;
  const b = body as { kind?: string; items?: unknown[]; rows?: { object?: unknown }[] };
  if (Array.isArray(b.items)) b.items.forEach((i) => convertObject(c, i));
  else if (b.kind === "Table" && Array.isArray(b.rows)) b.rows.forEach((r) => convertObject(c, r.object));
  else convertObject(c, body);
  return body;
}

/** The reply of a request through rt: converting when rt is not the storage version. */
export function convertingReply(rt: ResourceType, reply: Reply): Reply {
  const c = conversionOf(rt);
  if (!c) return reply;
  return (code, body, headers) => reply(code, convertOut(c, body), headers);
}

function convertText(c: Conversion, text: string): string {
  const obj = JSON.parse(text) as KObject;
  convertObject(c, obj);
  return JSON.stringify(obj);
}

/** The registry and store a watch through rt reads from: as they are, or converting. */
export function watchSources(rt: ResourceType, registry: Registry): [Registry, Store] {
  const c = conversionOf(rt);
  if (!c) return [registry, registry.store];
  const store = registry.store;
  const converting = Object.create(store) as Store;
  converting.watch = (prefix, from, onEvent, onError) =>
    store.watch(prefix, from, (ev: WatchEvent) => onEvent({ ...ev, value: convertText(c, ev.value), prevValue: ev.prevValue && convertText(c, ev.prevValue) }), onError);
  const view = Object.create(registry) as Registry;
  view.list = async (...args: Parameters<Registry["list"]>) => {
    const out = await registry.list(...args);
    out.items.forEach((i) => convertObject(c, i));
    return out;
  };
  return [view, converting];
}
