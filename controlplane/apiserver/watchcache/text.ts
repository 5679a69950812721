// Reading the JSON text the watch cache holds without parsing all of it: a Table needs every
// object decoded for its cells, but never metadata.managedFields (the printers do not read it, a
// row's PartialObjectMetadata leaves it out), which is about half of a typical object's text and
// the most costly part to decode (many small nested objects). So the Table path decodes the text
// with that member cut out.
import { cachedText, type CachedObject } from "./cache";

/**
 * The JSON text of an object with its metadata.managedFields member left out (the text the
 * object would have without the field); the text itself when it has none. Text that is not a
 * JSON object with a top-level "metadata" object is returned as it is (JSON.parse then judges it).
 */
export function withoutManagedFields(text: string): string {
  const cut = managedFieldsCut(text);
  return cut ? text.slice(0, cut[0]) + text.slice(cut[1]) : text;
}

/**
 * The cached object's text without metadata.managedFields. Where the member lies is found once
 * per object (a scan of the text up to the member's end) and kept beside it: a later Table of the
 * same object only cuts.
 */
export function cachedWithoutManagedFields(obj: CachedObject): string {
  const text = cachedText(obj);
  if (obj.managedFieldsCut === undefined) obj.managedFieldsCut = managedFieldsCut(text) ?? null;
  const cut = obj.managedFieldsCut;
  return cut ? text.slice(0, cut[0]) + text.slice(cut[1]) : text;
}

/** [from, to) of the text to cut to leave metadata.managedFields out (the member and one comma), or undefined. */
export function managedFieldsCut(text: string): [number, number] | undefined {
  // Most texts that have the member are cut; those without it cost one indexOf.
  if (text.indexOf('"managedFields"') < 0) return undefined;
  const range = metadataMember(text, '"managedFields"');
  if (!range) return undefined;
  let [from, to] = range;
  // Take one comma with the member: the one after it, else the one before it.
  let after = to;
  while (after < text.length && isSpace(text.charCodeAt(after))) after++;
  if (text.charCodeAt(after) === 0x2c /* , */) to = after + 1;
  else {
    let before = from - 1;
    while (before >= 0 && isSpace(text.charCodeAt(before))) before--;
    if (text.charCodeAt(before) === 0x2c) from = before;
  }
  return [from, to];
}

/** [start, end) of the member `"key":value` of the top-level "metadata" object, or undefined. */
function metadataMember(text: string, quotedKey: string): [number, number] | undefined {
  // depth: 1 inside the top-level object; inMetadata once its "metadata" object is entered.
  let depth = 0;
  let metadataDepth = -1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i = stringEnd(text, i);
      if (i < 0) return undefined;
      if (!expectKey) continue;
      expectKey = false;
      // A key: its colon follows.
      let j = i + 1;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 0x3a /* : */) return undefined;
      j++;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      const key = text.slice(start, i + 1);
      if (metadataDepth < 0 && depth === 1 && key === '"metadata"') {
        if (text.charCodeAt(j) !== 0x7b /* { */) return undefined;
        metadataDepth = depth + 1;
        depth = metadataDepth;
        expectKey = true;
        i = j;
        continue;
      }
      if (metadataDepth > 0 && depth === metadataDepth && key === quotedKey) {
        const end = valueEnd(text, j);
        return end < 0 ? undefined : [start, end];
      }
      if (depth === 1 || depth === metadataDepth) {
        // Skip the value of any other member at the levels searched.
        const end = valueEnd(text, j);
        if (end < 0) return undefined;
        i = end - 1;
      } else i = j - 1;
    } else if (c === 0x7b /* { */) {
      depth++;
      expectKey = true;
    } else if (c === 0x2c /* , */) {
      expectKey = true;
    } else if (c === 0x7d /* } */) {
      if (depth === metadataDepth) return undefined; // metadata ended without the key
      depth--;
    } else if (c === 0x5b /* [ */) {
      depth++;
    } else if (c === 0x5d /* ] */) {
      depth--;
    }
  }
  return undefined;
}

/** Index of the closing quote of the string that opens at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c /* \ */) i++;
  }
  return -1;
}

/** Index just past the JSON value that starts at `i`, or -1. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) {
    const e = stringEnd(text, i);
    return e < 0 ? -1 : e + 1;
  }
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        i = stringEnd(text, i);
        if (i < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) return i;
  }
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
