// Custom resources in the API server: the catalog of served CRDs (./catalog.ts), their OpenAPI
// documents (./openapi.ts) and the in-process CRD controller (./controller.ts). The server wires
// these through customResources(); the hooks of the shared handlers are the other exports.
import type { Logger } from "pino";
import type { ResourceType } from "../../../api/resource";
import type { Store } from "../../storage/store";
import type { Registry } from "../registry";
import { CustomResourceCatalog } from "./catalog";
import { CrdController } from "./controller";
import { CustomOpenApi } from "./openapi";

export { customInfo } from "./custom-type";
export { customTable } from "./printer";
export { customScale, handleCustomScale } from "./scale";
export { crdStrategy, customStrategy } from "./strategy";

export interface CustomResources {
  catalog: CustomResourceCatalog;
  /** What discovery and /openapi/v3 add for custom resources. */
  types(): ResourceType[];
  openapiRoot(): Record<string, { serverRelativeURL: string }>;
  openapiDocument(key: string): object | undefined;
  /** `served`, or a custom resource's name ("widgets", "widgets/status"): for metric labels. */
  orServed(served: (resource: string) => boolean): (resource: string) => boolean;
  /** Loads the CRDs and starts the controller; resolves to stop. */
  start(registry: Registry): Promise<() => void>;
}

export function customResources(store: Store, builtin: readonly ResourceType[], logger?: Logger): CustomResources {
  const catalog = new CustomResourceCatalog(store, builtin, logger);
  const openapi = new CustomOpenApi(catalog);
  return {
    catalog,
    types: () => catalog.types(),
    openapiRoot: () => openapi.root(),
    openapiDocument: (key) => openapi.document(key),
    orServed: (served) => (resource) => served(resource) || catalog.types().some((t) => t.plural === resource.split("/")[0]),
    async start(registry) {
      const crdType = builtin.find((t) => t.group === "apiextensions.k8s.io" && t.kind === "CustomResourceDefinition");
      const stopCatalog = await catalog.start();
      const stopController = crdType ? new CrdController(catalog, registry, crdType, logger?.child({ controller: "apiextensions" })).start() : () => {};
      return () => {
        stopController();
        stopCatalog();
      };
    },
  };
}
