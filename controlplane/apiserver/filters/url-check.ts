// WithURLCheck, before request info: a request line no URL parser accepts (`GET //[ HTTP/1.1`,
// which Node's HTTP parser lets through) is 400 BadRequest, not an exception in whatever reads
// the URL next.
import { badRequest } from "../errors";
import type { Filter } from "../filter";

export function withURLCheck(): Filter {
  return (next) => async (ctx) => {
    const raw = ctx.req.url ?? "/";
    if (!URL.canParse(raw, "http://localhost")) throw badRequest(`malformed request URL ${JSON.stringify(raw.slice(0, 128))}`);
    await next(ctx);
  };
}
