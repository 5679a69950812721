// spec.notify: what a status change is worth telling (transitions.ts, pure), the body
// (payload.ts, pure), and the sender with retries and signatures (sender.ts).
export { transitions, NOTIFICATION_EVENTS, type NotificationEvent, type Transition } from "./transitions";
export { buildNotification, encodeBody, slackBody, type CommitInfo, type Notification } from "./payload";
export { Notifier, signature, type NotifierOptions, type RetryPolicy } from "./sender";
