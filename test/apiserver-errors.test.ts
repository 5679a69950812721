// Every bad input gets the Status Kubernetes would give, and leaves the store as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./fixtures/server";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
});
afterAll(async () => {
  await server?.stop();
});

const podsUrl = () => `${server.url}/api/v1/namespaces/default/pods`;

function pod(name: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "app", image: "kubelab/web:1" }] }, ...extra };
}

async function send(method: string, url: string, body?: string | object, contentType = "application/json") {
  const res = await fetch(url, {
    method,
    headers: { "Content-Type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** The list of pods and the store revision: what must not change after a refused write. */
async function snapshot() {
  const r = await send("GET", podsUrl());
  return { names: r.json.items.map((p: any) => p.metadata.name).sort(), rv: r.json.metadata.resourceVersion };
}

describe("bad input", () => {
  it("answers malformed JSON with 400 BadRequest", async () => {
    const before = await snapshot();
    const r = await send("POST", podsUrl(), '{"apiVersion": "v1", "kind": "Pod", "metadata": {');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    expect(await snapshot()).toEqual(before);
  });

  it("answers malformed YAML with 400 BadRequest", async () => {
    const before = await snapshot();
    const r = await send("POST", podsUrl(), "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", "application/yaml");
    expect(r.status).toBe(400);
    expect(r.json.reason).toBe("BadRequest");
    expect(await snapshot()).toEqual(before);
  });

  it("handles unknown fields per fieldValidation: Strict refuses, Warn warns, Ignore drops", async () => {
    const body = pod("strict", { spec: { containers: [{ name: "app", image: "kubelab/web:1", imagePolicy: "x" }] } });
    const strict = await send("POST", `${podsUrl()}?fieldValidation=Strict`, body);
    expect(strict.status).toBe(400);
    expect(strict.json.message).toContain('unknown field "spec.containers[0].imagePolicy"');
    const warn = await send("POST", `${podsUrl()}?fieldValidation=Warn`, { ...body, metadata: { name: "warned" } });
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toContain('unknown field \\"spec.containers[0].imagePolicy\\"');
    expect(warn.json.spec.containers[0].imagePolicy).toBeUndefined();
    const ignore = await send("POST", `${podsUrl()}?fieldValidation=Ignore`, { ...body, metadata: { name: "ignored" } });
    expect(ignore.status).toBe(201);
    expect(ignore.headers.get("warning")).toBeNull();
    expect((await snapshot()).names).toEqual(expect.arrayContaining(["warned", "ignored"]));
    expect((await snapshot()).names).not.toContain("strict");
  });

  it("refuses an invalid name with 422 Invalid and the field", async () => {
    const before = await snapshot();
    const r = await send("POST", podsUrl(), pod("Not_A_Name"));
    expect(r.status).toBe(422);
    expect(r.json.reason).toBe("Invalid");
    expect(r.json.details.causes).toEqual(expect.arrayContaining([expect.objectContaining({ field: "metadata.name", reason: "FieldValueInvalid" })]));
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an update at a stale resourceVersion with 409 Conflict", async () => {
    const created = await send("POST", podsUrl(), pod("versioned"));
    const rv = created.json.metadata.resourceVersion;
    const labelled = { ...created.json, metadata: { ...created.json.metadata, labels: { v: "2" } } };
    expect((await send("PUT", `${podsUrl()}/versioned`, labelled)).status).toBe(200);
    const stale = { ...created.json, metadata: { ...created.json.metadata, resourceVersion: rv, labels: { v: "3" } } };
    const r = await send("PUT", `${podsUrl()}/versioned`, stale);
    expect(r.status).toBe(409);
    expect(r.json.reason).toBe("Conflict");
    expect(r.json.message).toContain("the object has been modified");
    expect((await send("GET", `${podsUrl()}/versioned`)).json.metadata.labels).toEqual({ v: "2" });
  });

  it("refuses a body over the size limit with 413 RequestEntityTooLarge", async () => {
    const before = await snapshot();
    const big = pod("big", { metadata: { name: "big", annotations: { blob: "x".repeat(4 * 1024 * 1024) } } });
    const r = await send("POST", podsUrl(), big);
    expect(r.status).toBe(413);
    expect(r.json.reason).toBe("RequestEntityTooLarge");
    expect(await snapshot()).toEqual(before);
  });

  it("answers an unknown resource and an unknown object with 404 NotFound", async () => {
    const r = await send("GET", `${server.url}/api/v1/namespaces/default/widgets`);
    expect(r.status).toBe(404);
    expect(r.json.reason).toBe("NotFound");
    const missing = await send("GET", `${podsUrl()}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('pods "nope" not found');
    expect(missing.json.details).toMatchObject({ name: "nope", kind: "pods" });
  });

  it("refuses objects in a namespace that does not exist", async () => {
    const r = await send("POST", `${server.url}/api/v1/namespaces/nowhere/pods`, pod("lost"));
    expect(r.status).toBe(404);
    expect(r.json.message).toBe('namespaces "nowhere" not found');
  });

  it("answers an unsupported patch type with 415", async () => {
    const r = await send("PATCH", `${podsUrl()}/versioned`, "{}", "text/plain");
    expect(r.status).toBe(415);
    expect(r.json.reason).toBe("UnsupportedMediaType");
  });

  it("never stores a dry-run write", async () => {
    const before = await snapshot();
    const r = await send("POST", `${podsUrl()}?dryRun=All`, pod("dry"));
    expect(r.status).toBe(201);
    expect(r.json.spec.restartPolicy).toBe("Always");
    expect(await snapshot()).toEqual(before);
  });
});

describe("writes that change nothing", () => {
  const nsUrl = () => `${server.url}/api/v1/namespaces/kube-system`;

  it("namespaces/finalize is update-only: GET and PATCH are 405 and write nothing", async () => {
    const before = (await send("GET", nsUrl())).json.metadata.resourceVersion;
    const patch = await send("PATCH", `${nsUrl()}/finalize`, { metadata: { labels: { x: "y" } } }, "application/merge-patch+json");
    expect(patch.status).toBe(405);
    expect(patch.json).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", code: 405 });
    expect((await send("GET", `${nsUrl()}/finalize`)).status).toBe(405);
    const after = (await send("GET", nsUrl())).json;
    expect(after.metadata.resourceVersion).toBe(before);
    expect(after.metadata.labels?.x).toBeUndefined();
  });

  it("a PUT of the object as it is keeps its resourceVersion, whatever the key order", async () => {
    const live = (await send("GET", nsUrl())).json;
    // The same object with its keys in another order (as another client would encode it).
    const reordered = { status: live.status, spec: live.spec, metadata: Object.fromEntries(Object.entries(live.metadata).reverse()), kind: live.kind, apiVersion: live.apiVersion };
    const put = await send("PUT", nsUrl(), reordered);
    expect(put.status).toBe(200);
    expect(put.json.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
    expect((await send("GET", nsUrl())).json.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
  });
});
