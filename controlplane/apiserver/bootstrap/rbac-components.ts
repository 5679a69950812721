// Credentials of the control plane's own components (scheduler, controller manager, git-sync):
// each runs as its own user with its own bootstrap role (rbac-policy.ts), not as the admin.
// Like kube-apiserver's loopback token, they are random per process start and never written
// anywhere: the server hands them to the components it runs in-process.
import { randomBytes } from "node:crypto";
import type { TokenFile } from "../authn/token-file";
import type { UserInfo } from "../authn/user";
import { COMPONENT_USERS } from "./rbac-policy";

export type ComponentName = keyof typeof COMPONENT_USERS;
export type ComponentTokens = Record<ComponentName, string>;

/**
 * Adds one fresh token per component to the server's token authenticator (looked up before the
 * file's own tokens) and returns them.
 */
export function addComponentTokens(file: TokenFile): ComponentTokens {
  const users = new Map<string, UserInfo>();
  const tokens = {} as ComponentTokens;
  for (const [component, name] of Object.entries(COMPONENT_USERS) as [ComponentName, string][]) {
    const token = randomBytes(32).toString("base64url");
    tokens[component] = token;
    users.set(token, { name, uid: name, groups: ["system:authenticated"] });
  }
  const fromFile = file.authenticateToken.bind(file);
  file.authenticateToken = (token) => users.get(token) ?? fromFile(token);
  return tokens;
}
