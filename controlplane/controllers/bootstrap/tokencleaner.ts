// The token cleaner (Kubernetes' pkg/controller/bootstrap/tokencleaner.go, "tokencleaner"):
// bootstrap token Secrets in kube-system whose expiration has passed are deleted; one that has not
// expired yet is looked at again when it does. The cache holds only Secrets of type
// bootstrap.kubernetes.io/token (a field selector, as Kubernetes' cleaner lists them).
import type { Secret } from "../../../api/core";
import { isNotFound, runController, secrets, stripManagedFields, WorkQueue, Informer, type ApiClient, type Result } from "../../../client";
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, decodeTokenData, isExpired } from "../../../api/bootstrap-token";
import type { ControllerRunOptions } from "../run-options";

export function newBootstrapTokenInformer(client: ApiClient): Informer<Secret> {
  return new Informer<Secret>({ client, resource: secrets, namespace: BOOTSTRAP_TOKEN_NAMESPACE, fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}`, transform: stripManagedFields });
}

export class TokenCleaner {
  readonly queue = new WorkQueue({ name: "tokencleaner" });

  constructor(private readonly opts: { client: ApiClient; tokens: Informer<Secret>; now?: () => number }) {
    const add = (s: Secret) => this.queue.add(s.metadata.name!);
    opts.tokens.addEventHandler({ onAdd: add, onUpdate: (_old, s) => add(s) });
  }

  run(signal: AbortSignal, opts: ControllerRunOptions = {}): Promise<void> {
    return runController({ name: "tokencleaner", queue: this.queue, workers: opts.workers ?? 1, logger: opts.logger, metrics: opts.metrics, signal, sync: (key) => this.sync(key) });
  }

  async sync(name: string): Promise<Result | void> {
    const secret = this.opts.tokens.get(`${BOOTSTRAP_TOKEN_NAMESPACE}/${name}`);
    if (!secret || secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata.deletionTimestamp) return;
    const data = decodeTokenData(secret);
    const now = (this.opts.now ?? Date.now)();
    if (!isExpired(data, now)) return data.expiration ? { requeueAfter: Date.parse(data.expiration) - now + 1 } : undefined;
    try {
      await this.opts.client.delete(secrets, BOOTSTRAP_TOKEN_NAMESPACE, name, { preconditions: { uid: secret.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
