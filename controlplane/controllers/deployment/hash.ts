// pod-template-hash: a stable hash of a Deployment's pod template (FNV-1a 32 over the template in
// a canonical JSON form, plus the collision count), written with Kubernetes' "safe" alphabet so
// it never spells words, e.g. "569477d6d8".
import type { PodTemplateSpec } from "../../../api/core";

export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(text, "utf8");
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Maps each character to the safe alphabet, as Kubernetes' rand.SafeEncodeString does. */
function safeEncode(s: string): string {
  let out = "";
  for (const ch of s) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** The template without the pod-template-hash label (as stored on a ReplicaSet's template). */
function templateWithoutHash(template: PodTemplateSpec): PodTemplateSpec {
  const labels = template.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return template;
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels;
  return { ...template, metadata: { ...template.metadata, labels: rest } };
}

export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let text = canonicalJson(templateWithoutHash(template));
  if (collisionCount !== undefined && collisionCount > 0) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(text)));
}

/** Two templates are the same rollout target when they differ at most in the hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  if (!a || !b) return false;
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}
