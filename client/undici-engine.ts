// The HTTP engine on undici's request API (the contract: http-engine.ts): undici's own copy, not
// Node's bundled one, whose version moves with Node. For the processes whose rate is their calls
// (the control plane's components, the benchmarks' hollow nodes): about half the client CPU per
// call of Node's http, and less than half of fetch's, whose WHATWG Request/Response layer it
// skips. An undici Agent per TLS configuration, undici's global dispatcher otherwise.
import { Agent, getGlobalDispatcher, type Dispatcher } from "undici";
import type { HttpEngine, HttpPool, TlsOptions } from "./http-engine";

export const undiciEngine: HttpEngine = {
  name: "undici",
  pool(tls?: TlsOptions): HttpPool {
    const dispatcher: Dispatcher | undefined = tls ? new Agent({ connect: tls }) : undefined;
    return {
      request: async (req) => {
        const res = await (dispatcher ?? getGlobalDispatcher()).request({
          origin: req.origin,
          path: req.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          body: req.body,
          signal: req.signal,
        });
        return { statusCode: res.statusCode, headers: res.headers, body: res.body, text: () => res.body.text() };
      },
    };
  },
};
