// /openapi/v3 for custom resources: one document per served group-version of the CRDs, built as
// the built-in kinds' are (api/openapi.ts), with each version's schema as a component named as
// Kubernetes names it (group reversed: com.example.stable.v1.CronTab) and metadata pointing at
// the shared ObjectMeta. What `kubectl explain` reads and what tells kubectl the server
// validates fields itself.
import { createHash } from "node:crypto";
import type { DefinedResource } from "../../../api/define";
import { configmaps, deployments } from "../../../api/index";
import { openapiDocumentOf } from "../../../api/openapi";
import type { JSONSchema } from "../../../api/jsonschema";
import type { ResourceType } from "../../../api/resource";
import type { CustomResourceCatalog } from "./catalog";
import { customInfo } from "./custom-type";

const COMPONENTS = "#/components/schemas/";

/** "com.example.stable.v1.CronTab" for group stable.example.com. */
export function componentName(rt: ResourceType): string {
  return [...rt.group.split(".").reverse(), rt.version, rt.kind].join(".");
}

const metaComponents = (): Record<string, JSONSchema> => ({
  ...Object.fromEntries(Object.entries(configmaps.openapi.components).filter(([k]) => k.startsWith("io.k8s.apimachinery."))),
  [INT_OR_STRING]: deployments.openapi.components[INT_OR_STRING]!,
});

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** The schema as published: int-or-string fields name the shared IntOrString (kubectl explain prints it so). */
function published(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(published);
  if (!node || typeof node !== "object") return node;
  const out: JSONSchema = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "default" || k === "enum" || k === "example" ? v : published(v);
  if (out["x-kubernetes-int-or-string"] !== true) return out;
  const { anyOf: _a, "x-kubernetes-int-or-string": _i, ...rest } = out;
  return { ...rest, allOf: [{ $ref: COMPONENTS + INT_OR_STRING }] };
}

function asDefined(rt: ResourceType): DefinedResource {
  const info = customInfo(rt)!;
  const schema = published((info.version.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true }) as JSONSchema) as JSONSchema;
  const props = (schema.properties as JSONSchema | undefined) ?? {};
  const name = componentName(rt);
  const component: JSONSchema = {
    ...schema,
    type: "object",
    properties: {
      ...props,
      apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
      kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
      metadata: { allOf: [{ $ref: `${COMPONENTS}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` }], description: "Standard object's metadata." },
    },
    "x-kubernetes-group-version-kind": [{ group: rt.group, version: rt.version, kind: rt.kind }],
  };
  const { group, version, kind, listKind, plural, namespaced, subresources } = rt;
  return { group, version, kind, listKind, plural, namespaced, subresources, openapi: { root: { $ref: COMPONENTS + name }, components: { ...metaComponents(), [name]: component } } } as unknown as DefinedResource;
}

type Doc = { doc: JSONSchema; hash: string };

/** The documents, rebuilt only when the catalog changed. */
export class CustomOpenApi {
  private built = -1;
  private docs = new Map<string, Doc>();

  constructor(private readonly catalog: CustomResourceCatalog) {}

  private current(): Map<string, Doc> {
    if (this.built === this.catalog.generation) return this.docs;
    const byKey = new Map<string, ResourceType[]>();
    for (const rt of this.catalog.types()) {
      const key = `apis/${rt.group}/${rt.version}`;
      byKey.set(key, [...(byKey.get(key) ?? []), rt]);
    }
    this.docs = new Map();
    for (const [key, members] of byKey) {
      let doc: JSONSchema | undefined;
      // The document is built on first request (a CRD of 500 KB is served before anyone reads
      // its document); the hash names what it is built from.
      this.docs.set(key, {
        get doc() {
          return (doc ??= openapiDocumentOf(key, members.map(asDefined)));
        },
        hash: hashOf(members),
      });
    }
    this.built = this.catalog.generation;
    return this.docs;
  }

  /** The entries the /openapi/v3 root lists for custom resources. */
  root(): Record<string, { serverRelativeURL: string }> {
    const out: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, d] of this.current()) out[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${d.hash}` };
    return out;
  }

  document(key: string): object | undefined {
    return this.current().get(key.replace(/^\/+/, ""))?.doc;
  }
}

function hashOf(members: ResourceType[]): string {
  const ids = members.map((rt) => {
    const { crd, version } = customInfo(rt)!;
    return `${crd.metadata.uid}/${crd.metadata.generation}/${version.name}`;
  });
  return createHash("sha512").update(ids.join(",")).digest("hex").slice(0, 128).toUpperCase();
}
