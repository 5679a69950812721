// Bearer tokens from a static token file in Kubernetes' CSV format: token,user,uid[,"group1,group2"]
// (kube-apiserver's --token-auth-file). Looked up by the token's SHA-256, so no comparison of
// the secret itself can leak through timing.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { UserInfo } from "./user";

export interface TokenFile {
  /** The tokens in file order (the first is the one the server writes into --write-kubeconfig). */
  tokens: string[];
  authenticateToken(token: string): UserInfo | undefined;
}

const digest = (token: string) => createHash("sha256").update(token).digest("base64");

export function loadTokenFile(path: string): TokenFile {
  const byDigest = new Map<string, UserInfo>();
  const tokens: string[] = [];
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const fields = splitCsv(t);
    if (fields.length < 3 || !fields[0] || !fields[1]) {
      throw new Error(`${path}:${i + 1}: a token line needs at least token,user,uid`);
    }
    tokens.push(fields[0]);
    byDigest.set(digest(fields[0]), {
      name: fields[1],
      uid: fields[2],
      groups: (fields[3] ?? "").split(",").map((g) => g.trim()).filter(Boolean),
    });
  });
  if (byDigest.size === 0) throw new Error(`${path}: no tokens`);
  return { tokens, authenticateToken: (token) => byDigest.get(digest(token)) };
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}
