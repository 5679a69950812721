// The old home of the token file: authentication is in ./authn/ now (the user type in
// ./authn/user.ts). Kept so that callers of this module keep working; the lead removes it.
import { readFileSync } from "node:fs";
import { timingSafeEqual } from "node:crypto";
import type { UserInfo } from "./authn/user";

/** Alias of authn/user.ts's UserInfo. */
export type TokenUser = UserInfo;

export function loadTokenFile(path: string): Map<string, TokenUser> {
  const users = new Map<string, TokenUser>();
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const fields = splitCsv(t);
    if (fields.length < 3 || !fields[0] || !fields[1]) {
      throw new Error(`${path}:${i + 1}: a token line needs at least token,user,uid`);
    }
    users.set(fields[0], {
      name: fields[1],
      uid: fields[2],
      groups: (fields[3] ?? "").split(",").map((g) => g.trim()).filter(Boolean),
    });
  });
  if (users.size === 0) throw new Error(`${path}: no tokens`);
  return users;
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

/** The user for an Authorization header, comparing tokens in constant time. */
export function authenticate(tokens: Map<string, TokenUser>, header: string | undefined): TokenUser | undefined {
  const m = header?.match(/^Bearer\s+(.+)$/i);
  if (!m) return undefined;
  const given = Buffer.from(m[1].trim());
  for (const [token, user] of tokens) {
    const t = Buffer.from(token);
    if (t.length === given.length && timingSafeEqual(t, given)) return user;
  }
  return undefined;
}
