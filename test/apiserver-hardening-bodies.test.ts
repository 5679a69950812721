// Bodies a browser or an attacker can send: nothing but Kubernetes' media types is read, no key
// reaches a prototype of the server, and every refusal is a Status that writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";
import { clusterState } from "./fuzz/cluster-state";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "target" }, data: { a: "b" } };
  const res = await post(cmUrl(), JSON.stringify(cm), "application/json");
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await server?.stop();
});

const cmUrl = () => `${server.url}/api/v1/namespaces/default/configmaps`;
const podJson = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "csrf" }, spec: { containers: [{ name: "c", image: "kubelab/busybox", securityContext: { privileged: true } }] } });

async function post(url: string, body: string | Uint8Array, contentType: string | undefined, method = "POST") {
  const res = await fetch(url, { method, body, headers: contentType === undefined ? {} : { "Content-Type": contentType } });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
}

async function alive(): Promise<boolean> {
  process.kill(server.pid(), 0);
  return (await fetch(`${server.url}/readyz`)).status === 200;
}

describe("request bodies", () => {
  it.each([
    ["text/plain", podJson],
    ["text/plain;charset=UTF-8", podJson],
    ["application/x-www-form-urlencoded", podJson],
    ["multipart/form-data; boundary=x", `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${podJson}\r\n--x--\r\n`],
    [undefined, new TextEncoder().encode(podJson)],
  ])("refuses a body of type %s with 415 UnsupportedMediaType and writes nothing", async (type, body) => {
    const before = await clusterState(server.url);
    const r = await post(`${server.url}/api/v1/namespaces/default/pods`, body as string | Uint8Array, type);
    expect(r.status).toBe(415);
    expect(r.json).toMatchObject({ kind: "Status", status: "Failure", reason: "UnsupportedMediaType", code: 415 });
    const put = await post(`${cmUrl()}/target`, body as string | Uint8Array, type, "PUT");
    expect(put.status).toBe(415);
    expect(await clusterState(server.url)).toEqual(before);
  });

  it("still reads JSON and YAML bodies", async () => {
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n";
    expect((await post(cmUrl(), yaml, "application/yaml")).status).toBe(201);
    const json = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-json" } });
    expect((await post(cmUrl(), json, "application/json; charset=utf-8")).status).toBe(201);
  });

  it("answers a body nested far too deep with 400 and stays up", async () => {
    const before = await clusterState(server.url);
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const r = await post(cmUrl(), deep, "application/json");
    expect(r.status).toBe(400);
    expect(r.json.reason).toBe("BadRequest");
    expect(await alive()).toBe(true);
    expect(await clusterState(server.url)).toEqual(before);
  });

  // Found by the raw fuzzer (seed 1419728474): 176 such bodies killed the server inside V8.
  it.each([
    ["application/yaml", "POST", ""],
    ["application/apply-patch+yaml", "PATCH", "/target?fieldManager=fuzz"],
  ])("answers a %s body nested 50,000 deep with 400, again and again, and stays up", async (type, method, path) => {
    const before = await clusterState(server.url);
    for (let i = 0; i < 30; i++) {
      const r = await post(`${cmUrl()}${path}`, "[".repeat(50_000), type, method);
      expect(r.status).toBe(400);
      expect(r.json.reason).toBe("BadRequest");
    }
    const block = Array.from({ length: 500 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n");
    expect((await post(`${cmUrl()}${path}`, block, type, method)).status).toBe(400);
    expect(await alive()).toBe(true);
    expect(await clusterState(server.url)).toEqual(before);
  });
});

describe("prototype keys", () => {
  const patch = (body: string, type: string) => post(`${cmUrl()}/target`, body, type, "PATCH");
  // `immutable` is a ConfigMap field the validator reads on every ConfigMap: were it ever set on
  // Object.prototype, every new ConfigMap would come back immutable.
  const polluted = async () => {
    const name = `probe-${Math.random().toString(36).slice(2, 8)}`;
    const r = await post(cmUrl(), JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }), "application/json");
    expect(r.status).toBe(201);
    return r.json.immutable !== undefined || r.json.x !== undefined;
  };

  it.each([
    ["strategic merge", "application/strategic-merge-patch+json", '{"data":{"__proto__":{"x":"y","immutable":true}}}'],
    ["strategic merge, directive", "application/strategic-merge-patch+json", '{"data":{"$setElementOrder/__proto__":[{"immutable":true}]}}'],
    ["merge", "application/merge-patch+json", '{"data":{"__proto__":{"immutable":true}}}'],
    ["merge, escaped", "application/merge-patch+json", '{"metadata":{"\\u005f_proto__":{"immutable":true}}}'],
    ["json", "application/json-patch+json", '[{"op":"add","path":"/data/__proto__/immutable","value":true}]'],
    ["json, constructor", "application/json-patch+json", '[{"op":"add","path":"/data/constructor/prototype/immutable","value":true}]'],
    ["json, value", "application/json-patch+json", '[{"op":"add","path":"/metadata/labels","value":{"__proto__":{"immutable":true}}}]'],
    ["apply", "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: target\ndata:\n  __proto__:\n    immutable: true\n"],
  ])("refuses a %s patch with a __proto__ key with 422 and never pollutes a prototype", async (_what, type, body) => {
    const before = await clusterState(server.url);
    const url = type.startsWith("application/apply") ? "?fieldManager=fuzz" : "";
    const r = await post(`${cmUrl()}/target${url}`, body, type, "PATCH");
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ kind: "Status", reason: "Invalid", code: 422 });
    expect(await alive()).toBe(true);
    expect(await clusterState(server.url)).toEqual(before);
    expect(await polluted()).toBe(false);
  });

  it("treats constructor and prototype as ordinary data keys", async () => {
    const r = await patch('{"data":{"constructor":"c","prototype":"p"}}', "application/merge-patch+json");
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ a: "b", constructor: "c", prototype: "p" });
    expect(await polluted()).toBe(false);
  });

  it.each([
    ["JSON", "application/json", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p1"},"data":{"__proto__":{"immutable":true}}}'],
    ["YAML", "application/yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p2\n  labels:\n    __proto__: {immutable: true}\n"],
  ])("refuses a %s body with a __proto__ key with 422 naming the field", async (_what, type, body) => {
    const before = await clusterState(server.url);
    const r = await post(cmUrl(), body, type);
    expect(r.status).toBe(422);
    expect(r.json.details.causes[0].field).toMatch(/__proto__$/);
    expect(await clusterState(server.url)).toEqual(before);
    expect(await polluted()).toBe(false);
  });
});
