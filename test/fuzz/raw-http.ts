// A raw-socket HTTP fuzzer for any of kubelab's listeners (node:net, no HTTP client in between):
// malformed request lines, methods and versions, percent-encodings, header floods and broken
// framing, and bodies a parser can choke on (truncated and deeply nested JSON, huge numbers,
// __proto__ keys, YAML alias bombs, protobuf garbage). Every mutating request carries a body
// that cannot be valid, so a correct server writes nothing. Deterministic for a seed.
import { connect } from "node:net";
import { mulberry32 } from "./seeds";

export interface FuzzTarget {
  host: string;
  port: number;
  /** Paths worth mutating for this listener ("/api/v1/namespaces/default/pods"). */
  paths: string[];
  /** Extra headers on well-formed requests (e.g. an Authorization the listener needs). */
  headers?: Record<string, string>;
  /** How often a request carries query parameters (default 0.75; lower reaches handlers that ignore them more often). */
  queryRate?: number;
}

export interface FuzzResult {
  sent: number;
  /** Responses by status code; 0: the connection closed without one; -1: no answer in time. */
  byStatus: Map<number, number>;
  /** Requests answered with a 5xx, with what was sent (first few, for the report). */
  serverErrors: Array<{ status: number; request: string; response: string }>;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const METHODS = ["GET", "GET", "GET", "HEAD", "POST", "POST", "PUT", "PATCH", "PATCH", "DELETE", "OPTIONS"];
const ODD_METHODS = ["get", "FOO", "G\u0000T", "", "CONNECT", "TRACE"];
const VERSIONS = ["HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "", "HTTP/1.1 extra", "http/1.1"];
const ODD_TARGETS = ["//[", "*", "http://x/api", "/%zz", "/%", "/%%", "/%c0%ae%c0%ae/", "/../../etc/passwd", "/\u00e9\u0000", "/" + "a".repeat(9000), "", "/api/v1/namespaces/%zz/pods", "/api/v1/namespaces/default/pods/%2e%2e", "/api/v1/namespaces/a%2Fb/pods", "?", "/?%", "/#x"];
const NUMERIC = ["limit", "timeoutSeconds", "gracePeriodSeconds", "tailLines", "sinceSeconds", "limitBytes", "resourceVersion"];
const JUNK_NUMBERS = ["1e309", "-1", "abc", "1.5", "", "NaN", "Infinity", "99999999999999999999", "0x1f", "%00", "%zz", "1 2", "+3", "0"];
const OTHER_PARAMS = ["labelSelector", "fieldSelector", "continue", "fieldValidation", "fieldManager", "propagationPolicy", "dryRun", "container", "includeObject", "timeout", "sinceTime", "force", "pretty", "watch"];
const JUNK_VALUES = ["a=b", "a in (", "!", "metadata.name", "x==", "__proto__=1", "constructor", "All", "Strict", "Bogus", "eyJzdGFydCI6bnVsbH0", "bnVsbA", "%", "%zz", "\u00e9", "-5s", "5s", "true", "t", "maybe", "2024-13-45T99:99:99Z"];
const CONTENT_TYPES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/json; charset=\u0000", "application/json;;;", "*/*"];
const ACCEPTS = ["application/json", "application/json;as=Table;v=v1;g=meta.k8s.io", "application/vnd.kubernetes.protobuf", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "*/*", "text/html", "\u0000", ";;;"];

/** A body no API could accept: each is broken in at least one fatal way. */
function badBody(r: Rand): Buffer {
  const obj = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Fuzz_Invalid"},"data":{"a":"b"}}`;
  switch (Math.floor(r() * 14)) {
    case 0: return Buffer.from(obj.slice(0, 1 + Math.floor(r() * (obj.length - 1))));
    case 1: return Buffer.from("[".repeat(1 + Math.floor(r() * 50_000)));
    case 2: return Buffer.from(`{"a":${"[".repeat(150)}1${"]".repeat(150)}}`);
    case 3: return Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Fuzz_Invalid"},"data":{"a":1e309,"b":-1e400,"c":123456789012345678901234567890}}`);
    case 4: return Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz-proto"},"data":{"__proto__":{"polluted":"yes"}}}`);
    case 5: return Buffer.from(`{"metadata":{"\\u005f_proto__":{"polluted":"yes"}},"spec":{"constructor":{"prototype":{"polluted":"yes"}}}`);
    case 6: return Buffer.from(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nmetadata: {name: Fuzz_Invalid}\n`);
    case 7: return Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Fuzz_Invalid\n  labels: &x {a: *x}\n<<: *x\n!!python/object: x\n`);
    case 8: return Buffer.concat([Buffer.from("k8s\u0000"), randomBytes(r, Math.floor(r() * 300))]);
    case 9: return randomBytes(r, Math.floor(r() * 500));
    case 10: return Buffer.from(`[{"op":"${pick(r, ["add", "bogus", "move"])}","path":"${pick(r, ["/data/__proto__/x", "/metadata/constructor/prototype/x", "x", "", "/-/-/-"])}","value":{"__proto__":1}}]`);
    case 11: return Buffer.from(`{"data":{"$setElementOrder/__proto__":[1],"$patch":"bogus","$retainKeys":7}}`);
    case 12: return Buffer.from("\u0000\uffff\ud800");
    default: return Buffer.from(`--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${obj}\r\n--x--\r\n`);
  }
}

/**
 * A body that no decoder accepts at all (under any content type), for DELETE: a DeleteOptions
 * body is optional, so anything that decodes, even to a string, would let the delete go ahead.
 */
function undecodableBody(r: Rand): Buffer {
  const obj = `{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0}`;
  switch (Math.floor(r() * 4)) {
    case 0: return Buffer.from(obj.slice(0, 1 + Math.floor(r() * (obj.length - 1))));
    case 1: return Buffer.from("[".repeat(1 + Math.floor(r() * 50_000)));
    case 2: return Buffer.from(`{"a":${"[".repeat(150)}1${"]".repeat(150)}}`);
    default: return Buffer.from(`{"propagationPolicy":"Background","metadata":{"__proto__":{"polluted":"yes"}}}`);
  }
}

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Percent-encode some characters, break some escapes, double-encode others. */
function mangle(r: Rand, path: string): string {
  let out = "";
  for (const ch of path) {
    const x = r();
    if (x < 0.04) out += "%" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    else if (x < 0.05) out += "%" + pick(r, ["z", "", "g1", "2", "25", "2F", "00", "c0%af"]);
    else if (x < 0.055) out += pick(r, ["//", "/./", "/../", "\u00e9", "%u002e", "~", ";", " "]);
    else out += ch;
  }
  return out;
}

function target(r: Rand, t: FuzzTarget): string {
  if (r() < 0.1) return pick(r, ODD_TARGETS);
  let path = pick(r, t.paths);
  if (r() < 0.4) path = mangle(r, path);
  const params: string[] = [];
  const n = r() < (t.queryRate ?? 0.75) ? 1 + Math.floor(r() * 3) : 0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.5) params.push(`${pick(r, NUMERIC)}=${encodeMaybe(r, pick(r, JUNK_NUMBERS))}`);
    else params.push(`${pick(r, OTHER_PARAMS)}=${encodeMaybe(r, pick(r, JUNK_VALUES))}`);
  }
  // A watch is kept short so the fuzzer does not wait on it.
  if (params.some((p) => p.startsWith("watch="))) params.push("timeoutSeconds=1");
  return params.length ? `${path}?${params.join("&")}` : path;
}

function encodeMaybe(r: Rand, v: string): string {
  return r() < 0.5 ? encodeURIComponent(v) : v.replace(/[ &#]/g, "+");
}

/** One request's bytes. */
export function fuzzRequest(r: Rand, t: FuzzTarget): Buffer {
  // Mostly well-formed request lines, so that most requests reach the handlers behind the parser.
  const method = r() < 0.9 ? pick(r, METHODS) : pick(r, ODD_METHODS);
  const mutating = !["GET", "HEAD", "OPTIONS", "get"].includes(method);
  const lines = [`${method} ${target(r, t)} ${r() < 0.9 ? "HTTP/1.1" : pick(r, VERSIONS)}`];
  if (r() < 0.9) lines.push(`Host: ${r() < 0.95 ? `${t.host}:${t.port}` : pick(r, ["", "[", "\u0000", "a".repeat(300)])}`);
  if (r() < 0.8) for (const [k, v] of Object.entries(t.headers ?? {})) lines.push(`${k}: ${v}`);
  if (r() < 0.5) lines.push(`Accept: ${pick(r, ACCEPTS)}`);
  // A DELETE always has its whole (undecodable) body: without one it would delete.
  const del = method === "DELETE";
  const body = del ? undecodableBody(r) : mutating || r() < 0.2 ? badBody(r) : Buffer.alloc(0);
  if (body.length > 0 || r() < 0.3) lines.push(`Content-Type: ${pick(r, CONTENT_TYPES)}`);
  const framing = del ? r() * 0.8 : r();
  let payload = body;
  if (framing < 0.6) lines.push(`Content-Length: ${body.length}`);
  else if (framing < 0.7) {
    lines.push("Transfer-Encoding: chunked");
    payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
  } else if (framing < 0.8) lines.push(`Content-Length: ${body.length}`, "Transfer-Encoding: chunked");
  else if (framing < 0.88) lines.push(`Content-Length: ${pick(r, ["-1", "abc", "99999999999999999999", `${body.length}, ${body.length + 1}`, "0x10"])}`);
  else if (framing < 0.95) {
    lines.push("Transfer-Encoding: chunked");
    payload = Buffer.concat([Buffer.from(`${pick(r, ["zz", "-1", "ffffffffffff", "", body.length.toString(16)])}\r\n`), body, Buffer.from(pick(r, ["\r\n", "0\r\n\r\n", "", "\r\n0\r\n\r\n"]))]);
  }
  if (r() < 0.1) lines.push(pick(r, ["X-Broken", "X: a\r\n folded", `X-Long: ${"a".repeat(20_000)}`, "\u0000: x", "Authorization: Bearer \u0000", "Cookie: session=1; token=abc", ": empty", "X-Many: " + "a,".repeat(5000)]));
  if (r() < 0.02) for (let i = 0; i < 3000; i++) lines.push(`X-H${i}: ${i}`);
  lines.push("Connection: close");
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), payload]);
}

/**
 * Send one request, half-close (unless told not to), and read the status of whatever comes back,
 * with the response's first KiB (for a 5xx, its body names the cause).
 */
function exchange(host: string, port: number, bytes: Buffer, timeoutMs: number, halfClose: boolean): Promise<{ status: number; response: string }> {
  return new Promise((resolve) => {
    let head = "";
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ status, response: head });
    };
    const s = connect(port, host, () => (halfClose ? s.end(bytes) : s.write(bytes)));
    const timer = setTimeout(() => finish(-1), timeoutMs);
    s.on("data", (c: Buffer) => {
      if (head.length < 1024) head += c.toString("latin1", 0, 1024 - head.length);
    });
    s.on("error", () => {});
    s.on("close", () => finish(Number(head.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 0)));
  });
}

/** Send `count` fuzzed requests, `concurrency` at a time. */
export async function fuzzListener(
  t: FuzzTarget,
  opts: { seed: number; count: number; concurrency?: number; timeoutMs?: number; /** end our side after the request (default true) */ halfClose?: boolean },
): Promise<FuzzResult> {
  const r = mulberry32(opts.seed);
  const result: FuzzResult = { sent: 0, byStatus: new Map(), serverErrors: [] };
  const worker = async () => {
    while (result.sent < opts.count) {
      result.sent++;
      const bytes = fuzzRequest(r, t);
      const { status, response } = await exchange(t.host, t.port, bytes, opts.timeoutMs ?? 5_000, opts.halfClose ?? true);
      result.byStatus.set(status, (result.byStatus.get(status) ?? 0) + 1);
      if (status >= 500 && status !== 504 && result.serverErrors.length < 10) {
        result.serverErrors.push({ status, request: bytes.subarray(0, 600).toString("latin1"), response });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 24 }, worker));
  return result;
}
