// Reads before writes. Each turn of the event loop starts at most WRITES_PER_TURN mutating
// requests, and only after the turn has read every request that arrived in it (they start in
// Node's check phase, after the poll phase that reads sockets): a GET waits behind the work of at
// most that many writes instead of a whole burst of them, and the writes still commit together
// (the SQLite store's group commit takes what a turn queued). Writes start in the order they
// arrived; reads, watches and other long-running requests are never held. Kubernetes gets the same
// from API Priority and Fairness (reads and writes in their own queues); here one queue, because
// the server is one thread.
//
// At 16 clients creating pods with 2 readers alongside (npm run bench -- api), starting every
// write at once left GETs behind ~16 creates' work (p99 ~8 ms). Per turn: 2 held the GET p99 at
// 3.5-4.2 ms but cost a third of the create rate (2,241-2,520/s, 0.42-0.47 ms CPU per create:
// smaller commits); 3 holds it at 3.9-4.5 ms at 3,117-3,269 creates/s; 4 made 3,431-3,565/s with
// the GET p99 at 4.9-6.2 ms; 6 at 5.1-6.7 ms. 3 keeps both targets (GET p99 <= 5 ms, >= 2,000/s).
import { requestInfo, type Filter } from "../filter";
import { requestKind } from "./max-inflight";

export const WRITES_PER_TURN = 3;

export function withWriteTurns(perTurn = WRITES_PER_TURN): Filter {
  const waiting: Array<() => void> = [];
  let turn: NodeJS.Immediate | undefined;
  const startSome = () => {
    turn = undefined;
    for (const start of waiting.splice(0, perTurn)) start();
    if (waiting.length > 0) turn = setImmediate(startSome);
  };
  return (next) => (ctx) => {
    if (requestKind(ctx.req.method ?? "GET", requestInfo(ctx).longRunning) !== "mutating") return next(ctx);
    return new Promise<void>((start) => {
      waiting.push(start);
      turn ??= setImmediate(startSome);
    }).then(() => next(ctx));
  };
}
