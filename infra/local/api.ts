// How `lab up` and `lab status` talk to the lab's API: over TLS with the lab's own CA and the
// admin token from the lab dir, as kubectl does with the lab's kubeconfig.
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { readAdminToken, tokenAuthFile } from "./access";
import type { LabState } from "./state";

export type LabEndpoint = Pick<LabState, "dir" | "apiUrl" | "tokenFile" | "caFile">;

/** One request to the lab's API; `auth: false` leaves the token out (for /readyz). */
export function labRequest(ep: LabEndpoint, path: string, auth = true): Promise<{ status: number; body: string }> {
  const tokenFile = ep.tokenFile ?? tokenAuthFile(ep.dir);
  const headers: Record<string, string> = auth && existsSync(tokenFile) ? { Authorization: `Bearer ${readAdminToken(tokenFile)}` } : {};
  if (!ep.apiUrl.startsWith("https://")) {
    // A lab started before its API had TLS and a token.
    return fetch(`${ep.apiUrl}${path}`, { headers, signal: AbortSignal.timeout(5000) }).then(async (r) => ({ status: r.status, body: await r.text() }));
  }
  const ca = ep.caFile ? readFileSync(ep.caFile) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(`${ep.apiUrl}${path}`, { headers, ca, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** GET of a JSON document; throws on any status but 200. */
export async function labApiGet<T>(ep: LabEndpoint, path: string): Promise<T> {
  const { status, body } = await labRequest(ep, path);
  if (status !== 200) throw new Error(`GET ${path}: ${status}`);
  return JSON.parse(body) as T;
}

/** True when the server answers /readyz with 200. */
export async function labReady(ep: LabEndpoint): Promise<boolean> {
  try {
    return (await labRequest(ep, "/readyz", false)).status === 200;
  } catch {
    return false;
  }
}
