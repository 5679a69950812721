// A CRD of the size real projects ship (hundreds of KB of schema, nested objects and lists with
// descriptions on every field, as the Prometheus operator's or Argo CD's have), made up here.
const words = "the of a to in is for that on with as by this be are from or an at which it not can all when each value field".split(" ");

function description(seed: number, n = 28): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words[(seed * 7 + i * 13) % words.length]);
  return out.join(" ") + ".";
}

function leaf(seed: number): Record<string, unknown> {
  switch (seed % 5) {
    case 0:
      return { type: "string", description: description(seed) };
    case 1:
      return { type: "integer", format: "int32", minimum: 0, description: description(seed) };
    case 2:
      return { type: "boolean", description: description(seed) };
    case 3:
      return { type: "array", items: { type: "string" }, description: description(seed), "x-kubernetes-list-type": "atomic" };
    default:
      return { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }], description: description(seed) };
  }
}

function objectOf(seed: number, depth: number, width: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < width; i++) {
    const s = seed * 31 + i;
    properties[`field${i}`] = depth > 0 && i % 4 === 0 ? objectOf(s, depth - 1, width) : leaf(s);
  }
  return { type: "object", description: description(seed, 40), properties };
}

/** The CRD `bigs.bench.kubelab.io` whose schema is at least `bytes` of JSON. */
export function bigCrd(bytes = 500_000): Record<string, unknown> {
  const spec: Record<string, unknown> = { type: "object", properties: {} as Record<string, unknown> };
  const props = spec.properties as Record<string, unknown>;
  for (let i = 0; JSON.stringify(spec).length < bytes; i++) {
    props[`section${i}`] = i % 3 === 0 ? { type: "array", description: description(i), items: objectOf(i, 2, 12) } : objectOf(i, 2, 12);
  }
  props.replicas = { type: "integer", minimum: 0, default: 1 };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "bigs.bench.kubelab.io" },
    spec: {
      group: "bench.kubelab.io",
      names: { plural: "bigs", singular: "big", kind: "Big" },
      scope: "Namespaced",
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", properties: { spec, status: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } } },
      }],
    },
  };
}
