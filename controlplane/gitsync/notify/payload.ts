// The body of a notification: JSON with the repository, the event, the revision, the commit's
// message and author, and the errors; or, with format "slack", a Slack-compatible {text} body
// (Slack, Mattermost and Rocket.Chat incoming webhooks read it).
import type { GitRepository, SyncError } from "../../../api/gitops";
import type { NotificationEvent } from "./transitions";

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
}

export interface Notification {
  repository: { namespace: string; name: string };
  event: NotificationEvent;
  revision?: string;
  commit?: CommitInfo;
  message: string;
  errors: SyncError[];
  timestamp: string;
}

/** At most this many errors travel in one notification (the status has them all). */
const MAX_ERRORS = 20;

export function buildNotification(repo: GitRepository, event: NotificationEvent, message: string, commit: CommitInfo | undefined, now: Date): Notification {
  const status = repo.status ?? {};
  return {
    repository: { namespace: repo.metadata.namespace ?? "default", name: repo.metadata.name ?? "" },
    event,
    revision: status.lastAttemptedRevision ?? status.lastAppliedRevision,
    commit,
    message,
    errors: event === "failed" ? (status.errors ?? []).slice(0, MAX_ERRORS) : [],
    timestamp: now.toISOString(),
  };
}

const ICON: Record<NotificationEvent, string> = { applied: ":white_check_mark:", failed: ":x:", degraded: ":warning:", recovered: ":large_green_circle:" };

function where(e: SyncError): string {
  const file = e.file ? `${e.file}${e.line ? `:${e.line}` : ""}: ` : "";
  return `${file}${e.message}`;
}

export function slackBody(n: Notification): { text: string } {
  const head = `${ICON[n.event]} GitRepository ${n.repository.namespace}/${n.repository.name} ${n.event}${n.revision ? ` at ${n.revision}` : ""}`;
  const commit = n.commit ? `\n> ${n.commit.message} (${n.commit.author})` : "";
  const errors = n.errors.length ? "\n" + n.errors.map((e) => `• ${where(e)}`).join("\n") : "";
  return { text: `${head}\n${n.message}${commit}${errors}` };
}

export function encodeBody(n: Notification, format: "json" | "slack"): string {
  return JSON.stringify(format === "slack" ? slackBody(n) : n);
}
