import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { ApiError } from "../errors";
import { newRequestContext, type RequestContext } from "../filter";
import { withAuthentication } from "./filter";
import { unionAuthenticator } from "./request";
import type { TokenFile } from "./token-file";

const tokenFile: TokenFile = {
  tokens: ["good"],
  authenticateToken: (t) => (t === "good" ? { name: "jane", uid: "1", groups: ["dev"] } : undefined),
};

async function request(path: string, opts: { token?: string; anonymous?: boolean; configured?: boolean } = {}): Promise<RequestContext["user"] | ApiError> {
  const req = { headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, socket: {} } as IncomingMessage;
  const ctx = newRequestContext(req, {} as ServerResponse);
  ctx.info = { url: new URL(path, "http://x"), verb: "get", longRunning: false };
  const config = opts.configured === false ? undefined : { authenticate: unionAuthenticator({ clientCertificates: false, tokenFile }), anonymous: opts.anonymous ?? true };
  let seen: RequestContext["user"] | ApiError = undefined;
  await withAuthentication(config)(async (c) => {
    seen = c.user;
  })(ctx).catch((e: ApiError) => (seen = e));
  return seen;
}

describe("withAuthentication", () => {
  it("adds system:authenticated to an authenticated user", async () => {
    expect(await request("/api/v1/pods", { token: "good" })).toEqual({ name: "jane", uid: "1", groups: ["dev", "system:authenticated"] });
  });

  it("lets requests without credentials reach only the health and version paths, as system:anonymous", async () => {
    for (const path of ["/healthz", "/livez", "/readyz", "/version"]) {
      expect(await request(path)).toEqual({ name: "system:anonymous", uid: "", groups: ["system:unauthenticated"] });
    }
    expect(((await request("/api/v1/pods")) as ApiError).code).toBe(401);
    expect(((await request("/healthz/etcd")) as ApiError).code).toBe(401);
  });

  it("refuses a bad token with 401 even on /healthz, and anonymous health checks with --anonymous-auth=false", async () => {
    expect(((await request("/healthz", { token: "bad" })) as ApiError).code).toBe(401);
    expect(((await request("/healthz", { anonymous: false })) as ApiError).code).toBe(401);
    expect(((await request("/version", { anonymous: false })) as ApiError).reason).toBe("Unauthorized");
  });

  it("passes everyone without a user when no authenticator is configured", async () => {
    expect(await request("/api/v1/pods", { configured: false })).toBeUndefined();
  });
});
