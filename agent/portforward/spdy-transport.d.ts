// spdy-transport ships no types; port-forward uses only its SPDY zlib dictionaries (by version).
declare module "spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js" {
  const dictionaries: Record<string, Buffer>;
  export default dictionaries;
}
