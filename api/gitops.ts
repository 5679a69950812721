// gitops.kubelab.io/v1alpha1 GitRepository: kubelab's own GitOps kind, driven by git-sync.
import { z } from "zod";
import { isDuration, parseDuration } from "./duration";
import { Condition, mergeBy, ObjectMeta, Time, typeMeta } from "./meta";

const gitops = (name: string, description: string) => ({ id: `io.kubelab.gitops.v1alpha1.${name}`, description });
const int = () => z.number().int();

/** spec.interval: a Go duration ("30s", "1m", "1h30m"); a negative one would mean nothing. */
const isInterval = (s: string) => isDuration(s) && parseDuration(s) >= 0;

// Old name, kept for controlplane/gitsync (the one definition is ./duration).

export const gitRepositoryDefaults = { interval: "30s", prune: true, selfHeal: true, suspend: false } as const;

export const GitRepositorySpec = z
  .strictObject({
    url: z.string().describe("URL of the git repository: https://, http://, ssh://, git:// or file://."),
    branch: z.string().optional().describe("Branch to follow. Defaults to the remote's default branch (HEAD)."),
    ref: z
      .strictObject({
        branch: z.string().optional().describe("Branch to follow."),
        tag: z.string().optional().describe("Tag to check out."),
        commit: z.string().optional().describe("Commit SHA to check out; takes precedence over tag and branch."),
      })
      .optional()
      .describe("Reference to check out; overrides branch when set."),
    paths: z.array(z.string()).optional().describe("Directories within the repository whose manifests are applied. Defaults to the repository root."),
    interval: z
      .string()
      .refine(isInterval, { message: 'must be a duration such as "30s", "1m" or "1h30m"' })
      .optional()
      .meta({ description: "How often to check the repository for new commits. Defaults to 30s.", default: gitRepositoryDefaults.interval }),
    timeout: z
      .string()
      .refine(isInterval, { message: 'must be a duration such as "30s", "5m" or "1h"' })
      .optional()
      .meta({ description: "How long the applied objects may take to become healthy (kstatus Current) before the repository's Healthy condition turns False with reason HealthCheckTimeout. Defaults to the interval, as in Flux." }),
    prune: z.boolean().optional().meta({ description: "Delete objects that were applied from the repository and are gone from it. Defaults to true.", default: true }),
    selfHeal: z.boolean().optional().meta({ description: "Re-apply objects changed in the cluster by hand (drift). Defaults to true.", default: true }),
    suspend: z.boolean().optional().meta({ description: "Stop syncing while true. Defaults to false.", default: false }),
    dependsOn: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe("Name of the GitRepository this one waits for."),
          namespace: z.string().optional().describe("Its namespace; defaults to this GitRepository's."),
        }),
      )
      .optional()
      .describe("GitRepositories that must be Ready and Healthy at their latest revision before this one applies (Flux's dependsOn)."),
    notify: z
      .strictObject({
        secretRef: z
          .strictObject({ name: z.string().min(1).describe("Name of the Secret in the same namespace.") })
          .describe('Secret with the receiver: "address" (an http(s) URL) and, optionally, "token" (the HMAC-SHA256 key; the body is signed in the X-Signature header as sha256=<hex>).'),
        format: z.enum(["json", "slack"]).optional().describe('Body format: "json" (the default: repository, event, revision, commit, message, errors) or "slack" (a Slack-compatible {text}).'),
        events: z
          .array(z.enum(["applied", "failed", "degraded", "recovered"]))
          .optional()
          .describe("Which transitions to send; defaults to all four."),
      })
      .optional()
      .describe("Where to POST a notification when a revision is applied, fails, degrades or recovers. Sent once per transition, retried with backoff."),
    secretRef: z
      .strictObject({ name: z.string().describe("Name of the Secret in the same namespace.") })
      .optional()
      .describe("Secret with credentials (username/password, token or identity) for the repository."),
    serviceAccountName: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a DNS subdomain name (lowercase letters, digits, '-' and '.')" })
      .max(253)
      .optional()
      .describe("ServiceAccount in this namespace that git-sync impersonates for every read, dry run, apply and prune of this repository (Flux's model): the repository can do exactly what that account may. Defaults to the namespace's \"default\" ServiceAccount, never git-sync's own identity."),
  })
  .meta(gitops("GitRepositorySpec", "GitRepositorySpec says which repository, revision and paths to sync into the cluster."));
export type GitRepositorySpec = z.infer<typeof GitRepositorySpec>;

export const InventoryEntry = z
  .strictObject({
    apiVersion: z.string(),
    kind: z.string(),
    namespace: z.string().optional(),
    name: z.string(),
  })
  .meta(gitops("InventoryEntry", "An object applied from the repository and owned by this GitRepository."));
export type InventoryEntry = z.infer<typeof InventoryEntry>;

export const SyncError = z
  .strictObject({
    file: z.string().optional().describe("Path of the file within the repository, when the error is about one."),
    line: int().optional().describe("Line of the error within the file (1-based)."),
    document: int().optional().describe("Index of the YAML document within the file (0-based)."),
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    reason: z.string().optional(),
    message: z.string().describe("What went wrong."),
  })
  .meta(gitops("SyncError", "One error found while reading, validating or applying the repository's manifests."));
export type SyncError = z.infer<typeof SyncError>;

export const SyncHistoryEntry = z
  .strictObject({
    revision: z.string().optional().describe('The revision synced, e.g. "main@sha1:0a1b2c..." (absent when it could not be resolved).'),
    startedAt: Time.describe("When the run started."),
    durationMs: z.number().optional().describe("How long the run took, in milliseconds."),
    result: z.string().describe("Succeeded, Failed, or Blocked."),
    message: z.string().optional(),
    applied: int().optional().describe("Objects created or changed."),
    pruned: int().optional().describe("Objects deleted."),
    unchanged: int().optional().describe("Objects already as in git."),
  })
  .meta(gitops("SyncHistoryEntry", "One sync run."));
export type SyncHistoryEntry = z.infer<typeof SyncHistoryEntry>;

export const GitRepositoryStatus = z
  .strictObject({
    observedGeneration: int().optional().describe("The generation of the spec last acted upon."),
    lastAppliedRevision: z.string().optional().describe("The last revision applied successfully."),
    lastAttemptedRevision: z.string().optional().describe("The last revision a sync was attempted for."),
    lastSyncTime: Time.optional().describe("When the last sync run finished."),
    conditions: z
      .array(Condition)
      .optional()
      .meta({
        ...mergeBy("type"),
        "x-kubernetes-list-map-keys": ["type"],
        "x-kubernetes-list-type": "map",
        description: "Ready, Reconciling, Stalled and PruneBlocked conditions.",
      }),
    inventory: z.array(InventoryEntry).optional().describe("Objects applied from the repository and owned by this GitRepository."),
    errors: z.array(SyncError).optional().describe("Every error of the last attempted revision."),
    history: z.array(SyncHistoryEntry).optional().describe("The last sync runs, newest first."),
  })
  .meta(gitops("GitRepositoryStatus", "GitRepositoryStatus reports what git-sync last did."));
export type GitRepositoryStatus = z.infer<typeof GitRepositoryStatus>;

export const GitRepository = z
  .strictObject({
    ...typeMeta,
    metadata: ObjectMeta.describe("Standard object's metadata."),
    spec: GitRepositorySpec.describe("Which repository, revision and paths to sync."),
    status: GitRepositoryStatus.optional().describe("What git-sync last did."),
  })
  .meta(gitops("GitRepository", "GitRepository syncs the manifests of a git repository into the cluster."));
export type GitRepository = z.infer<typeof GitRepository>;
