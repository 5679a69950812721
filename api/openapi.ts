// /openapi/v3: one OpenAPI 3.0 document per group-version, with components.schemas named like
// Kubernetes' (io.k8s.api.core.v1.Pod) and paths whose operations carry
// x-kubernetes-group-version-kind and the fieldValidation/dryRun/fieldManager parameters that
// kubectl looks for before it leaves validation to the server.
import { createHash } from "node:crypto";
import { bindingType, resourceTypes, scaleType } from "./index";
import type { DefinedResource } from "./define";
import type { JSONSchema } from "./jsonschema";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** "api/v1", "apis/apps/v1": the key of a group-version in /openapi/v3. */
function groupVersionKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function queryParam(name: string, description: string, type = "string"): JSONSchema {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

const params = {
  pretty: queryParam("pretty", "If 'true', then the output is pretty printed."),
  dryRun: queryParam("dryRun", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
  fieldManager: queryParam("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: queryParam(
    "fieldValidation",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict.",
  ),
  force: queryParam("force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people.", "boolean"),
  labelSelector: queryParam("labelSelector", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  fieldSelector: queryParam("fieldSelector", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  limit: queryParam("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
  continue: queryParam("continue", "The continue option should be set when retrieving more results from the server."),
  resourceVersion: queryParam("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  watch: queryParam("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"),
  timeoutSeconds: queryParam("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
  allowWatchBookmarks: queryParam("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"),
  gracePeriodSeconds: queryParam("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
  propagationPolicy: queryParam("propagationPolicy", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
};

const pathParam = (name: string, description: string): JSONSchema => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", uniqueItems: true },
});

const jsonContent = (schema: JSONSchema) => ({
  "application/json": { schema },
  "application/yaml": { schema },
});

const patchContent = {
  "application/apply-patch+yaml": { schema: ref(`${META}.Patch`) },
  "application/json-patch+json": { schema: ref(`${META}.Patch`) },
  "application/merge-patch+json": { schema: ref(`${META}.Patch`) },
  "application/strategic-merge-patch+json": { schema: ref(`${META}.Patch`) },
};

function groupWord(group: string, version: string): string {
  const base = group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
  const camel = base
    .split(/[.-]/)
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join("");
  return camel + version.charAt(0).toUpperCase() + version.slice(1);
}

interface OperationSpec {
  action: string;
  id: string;
  description: string;
  parameters: JSONSchema[];
  responseSchema: JSONSchema;
  requestBody?: JSONSchema;
  gvk: JSONSchema;
  tag: string;
}

function operation(o: OperationSpec): JSONSchema {
  const op: JSONSchema = {
    tags: [o.tag],
    description: o.description,
    operationId: o.id,
    parameters: o.parameters,
    responses: {
      "200": { description: "OK", content: jsonContent(o.responseSchema) },
      "401": { description: "Unauthorized" },
    },
    "x-kubernetes-action": o.action,
    "x-kubernetes-group-version-kind": o.gvk,
  };
  if (o.requestBody) op.requestBody = { content: o.requestBody, required: true };
  if (o.action === "post") (op.responses as JSONSchema)["201"] = { description: "Created", content: jsonContent(o.responseSchema) };
  return op;
}

function resourcePaths(rt: DefinedResource): Record<string, JSONSchema> {
  const prefix = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  const schemaName = (rt.openapi.root.$ref as string).split("/").pop()!;
  const listName = schemaName.replace(/[^.]+$/, rt.listKind);
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  const gw = groupWord(rt.group, rt.version);
  const ns = rt.namespaced ? "Namespaced" : "";
  const tag = gw.replace(/^./, (c) => c.toLowerCase()).replace(/([A-Z])/g, (c) => `_${c.toLowerCase()}`);
  const collection = rt.namespaced ? `${prefix}/namespaces/{namespace}/${rt.plural}` : `${prefix}/${rt.plural}`;
  const item = `${collection}/{name}`;
  const common: JSONSchema[] = [
    ...(rt.namespaced ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")] : []),
    params.pretty,
  ];
  const nameParam = pathParam("name", `name of the ${rt.kind}`);
  const writeParams = [params.dryRun, params.fieldManager, params.fieldValidation];
  const body = jsonContent(ref(schemaName));
  const listParams = [params.labelSelector, params.fieldSelector, params.limit, params.continue, params.resourceVersion, params.watch, params.timeoutSeconds, params.allowWatchBookmarks];
  const deleteParams = [params.dryRun, params.gracePeriodSeconds, params.propagationPolicy];
  const paths: Record<string, JSONSchema> = {};
  paths[collection] = {
    parameters: common,
    get: operation({ action: "list", id: `list${gw}${ns}${rt.kind}`, description: `list or watch objects of kind ${rt.kind}`, parameters: listParams, responseSchema: ref(listName), gvk, tag }),
    post: operation({ action: "post", id: `create${gw}${ns}${rt.kind}`, description: `create a ${rt.kind}`, parameters: writeParams, responseSchema: ref(schemaName), requestBody: body, gvk, tag }),
    delete: operation({ action: "deletecollection", id: `delete${gw}Collection${ns}${rt.kind}`, description: `delete collection of ${rt.kind}`, parameters: [...deleteParams, ...listParams], responseSchema: ref(`${META}.Status`), gvk, tag }),
  };
  paths[item] = {
    parameters: [nameParam, ...common],
    get: operation({ action: "get", id: `read${gw}${ns}${rt.kind}`, description: `read the specified ${rt.kind}`, parameters: [], responseSchema: ref(schemaName), gvk, tag }),
    put: operation({ action: "put", id: `replace${gw}${ns}${rt.kind}`, description: `replace the specified ${rt.kind}`, parameters: writeParams, responseSchema: ref(schemaName), requestBody: body, gvk, tag }),
    patch: operation({ action: "patch", id: `patch${gw}${ns}${rt.kind}`, description: `partially update the specified ${rt.kind}`, parameters: [...writeParams, params.force], responseSchema: ref(schemaName), requestBody: patchContent, gvk, tag }),
    delete: operation({ action: "delete", id: `delete${gw}${ns}${rt.kind}`, description: `delete a ${rt.kind}`, parameters: deleteParams, responseSchema: ref(`${META}.Status`), gvk, tag }),
  };
  if (rt.namespaced) {
    paths[`${prefix}/${rt.plural}`] = {
      parameters: [params.pretty],
      get: operation({ action: "list", id: `list${gw}${rt.kind}ForAllNamespaces`, description: `list or watch objects of kind ${rt.kind}`, parameters: listParams, responseSchema: ref(listName), gvk, tag }),
    };
  }
  for (const sub of rt.subresources) {
    const subWord = sub.charAt(0).toUpperCase() + sub.slice(1);
    const path = `${item}/${sub}`;
    if (sub === "status" || sub === "scale") {
      const subSchema = sub === "scale" ? "io.k8s.api.autoscaling.v1.Scale" : schemaName;
      const subGvk = sub === "scale" ? { group: "autoscaling", version: "v1", kind: "Scale" } : gvk;
      const subBody = jsonContent(ref(subSchema));
      paths[path] = {
        parameters: [nameParam, ...common],
        get: operation({ action: "get", id: `read${gw}${ns}${rt.kind}${subWord}`, description: `read ${sub} of the specified ${rt.kind}`, parameters: [], responseSchema: ref(subSchema), gvk: subGvk, tag }),
        put: operation({ action: "put", id: `replace${gw}${ns}${rt.kind}${subWord}`, description: `replace ${sub} of the specified ${rt.kind}`, parameters: writeParams, responseSchema: ref(subSchema), requestBody: subBody, gvk: subGvk, tag }),
        patch: operation({ action: "patch", id: `patch${gw}${ns}${rt.kind}${subWord}`, description: `partially update ${sub} of the specified ${rt.kind}`, parameters: [...writeParams, params.force], responseSchema: ref(subSchema), requestBody: patchContent, gvk: subGvk, tag }),
      };
    } else if (sub === "binding") {
      const bgvk = { group: "", version: "v1", kind: "Binding" };
      paths[path] = {
        parameters: [nameParam, ...common],
        post: operation({ action: "post", id: `create${gw}${ns}${rt.kind}Binding`, description: `create binding of a ${rt.kind}`, parameters: writeParams, responseSchema: ref("io.k8s.api.core.v1.Binding"), requestBody: jsonContent(ref("io.k8s.api.core.v1.Binding")), gvk: bgvk, tag }),
      };
    } else if (sub === "log") {
      paths[path] = {
        parameters: [nameParam, ...common],
        get: {
          tags: [tag],
          description: `read log of the specified ${rt.kind}`,
          operationId: `read${gw}${ns}${rt.kind}Log`,
          parameters: ["container", "follow", "previous", "sinceSeconds", "tailLines", "timestamps", "limitBytes"].map((n) => queryParam(n, n)),
          responses: { "200": { description: "OK", content: { "text/plain": { schema: { type: "string" } } } } },
          "x-kubernetes-action": "get",
          "x-kubernetes-group-version-kind": gvk,
        },
      };
    }
  }
  return paths;
}

function listSchema(rt: DefinedResource, schemaName: string): JSONSchema {
  return {
    description: `${rt.listKind} is a list of ${rt.kind} objects.`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
      items: { type: "array", description: `List of ${rt.plural}.`, items: ref(schemaName) },
      kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
      metadata: { allOf: [ref(`${META}.ListMeta`)], description: "Standard list metadata." },
    },
    "x-kubernetes-group-version-kind": [{ group: rt.group, version: rt.version, kind: rt.listKind }],
  };
}

const metaSchemas: Record<string, JSONSchema> = {
  [`${META}.Patch`]: { type: "object", description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." },
  [`${META}.Status`]: {
    type: "object",
    description: "Status is a return value for calls that don't return other objects.",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      code: { type: "integer", format: "int32" },
      details: { type: "object" },
      message: { type: "string" },
      reason: { type: "string" },
      status: { type: "string" },
      metadata: { allOf: [ref(`${META}.ListMeta`)] },
    },
    "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Status" }],
  },
  [`${META}.ListMeta`]: {
    type: "object",
    description: "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
    properties: {
      continue: { type: "string" },
      remainingItemCount: { type: "integer", format: "int64" },
      resourceVersion: { type: "string" },
      selfLink: { type: "string" },
    },
  },
};

function buildDocument(key: string, members: DefinedResource[]): JSONSchema {
  const schemas: Record<string, JSONSchema> = { ...metaSchemas };
  let paths: Record<string, JSONSchema> = {};
  const gv = key.replace(/^apis?\//, "");
  for (const rt of members) {
    const named = rt.openapi;
    Object.assign(schemas, named.components);
    const schemaName = (named.root.$ref as string).split("/").pop()!;
    schemas[schemaName.replace(/[^.]+$/, rt.listKind)] = listSchema(rt, schemaName);
    if (rt.subresources.includes("scale")) Object.assign(schemas, scaleType.openapi.components);
    paths = { ...paths, ...resourcePaths(rt) };
  }
  if (members.some((r) => r.subresources.includes("binding"))) {
    Object.assign(schemas, bindingType.openapi.components);
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0-kubelab" },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: "apiKey", description: "Bearer Token authentication", name: "authorization", in: "header" } },
    },
    "x-kubelab-group-version": gv,
  };
}


const documents = new Map<string, { doc: JSONSchema; hash: string }>();

function groupVersionKeys(): string[] {
  return [...new Set(resourceTypes.map((r) => groupVersionKey(r.group, r.version)))];
}

function cached(key: string): { doc: JSONSchema; hash: string } | undefined {
  let entry = documents.get(key);
  if (!entry) {
    const members = resourceTypes.filter((r) => groupVersionKey(r.group, r.version) === key);
    if (members.length === 0) return undefined;
    const doc = buildDocument(key, members);
    const hash = createHash("sha512").update(JSON.stringify(doc)).digest("hex").slice(0, 128).toUpperCase();
    entry = { doc, hash };
    documents.set(key, entry);
  }
  return entry;
}

/**
 * Builds the built-in documents in the background (about a second of CPU in all), one
 * group-version per turn of the event loop so requests are served in between, starting after
 * `delayMs`: the first GET /openapi/v3 (a first `kubectl apply`) then finds them built. Neither
 * readiness nor a process's exit waits for it; a request that comes first builds what it needs.
 */
export function warmOpenapiV3(delayMs: number): void {
  const keys = groupVersionKeys();
  const next = () => {
    const key = keys.shift();
    if (key === undefined) return;
    cached(key);
    setImmediate(next).unref();
  };
  setTimeout(next, delayMs).unref();
}

/** GET /openapi/v3: where each group-version's document lives, with a content hash. */
export function openapiV3Root(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const key of groupVersionKeys()) {
    const entry = cached(key)!;
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${entry.hash}` };
  }
  return { paths };
}

/** GET /openapi/v3/<key> ("api/v1", "apis/apps/v1"): the document, or undefined for 404. */
export function openapiV3Document(groupVersionKeyStr: string): object | undefined {
  return cached(groupVersionKeyStr.replace(/^\/+/, "").replace(/^openapi\/v3\//, ""))?.doc;
}

/** The /openapi/v3 document of one group-version's resources (CRDs' documents are built with it too). */
export { buildDocument as openapiDocumentOf };
