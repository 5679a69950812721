// etcd's failures as the API answers them: a store that cannot answer (no quorum, no member
// reachable, a deadline passed) is a 503 ServiceUnavailable Status naming etcd and the cause, with
// Retry-After, as client-go retries it; anything else passes through unchanged.
import { isBrokenCircuitError } from "cockatiel";
import { EtcdError, GRPCGenericError } from "etcd3";
import { ApiError } from "../apiserver/errors";

export function isEtcdUnavailable(err: unknown): boolean {
  return err instanceof GRPCGenericError || err instanceof EtcdError || isBrokenCircuitError(err);
}

export function storeUnavailable(err: unknown): unknown {
  if (!isEtcdUnavailable(err)) return err;
  const cause = isBrokenCircuitError(err) ? "every member refused the connection" : (err as Error).message;
  return new ApiError(503, "ServiceUnavailable", `etcd is unavailable (${cause}): the store has no quorum or no member answers; retry later`, { retryAfterSeconds: 1 });
}
