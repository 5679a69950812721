// What every part of `npm run bench -- gitsync` shares: the server, git-sync, the repositories,
// and a way to wait for a run (gitsync.ts builds it; gitsync-scale.ts uses it too).
import type { ApiClient, gitrepositories } from "../../client";
import type { GitSync } from "../../controlplane/gitsync";
import type { ReconcileResult } from "../../controlplane/gitsync/reconcile";
import type { TestRepo } from "../fixtures/git";

export type Outcome = { result: ReconcileResult; ms: number };

export interface Bench {
  client: ApiClient;
  sync: GitSync;
  small: TestRepo;
  big: TestRepo;
  kustomize: TestRepo;
  many: TestRepo;
  resource: typeof gitrepositories;
  token: string;
  rounds: number;
  next(key: string, pred: (r: ReconcileResult) => boolean): Promise<Outcome>;
  create(name: string, url: string, secret?: string): Promise<unknown>;
}
