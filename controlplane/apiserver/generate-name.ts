// generateName's suffix, as Kubernetes' names.SimpleNameGenerator makes it.
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** n random characters of Kubernetes' alphabet (no vowels, no lookalikes); 5 for generateName. */
export function randomSuffix(n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}
