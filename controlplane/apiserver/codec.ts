// How objects sit in the store: JSON text without metadata.resourceVersion (the store's
// revision is the resourceVersion, set on the way out), and the continue tokens of paged lists.
import type { KObject } from "../../api/resource";
import type { StoredValue } from "../storage/store";
import { badRequest } from "./errors";

export function decode(stored: StoredValue): KObject {
  const obj = JSON.parse(stored.value) as KObject;
  obj.metadata.resourceVersion = String(stored.modRevision);
  return obj;
}

/**
 * The JSON text of a stored object with metadata.resourceVersion set, as JSON.stringify(decode(sv))
 * means it (the key may come first in metadata rather than last). Stored text never carries
 * metadata.resourceVersion (encode drops it); text that has the key anywhere is decoded instead.
 */
export function storedJson(stored: StoredValue): string {
  return jsonAtRevision(stored.value, stored.modRevision);
}

/** Stored JSON text as the object at `revision` (see storedJson): watch events are sent this way. */
export function jsonAtRevision(text: string, revision: number): string {
  const at = text.indexOf('"resourceVersion":') < 0 ? metadataStart(text) : -1;
  if (at < 0) {
    const obj = JSON.parse(text) as KObject;
    obj.metadata.resourceVersion = String(revision);
    return JSON.stringify(obj);
  }
  return text.slice(0, at) + `"resourceVersion":"${revision}"` + (text[at] === "}" ? "" : ",") + text.slice(at);
}

/** Index just after the `{` of the top-level "metadata" object in JSON text, or -1. */
function metadataStart(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      if (depth === 1 && text.startsWith('"metadata":{', start)) return start + '"metadata":{'.length;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return -1;
}

export function encode(obj: KObject): string {
  // A create's object has no resourceVersion yet (JSON.stringify leaves an undefined one out): no copy.
  if (obj.metadata.resourceVersion === undefined) return JSON.stringify(obj);
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

export function encodeContinue(key: string, revision: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: revision, start: key })).toString("base64url");
}

/** A continue token's key to start after and the revision of the list's first page (-1: the current state). */
export function decodeContinue(token: string, prefix: string): { start: string; revision: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { start?: unknown; rv?: unknown };
    if (typeof parsed.start === "string" && parsed.start.startsWith(prefix)) {
      const revision = typeof parsed.rv === "number" && Number.isSafeInteger(parsed.rv) && (parsed.rv > 0 || parsed.rv === -1) ? parsed.rv : undefined;
      if (revision === undefined) throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
      return { start: parsed.start, revision };
    }
  } catch (e) {
    if (e instanceof Error && e.name === "ApiError") throw e;
  }
  throw badRequest("continue key is not valid: the continue token was not issued for this list");
}
