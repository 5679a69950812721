// Nodes: the agent registers its Node with a status and may write it through the main resource
// as well as through status (so neither create nor update resets it).
import type { ResourceType } from "../../../api/resource";
import { genericStrategy, type Strategy } from "./strategy";

export function nodeStrategy(rt: ResourceType): Strategy {
  const generic = genericStrategy(rt);
  return {
    ...generic,
    prepareForCreate() {},
    prepareForUpdate: (next, old, subresource) => (subresource === "status" ? generic.prepareForUpdate(next, old, subresource) : next),
  };
}
