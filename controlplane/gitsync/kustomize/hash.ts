// kustomize's content hash of a generated ConfigMap or Secret (sigs.k8s.io/kustomize/api/hasher):
// the sha256 of a Go json.Marshal encoding of kind, type (Secrets), data and binaryData /
// stringData when present, mapped into 10 characters of an alphabet without vowels-lookalikes.
// kustomize reads the name with a lookup that never matches, so the name it hashes is always "".
import { createHash } from "node:crypto";
import { isMap, type Json } from "./resource";

/** Go's encoding/json for the values a ConfigMap/Secret can hold: sorted keys, HTML-safe escapes. */
export function goJson(v: unknown): string {
  if (typeof v === "string") return goString(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${goString(k)}:${goJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v ?? null);
}

function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b"; // short forms since Go 1.22 (kubectl 1.32 is built with Go 1.23)
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

const ALPHABET: Record<string, string> = { "0": "g", "1": "h", "3": "k", a: "m", e: "t" };

export function encodeHash(hex: string): string {
  return [...hex.slice(0, 10)].map((c) => ALPHABET[c] ?? c).join("");
}

export function contentHash(o: Json): string {
  const m: Json = { kind: o.kind, name: "", data: isMap(o.data) ? o.data : "" };
  if (o.kind === "Secret") {
    m.type = typeof o.type === "string" ? o.type : "";
    if (isMap(o.stringData)) m.stringData = o.stringData;
  } else if (isMap(o.binaryData)) m.binaryData = o.binaryData;
  return encodeHash(createHash("sha256").update(goJson(m)).digest("hex"));
}
