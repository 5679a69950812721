// What the Deployment controller's phases (sync.ts, rolling.ts, recreate.ts, progress.ts) use of
// the controller: the client, the event recorder, the clock and the pod cache. An interface of
// its own, so the phases do not import the controller that imports them.
import type { ReplicaSet } from "../../../api/apps";
import type { Pod } from "../../../api/core";
import type { ApiClient, EventRecorder } from "../../../client";

export interface DeploymentContext {
  readonly client: ApiClient;
  readonly recorder?: EventRecorder;
  now(): number;
  /** Pods of these ReplicaSets (by controller owner), from the cache. */
  podsOf(rss: ReplicaSet[]): Pod[];
}
