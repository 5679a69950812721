// generateName's suffix, as Kubernetes' names.SimpleNameGenerator makes it, and the retry on a
// collision as Kubernetes 1.32 does it (RetryGenerateName): a create whose name the server chose is
// tried again with a fresh suffix, up to 8 attempts, before the collision is answered 409
// AlreadyExists (under load a few creates in a thousand collided).
import type { KObject } from "../../api/resource";
import { ApiError } from "./errors";

const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** n random characters of Kubernetes' alphabet (no vowels, no lookalikes); 5 for generateName. */
export function randomSuffix(n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

export const GENERATE_NAME_ATTEMPTS = 8;

/** Runs `create` (which picks a new suffix each call) until it does not collide on a generated name. */
export async function withNameRetries<T>(body: Pick<KObject, "metadata">, create: () => Promise<T>): Promise<T> {
  const generated = !body.metadata?.name && Boolean(body.metadata?.generateName);
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (e) {
      const collided = e instanceof ApiError && e.reason === "AlreadyExists";
      if (!generated || !collided || attempt >= GENERATE_NAME_ATTEMPTS) throw e;
    }
  }
}
