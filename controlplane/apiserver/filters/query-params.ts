// Query parameters checked before any handler reads them: every number a handler takes from the
// query is an integer in range, every boolean one of Go's ParseBool spellings, resourceVersion a
// store revision, timeout a Go duration. Junk is 400 BadRequest, as kube-apiserver's query
// conversion answers, never a NaN or Infinity deeper in (limit=1e309 once answered 500).
import { isDuration } from "../../../api/duration";
import { badRequest } from "../errors";
import { GO_FALSE, GO_TRUE } from "../go-bool";
import { requestInfo, type Filter } from "../filter";

/** Integer parameters and their least allowed value (kube: sinceSeconds and limitBytes > 0). */
const INTEGERS: Record<string, number> = {
  limit: 0,
  timeoutSeconds: 0,
  gracePeriodSeconds: 0,
  tailLines: 0,
  sinceSeconds: 1,
  limitBytes: 1,
};

const BOOLEANS = new Set(["watch", "allowWatchBookmarks", "follow", "previous", "timestamps", "force", "pretty", "sendInitialEvents", "insecureSkipTLSVerifyBackend", "stdin", "stdout", "stderr", "tty"]);

/** strconv.ParseBool's spellings. */

const INTEGER = /^[+-]?\d{1,16}$/;

/**
 * Throws a 400 ApiError for the first malformed parameter. A boolean spelled otherwise than
 * "true"/"false" (the Python client sends `watch=True`, `follow=True`) is rewritten to that
 * spelling, so every reader after this, the agent's log endpoint too, reads it alike.
 */
export function checkQueryParams(q: URLSearchParams): void {
  let respell: [string, string][] | undefined;
  for (const [k, v] of q) {
    const min = INTEGERS[k];
    if (min !== undefined) {
      const n = INTEGER.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < min) throw invalidParam(k, v, `must be an integer from ${min} to ${Number.MAX_SAFE_INTEGER}`);
    } else if (BOOLEANS.has(k)) {
      if (!GO_TRUE.has(v) && !GO_FALSE.has(v)) throw invalidParam(k, v, "must be true or false");
      if (v !== "true" && v !== "false") (respell ??= []).push([k, GO_TRUE.has(v) ? "true" : "false"]);
    } else if (k === "resourceVersion") {
      if (v !== "" && !(/^\d{1,16}$/.test(v) && Number.isSafeInteger(Number(v)))) throw badRequest(`invalid resource version: ${JSON.stringify(v)}`);
    } else if (k === "timeout") {
      if (!isDuration(v) || v.startsWith("-")) throw badRequest(`invalid timeout specified in the request URL: ${JSON.stringify(v)}`);
    } else if (k === "sinceTime") {
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) || Number.isNaN(Date.parse(v))) {
        throw invalidParam(k, v, "must be an RFC 3339 time such as 2024-01-02T15:04:05Z");
      }
    }
  }
  if (respell) for (const [k, v] of respell) q.set(k, v);
}

function invalidParam(name: string, value: string, why: string) {
  return badRequest(`invalid value ${JSON.stringify(value.slice(0, 64))} for query parameter ${name}: ${why}`);
}

/**
 * After request info: a malformed query parameter is answered 400 before any handler runs. The
 * proxy subresources are left alone: their query belongs to the app behind them (a proxied
 * `?limit=abc` is the app's to judge, as kube-apiserver passes it through untouched).
 */
export function withQueryParamCheck(): Filter {
  // Not an async function: a check that passes adds no promise of its own to every request.
  return (next) => (ctx) => {
    try {
      const info = requestInfo(ctx);
      if (info.resource?.subresource !== "proxy") checkQueryParams(info.url.searchParams);
    } catch (err) {
      return Promise.reject(err);
    }
    return next(ctx);
  };
}
