// etcd's failures in the store's terms: a store that cannot answer (no quorum, no member
// reachable, a deadline passed) is a StoreUnavailableError naming the cause, which the API answers
// as a 503 ServiceUnavailable with Retry-After (client-go retries it); anything else passes through.
import { isBrokenCircuitError } from "cockatiel";
import { EtcdError, GRPCGenericError } from "etcd3";
import { StoreUnavailableError } from "./store";

export function isEtcdUnavailable(err: unknown): boolean {
  return err instanceof GRPCGenericError || err instanceof EtcdError || isBrokenCircuitError(err);
}

export function storeUnavailable(err: unknown): unknown {
  if (!isEtcdUnavailable(err)) return err;
  const cause = isBrokenCircuitError(err) ? "every member refused the connection" : (err as Error).message;
  return new StoreUnavailableError(cause);
}
