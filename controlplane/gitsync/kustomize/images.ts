// `images:` (kustomize's ImageTagTransformer): containers and initContainers whose image name
// (without tag or digest) is the entry's name get newName, newTag (dropping a digest) or digest
// (dropping the tag).
import { podSpecs, type Resource } from "./resource";

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** "reg:5000/a/b:tag@sha256:x" -> { name: "reg:5000/a/b", tag: ":tag", digest: "@sha256:x" }. */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at) : "";
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(":");
  const tagged = colon > rest.lastIndexOf("/");
  return { name: tagged ? rest.slice(0, colon) : rest, tag: tagged ? rest.slice(colon) : "", digest };
}

export function newImage(image: string, e: ImageEntry): string | undefined {
  const cur = splitImage(image);
  if (cur.name !== e.name) return undefined;
  const name = e.newName ?? cur.name;
  if (e.digest) return `${name}@${e.digest}`;
  if (e.newTag !== undefined) return `${name}:${e.newTag}`;
  return `${name}${cur.tag}${cur.digest}`;
}

export function setImages(resources: Resource[], entries: ImageEntry[]): void {
  if (entries.length === 0) return;
  for (const r of resources) {
    for (const spec of podSpecs(r.object)) {
      for (const field of ["containers", "initContainers"]) {
        const list = spec[field];
        if (!Array.isArray(list)) continue;
        for (const c of list as Array<{ image?: unknown }>) {
          if (typeof c?.image !== "string") continue;
          for (const e of entries) {
            const next = newImage(c.image, e);
            if (next !== undefined) {
              c.image = next;
              break;
            }
          }
        }
      }
    }
  }
}
