// CustomResourceDefinitions with the real kubectl: a CRD with a schema is served at once
// (discovery, explain, Tables), its custom resources are validated (422 with the field), pruned,
// defaulted, have status and scale subresources and printer columns, are watched, and go with
// their CRD.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../client";
import { CustomResourceInformers } from "../controlplane/controllers/crd/informers";
import { customResourceRefs } from "../controlplane/controllers/crd/resources";
import { kubectlFor } from "./fixtures/kubectl";
import { startTestServer, type TestServer } from "./fixtures/server";
import { eventually } from "./fixtures/wait";

let server: TestServer;
let kubectl: ReturnType<typeof kubectlFor>;
const work = mkdtempSync(join(tmpdir(), "kubelab-crd-"));

function manifest(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Port, type: string, jsonPath: .spec.port, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a thing with a size.
        properties:
          spec:
            type: object
            description: The widget's desired state.
            required: [size]
            properties:
              size: {type: string, enum: [small, large], description: How big the widget is.}
              replicas: {type: integer, minimum: 0, default: 1}
              color: {type: string, default: blue}
              port: {x-kubernetes-int-or-string: true}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              replicas: {type: integer}
              conditions:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [type]
                items:
                  type: object
                  required: [type, status]
                  properties: {type: {type: string}, status: {type: string}}
`;

const widget = (name: string, spec: string, extra = "") => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}}\nspec: ${spec}\n${extra}`;

beforeAll(async () => {
  server = await startTestServer({ args: ["--disable-controllers", "all"] });
  kubectl = kubectlFor(server.kubeconfig);
  expect(await kubectl.ok(["apply", "-f", manifest("crd.yaml", CRD)])).toContain("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created");
});

afterAll(async () => {
  await server?.stop();
});

describe("a CustomResourceDefinition", () => {
  it("is established at once and its resource served to the next kubectl", async () => {
    // Right after the create: no wait for the resource itself.
    expect(await kubectl.ok(["get", "widgets"])).toBe("");
    const status = JSON.parse(await kubectl.ok(["get", "crd", "widgets.example.com", "-o", "jsonpath={.status}"]));
    expect(status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(["NamesAccepted=True", "Established=True"]);
    expect(status.acceptedNames).toMatchObject({ plural: "widgets", kind: "Widget", listKind: "WidgetList", shortNames: ["wg"] });
    expect(status.storedVersions).toEqual(["v1"]);
    expect(await kubectl.ok(["api-resources", "--api-group", "example.com"])).toMatch(/widgets\s+wg\s+example.com\/v1\s+true\s+Widget/);
    expect((await kubectl.ok(["get", "crds"])).split("\n")[0].split(/\s{2,}/)).toEqual(["NAME", "CREATED AT"]);
  });

  it("is refused with the field when it is not valid", async () => {
    const bad = CRD.replace("name: widgets.example.com", "name: wrong.example.com").replace("type: integer, minimum: 0", "type: number, uniqueItems: true, minimum: 0").replace("storage: true", "storage: false");
    const r = await kubectl.run(["apply", "-f", manifest("bad-crd.yaml", bad)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group');
    expect(r.stderr).toContain("spec.versions: Invalid value");
    expect(r.stderr).toContain("must have exactly one version marked as storage version");
    expect(r.stderr).toContain("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas].uniqueItems: Forbidden");
  });

  it("lets kubectl explain its kind from the schema", async () => {
    const out = await kubectl.ok(["explain", "widgets.spec"]);
    expect(out).toContain("KIND:       Widget");
    expect(out).toContain("The widget's desired state.");
    expect(out).toMatch(/size\s+<string>/);
    expect(out).toContain("How big the widget is.");
    expect(out).toMatch(/port\s+<IntOrString>/);
  });
});

describe("custom resources", () => {
  it("are created with defaults, printed with the printer columns and read back", async () => {
    expect(await kubectl.ok(["apply", "-f", manifest("w1.yaml", widget("w1", "{size: small, port: 8080, extra: {anything: {goes: true}}}"))])).toContain("widget.example.com/w1 created");
    const obj = JSON.parse(await kubectl.ok(["get", "widget", "w1", "-o", "json"]));
    expect(obj.spec).toEqual({ size: "small", port: 8080, replicas: 1, color: "blue", extra: { anything: { goes: true } } });
    expect(obj.metadata.generation).toBe(1);
    const [header, row] = (await kubectl.ok(["get", "wg"])).trim().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "SIZE", "REPLICAS", "READY", "AGE"]);
    expect(row.split(/\s+/).slice(0, 3)).toEqual(["w1", "small", "1"]);
    expect((await kubectl.ok(["get", "wg", "-o", "wide"])).split("\n")[0]).toMatch(/NAME\s+SIZE\s+REPLICAS\s+READY\s+PORT\s+AGE/);
  });

  it("are refused with 422 and each bad field", async () => {
    const r = await kubectl.run(["apply", "-f", manifest("bad.yaml", widget("bad", "{size: huge, replicas: -1, port: true}"))]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "bad" is invalid');
    expect(r.stderr).toContain('spec.size: Unsupported value: "huge": supported values: "small", "large"');
    expect(r.stderr).toContain("spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0");
    expect(r.stderr).toContain("spec.port: Invalid value: true");
    const missing = await kubectl.run(["apply", "-f", manifest("missing.yaml", widget("missing", "{color: red}"))]);
    expect(missing.stderr).toContain("spec.size: Required value");
    expect((await kubectl.run(["get", "widget", "bad"])).code).not.toBe(0);
  });

  it("lose unknown fields (refused under strict validation, pruned otherwise)", async () => {
    const file = manifest("w2.yaml", widget("w2", "{size: large, bogus: 1, nested: {deep: x}}", "status: {replicas: 1}\nunknownTop: 3\n"));
    const strict = await kubectl.run(["apply", "-f", file]);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
    const warn = await kubectl.run(["apply", "--validate=warn", "-f", file]);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('unknown field "spec.bogus"');
    const obj = JSON.parse(await kubectl.ok(["get", "widget", "w2", "-o", "json"]));
    expect(obj.spec).toEqual({ size: "large", replicas: 1, color: "blue" });
    expect(obj.unknownTop).toBeUndefined();
    // The status subresource: a create does not set status.
    expect(obj.status).toBeUndefined();
  });

  it("apply server-side, keep status off the main resource and bump generation on spec only", async () => {
    const file = manifest("w3.yaml", widget("w3", "{size: large, replicas: 2}", "status: {replicas: 9}\n"));
    expect(await kubectl.ok(["apply", "--server-side", "-f", file])).toContain("serverside-applied");
    await kubectl.ok(["patch", "widget", "w3", "--subresource", "status", "--type", "merge", "-p", '{"status":{"replicas":2,"conditions":[{"type":"Ready","status":"True"}]},"spec":{"size":"small"}}']);
    let obj = JSON.parse(await kubectl.ok(["get", "widget", "w3", "-o", "json"]));
    expect(obj.spec.size).toBe("large");
    expect(obj.status).toEqual({ replicas: 2, conditions: [{ type: "Ready", status: "True" }] });
    expect(obj.metadata.generation).toBe(1);
    expect((await kubectl.ok(["get", "wg", "w3", "--no-headers"])).split(/\s+/).slice(0, 4)).toEqual(["w3", "large", "2", "True"]);
    await kubectl.ok(["apply", "--server-side", "-f", manifest("w3b.yaml", widget("w3", "{size: small, replicas: 2}"))]);
    obj = JSON.parse(await kubectl.ok(["get", "widget", "w3", "-o", "json"]));
    expect(obj.spec.size).toBe("small");
    expect(obj.metadata.generation).toBe(2);
    expect(obj.status.replicas).toBe(2);
  });

  it("are counted in the request metrics under their own resource name", async () => {
    const metrics = await kubectl.ok(["get", "--raw", "/metrics"]);
    expect(metrics).toMatch(/apiserver_request_total\{[^}]*resource="widgets"/);
  });

  it("scale through the scale subresource", async () => {
    expect(await kubectl.ok(["scale", "widget", "w1", "--replicas", "4"])).toContain("widget.example.com/w1 scaled");
    expect(await kubectl.ok(["get", "widget", "w1", "-o", "jsonpath={.spec.replicas}"])).toBe("4");
    const r = await kubectl.run(["scale", "widget", "w1", "--replicas", "-2"]);
    expect(r.code).not.toBe(0);
  });

  it("are seen by a watch", async () => {
    const watch = kubectl.spawn(["get", "widgets", "--watch", "-o", "name"]);
    let out = "";
    watch.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await eventually(() => expect(out).toContain("widget.example.com/w1"));
      await kubectl.ok(["apply", "-f", manifest("w4.yaml", widget("w4", "{size: small}"))]);
      await eventually(() => expect(out).toContain("widget.example.com/w4"));
    } finally {
      watch.kill();
    }
  });
});

const GADGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {plural: gadgets, kind: Gadget}
  scope: Cluster
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}, old: {type: string, default: beta}}}}}}
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
`;

describe("a CRD with two versions", () => {
  it("serves both, stores in the storage version and answers each in its own apiVersion", async () => {
    await kubectl.ok(["apply", "-f", manifest("gadgets.yaml", GADGETS)]);
    const groups = JSON.parse(await kubectl.ok(["get", "--raw", "/apis/example.com"]));
    expect(groups.preferredVersion.version).toBe("v1");
    expect(groups.versions.map((v: { version: string }) => v.version)).toEqual(["v1", "v1beta1"]);
    await kubectl.ok(["apply", "-f", manifest("g1.yaml", "apiVersion: example.com/v1beta1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 3}\n")]);
    const beta = JSON.parse(await kubectl.ok(["get", "--raw", "/apis/example.com/v1beta1/gadgets/g1"]));
    expect(beta.apiVersion).toBe("example.com/v1beta1");
    expect(beta.spec).toEqual({ size: 3, old: "beta" });
    const list = JSON.parse(await kubectl.ok(["get", "--raw", "/apis/example.com/v1beta1/gadgets"]));
    expect(list.items.map((i: { apiVersion: string }) => i.apiVersion)).toEqual(["example.com/v1beta1"]);
    const ga = JSON.parse(await kubectl.ok(["get", "gadgets.v1.example.com", "g1", "-o", "json"]));
    expect(ga.apiVersion).toBe("example.com/v1");
    const events = await kubectl.ok(["get", "--raw", "/apis/example.com/v1beta1/gadgets?watch=1&timeoutSeconds=1"]);
    expect(events.trim().split("\n").map((l) => JSON.parse(l).object.apiVersion)).toEqual(["example.com/v1beta1"]);
    const crd = JSON.parse(await kubectl.ok(["get", "crd", "gadgets.example.com", "-o", "json"]));
    expect(crd.status.storedVersions).toEqual(["v1"]);
    // The storage version moves to v1beta1: objects stored before still read in either version.
    await kubectl.ok(["apply", "-f", manifest("gadgets2.yaml", GADGETS.replace("storage: false", "storage: STORE").replace("storage: true", "storage: false").replace("storage: STORE", "storage: true"))]);
    await kubectl.ok(["apply", "-f", manifest("g2.yaml", "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g2}\nspec: {size: 4}\n")]);
    const both = JSON.parse(await kubectl.ok(["get", "--raw", "/apis/example.com/v1/gadgets"]));
    expect(both.items.map((i: { apiVersion: string; metadata: { name: string } }) => `${i.metadata.name} ${i.apiVersion}`)).toEqual(["g1 example.com/v1", "g2 example.com/v1"]);
    expect(JSON.parse(await kubectl.ok(["get", "crd", "gadgets.example.com", "-o", "json"])).status.storedVersions).toEqual(["v1", "v1beta1"]);
    await kubectl.ok(["delete", "crd", "gadgets.example.com"]);
  });

  it("is not served when its names are taken, and its deletion leaves the other CRD's resources alone", async () => {
    const rival = CRD.replace("name: widgets.example.com", "name: gizmos.example.com").replace("plural: widgets, singular: widget", "plural: gizmos, singular: gizmo").replace("shortNames: [wg]", "shortNames: [gz]");
    await kubectl.ok(["apply", "-f", manifest("rival.yaml", rival)]);
    await eventually(async () => {
      const status = JSON.parse(await kubectl.ok(["get", "crd", "gizmos.example.com", "-o", "jsonpath={.status}"]));
      expect(status.conditions.map((c: { type: string; status: string; message: string }) => `${c.type}=${c.status} ${c.message}`)).toEqual([
        'NamesAccepted=False "Widget" is already in use',
        "Established=False not all names are accepted",
      ]);
      return true;
    });
    expect((await kubectl.run(["get", "--raw", "/apis/example.com/v1/namespaces/default/gizmos"])).code).not.toBe(0);
    await kubectl.ok(["delete", "crd", "gizmos.example.com"]);
    expect(await kubectl.ok(["get", "widget", "w1", "-o", "name"])).toBe("widget.example.com/w1\n");
  });
});

const ROUTERS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: routers.example.com}
spec:
  group: example.com
  names: {plural: routers, kind: Router}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items: {type: object, required: [name], properties: {name: {type: string}, port: {type: integer}}}
              tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
`;

describe("server-side apply by several managers", () => {
  it("merges list-type map and set entries per manager and reports conflicts by key", async () => {
    await kubectl.ok(["apply", "-f", manifest("routers.yaml", ROUTERS)]);
    await kubectl.ok(["wait", "--for", "condition=established", "crd/routers.example.com", "--timeout", "10s"]);
    const router = (spec: string) => manifest("r.yaml", `apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r}\nspec: ${spec}\n`);
    await kubectl.ok(["apply", "--server-side", "--field-manager", "one", "-f", router("{ports: [{name: http, port: 80}], tags: [a]}")]);
    await kubectl.ok(["apply", "--server-side", "--field-manager", "two", "-f", router("{ports: [{name: https, port: 443}], tags: [b]}")]);
    expect(JSON.parse(await kubectl.ok(["get", "router", "r", "-o", "jsonpath={.spec}"]))).toEqual({ ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }], tags: ["a", "b"] });
    const conflict = await kubectl.run(["apply", "--server-side", "--field-manager", "two", "-f", router("{ports: [{name: http, port: 8080}]}")]);
    expect(conflict.stderr).toContain('conflict with "one": .spec.ports[name="http"].port');
  });

  it("serves a changed schema at once", async () => {
    const more = ROUTERS.replace("tags: {type: array", "weight: {type: integer, default: 7}\n              tags: {type: array");
    await kubectl.ok(["apply", "-f", manifest("routers2.yaml", more)]);
    await kubectl.ok(["apply", "-f", manifest("r2.yaml", "apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r2}\nspec: {weight: 3}\n")]);
    await kubectl.ok(["apply", "-f", manifest("r3.yaml", "apiVersion: example.com/v1\nkind: Router\nmetadata: {name: r3}\nspec: {}\n")]);
    // r was stored before weight had a default: it gets it when read, as Kubernetes defaults on read.
    expect(await kubectl.ok(["get", "routers", "-o", "jsonpath={.items[*].spec.weight}"])).toBe("7 3 7");
    expect(await kubectl.ok(["get", "router", "r", "-o", "jsonpath={.spec.weight}"])).toBe("7");
    const more2 = more.replace("    schema:", "    additionalPrinterColumns: [{name: Weight, type: integer, jsonPath: .spec.weight}]\n    schema:");
    await kubectl.ok(["apply", "-f", manifest("routers3.yaml", more2)]);
    expect((await kubectl.ok(["get", "router", "r", "--no-headers"])).split(/\s+/).slice(0, 2)).toEqual(["r", "7"]);
  });
});

describe("the controllers' view of custom resources", () => {
  it("lists the established CRDs' kinds and runs an informer per kind as CRDs come and go", async () => {
    const client = RestClient.fromKubeconfig(server.kubeconfig);
    const refs = await customResourceRefs(client, "Namespaced");
    expect(refs).toContainEqual({ group: "example.com", version: "v1", plural: "widgets", kind: "Widget", namespaced: true });
    expect(await customResourceRefs(client, "Cluster")).toEqual([]);
    const stop = new AbortController();
    const kinds = new CustomResourceInformers(client);
    const seen: string[] = [];
    kinds.listen({ added: (key) => seen.push(`+${key}`), removed: (key) => seen.push(`-${key}`) });
    kinds.start(stop.signal);
    try {
      await eventually(() => expect(kinds.kinds().get("widgets.example.com")?.informer.list().map((w) => w.metadata?.name)).toContain("w1"));
      await kubectl.ok(["apply", "-f", manifest("things.yaml", GADGETS.replace(/gadgets/g, "things").replace("kind: Gadget", "kind: Thing"))]);
      await eventually(() => expect(seen).toContain("+things.example.com"));
      expect(kinds.refForKind("example.com/v1beta1", "Thing")).toEqual({ group: "example.com", version: "v1beta1", plural: "things", kind: "Thing", namespaced: false });
      await kubectl.ok(["delete", "crd", "things.example.com"]);
      await eventually(() => expect(seen).toContain("-things.example.com"));
    } finally {
      stop.abort();
    }
  });
});

describe("a server restart", () => {
  it("keeps the CRDs served and their custom resources", async () => {
    await server.restart();
    expect(await kubectl.ok(["get", "widget", "w1", "-o", "jsonpath={.spec.size}"])).toBe("small");
    expect(await kubectl.ok(["get", "crd", "widgets.example.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"])).toBe("True");
  });
});

describe("deleting the CustomResourceDefinition", () => {
  it("deletes its custom resources, then itself, and stops serving the resource", async () => {
    expect((await kubectl.ok(["get", "widgets", "-o", "name"])).trim().split("\n").length).toBeGreaterThanOrEqual(3);
    expect(await kubectl.ok(["delete", "crd", "widgets.example.com"])).toContain("deleted");
    await eventually(async () => expect((await kubectl.run(["get", "crd", "widgets.example.com"])).code).not.toBe(0));
    const r = await kubectl.run(["get", "widgets"]);
    expect(r.code).not.toBe(0);
    // kubectl's discovery cache may still name the resource; the server then answers 404.
    expect(r.stderr).toMatch(/the server doesn't have a resource type "widgets"|the server could not find the requested resource/);
    // Created again, it starts empty: the old custom resources are gone from the store.
    await kubectl.ok(["apply", "-f", join(work, "crd.yaml")]);
    await eventually(async () => expect(await kubectl.ok(["get", "widgets", "-A", "-o", "name"])).toBe(""));
  });
});
